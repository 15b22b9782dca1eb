"""L6 p36: why all-positive inputs make the gradients on w all positive or all negative, and
what zero-mean data changes. One neuron with 5 weights; the sign pattern of dL/dw that
graphgrad's backward gives on 200 examples, for all-positive and for zero-mean inputs."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 6, "page": "p36",
    "asked": [("세연", "input이 항상 양수일 때 w가 모두 양수/모두 음수가 되는 이유와 이것이 zero mean data와는 무슨 관련이 있는지 "
                      "모르겠습니다.")],
    "title": {"en": "Same-sign gradients: all-positive inputs vs zero-mean data",
              "ko": "같은 부호의 기울기: 모두 양수인 입력 vs zero-mean 데이터"},
    "answer": {
        "en": "It is the gradients on w, not w itself, that share a sign. For a neuron f = σ(w·x + b), backprop gives "
              "dL/dw_i = (dL/df)·σ'·x_i: one scalar upstream times x_i. If every x_i > 0 (the data, or the outputs of a "
              "sigmoid/ReLU layer below), all the dL/dw_i have the sign of that scalar — all positive or all negative. "
              "Zero-mean data (subtract the mean from every feature) gives x_i of both signs, so the components of "
              "the gradient can point in different directions. The heat map shows it on 200 real examples: each row "
              "is one example's gradient sign pattern (red +, blue −).",
        "ko": "부호가 같아지는 것은 w 자체가 아니라 w에 대한 기울기입니다. 뉴런 f = σ(w·x + b)에서 역전파는 "
              "dL/dw_i = (dL/df)·σ'·x_i를 줍니다. 스칼라 upstream 값 하나에 x_i를 곱한 "
              "것입니다. x_i가 모두 양수이면(데이터가 그렇거나, 아래층이 sigmoid/ReLU라서 출력이 양수이면) 모든"
              " dL/dw_i가 그 스칼라와 부호가 같습니다. 즉 모두 양수이거나 모두 음수입니다. zero-mean "
              "데이터(feature마다 평균을 뺀 데이터)는 x_i의 부호가 섞여 있어서 기울기의 성분들이 서로 다른 방향을 "
              "가리킬 수 있습니다. 히트맵은 실제 예제 200개로 이것을 보여 줍니다. 한 행이 예제 하나의 기울기 "
              "부호입니다(빨강 +, 파랑 −)."},
}


def signs(X, seed=0):
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(X.shape[1]) * 0.5
    y = rng.integers(0, 2, len(X)).astype(float)
    rows = []
    for x, t in zip(X, y):
        w = gg.Value(w0, requires_grad=True, name="w")
        f = gg.sigmoid((w * x).sum() + 0.1)
        ((f - t) ** 2).backward()
        rows.append(np.sign(np.asarray(w.grad)))
    S = np.array(rows)
    same = float(np.mean(np.all(S == S[:, :1], axis=1)))
    return S, same


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    rng = np.random.default_rng(1)
    X = rng.uniform(0.1, 1.0, (200, 5))
    S_pos, same_pos = signs(X)
    S_zero, same_zero = signs(X - X.mean(axis=0))
    fig, axes = figure(8, 4.2, ncols=2)
    for ax, S, t in [(axes[0], S_pos, tr(f"all-positive x: {same_pos:.0%} same sign", f"x가 모두 양수: {same_pos:.0%}가 같은 부호")),
                     (axes[1], S_zero, tr(f"zero-mean x: {same_zero:.0%} same sign", f"zero-mean x: {same_zero:.0%}가 같은 부호"))]:
        ax.imshow(S[:60], cmap="bwr", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
        ax.set_xlabel(tr("weight i", "가중치 i")); ax.set_ylabel(tr("example", "예제"))
        ax.set_title(t, fontsize=10)
    name = save(fig, out_dir, "same_sign.png")
    return {"figures": [(name, {"en": f"Sign of dL/dw_i per example (first 60 of 200). All-positive inputs: {same_pos:.0%} of examples give a "
                                      f"gradient whose 5 components share one sign; zero-mean inputs: {same_zero:.0%}.",
                                "ko": f"예제별 dL/dw_i의 부호 (200개 중 처음 60개). 모두 양수인 입력: {same_pos:.0%}의 예제에서 5개 성분의 "
                                      f"부호가 같음; zero-mean 입력: {same_zero:.0%}."})],
            "numbers": {"same_sign_fraction_positive": same_pos, "same_sign_fraction_zero_mean": same_zero}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

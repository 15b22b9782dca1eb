"""L6 p31: what "zero-centred" / "closer to zero mean" means. Standard-normal inputs through
sigmoid, tanh, ReLU, leaky ReLU and ELU (graphgrad's activations): each output's histogram
and mean."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 6, "page": "p31",
    "asked": [("세연", "ELU 출력값이 거의 zero centered 라는 걸 봤는데 맞는지, zero centered 의미가 무엇인지 정확히 모르겠습니다. / "
                      "closer to zero mean; zero mean 의미가 무엇인지 모르겠습니다. 위의 zero centered와 같은 맥락인가요?")],
    "title": {"en": "Zero-centred outputs: the mean of each activation", "ko": "zero-centered 출력: 활성화 함수별 출력의 평균"},
    "answer": {
        "en": "Yes, the two phrases mean the same thing: a function's outputs are zero-centred when, over typical "
              "inputs, they average to 0 — positive and negative outputs balance. tanh is zero-centred (outputs in "
              "[-1, 1], symmetric). Sigmoid (mean 0.5) and ReLU (never negative) are not: every output is ≥ 0, which "
              "causes the same-sign gradients of p36. ELU lets negative inputs give negative outputs down to -1, so "
              "its mean is pulled towards 0 — 'closer to zero mean' than ReLU, though not exactly 0. The bars are the "
              "measured means on 10,000 standard-normal inputs.",
        "ko": "네, 두 표현은 같은 뜻입니다. 보통의 입력에 대해 출력의 평균이 0이면, 즉 양수 출력과 음수 출력이 균형을 "
              "이루면 zero-centered입니다. tanh는 zero-centered입니다(출력이 [-1, 1]이고 0에 "
              "대해 대칭). sigmoid(평균 0.5)와 ReLU(음수가 없음)는 아닙니다. 출력이 모두 0 이상이라서 "
              "p36의 '기울기 부호가 같아지는' 문제가 생깁니다. ELU는 음수 입력에 대해 -1까지의 음수를 출력하므로 "
              "평균이 0 쪽으로 당겨집니다. ReLU보다는 'zero mean에 가깝지만' 정확히 0은 아닙니다. 막대는 "
              "표준정규분포 입력 10,000개로 잰 평균입니다."},
}


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    x = gg.Value(np.random.default_rng(0).standard_normal(10_000))
    acts = {"sigmoid": gg.sigmoid(x), "tanh": gg.tanh(x), "ReLU": gg.relu(x),
            "leaky ReLU": F.leaky_relu(x, 0.1), "ELU": F.elu(x)}
    fig, (a0, a1) = figure(10, 3.5, ncols=2)
    means = {}
    for k, v in acts.items():
        a = v.numpy()
        means[k] = float(a.mean())
        a0.hist(a, bins=80, range=(-1.5, 3), histtype="step", lw=1.3, label=k)
    a0.axvline(0, color="k", lw=0.8)
    a0.set_title(tr("outputs for x ~ N(0, 1)", "x ~ N(0, 1)일 때의 출력"), fontsize=10)
    a0.legend(fontsize=8)
    a1.bar(list(means), list(means.values()), color=["#d62728" if abs(m) > 0.2 else "#2ca02c" for m in means.values()])
    a1.axhline(0, color="k", lw=0.8)
    a1.set_title(tr("mean output", "출력의 평균"), fontsize=10)
    name = save(fig, out_dir, "zero_centred.png")
    txt = ", ".join(f"{k} {m:.3f}" for k, m in means.items())
    return {"figures": [(name, {"en": f"Means: {txt}.", "ko": f"평균: {txt}."})],
            "numbers": {f"mean_{k.replace(' ', '_')}": m for k, m in means.items()}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

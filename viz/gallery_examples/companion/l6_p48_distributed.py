"""L6 p48: why we want each layer's outputs spread out. A 10-layer tanh net on random data
with Xavier weights vs W = 0.01·randn; the histograms are each layer's activations, and the
bars are the gradient that reaches each layer's weights in the same graphgrad backward pass."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 6, "page": "p48",
    "asked": [("소현", "출력값이 distibuted한 게 왜 좋을까요? CNN과 연관지어서 생각해보려니까 더 잘 안 되는 것 같은데.. 일단은 "
                      "weight값을 각각에 맞추어 업데이트하기 위해서라는 생각이 들기는 합니다. 만약에 출력값이 모두 같다면 weight값들이 "
                      "다 동일한 크기만큼 업데이트 될 테니까요. 이것은 결국에 신경망 학습의 이점을 상쇄시키는 거라 생각이 드는데 맞나요?")],
    "title": {"en": "Why spread-out activations matter: they are the next layer's input and set its weight gradients",
              "ko": "활성값이 고르게 퍼져 있어야 하는 이유: 다음 층의 입력이고, 그 층 가중치의 기울기를 정하기 때문"},
    "answer": {
        "en": "Your intuition is right, and the graph shows the mechanism. Each layer's activations are the next "
              "layer's input x, and the local gradient of that layer's W is x (dL/dW = xᵀ · upstream). So the "
              "activations are not the gradients, but they set them. If the activations shrink to 0 (W = 0.01·randn), "
              "the gradients of the deep layers' weights shrink with them and those layers stop learning; if they were "
              "all equal, every unit would get the same update and the units would stay copies of each other (p41). "
              "With Xavier weights every layer keeps a spread of values, so every layer's weights receive a usable, "
              "varied gradient. The same holds in a CNN: an activation map is the next conv layer's input.",
        "ko": "직관이 맞습니다. 그래프가 그 원리를 보여 줍니다. 각 층의 활성값은 다음 층의 입력 x이고, 그 층 W의 local gradient는 "
              "x입니다(dL/dW = xᵀ · upstream). 활성값이 곧 기울기는 아니지만 기울기의 크기를 정합니다. W = 0.01·randn처럼 활성값이 "
              "0으로 쪼그라들면 깊은 층 가중치의 기울기도 함께 0에 가까워져서 그 층들은 학습이 멈춥니다. 반대로 출력이 모두 같다면 모든 "
              "유닛이 같은 업데이트를 받아 서로 복사본으로 남습니다(p41). Xavier 초기화에서는 모든 층의 값이 고르게 퍼져 있으므로 모든 층의 "
              "가중치가 쓸 만하고 서로 다른 기울기를 받습니다. CNN에서도 마찬가지로 activation map이 다음 conv 층의 입력입니다."},
}

def run(scale_fn, layers=10, width=100, n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = gg.Value(rng.standard_normal((n, width)))
    Ws, acts = [], []
    for _ in range(layers):
        W = gg.Value(rng.standard_normal((width, width)) * scale_fn(width), requires_grad=True)
        Ws.append(W)
        x = gg.tanh(x @ W)
        acts.append(x)
    (x.sum()).backward()
    return [a.numpy() for a in acts], [float(np.abs(np.asarray(W.grad)).mean()) for W in Ws]


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    cases = [("W = 0.01·randn", lambda d: 0.01), ("Xavier: randn / sqrt(fan_in)", lambda d: 1 / np.sqrt(d))]
    fig, axes = figure(10, 5.2, ncols=2, nrows=2)
    numbers = {}
    for col, (label, fn) in enumerate(cases):
        acts, grads = run(fn)
        ax = axes[0, col]
        for i in (0, 3, 6, 9):
            ax.hist(acts[i].ravel(), bins=40, range=(-1, 1), histtype="step", lw=1.4, label=t(f"layer {i + 1}", f"{i + 1}층"))
        ax.set_yscale("log")
        ax.set_title(t(f"{label}: activations", f"{label}: 활성값"), fontsize=10)
        ax.legend(fontsize=8)
        axes[1, col].bar(np.arange(1, 11), grads, color="#d62728")
        axes[1, col].set_yscale("log")
        axes[1, col].set_xlabel(t("layer", "층"))
        axes[1, col].set_title(t("mean |dL/dW| per layer (graphgrad backward)", "층별 |dL/dW|의 평균 (graphgrad 역전파)"), fontsize=10)
        key = "small" if col == 0 else "xavier"
        numbers[f"{key}_std_layer10"] = float(acts[-1].std())
        numbers[f"{key}_grad_layer1"] = grads[0]
    name = save(fig, out_dir, "distributed.png")
    return {"figures": [(name, {
        "en": f"Left: 0.01·randn, layer-10 activations have std {numbers['small_std_layer10']:.1e} and the first layer's "
              f"weight gradient is {numbers['small_grad_layer1']:.1e}. Right: Xavier, std {numbers['xavier_std_layer10']:.2f}, "
              f"gradient {numbers['xavier_grad_layer1']:.2f}.",
        "ko": f"왼쪽: 0.01·randn에서 10층 활성값의 표준편차 {numbers['small_std_layer10']:.1e}, 첫 층 가중치 기울기 "
              f"{numbers['small_grad_layer1']:.1e}. 오른쪽: Xavier, 표준편차 {numbers['xavier_std_layer10']:.2f}, 기울기 "
              f"{numbers['xavier_grad_layer1']:.2f}."})], "numbers": numbers}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

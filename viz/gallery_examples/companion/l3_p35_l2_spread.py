"""L3 p35: the slide's example x = [1, 1, 1, 1], w1 = [1, 0, 0, 0], w2 = [.25, .25, .25, .25]:
both give w·x = 1; the L1 and L2 penalties of each, and of the whole family between them."""
import numpy as np

PAGE = {
    "lecture": 3, "page": "p35",
    "asked": [("소현", "여기 예시를 이용해서 L1과 L2 규제에 대해서 이해를 해봤는데.. 이렇게 이해하는게 맞는지궁금합니다. 우선 L1의 경우 "
                      "W에 대한 L1 Norm을 규제로 쓰는 것인데 기존 Loss Function을 제쳐두고 L1 규제를 작게 하기 위해서는 벡터의 "
                      "대부분의 요소들이 0인 것이 좋다고 생각했습니다. 왜냐하면 L1 Norm은 W의 절대값들의 합이므로 최대한 절대값이 "
                      "적게 하도록 0이 되도록 학습하기 때문입니다. 반대로 L2의 경우 W의 제곱들의 합이므로 이를 작게 하기 위해서는 "
                      "작은 값들이 분산이 되어 있는 경우가 제일 작다고 생각했습니다. 그래서 W가 덜 매끄럽다(값이 튄다)는 것이 모델의 "
                      "복잡도를 나타낸다고 이해했습니다. 맞나요?")],
    "title": {"en": "L2 prefers spread-out weights; L1 does not mind", "ko": "L2는 고르게 퍼진 가중치를 선호하고 L1은 상관하지 않는다"},
    "answer": {
        "en": "Mostly right, with one correction. Along the slide's family of weights that all give the same score "
              "w·x = 1 (from w1 = [1, 0, 0, 0] to w2 = [.25, .25, .25, .25]), L2 = Σw² falls from 1 to 0.25: L2 "
              "strongly prefers the spread-out w2, which uses every input a little — that is the 'less spiky, less "
              "complex' W you describe. But L1 = Σ|w| is 1 along the whole family: L1 does not prefer the sparse w1 "
              "here. L1's pull towards exact zeros comes from its constant gradient when the data term is added "
              "(see p34), not from the value of the norm at these two points.",
        "ko": "대체로 맞고, 한 가지만 고치면 됩니다. 슬라이드처럼 점수 w·x = 1이 같은 가중치들을 w1 = [1, 0,"
              " 0, 0]에서 w2 = [.25, .25, .25, .25]까지 따라가 보면 L2 = Σw²는 1에서 "
              "0.25로 줄어듭니다. 즉 L2는 모든 입력을 조금씩 쓰는 고르게 퍼진 w2를 확실히 더 좋아합니다. 말씀하신 "
              "'덜 튀는, 덜 복잡한' W가 이것입니다. 그런데 L1 = Σ|w|는 이 경로 위에서 내내 1입니다. 그러니 "
              "여기서 L1이 희소한 w1을 더 좋아하는 것은 아닙니다. L1이 가중치를 정확히 0으로 만드는 힘은 이 두 점의"
              " norm 값이 아니라, 데이터 항과 더해질 때 크기가 일정한 기울기에서 나옵니다(p34 참고)."},
}


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    t = np.linspace(0, 1, 101)
    w1, w2 = np.array([1.0, 0, 0, 0]), np.full(4, 0.25)
    W = (1 - t)[:, None] * w1 + t[:, None] * w2
    x = np.ones(4)
    scores = W @ x
    l1, l2 = np.abs(W).sum(axis=1), (W ** 2).sum(axis=1)
    fig, ax = figure(6.4, 3.4)
    ax.plot(t, l1, color="#d62728", label="L1 = Σ|w|")
    ax.plot(t, l2, color="#1f77b4", label="L2 = Σw²")
    ax.plot(t, scores, ":", color="#555", label=tr("score w·x (same for all)", "점수 w·x (모두 같음)"))
    ax.set_xlabel("t: w = (1 - t)·w1 + t·w2")
    ax.set_xticks([0, 1], ["w1 = [1,0,0,0]", "w2 = [.25]*4"])
    ax.legend(fontsize=8)
    name = save(fig, out_dir, "l2_spread.png")
    return {"figures": [(name, {"en": f"L2: w1 {l2[0]:.2f}, w2 {l2[-1]:.2f}. L1: w1 {l1[0]:.2f}, w2 {l1[-1]:.2f}.",
                                "ko": f"L2: w1 {l2[0]:.2f}, w2 {l2[-1]:.2f}. L1: w1 {l1[0]:.2f}, w2 {l1[-1]:.2f}."})],
            "numbers": {"l2_w1": float(l2[0]), "l2_w2": float(l2[-1]), "l1_w1": float(l1[0]), "l1_w2": float(l1[-1])}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

"""L6 p35 (note 001): does zero-mean input fix sigmoid's not-zero-centred problem? Only for the
first layer: every later layer's input is a sigmoid output, in (0, 1), all positive again. A
5-layer net, one example at a time: the fraction of neurons whose weight gradient has entries of
one sign only, layer by layer, for sigmoid and tanh."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 6, "page": "p35",
    "asked": [("6강 리뷰", "Sigmoid 문제점을 해결할 수 있을까?")],
    "title": {"en": "Zero-mean input fixes sigmoid's sign problem in the first layer only",
              "ko": "입력을 zero-mean으로 만들어도 sigmoid의 부호 문제는 첫 층에서만 풀린다"},
    "answer": {
        "en": "The note's answer is right, and here is the measurement. A neuron's weight gradient for one example is "
              "upstream × input, so when all its inputs are positive every entry has the sign of the single upstream "
              "number: the weights can only all go up or all go down (p21). Zero-mean data gives the first layer inputs "
              "of both signs. But the first layer's output goes through sigmoid, which is always between 0 and 1, so the "
              "second layer's inputs are all positive again (mean about 0.5), and so on for every later layer.\n\n"
              "In the experiment (5 layers of 20 sigmoid units, zero-mean input) almost no first-layer neuron has a "
              "one-sign gradient, and every neuron of layers 2 to 5 has one. With tanh, whose output is zero-centred, "
              "no layer has the problem. That is why the lecture moves on to tanh, ReLU variants closer to zero mean, "
              "and batch normalisation: the fix has to happen at every layer, not only at the input.",
        "ko": "노트의 답이 맞고, 실제로 재 보면 이렇습니다. 예제 하나에 대한 뉴런의 가중치 기울기는 upstream × 입력이라서, 입력이 모두 "
              "양수이면 모든 성분의 부호가 upstream 값 하나의 부호와 같습니다. 그래서 가중치가 다 같이 커지거나 다 같이 작아질 수밖에 "
              "없습니다(p21). 데이터를 zero-mean으로 만들면 첫 층의 입력에는 양수와 음수가 섞입니다. 하지만 첫 층의 출력은 sigmoid를 "
              "거치므로 항상 0과 1 사이이고, 두 번째 층의 입력은 다시 모두 양수(평균 약 0.5)가 됩니다. 그 뒤의 층도 모두 마찬가지입니다.\n\n"
              "실험(sigmoid 유닛 20개짜리 층 5개, zero-mean 입력)에서 첫 층에는 기울기 부호가 한쪽뿐인 뉴런이 거의 없고, 2~5층은 모든 "
              "뉴런이 그렇습니다. 출력이 zero-centered인 tanh에서는 어느 층에도 이 문제가 없습니다. 그래서 강의는 tanh, 평균이 0에 가까운 "
              "ReLU 변형, 배치 정규화로 넘어갑니다. 입력에서 한 번이 아니라 층마다 해결해야 하기 때문입니다."},
}


def one_sign_fraction(act, layers=5, width=20, n=200, seed=0):
    """Per layer: the fraction of (example, neuron) pairs whose weight-gradient row has a single
    sign, and the mean of the layer's input; gradients by graphgrad's backward."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, width))
    X -= X.mean(axis=0)                                   # zero-mean data, as preprocessing makes it
    Ws = [rng.standard_normal((width, width)) / np.sqrt(width) for _ in range(layers)]
    frac = np.zeros(layers)
    means = np.zeros(layers)
    for x in X:
        Wv = [gg.Value(W, requires_grad=True) for W in Ws]
        h, ins = gg.Value(x), []
        for W in Wv:
            ins.append(h.numpy())
            h = act(h @ W)
        h.sum().backward()
        for i, W in enumerate(Wv):
            g = np.asarray(W.grad)                        # column j = neuron j's weights
            frac[i] += np.mean(np.all(g > 0, axis=0) | np.all(g < 0, axis=0)) / n
            means[i] += np.mean(ins[i]) / n
    return frac, means


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    f_sig, m_sig = one_sign_fraction(gg.sigmoid)
    f_tanh, m_tanh = one_sign_fraction(gg.tanh)
    fig, (a0, a1) = figure(10, 3.4, ncols=2)
    x = np.arange(1, 6)
    a0.bar(x - 0.2, f_sig, 0.4, label="sigmoid", color="#d62728")
    a0.bar(x + 0.2, f_tanh, 0.4, label="tanh", color="#1f77b4")
    a0.set_xlabel(t("layer", "층")); a0.set_ylabel(t("neurons with one-sign gradient", "기울기 부호가 한쪽뿐인 뉴런 비율"))
    a0.set_ylim(0, 1.05); a0.legend(fontsize=8)
    a0.set_title(t("zero-mean input helps layer 1 only", "zero-mean 입력은 1층에만 효과"), fontsize=10)
    a1.plot(x, m_sig, "o-", color="#d62728", label="sigmoid")
    a1.plot(x, m_tanh, "o-", color="#1f77b4", label="tanh")
    a1.axhline(0, color="#999", lw=0.8)
    a1.set_xlabel(t("layer", "층")); a1.set_ylabel(t("mean of the layer's input", "층 입력의 평균")); a1.legend(fontsize=8)
    a1.set_title(t("after one sigmoid, inputs are positive again", "sigmoid를 한 번 지나면 입력은 다시 양수"), fontsize=10)
    name = save(fig, out_dir, "zero_mean_sigmoid.png")
    return {"figures": [(name, {
        "en": f"Sigmoid: {f_sig[0]:.0%} of layer-1 neurons but at least {f_sig[1:].min():.0%} in each of layers 2-5 have one-sign weight gradients; "
              f"tanh: at most {f_tanh.max():.0%} in any layer.",
        "ko": f"sigmoid: 기울기 부호가 한쪽뿐인 뉴런이 1층에서는 {f_sig[0]:.0%}, 2~5층에서는 층마다 {f_sig[1:].min():.0%} 이상. "
              f"tanh: 어느 층이든 {f_tanh.max():.0%} 이하."})],
        "numbers": {"sigmoid_one_sign": f_sig.tolist(), "tanh_one_sign": f_tanh.tolist(),
                    "sigmoid_input_mean": m_sig.tolist(), "tanh_input_mean": m_tanh.tolist()}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

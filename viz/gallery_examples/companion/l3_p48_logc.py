"""L3 p48: why the softmax loss starts at log C. A linear classifier with W = 0.001·randn on
random data, for C = 2..20 classes: graphgrad's cross_entropy at initialisation vs log C."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 3, "page": "p48",
    "asked": [("혜지", "왜 log(C )인지 모르겠음"),
              ("소현", "왜 W의 초기값이 매우 작고 score 값들이 0에 가까울 대 Loss가 logC인지 궁금합니다. 학생 중 대답으로 "
                      "-log(1/C)도 있었는데 그것도 어떻게 유도된 건지 궁금합니다.")],
    "title": {"en": "The softmax loss at initialisation is log C", "ko": "초기화 직후 softmax loss는 log C"},
    "answer": {
        "en": "With tiny weights every score s_j is about 0, so every exp(s_j) is about 1 and softmax gives each of the "
              "C classes probability 1/C. The loss is -log(probability of the correct class) = -log(1/C) = log C "
              "(since log(1/C) = log 1 - log C = -log C). For CIFAR-10, log 10 ≈ 2.30. The plot computes the real loss "
              "of a freshly initialised classifier with graphgrad for C = 2 ... 20; it sits on the log C curve. If "
              "your first loss is far from log C, the implementation (or the initialisation) is wrong: it is the "
              "lecture's first sanity check.",
        "ko": "가중치가 아주 작으면 점수 s_j가 모두 거의 0이고 exp(s_j)는 모두 거의 1이므로, softmax는 "
              "C개 클래스에 똑같이 확률 1/C를 줍니다. loss는 -log(정답 클래스의 확률) = -log(1/C) = "
              "log C입니다(log(1/C) = log 1 - log C = -log C). CIFAR-10이라면 log "
              "10 ≈ 2.30입니다. 그림은 graphgrad로 방금 초기화한 분류기의 실제 loss를 C = 2부터 "
              "20까지 계산한 것으로, 점들이 log C 곡선 위에 놓입니다. 첫 loss가 log C와 크게 다르면 구현이나"
              " 초기화가 틀린 것입니다. 강의에서 말하는 첫 번째 sanity check가 이것입니다."},
}


def initial_loss(C, n=200, d=50, seed=0):
    rng = np.random.default_rng(seed)
    X = gg.Value(rng.standard_normal((n, d)))
    W = gg.Value(0.001 * rng.standard_normal((d, C)), requires_grad=True)
    return float(F.cross_entropy(X @ W, rng.integers(0, C, n)).item())


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    Cs = np.arange(2, 21)
    losses = np.array([initial_loss(int(c)) for c in Cs])
    fig, ax = figure(6.4, 3.6)
    ax.plot(Cs, np.log(Cs), "-", color="#2ca02c", label="log C")
    ax.plot(Cs, losses, "o", color="#d62728", label=tr("graphgrad cross_entropy at init", "초기화 직후 graphgrad cross_entropy"))
    ax.set_xlabel(tr("number of classes C", "클래스 수 C"))
    ax.set_ylabel(tr("initial loss", "처음 loss"))
    ax.legend()
    name = save(fig, out_dir, "logc.png")
    err = float(np.max(np.abs(losses - np.log(Cs))))
    return {"figures": [(name, {"en": f"Dots: the loss of a fresh classifier; line: log C. Largest gap {err:.1e}; C = 10 gives {losses[8]:.4f} (log 10 = 2.3026).",
                                "ko": f"점: 막 초기화한 분류기의 loss, 선: log C. 최대 차이 {err:.1e}; C = 10이면 {losses[8]:.4f} (log 10 = 2.3026)."})],
            "numbers": {"max_abs_gap": err, "loss_C10": float(losses[8])}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

"""L3 p41: why cross-entropy, KL divergence and maximum likelihood are "the same" here. During
a graphgrad training run of a softmax classifier on the digits, the three quantities are
computed side by side each step: they coincide."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 3, "page": "p41",
    "asked": [("세연", "softmax와 두 분포 간의 KL divergence, MLE? 비슷한 방식인 이유?")],
    "title": {"en": "Softmax loss = cross-entropy = KL to the one-hot target = negative log-likelihood",
              "ko": "softmax loss = cross-entropy = one-hot 정답과의 KL = 음의 로그 가능도"},
    "answer": {
        "en": "Softmax turns scores into a predicted distribution q over classes; the label is the 'true' distribution "
              "p, all its mass on the correct class y. Three views of the loss then agree. Cross-entropy: H(p, q) = "
              "-Σ p_c log q_c = -log q_y. KL divergence: KL(p || q) = H(p, q) - H(p), and a one-hot p has entropy "
              "H(p) = 0, so minimising KL is minimising the cross-entropy. Maximum likelihood: the probability the "
              "model gives the training labels is Π q_y; maximising it is minimising -Σ log q_y, the same sum. The "
              "plot computes all three from the same scores at every step of a real run: the curves lie on top of "
              "each other.",
        "ko": "softmax는 점수를 클래스에 대한 예측 분포 q로 바꾸고, 정답 레이블은 정답 클래스 y에 확률이 전부 몰린"
              " '참' 분포 p로 볼 수 있습니다. 그러면 loss를 보는 세 가지 관점이 같아집니다. cross-"
              "entropy는 H(p, q) = -Σ p_c log q_c = -log q_y입니다. KL "
              "divergence는 KL(p || q) = H(p, q) - H(p)인데, one-hot인 p의 엔트로피는 "
              "H(p) = 0이므로 KL을 최소화하는 것이 곧 cross-entropy를 최소화하는 것입니다. 최대 가능도 "
              "추정(MLE)에서는 모델이 학습 레이블에 주는 확률 Π q_y를 최대화하는데, 이는 -Σ log q_y, 즉 "
              "같은 합을 최소화하는 것과 같습니다. 그림은 실제 학습의 매 스텝에서 같은 점수로 세 값을 계산한 것이고, "
              "곡선이 정확히 겹칩니다."},
}


def make(out_dir):
    from graphgrad.data import load_digits
    from graphgrad.viz.companion import figure, save, t as tr
    d = load_digits()
    X, y = d.X_train - d.X_train.mean(axis=0), d.y_train
    W = np.zeros((64, 10))
    ce, kl, nll = [], [], []
    P = np.eye(10)[y]
    for _ in range(60):
        Wv = gg.Value(W, requires_grad=True)
        L = F.cross_entropy(gg.Value(X) @ Wv, y)
        L.backward()
        s = X @ W
        q = np.exp(s - s.max(axis=1, keepdims=True)); q /= q.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl.append(float(np.mean(np.sum(np.where(P > 0, P * np.log(P / q), 0.0), axis=1))))
        nll.append(float(-np.mean(np.log(q[np.arange(len(y)), y]))))
        ce.append(float(L.item()))
        W = W - 0.3 * np.asarray(Wv.grad)
    fig, ax = figure(6.4, 3.4)
    ax.plot(ce, lw=5, alpha=0.35, color="#d62728", label="graphgrad cross_entropy")
    ax.plot(kl, "--", color="#1f77b4", label="KL(one-hot || softmax)")
    ax.plot(nll, ":", lw=2, color="k", label="-mean log q_y (NLL)")
    ax.set_xlabel(tr("step", "스텝")); ax.legend(fontsize=8)
    name = save(fig, out_dir, "ce_kl_nll.png")
    gap = float(max(np.max(np.abs(np.array(ce) - kl)), np.max(np.abs(np.array(ce) - nll))))
    return {"figures": [(name, {"en": f"60 steps of a softmax classifier on the digits; the three curves differ by at most {gap:.1e}.",
                                "ko": f"숫자 데이터에서 softmax 분류기 60스텝; 세 곡선의 차이는 최대 {gap:.1e}."})],
            "numbers": {"max_gap": gap, "loss_first": ce[0], "loss_last": ce[-1]}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

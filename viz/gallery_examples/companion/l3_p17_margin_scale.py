"""L3 p17: why the SVM margin 1 is arbitrary. Linear SVMs trained with graphgrad's svm_loss
(+ L2) on the digits with margin Δ = 1 and Δ = 10: the weights scale by about Δ, the
predictions are the same."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 3, "page": "p17",
    "asked": [("소현", "Loss Function에서 safety margin을 1로 설정을 했는데 이를 설정한 이유를 설명하면서 “스코어의 숫자보다는 스코어 "
                      "간의 차이에 더 집중한다. 이 1은 W의 스케일에 의해 상쇄된다.”고 했는데 여기서 W의 스케일이 뭔지 궁금합니다.")],
    "title": {"en": "The margin 1 and the scale of W", "ko": "margin 1 과 W 의 스케일"},
    "answer": {
        "en": "The scale of W is its overall size, e.g. its norm ||W||. Multiply W by c and every score s = Wx, and every "
              "difference between scores, is multiplied by c. So asking for a margin of 10 is the same as asking for a "
              "margin of 1 with a W ten times larger: any margin Δ can be traded for a rescaling of W, and the "
              "classifier (which class scores highest) does not change. Only the regularisation, which penalises "
              "large W, pins the scale down. The experiment trains two SVMs that differ only in Δ: their weights differ "
              "by a factor close to Δ and they predict the same class for almost every example.",
        "ko": "W 의 스케일은 W 의 전체적인 크기, 예를 들어 norm ||W|| 입니다. W 에 c 를 곱하면 모든 점수 s = Wx 와 점수 사이의 모든 "
              "차이가 c 배가 됩니다. 그래서 margin 10 을 요구하는 것은 10배 큰 W 로 margin 1 을 요구하는 것과 같습니다. 어떤 margin Δ "
              "도 W 의 스케일 조정으로 바꿀 수 있고, 분류 결과(어느 클래스 점수가 가장 큰지)는 바뀌지 않습니다. 큰 W 에 벌점을 주는 "
              "regularization 만이 스케일을 정합니다. 실험은 Δ 만 다른 두 SVM 을 학습합니다. 가중치는 Δ 에 가까운 배수만큼 다르고 거의 "
              "모든 예제에서 같은 클래스를 예측합니다."},
}


def train(X, y, margin, reg, steps=200, lr=0.05):
    W = np.zeros((X.shape[1], 10))
    for _ in range(steps):
        Wv = gg.Value(W, requires_grad=True)
        (F.svm_loss(gg.Value(X) @ Wv, y, margin=margin) + (Wv * Wv).sum() * reg).backward()
        W = W - lr * np.asarray(Wv.grad)
    return W


def make(out_dir):
    from graphgrad.data import load_digits
    from graphgrad.viz.companion import figure, save
    d = load_digits()
    X, y = d.X_train - d.X_train.mean(axis=0), d.y_train
    W1 = train(X, y, 1.0, 1e-2)
    # reg scaled by 1/Δ and lr by Δ: in units of W/Δ this is the same problem and the same steps
    W10 = train(X, y, 10.0, 1e-3, lr=0.5)
    Xv = d.X_val - d.X_train.mean(axis=0)
    p1, p10 = np.argmax(Xv @ W1, axis=1), np.argmax(Xv @ W10, axis=1)
    agree = float(np.mean(p1 == p10))
    ratio = float(np.linalg.norm(W10) / np.linalg.norm(W1))
    fig, (a0, a1) = figure(9, 3.4, ncols=2)
    a0.scatter(W1.ravel(), W10.ravel(), s=4)
    lim = np.abs(W10).max()
    a0.plot([-lim / 10, lim / 10], [-lim, lim], ":", color="#999", label="W(Δ=10) = 10·W(Δ=1)")
    a0.set_xlabel("weights, margin Δ = 1"); a0.set_ylabel("weights, margin Δ = 10"); a0.legend(fontsize=8)
    a1.bar(["||W||, Δ=1", "||W||, Δ=10"], [np.linalg.norm(W1), np.linalg.norm(W10)], color=["#1f77b4", "#d62728"])
    a1.set_title(f"ratio {ratio:.2f}; same prediction on {agree:.1%} of validation", fontsize=10)
    name = save(fig, out_dir, "margin_scale.png")
    return {"figures": [(name, {"en": f"||W|| grows by {ratio:.2f}× when the margin grows 10×; the two classifiers agree on {agree:.1%} of the validation digits.",
                                "ko": f"margin 을 10배로 하면 ||W|| 가 {ratio:.2f}배가 됩니다. 두 분류기는 검증 숫자의 {agree:.1%} 에서 같은 답을 냅니다."})],
            "numbers": {"norm_ratio": ratio, "agreement": agree}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

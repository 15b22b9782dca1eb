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
    "title": {"en": "The margin 1 and the scale of W", "ko": "margin 1과 W의 스케일"},
    "answer": {
        "en": "The scale of W is its overall size, e.g. its norm ||W||. Multiply W by c and every score s = Wx, and every "
              "difference between scores, is multiplied by c. So asking for a margin of 10 is the same as asking for a "
              "margin of 1 with a W ten times larger: without regularisation, any margin Δ can be traded for a rescaling "
              "of W, and the classifier (which class scores highest) does not change.\n\n"
              "With regularisation λ||W||² the trade is not free, because a larger W costs more. Written in units of W/Δ, "
              "the loss with margin Δ and strength λ is exactly Δ times the loss with margin 1 and strength λΔ. So Δ and "
              "λ are one hyperparameter, not two: the course fixes Δ = 1 and tunes λ. The experiment shows both halves. Changing Δ "
              "from 1 to 10 alone (same λ, same steps) grows ||W|| by about 5.4×, not 10×, and changes a few predictions, "
              "because it is the same as training with a 10× stronger λ. Changing Δ to 10 and λ to λ/10 together (and the "
              "learning rate to match) gives exactly 10× the weights and the same predictions on every example.",
        "ko": "W의 스케일은 W의 전체적인 크기, 예를 들어 norm ||W||입니다. W에 c를 곱하면 모든 점수 s = Wx와 점수 사이의 차이가 전부 "
              "c배가 됩니다. 그래서 margin을 10으로 요구하는 것은 W를 10배 키우고 margin 1을 요구하는 것과 같습니다. 규제가 없다면 어떤 "
              "margin Δ든 W의 스케일을 바꾸는 것으로 대신할 수 있고, 분류 결과(어느 클래스의 점수가 가장 큰지)는 바뀌지 않습니다.\n\n"
              "규제 λ||W||²가 있으면 W가 클수록 벌점이 커지므로 공짜로 바꿀 수는 없습니다. W/Δ를 단위로 다시 쓰면, margin Δ와 규제 "
              "강도 λ의 loss는 margin 1과 강도 λΔ의 loss에 Δ를 곱한 것과 정확히 같습니다. 즉 Δ와 λ는 따로 정하는 두 값이 아니라 사실상 하이퍼파라미터 하나입니다. "
              "그래서 강의에서는 Δ = 1로 고정하고 λ만 조정합니다. 실험이 이 두 가지를 보여 줍니다. 다른 것은 그대로 두고 Δ만 1에서 10으로 "
              "바꾸면 ||W||는 10배가 아니라 약 5.4배가 되고 예측도 몇 개 달라집니다. λ를 10배 강하게 해서 학습한 것과 같기 때문입니다. "
              "Δ를 10으로, λ를 λ/10으로 함께 바꾸면(학습률도 맞춰서) 가중치가 정확히 10배가 되고 모든 예제에서 예측이 같습니다."},
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
    from graphgrad.viz.companion import figure, save, t
    d = load_digits()
    X, y = d.X_train - d.X_train.mean(axis=0), d.y_train
    reg = 1e-2
    W1 = train(X, y, 1.0, reg)
    W10 = train(X, y, 10.0, reg)                       # Δ alone
    # Δ·10 with λ/10: in units of V = W/Δ the same problem (the loss is Δ·(data(V) + λΔ||V||²)); the gradient
    # in W equals the gradient in V, so a step of lr·Δ in W is a step of lr in V: the same run, scaled by Δ
    W10s = train(X, y, 10.0, reg / 10, lr=0.5)
    Xv = d.X_val - d.X_train.mean(axis=0)
    p1 = np.argmax(Xv @ W1, axis=1)
    agree = float(np.mean(p1 == np.argmax(Xv @ W10, axis=1)))
    agree_s = float(np.mean(p1 == np.argmax(Xv @ W10s, axis=1)))
    n1 = np.linalg.norm(W1)
    ratio, ratio_s = float(np.linalg.norm(W10) / n1), float(np.linalg.norm(W10s) / n1)
    fig, (a0, a1) = figure(10, 3.6, ncols=2)
    a0.scatter(W1.ravel(), W10.ravel(), s=4, color="#d62728", label=t(f"Δ = 10 alone ({ratio:.2f}×)", f"Δ = 10만 ({ratio:.2f}배)"))
    a0.scatter(W1.ravel(), W10s.ravel(), s=4, color="#2ca02c", label=t(f"Δ = 10, λ/10 ({ratio_s:.2f}×)", f"Δ = 10, λ/10 ({ratio_s:.2f}배)"))
    lim = np.abs(W1).max()
    a0.plot([-lim, lim], [-10 * lim, 10 * lim], ":", color="#999", label="10·W(Δ=1)")
    a0.set_xlabel(t("weights, Δ = 1", "가중치, Δ = 1")); a0.set_ylabel(t("weights, Δ = 10", "가중치, Δ = 10")); a0.legend(fontsize=8)
    labels = ["Δ=1", t("Δ=10 alone", "Δ=10만"), "Δ=10, λ/10"]
    a1.bar(labels, [n1, np.linalg.norm(W10), np.linalg.norm(W10s)], color=["#1f77b4", "#d62728", "#2ca02c"])
    a1.set_ylabel("||W||")
    a1.set_title(t(f"same predictions: {agree:.0%} (Δ alone), {agree_s:.0%} (Δ with λ)", f"같은 예측: {agree:.0%} (Δ만), {agree_s:.0%} (Δ와 λ)"), fontsize=10)
    name = save(fig, out_dir, "margin_scale.png")
    return {"figures": [(name, {
        "en": f"Δ from 1 to 10 alone: ||W|| grows {ratio:.2f}× and {agree:.1%} of the validation predictions stay the same. Δ to 10 "
              f"with λ/10: {ratio_s:.2f}× and {agree_s:.1%}. Δ and λ are one hyperparameter.",
        "ko": f"Δ만 1에서 10으로 바꾸면 ||W||가 {ratio:.2f}배가 되고 검증 예측의 {agree:.1%}가 그대로입니다. Δ를 10으로, λ를 λ/10으로 "
              f"함께 바꾸면 {ratio_s:.2f}배, {agree_s:.1%}입니다. Δ와 λ는 사실상 하이퍼파라미터 하나입니다."})],
        "numbers": {"norm_ratio_delta_alone": ratio, "agreement_delta_alone": agree,
                    "norm_ratio_delta_and_reg": ratio_s, "agreement_delta_and_reg": agree_s}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

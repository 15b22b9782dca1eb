"""L3 p75 (note 003): step size vs learning rate vs batch size. The first two are one
hyperparameter (the code on the slide calls it step_size); the batch size is another knob: how
many examples estimate the gradient. Gradient descent on a 2-D quadratic with four learning
rates, and the spread of minibatch gradients for batch sizes 1 to 256, computed with graphgrad."""
import numpy as np

import graphgrad as gg

A = np.array([[3.0, 0.0], [0.0, 0.5]])      # loss(w) = ½ wᵀAw: a valley steep in w1, shallow in w2

PAGE = {
    "lecture": 3, "page": "p75",
    "asked": [("AIFFEL DAY 10", "Q. step size vs learning rate vs batch size")],
    "title": {"en": "Step size, learning rate, batch size", "ko": "step size, 학습률, 배치 크기"},
    "answer": {
        "en": "Step size and learning rate are two names for the same number η in the update w ← w - η·∇L(w) (the slide's "
              "code calls it step_size). It is not a 'speed of learning within a step': it is the factor that turns the "
              "gradient into the step. The step's length is η·||∇L||, so it shrinks by itself as the gradient does near a "
              "minimum. Too small an η crawls; too large overshoots and diverges (here, on a valley whose steepest "
              "curvature is 3, any η above 2/3 diverges).\n\n"
              "The batch size is a different knob: how many examples the gradient is averaged over. It does not set how far "
              "a step goes but how noisy its direction is: the spread of a minibatch gradient around the full-data "
              "gradient falls like 1/sqrt(batch size) (the experiment measures it). A larger batch gives a better "
              "estimate per step at a higher cost per step; that is why η and batch size are tuned together.",
        "ko": "step size와 학습률은 업데이트 w ← w - η·∇L(w)에 들어가는 같은 숫자 η를 부르는 두 이름입니다(슬라이드의 코드에서는 "
              "step_size라고 씁니다). '한 스텝 안에서 학습하는 정도'가 아니라 기울기에 곱해서 한 스텝을 만드는 계수입니다. 스텝의 "
              "길이는 η·||∇L||이므로 최솟값 근처에서 기울기가 작아지면 스텝도 저절로 작아집니다. η가 너무 작으면 거의 움직이지 않고, "
              "너무 크면 최솟값을 지나쳐 발산합니다(여기서는 가장 가파른 곡률이 3인 골짜기라서 η가 2/3을 넘으면 발산합니다).\n\n"
              "배치 크기는 이와 다른 하이퍼파라미터로, 기울기를 예제 몇 개로 평균 내는지를 정합니다. 스텝이 얼마나 멀리 가는지가 아니라 방향이 "
              "얼마나 흔들리는지를 정합니다. 미니배치 기울기가 전체 데이터 기울기 주위로 퍼지는 정도는 1/sqrt(배치 크기)로 줄어듭니다"
              "(실험에서 직접 잽니다). 배치가 크면 스텝마다 더 정확하지만 스텝 하나가 더 비쌉니다. 그래서 학습률과 배치 크기는 함께 "
              "조정합니다."},
    "corrects": [
        {"claim": "gradient(접평면에 수직인 백터)", "where": "003 (L3)",
         "fix": {"en": "The gradient ∇L(w) lives in the space of w and is perpendicular to the level set L(w) = const "
                       "through w (the contour line in the left panel), pointing uphill. It is not perpendicular to the "
                       "tangent plane of the loss surface; the normal of that plane is (∇L, -1), one dimension higher.",
                 "ko": "기울기 ∇L(w)는 w의 공간에 있는 벡터이고, w를 지나는 등고선 L(w) = 일정(왼쪽 그림의 등고선)에 수직이며 "
                       "오르막 방향을 가리킵니다. loss 곡면의 접평면에 수직인 것은 아닙니다. 접평면의 법선은 한 차원 높은 (∇L, -1)입니다."}},
        {"claim": "스텝 사이즈를 통해서 학습을 했을 때, 그 학습의 속도를 Learning Rate라고 한다.", "where": "003 (L3)",
         "fix": {"en": "Step size and learning rate are the same hyperparameter η, not two; and the batch size is a third, "
                       "separate one.",
                 "ko": "step size와 학습률은 둘이 아니라 같은 하이퍼파라미터 η입니다. 배치 크기는 이와 별개인 세 번째 하이퍼파라미터입니다."}}],
}


def descend(lr, steps=25, w0=(-2.0, 2.5)):
    """Gradient descent on ½ wᵀAw with graphgrad's gradient; the path of w."""
    w = np.array(w0)
    path = [w.copy()]
    for _ in range(steps):
        wv = gg.Value(w, requires_grad=True)
        (0.5 * (wv @ (gg.Value(A) @ wv))).backward()
        w = w - lr * np.asarray(wv.grad)
        path.append(w.copy())
    return np.array(path)


def batch_spread(sizes=(1, 4, 16, 64, 256), n=4096, trials=300, seed=0):
    """Linear regression on n examples: the spread (rms distance) of minibatch gradients
    around the full-data gradient, for each batch size."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 2))
    y = X @ np.array([1.0, -2.0]) + 0.5 * rng.standard_normal(n)
    w = np.zeros(2)

    def grad(idx):
        wv = gg.Value(w, requires_grad=True)
        r = gg.Value(X[idx]) @ wv - gg.Value(y[idx])
        ((r * r).mean()).backward()
        return np.asarray(wv.grad)
    full = grad(np.arange(n))
    return {b: float(np.sqrt(np.mean([np.sum((grad(rng.choice(n, b, replace=False)) - full) ** 2)
                                      for _ in range(trials)]))) for b in sizes}


def normal_to_level_set(w=(1.2, 0.9), h=1e-4):
    """cos of the angle between ∇L(w) and the level curve's tangent at w (0 = perpendicular)."""
    w = np.asarray(w)
    g = A @ w
    tangent = np.array([-g[1], g[0]])           # along the contour: the direction where L does not change
    p = w + h * tangent / np.linalg.norm(tangent)
    q = w - h * tangent / np.linalg.norm(tangent)
    change = abs(0.5 * p @ A @ p - 0.5 * q @ A @ q)
    return float(abs(g @ tangent) / np.linalg.norm(g) / np.linalg.norm(tangent)), float(change)


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    lrs = (0.05, 0.3, 0.6, 0.7)
    paths = {lr: descend(lr) for lr in lrs}
    spread = batch_spread()
    cos, change = normal_to_level_set()
    fig, (a0, a1) = figure(11, 4.2, ncols=2)
    u = np.linspace(-3, 3, 200)
    U, V = np.meshgrid(u, u)
    a0.contour(U, V, 0.5 * (3 * U ** 2 + 0.5 * V ** 2), levels=12, colors="#bbb", linewidths=0.8)
    for lr, c in zip(lrs, ("#2ca02c", "#1f77b4", "#ff7f0e", "#d62728")):
        P = paths[lr][:7] if lr > 2 / 3 else paths[lr]      # a diverging run leaves the frame after a few steps
        a0.plot(P[:, 0], P[:, 1], "o-", ms=2.5, lw=1, color=c, label=t(f"η = {lr}", f"학습률 η = {lr}"))
    w = np.array([1.2, 0.9]); g = A @ w
    a0.contour(U, V, 0.5 * (3 * U ** 2 + 0.5 * V ** 2), levels=[0.5 * w @ A @ w], colors="k", linewidths=1.2)
    a0.annotate("", xy=w + 0.25 * g, xytext=w, arrowprops=dict(arrowstyle="->", color="k", lw=1.5))
    a0.text(*(w + 0.25 * g + 0.1), t("∇L ⊥ contour", "∇L ⊥ 등고선"), fontsize=9)
    a0.set_xlim(-3, 3); a0.set_ylim(-3, 3); a0.set_aspect("equal")
    a0.set_xlabel("w1"); a0.set_ylabel("w2"); a0.legend(fontsize=8, loc="lower right")
    a0.set_title(t("one hyperparameter, η: the step is η·∇L", "하이퍼파라미터 η 하나: 스텝 = η·∇L"), fontsize=10)
    b = np.array(sorted(spread))
    a1.loglog(b, [spread[k] for k in b], "o-", label=t("measured spread", "측정한 퍼짐"))
    a1.loglog(b, spread[1] / np.sqrt(b), ":", color="#999", label=t("1/√(batch size)", "1/√(배치 크기)"))
    a1.set_xlabel(t("batch size", "배치 크기")); a1.set_ylabel(t("|minibatch gradient - full gradient|", "|미니배치 기울기 - 전체 기울기|"))
    a1.set_title(t("another one: the batch size sets the noise", "또 다른 하이퍼파라미터: 배치 크기는 잡음을 정함"), fontsize=10); a1.legend(fontsize=8)
    name = save(fig, out_dir, "step_size.png")
    final = {lr: float(np.linalg.norm(paths[lr][-1])) for lr in lrs}
    ratio = spread[1] / spread[64]
    return {"figures": [(name, {
        "en": "Left: 25 steps of gradient descent from the same start; only η differs. η = 0.7 > 2/3 diverges along the steep "
              f"axis. Right: batch size 64's gradient is {ratio:.1f}× less noisy than batch size 1's (√64 = 8).",
        "ko": "왼쪽: 같은 출발점에서 경사 하강법 25스텝, η만 다릅니다. η = 0.7 > 2/3은 가파른 축을 따라 발산합니다. "
              f"오른쪽: 배치 크기 64의 기울기는 배치 크기 1보다 잡음이 {ratio:.1f}배 작습니다(√64 = 8)."})],
        "numbers": {"final_distance": {str(k): v for k, v in final.items()}, "spread": {str(k): v for k, v in spread.items()},
                    "noise_ratio_1_vs_64": ratio, "cos_gradient_tangent": cos, "loss_change_along_tangent": change}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

"""L6 p76-78: what loss curves look like, and the gap between training and validation accuracy.
A 64-100-10 MLP on the digits, trained with minibatch SGD at five learning rates, and with and
without L2 regularisation on a small training set."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 6, "page": "p76-78",
    "asked": [],
    "title": {"en": "Reading loss curves: learning rate too low, too high, about right; the train/val gap",
              "ko": "loss 곡선 읽기: 학습률이 너무 작을 때, 너무 클 때, 적당할 때, 그리고 학습/검증 정확도 차이"},
    "answer": {
        "en": "Here is the lecture's sketch of loss curves, run for real. A very high learning rate makes the loss explode "
              "(here to NaN). A high one overshoots: the loss jumps up and stays far above the others (on harder data, "
              "as in the lecture's sketch, it drops fast first and then stalls at a worse value, unable to settle into "
              "the bottom of the valley). A low one decreases slowly and almost "
              "linearly. A good one drops fast and keeps decreasing. The curves are noisy because each step uses a minibatch; "
              "a wide band means a small batch, not a broken model.\n\n"
              "On the right: with 200 training images and no regularisation, training accuracy reaches 100% while validation "
              "stays lower. That gap is overfitting: increase the regularisation or get more data. Regularised, the gap "
              "shrinks. If training and validation accuracy stay equal and low, the model is too small.",
        "ko": "강의의 loss 곡선 그림을 실제로 돌려 보면 이렇습니다. 학습률이 아주 크면 loss가 발산합니다(여기서는 NaN). 크면 최솟값을 "
              "지나쳐 loss가 튀어 오른 뒤 다른 곡선보다 훨씬 높은 곳에 머뭅니다(강의 그림처럼 더 어려운 데이터에서는 처음에 빨리 떨어지다가 "
              "골짜기 바닥에 자리를 잡지 못하고 더 나쁜 값에서 멈춥니다). 작으면 천천히, "
              "거의 직선으로 줄어듭니다. 적당하면 빨리 떨어지고 계속 줄어듭니다. 곡선이 들쭉날쭉한 것은 스텝마다 미니배치를 쓰기 때문이며, "
              "띠가 넓다는 것은 모델이 망가졌다는 뜻이 아니라 배치가 작다는 뜻입니다.\n\n"
              "오른쪽: 학습 이미지 200장에 규제가 없으면 학습 정확도는 100%가 되지만 검증 정확도는 그보다 낮습니다. 이 차이가 과적합입니다. "
              "규제를 늘리거나 데이터를 더 모아야 합니다. 규제를 주면 차이가 줄어듭니다. 학습 정확도와 검증 정확도가 같이 낮게 머문다면 "
              "모델이 너무 작은 것입니다."},
}


def run(lr, steps=300, reg=0.0, n_train=None, batch=32, seed=0):
    """Minibatch SGD; the loss per step and the final train/val accuracy."""
    from graphgrad.data import load_digits
    d = load_digits()
    mu, sd = d.X_train.mean(axis=0), d.X_train.std(axis=0) + 1e-8
    X, y = (d.X_train - mu) / sd, d.y_train
    if n_train:
        X, y = X[:n_train], y[:n_train]
    Xv, yv = (d.X_val - mu) / sd, d.y_val
    rng = np.random.default_rng(seed)
    ps = [rng.standard_normal((64, 100)) * np.sqrt(2 / 64), np.zeros(100), rng.standard_normal((100, 10)) * np.sqrt(2 / 100), np.zeros(10)]
    losses = []

    def scores(A, qs):
        return gg.relu(gg.Value(A) @ qs[0] + qs[1]) @ qs[2] + qs[3]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            idx = rng.choice(len(X), min(batch, len(X)), replace=False)
            qs = [gg.Value(p, requires_grad=True) for p in ps]
            L = F.cross_entropy(scores(X[idx], qs), y[idx]) + reg * ((qs[0] * qs[0]).sum() + (qs[2] * qs[2]).sum())
            lv = float(L.item())
            losses.append(lv)
            if not np.isfinite(lv):
                losses += [np.nan] * (steps - len(losses))
                break
            L.backward()
            ps = [q.numpy() - lr * np.asarray(q.grad) for q in qs]
        acc = lambda A, b: float(np.mean(np.argmax(scores(A, ps).numpy(), axis=1) == b))   # noqa: E731
        return np.array(losses), acc(X, y), acc(Xv, yv)


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    lrs = {30.0: ("#000000", t("very high", "아주 큼")), 2.0: ("#d62728", t("high", "큼")),
           0.3: ("#2ca02c", t("good", "적당함")), 0.003: ("#1f77b4", t("low", "작음"))}
    curves = {lr: run(lr)[0] for lr in lrs}
    overfit = run(0.1, steps=600, n_train=200)
    regd = run(0.1, steps=600, n_train=200, reg=3e-2)
    fig, (a0, a1) = figure(11, 3.8, ncols=2)
    for lr, (c, word) in lrs.items():
        L = curves[lr]
        a0.plot(np.minimum(np.where(np.isfinite(L), L, np.nan), 1e3), color=c, lw=0.9, label=t(f"η = {lr}: {word}", f"η = {lr}: {word}"))
        if not np.all(np.isfinite(L)):
            k = int(np.argmax(~np.isfinite(L)))
            a0.plot([k], [1e3], "kx", ms=10)
            a0.annotate("NaN", (k, 1e3), textcoords="offset points", xytext=(6, -12), fontsize=9)
    a0.set_yscale("log"); a0.set_ylim(5e-3, 3e3)
    a0.text(150, 1.4e3, t("(cut at 1000)", "(1000에서 자름)"), fontsize=8, ha="center", va="bottom")
    a0.set_xlabel(t("step", "스텝")); a0.set_ylabel("loss"); a0.legend(fontsize=7, loc="center right")
    a0.set_title(t("loss curves, minibatch of 32", "loss 곡선, 미니배치 32"), fontsize=10)
    lab = [t("no reg", "규제 없음"), t("reg 3e-2", "규제 3e-2")]
    xs = np.arange(2)
    a1.bar(xs - 0.2, [overfit[1], regd[1]], 0.4, label=t("training", "학습"), color="#1f77b4")
    a1.bar(xs + 0.2, [overfit[2], regd[2]], 0.4, label=t("validation", "검증"), color="#ff7f0e")
    a1.set_xticks(xs, lab); a1.set_ylim(0.8, 1.0); a1.legend(fontsize=8)
    a1.set_ylabel(t("accuracy", "정확도"))
    a1.set_title(t("200 training images: the gap is overfitting", "학습 이미지 200장: 정확도 차이 = 과적합"), fontsize=10)
    name = save(fig, out_dir, "loss_curves.png")
    final = {str(lr): float(np.nanmean(c[-30:])) if np.all(np.isfinite(c)) else float("nan") for lr, c in curves.items()}
    return {"figures": [(name, {
        "en": f"Mean loss over the last 30 steps: η = 2 → {final['2.0']:.3g}, 0.3 → {final['0.3']:.2f}, 0.003 → {final['0.003']:.2f}; "
              f"η = 30 diverged to NaN. Gap (train - val): {overfit[1] - overfit[2]:.3f} without regularisation, {regd[1] - regd[2]:.3f} with.",
        "ko": f"마지막 30스텝의 평균 loss: η = 2 → {final['2.0']:.3g}, 0.3 → {final['0.3']:.2f}, 0.003 → {final['0.003']:.2f}. "
              f"η = 30은 NaN으로 발산했습니다. 정확도 차이(학습 - 검증): 규제 없이 {overfit[1] - overfit[2]:.3f}, 규제를 주면 {regd[1] - regd[2]:.3f}."})],
        "numbers": {"final_loss": final, "diverged_at_30": bool(not np.all(np.isfinite(curves[30.0]))),
                    "gap_no_reg": overfit[1] - overfit[2], "gap_reg": regd[1] - regd[2],
                    "train_acc_no_reg": overfit[1], "val_acc_no_reg": overfit[2]}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

"""L6 p37: zero-centred vs normalised data, the slide's three clouds computed with
graphgrad.data.preprocessing-style numpy steps on the same 2-D data."""
import numpy as np

PAGE = {
    "lecture": 6, "page": "p37",
    "asked": [("소현", "nomalized와 zero-centered의 차이. zero-centered는 평균이 0에 있는 거고 normalized는 표준편차가 1인 것 까지 "
                      "고려를 하는 것인가요? nomalized가 잘 되어 있다는 말이 정확히 무엇인가요?")],
    "title": {"en": "Zero-centred vs normalised data", "ko": "zero-centered 데이터와 정규화된 데이터"},
    "answer": {
        "en": "Exactly: zero-centring subtracts each feature's mean (the cloud moves to the origin, its shape unchanged); "
              "normalising also divides each feature by its standard deviation, so every feature has mean 0 and std 1 "
              "(the cloud is also rescaled so no axis dominates). 'Well normalised' means every input feature lives on "
              "the same scale, so one learning rate suits all weights. (Scaling into [0, 1] is min-max scaling, a "
              "different thing.) The statistics come from the training set and are reused on validation and test "
              "data. For images the lecture only zero-centres, because pixels already share a scale.\n\n"
              "What normalising buys is speed, not safety from overflow: the experiment fits a linear model by gradient "
              "descent on each version of the data, at the largest stable learning rate, and counts the steps until the "
              "loss is within 10⁻⁶ of its minimum.",
        "ko": "맞습니다. zero-centering은 각 feature의 평균을 뺍니다(점구름이 원점으로 옮겨 가고 모양은 그대로입니다). 정규화는 여기에 "
              "더해 각 feature를 표준편차로 나눠서 모든 feature의 평균이 0, 표준편차가 1이 되게 합니다(점구름의 크기도 맞춰져 어느 축도 "
              "혼자 크지 않습니다). '정규화가 잘 되어 있다'는 것은 모든 입력 feature가 같은 스케일에 있어서 학습률 하나가 모든 가중치에 "
              "맞는다는 뜻입니다. ([0, 1]로 맞추는 것은 min-max scaling으로 다른 방법입니다.) 평균과 표준편차는 training set에서 구하고, "
              "validation/test 데이터에도 그 값을 그대로 씁니다. 이미지는 픽셀의 스케일이 이미 같으므로 강의에서는 zero-centering만 합니다.\n\n"
              "정규화로 얻는 것은 속도이지 overflow 방지가 아닙니다. 실험에서는 데이터의 세 가지 버전마다 선형 모델을 경사 하강법으로 "
              "맞추면서, 안정적인 가장 큰 학습률로 loss가 최솟값의 10⁻⁶ 안에 들어올 때까지 몇 스텝이 걸리는지 셉니다."},
    "corrects": [
        {"claim": "데이터를 정규화하지 않으면 iteration이 많아질 때 반드시 overflow가 발생한다.", "where": "004 (p37)",
         "fix": {"en": "Without normalisation gradient descent needs many more steps (measured below), but nothing overflows: every "
                       "iterate stays finite. Overflow comes from a learning rate that is too large for the data's scale, "
                       "normalised or not.",
                 "ko": "정규화하지 않으면 경사 하강법의 스텝 수가 훨씬 많아지지만(아래 실측) overflow는 일어나지 않고 모든 값이 유한합니다. "
                       "overflow는 정규화 여부와 상관없이 데이터 스케일에 비해 학습률이 너무 클 때 생깁니다."}}],
}

def gd_steps(X, y, tol=1e-6, max_steps=200_000):
    """Gradient descent on mean squared error at the largest stable step (1/λ_max): the steps
    until the loss is within tol of the least-squares minimum, and whether every iterate stayed finite."""
    A = np.hstack([X, np.ones((len(X), 1))])
    best = float(np.mean((A @ np.linalg.lstsq(A, y, rcond=None)[0] - y) ** 2))
    H = 2 * A.T @ A / len(A)
    lr = 1.0 / np.linalg.eigvalsh(H).max()
    w, finite = np.zeros(A.shape[1]), True
    for k in range(1, max_steps + 1):
        r = A @ w - y
        w = w - lr * 2 * A.T @ r / len(A)
        finite &= bool(np.all(np.isfinite(w)))
        if np.mean((A @ w - y) ** 2) - best < tol:
            return k, finite
    return max_steps, finite


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 2)) @ np.array([[3.0, 0.6], [0.0, 0.7]]) + np.array([6.0, 4.0])
    Xc = X - X.mean(axis=0)
    Xn = Xc / X.std(axis=0)
    y = X @ np.array([0.5, -1.0]) + 2.0 + 0.1 * rng.standard_normal(len(X))
    steps = {k: gd_steps(D, y) for k, D in (("original", X), ("centred", Xc), ("normalised", Xn))}
    fig, axes = figure(10, 3.5, ncols=3)
    for ax, D, label in [(axes[0], X, t("original", "원본")), (axes[1], Xc, t("zero-centred: X - mean", "zero-centered: X - 평균")),
                         (axes[2], Xn, t("normalised: (X - mean) / std", "정규화: (X - 평균) / 표준편차"))]:
        ax.scatter(D[:, 0], D[:, 1], s=5, color="#1f77b4")
        ax.axhline(0, color="#999", lw=0.8); ax.axvline(0, color="#999", lw=0.8)
        ax.set_xlim(-12, 14); ax.set_ylim(-12, 14); ax.set_aspect("equal")
        m, s = D.mean(axis=0), D.std(axis=0)
        ax.set_title(t(f"{label}\nmean ({m[0]:.1f}, {m[1]:.1f}) std ({s[0]:.1f}, {s[1]:.1f})",
                       f"{label}\n평균 ({m[0]:.1f}, {m[1]:.1f}) 표준편차 ({s[0]:.1f}, {s[1]:.1f})"), fontsize=9)
    name = save(fig, out_dir, "normalise.png")
    so, sc, sn = (steps[k][0] for k in ("original", "centred", "normalised"))
    return {"figures": [(name, {"en": f"The same 300 points: original, zero-centred, normalised. Gradient descent on a linear fit needs "
                                      f"{so} steps on the original data, {sc} centred, {sn} normalised; every iterate stayed finite.",
                                "ko": f"같은 점 300개의 원본, zero-centered, 정규화 버전. 선형 모델을 경사 하강법으로 맞추는 데 원본은 {so}스텝, "
                                      f"zero-centered는 {sc}스텝, 정규화하면 {sn}스텝이 걸렸고 모든 값이 유한했습니다."})],
            "numbers": {"normalised_std": Xn.std(axis=0).tolist(), "centred_mean": Xc.mean(axis=0).tolist(),
                        "gd_steps_original": so, "gd_steps_centred": sc, "gd_steps_normalised": sn,
                        "all_finite": all(v[1] for v in steps.values())}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

"""L3 p36: which data suits L1 and which L2. The same regression trained with each penalty on
two datasets: a few strong features among many useless ones (sparse truth) and many weak
features (dense truth); validation error of each, all with graphgrad."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import l1_regularization, l2_regularization

KO = {"sparse truth (4 strong of 40)": "희소한 참 가중치 (40개 중 4개가 큼)", "dense truth (40 weak)": "조밀한 참 가중치 (40개 모두 작음)"}

PAGE = {
    "lecture": 3, "page": "p36",
    "asked": [("재용", "L1, L2는 각각 어떤 데이터에 알맞지?")],
    "title": {"en": "L1 for a few important features, L2 for many small ones", "ko": "중요한 feature가 적으면 L1, 작은 feature가 많으면 L2"},
    "answer": {
        "en": "It depends on what you believe about the true weights. If only a few features matter and the rest are "
              "noise, L1 fits that belief: it zeroes the useless weights (feature selection) and generalises better. "
              "If every feature carries a little signal, L1 wrongly throws some of them away, while L2 keeps them all, "
              "shrunk towards 0 — and L2 wins. The experiment fits 40 features on 60 examples both ways with the same "
              "λ and compares the validation error on the two kinds of data.",
        "ko": "참 가중치가 어떨 거라고 믿느냐에 달려 있습니다. 몇 개의 feature만 중요하고 나머지는 잡음이라고 보면 "
              "L1이 맞습니다. 쓸모없는 가중치를 0으로 만들어(feature 선택) 일반화가 더 잘 됩니다. 모든 "
              "feature에 신호가 조금씩 있다면 L1은 그중 일부를 잘못 버리고, L2는 모두를 0 쪽으로 줄이되 남겨 "
              "두므로 L2가 더 낫습니다. 실험에서는 예제 60개, feature 40개인 데이터로 같은 λ를 써서 두 방식을"
              " 학습하고, 두 종류의 데이터에서 검증 오차를 비교합니다."},
}


def fit(X, y, reg_fn, lam, steps=300, lr=0.05):
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        wv = gg.Value(w, requires_grad=True)
        r = gg.Value(X) @ wv - y
        ((r * r).mean() + reg_fn([wv], lam)).backward()
        w = w - lr * np.asarray(wv.grad)
    return w


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    rng = np.random.default_rng(0)
    d, n = 40, 60
    truths = {"sparse truth (4 strong of 40)": np.r_[np.array([2.0, -1.5, 1.0, 1.8]), np.zeros(d - 4)],
              "dense truth (40 weak)": rng.normal(0, 0.3, d)}
    res = {}
    for name, w_true in truths.items():
        X, Xv = rng.standard_normal((n, d)), rng.standard_normal((500, d))
        y = X @ w_true + 0.5 * rng.standard_normal(n)
        yv = Xv @ w_true + 0.5 * rng.standard_normal(500)
        res[name] = {k: float(np.mean((Xv @ fit(X, y, fn, lam) - yv) ** 2))
                     for k, fn, lam in [("L1", l1_regularization, 0.1), ("L2", l2_regularization, 0.1)]}
    fig, ax = figure(6.4, 3.4)
    x = np.arange(2)
    for k, off, c in [("L1", -0.2, "#d62728"), ("L2", 0.2, "#1f77b4")]:
        ax.bar(x + off, [res[n][k] for n in truths], 0.4, color=c, label=k)
    ax.set_xticks(x, [tr(n, KO.get(n, n)) for n in truths])
    ax.set_ylabel(tr("validation MSE", "검증 MSE"))
    ax.legend()
    name = save(fig, out_dir, "l1_or_l2.png")
    (s, dn) = list(truths)
    return {"figures": [(name, {"en": f"Sparse truth: L1 {res[s]['L1']:.3f} vs L2 {res[s]['L2']:.3f}. Dense truth: L1 {res[dn]['L1']:.3f} vs L2 {res[dn]['L2']:.3f}.",
                                "ko": f"희소한 참값: L1 {res[s]['L1']:.3f} vs L2 {res[s]['L2']:.3f}. 조밀한 참값: L1 {res[dn]['L1']:.3f} vs L2 {res[dn]['L2']:.3f}."})],
            "numbers": {"sparse_L1": res[s]["L1"], "sparse_L2": res[s]["L2"], "dense_L1": res[dn]["L1"], "dense_L2": res[dn]["L2"]}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

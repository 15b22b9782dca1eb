"""L3 p34: why L1 makes sparse weights. The same linear regression (20 features, 3 of them
informative) trained with graphgrad's l1_regularization and with l2_regularization;
the learned weights and how many are (near) zero."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import l1_regularization, l2_regularization

PAGE = {
    "lecture": 3, "page": "p34",
    "asked": [("재용", "L1은 희소행렬을 만드는 이유?")],
    "title": {"en": "Why L1 gives sparse weights and L2 does not", "ko": "L1은 왜 희소한 가중치를 만들고 L2는 그렇지 않은가"},
    "answer": {
        "en": "Look at the gradients the penalties add. L2's penalty λΣw² adds 2λw: a pull proportional to the weight, "
              "which gets weaker as w shrinks, so small weights shrink slowly and never quite reach 0. L1's penalty "
              "λΣ|w| adds λ·sign(w): the same push towards 0 no matter how small w already is. A weight that the data "
              "does not need (its data gradient is smaller than λ) is pushed all the way to 0 and stays there, "
              "oscillating around it. The experiment fits 20 weights where only 3 features matter: L1 leaves the "
              "3 and zeroes almost everything else; L2 keeps all 20 small but nonzero.",
        "ko": "규제 항이 기울기에 무엇을 더하는지 보면 됩니다. L2 규제 λΣw²는 2λw를 더합니다. 가중치에 비례하는 "
              "힘이라 w가 작아질수록 약해지고, 그래서 작은 가중치는 천천히 줄어들 뿐 정확히 0이 되지는 않습니다. L1 "
              "규제 λΣ|w|는 λ·sign(w)를 더합니다. w가 아무리 작아도 같은 크기로 0 쪽으로 밉니다. 그래서 "
              "데이터 쪽 기울기가 λ보다 작은, 즉 데이터가 별로 필요로 하지 않는 가중치는 0까지 밀려 그 자리에 머뭅니다."
              " 실험에서는 feature 20개 중 3개만 중요한 데이터로 가중치를 학습합니다. L1은 그 3개만 남기고 "
              "나머지를 거의 0으로 만들고, L2는 20개 모두를 작지만 0은 아닌 값으로 남깁니다."},
}


def fit(X, y, reg_fn, lam, steps=400, lr=0.05):
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        wv = gg.Value(w, requires_grad=True)
        r = gg.Value(X) @ wv - y
        L = (r * r).mean() + reg_fn([wv], lam)
        L.backward()
        w = w - lr * np.asarray(wv.grad)
    return w


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((200, 20))
    true = np.zeros(20)
    true[[2, 7, 13]] = [1.5, -2.0, 1.0]
    return X, X @ true + 0.3 * rng.standard_normal(200), true


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    X, y, true = data()
    w1 = fit(X, y, l1_regularization, 0.1)
    w2 = fit(X, y, l2_regularization, 0.1)
    z1, z2 = int(np.sum(np.abs(w1) < 1e-2)), int(np.sum(np.abs(w2) < 1e-2))
    fig, ax = figure(8, 3.4)
    i = np.arange(20)
    ax.bar(i - 0.3, true, 0.3, color="#999", label=tr("true weights", "참 가중치"))
    ax.bar(i, w1, 0.3, color="#d62728", label=tr(f"L1: {z1} of 20 below 0.01", f"L1: 20개 중 {z1}개가 0.01 미만"))
    ax.bar(i + 0.3, w2, 0.3, color="#1f77b4", label=tr(f"L2: {z2} of 20 below 0.01", f"L2: 20개 중 {z2}개가 0.01 미만"))
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xticks(i)
    ax.set_xlabel(tr("weight index", "가중치 번호"))
    ax.legend(fontsize=8)
    name = save(fig, out_dir, "l1_vs_l2.png")
    return {"figures": [(name, {"en": f"λ = 0.1 both. L1 zeroes {z1} of the 20 weights (|w| < 0.01), L2 {z2}.",
                                "ko": f"둘 다 λ = 0.1. L1은 20개 중 {z1}개를 0 으로(|w| < 0.01), L2는 {z2}개."})],
            "numbers": {"l1_near_zero": z1, "l2_near_zero": z2}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

"""L6 p59: what "identity mapping" means for BatchNorm. graphgrad's batch_norm with learnable
gamma and beta set to the batch's std and mean gives back its input exactly."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 6, "page": "p59",
    "asked": [("혜지", "identity mapping이 뭐지?")],
    "title": {"en": "BatchNorm can learn the identity mapping", "ko": "배치 정규화는 identity mapping도 학습할 수 있다"},
    "answer": {
        "en": "An identity mapping is the function that returns its input unchanged: y = x. BatchNorm first normalises "
              "each feature to zero mean and unit variance, x̂ = (x - μ)/σ, then scales and shifts it with two learned "
              "parameters: y = γ·x̂ + β. If training finds γ = σ and β = μ, then y = σ·(x - μ)/σ + μ = x: the layer "
              "undoes its own normalisation and behaves as if it were not there. So adding BatchNorm never removes "
              "what the network could represent: where normalising hurts, the network can learn to switch it off; "
              "where it helps, it keeps it. The plot runs graphgrad's batch_norm on a skewed batch three ways.",
        "ko": "identity mapping은 입력을 그대로 돌려주는 함수 y = x입니다. 배치 정규화(BN)는 먼저 "
              "feature마다 평균 0, 분산 1로 정규화하고(x̂ = (x - μ)/σ), 학습하는 파라미터 두 개로 "
              "크기를 바꾸고 옮깁니다: y = γ·x̂ + β. 학습 결과 γ = σ, β = μ가 되면 y = σ·(x - "
              "μ)/σ + μ = x입니다. 층이 자기 정규화를 스스로 되돌려서 BN이 없는 것처럼 동작합니다. 그래서 BN을"
              " 넣어도 신경망이 표현할 수 있는 것이 줄어들지 않습니다. 정규화가 해로운 곳에서는 끄는 법을 배우고, 도움이 "
              "되는 곳에서는 그대로 씁니다. 그림은 한쪽으로 치우친 배치에 graphgrad의 batch_norm을 세 가지 "
              "방법으로 적용한 결과입니다. (여기서 σ는 표준편차 √(분산 + ε)입니다. 분산이 아닙니다: p53-61 "
              "참고.)"},
}


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 1.5, size=(500, 1)) + 3.0
    mu, var = x.mean(axis=0), x.var(axis=0)
    eps = 1e-5
    sigma = np.sqrt(var + eps)
    def bn(gamma, beta):
        return F.batch_norm(gg.Value(x), weight=gg.Value(gamma), bias=gg.Value(beta), training=True, eps=eps).numpy()
    y_norm = bn(np.ones(1), np.zeros(1))
    y_id = bn(sigma, mu)
    y_half = bn(np.full(1, 0.5), np.full(1, 2.0))
    fig, ax = figure(6.8, 3.6)
    bins = np.linspace(-3, 16, 70)
    ax.hist(x.ravel(), bins, histtype="stepfilled", alpha=0.35, color="#555", label=tr("input x", "입력 x"))
    ax.hist(y_norm.ravel(), bins, histtype="step", lw=1.6, color="#1f77b4", label=tr("γ=1, β=0: normalised", "γ=1, β=0: 정규화"))
    ax.hist(y_half.ravel(), bins, histtype="step", lw=1.6, color="#2ca02c", label="γ=0.5, β=2")
    ax.hist(y_id.ravel(), bins, histtype="step", lw=2, ls="--", color="#d62728", label=tr("γ=σ, β=μ: identity", "γ=σ, β=μ: 원래대로"))
    ax.legend(fontsize=8)
    name = save(fig, out_dir, "bn_identity.png")
    err = float(np.abs(y_id - x).max())
    return {"figures": [(name, {"en": f"With γ = σ = {sigma[0]:.3f} and β = μ = {mu[0]:.3f} the output equals the input (largest difference {err:.1e}).",
                                "ko": f"γ = σ = {sigma[0]:.3f}, β = μ = {mu[0]:.3f}이면 출력이 입력과 같습니다 (최대 차이 {err:.1e})."})],
            "numbers": {"identity_max_err": err, "normalised_mean": float(y_norm.mean()), "normalised_std": float(y_norm.std())}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

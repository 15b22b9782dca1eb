"""L6 p53-61 (notes 001, 004): batch normalisation. Whether to normalise at every layer and where
BN goes relative to the activation; and four corrections: the backward pass goes through the
batch mean and variance (they are not constants), γ undoes the normalisation when it equals the
standard deviation (not the variance), ε prevents 0/0 (not an overflow), and at test time BN uses
running statistics."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

EPS = 1e-5

PAGE = {
    "lecture": 6, "page": "p53-61",
    "asked": [("6강 리뷰", "과연 layer를 거칠 때 마다 Normalization하는것이 좋은건가? 왜하는거지? tanh의 입력이 unit gaussian이기를 바라는 건가?"),
              ("L06 노트", "BN을 activation 앞에 두자. 왜냐하면 평균을 0으로 분산을 1로 만들어주기 때문에 0 사이에서는 수렴이 잘되기 때문이다.")],
    "title": {"en": "Batch normalisation: at every layer, before the activation, and what its backward pass really does",
              "ko": "배치 정규화: 층마다, 활성화 함수 앞에. 역전파는 실제로 어떻게 흐르는가"},
    "answer": {
        "en": "Why every layer: a good initialisation gives unit-Gaussian activations at the start, but the weights change "
              "during training and a deep net drifts back into vanishing or saturating activations (p48-51). BN recomputes "
              "the normalisation from each minibatch at every step, so each layer's input stays in a good range whatever "
              "the weights do. Yes, the aim is that tanh's input is roughly unit Gaussian: then few units sit in the flat, "
              "saturated tails where the gradient is 0. And it is not forced: γ and β are learned, so a layer that needs "
              "larger or shifted inputs gets them (γ = √(σ² + ε) and β = μ undo BN exactly).\n\n"
              "Where: the lecture (and the original paper) put BN after the FC or conv layer and before the nonlinearity, "
              "because what BN can fix is the distribution that goes into tanh. The first figure measures it: 10 tanh layers "
              "with too-large weights; without BN and with BN after tanh, most units are saturated, with BN before tanh few "
              "are. (Putting BN after ReLU also works in practice; for saturating nonlinearities, before is the point.)\n\n"
              "Backward: μ and σ² are functions of the whole batch, so the gradient flows through them too. Treating them as "
              "constants gives a wrong gradient; the second figure compares both with finite differences. At test time there "
              "may be a single example, so BN uses the running mean and variance kept during training (third figure: a "
              "batch of one in training mode maps every input to β).",
        "ko": "층마다 하는 이유: 초기화를 잘 하면 학습 시작 시점의 활성값은 unit gaussian에 가깝지만, 학습 중에 가중치가 바뀌면서 깊은 "
              "신경망은 다시 활성값이 0으로 줄어들거나 포화되는 쪽으로 흘러갑니다(p48-51). BN은 스텝마다 미니배치에서 평균과 분산을 새로 "
              "구해 정규화하므로, 가중치가 어떻게 바뀌든 각 층의 입력이 좋은 범위에 머뭅니다. 질문대로 tanh의 입력이 대략 unit gaussian이기를 "
              "바라는 것이 맞습니다. 그래야 기울기가 0인 평평한 포화 구간에 들어가는 유닛이 적습니다. 그렇다고 강제하는 것은 아닙니다. γ와 "
              "β를 학습하므로 더 크거나 옮겨진 입력이 필요한 층은 그렇게 배웁니다(γ = √(σ² + ε), β = μ이면 BN이 정확히 원래대로 "
              "돌아갑니다).\n\n"
              "위치: 강의와 원 논문은 BN을 FC나 conv 층 바로 뒤, 비선형 함수 앞에 둡니다. BN이 고칠 수 있는 것은 tanh로 들어가는 분포이기 "
              "때문입니다. 첫 번째 그림이 이것을 잽니다. 가중치가 너무 큰 tanh 층 10개에서, BN이 없거나 tanh 뒤에 있으면 대부분의 유닛이 "
              "포화되고, tanh 앞에 있으면 포화되는 유닛이 적습니다. (ReLU 뒤에 BN을 두어도 실제로는 잘 동작하지만, 포화되는 비선형 함수에서는 "
              "앞에 두는 것이 핵심입니다.)\n\n"
              "역전파: μ와 σ²는 배치 전체의 함수이므로 기울기는 이 둘을 거쳐서도 흐릅니다. 상수로 취급하면 기울기가 틀립니다. 두 번째 "
              "그림은 두 경우를 수치 미분과 비교합니다. 테스트할 때는 예제가 한 개뿐일 수도 있으므로, 학습하면서 모아 둔 running mean과 "
              "running variance를 씁니다(세 번째 그림: 학습 모드에서 배치 크기가 1이면 모든 입력이 β가 됩니다)."},
    "corrects": [
        {"claim": "평균과 분산을 '상수'로 가지고만 있으면 언제든 미분이 가능하기 때문에 Backprop이 가능합니다", "where": "001 (Batch Normalization)",
         "fix": {"en": "BN is differentiable because μ and σ² are differentiable functions of the batch, and the backward pass goes "
                       "through them (see the lecture gallery's BatchNorm graph, F.batch_norm(..., expand=True)). Treated as "
                       "constants, the gradient is wrong: measured below.",
                 "ko": "BN이 미분 가능한 이유는 μ와 σ²가 배치에 대해 미분 가능한 함수이기 때문이고, 역전파는 이 둘을 거쳐 흐릅니다"
                       "(강의 갤러리의 BatchNorm 그래프, F.batch_norm(..., expand=True) 참고). 상수로 취급하면 기울기가 틀립니다. 아래에서 "
                       "직접 잽니다."}},
        {"claim": "다시 원상복구를 하고 싶다면 감마=분산, 베타=평균으로 하면 됩니다.", "where": "001 (Batch Normalization)",
         "fix": {"en": "γ must equal the standard deviation √(σ² + ε), not the variance: y = γ·(x - μ)/√(σ² + ε) + β returns x only then.",
                 "ko": "γ는 분산이 아니라 표준편차 √(σ² + ε)여야 합니다. y = γ·(x - μ)/√(σ² + ε) + β는 그때만 x로 돌아갑니다."}},
        {"claim": "엡실론이 안 들어가면 sigma가 0일 때 바로 overflow가 발생하다.", "where": "004 (p59)",
         "fix": {"en": "Without ε a feature that is constant over the batch has σ = 0 and x - μ = 0, so BN computes 0/0 = NaN (a "
                       "division by zero), not an overflow. ε keeps the denominator positive.",
                 "ko": "ε이 없으면 배치 안에서 값이 일정한 특징은 σ = 0이고 x - μ = 0이라서 BN이 0/0 = NaN을 계산합니다. overflow가 아니라 "
                       "0으로 나누기 문제입니다. ε은 분모를 양수로 지켜 줍니다."}}],
}


def saturation(where, layers=10, width=100, n=500, scale=1.0, seed=0):
    """Per layer, the fraction of tanh units with |output| > 0.99 ('saturated'), for a net with
    W = scale·randn (too large), BN placed 'none', 'before' or 'after' tanh."""
    rng = np.random.default_rng(seed)
    h = gg.Value(rng.standard_normal((n, width)))
    out = []
    for _ in range(layers):
        z = h @ gg.Value(scale * rng.standard_normal((width, width)))
        if where == "before":
            z = F.batch_norm(z, training=True)
        a = gg.tanh(z)
        out.append(float(np.mean(np.abs(a.numpy()) > 0.99)))
        h = F.batch_norm(a, training=True) if where == "after" else a
    return np.array(out)


def bn_grad_error(seed=0, n=8, d=3, h=1e-6):
    """Relative error of dL/dx against central differences, for BN's real backward and for a
    backward that treats μ and σ² as constants. L = Σ c·BN(x) with random c."""
    rng = np.random.default_rng(seed)
    x0, c = rng.standard_normal((n, d)), rng.standard_normal((n, d))

    def bn(x, const=False):
        if const:
            mu, var = gg.Value(x.numpy().mean(axis=0)), gg.Value(x.numpy().var(axis=0))
        else:
            mu = x.mean(axis=0)
            var = ((x - mu) * (x - mu)).mean(axis=0)
        return (x - mu) / gg.sqrt(var + EPS)

    def loss_np(x):
        return float(np.sum(c * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + EPS)))
    fd = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        e = np.zeros_like(x0)
        e[idx] = h
        fd[idx] = (loss_np(x0 + e) - loss_np(x0 - e)) / (2 * h)
    errs = {}
    for const in (False, True):
        x = gg.Value(x0, requires_grad=True)
        (bn(x, const) * gg.Value(c)).sum().backward()
        errs[const] = float(np.linalg.norm(np.asarray(x.grad) - fd) / np.linalg.norm(fd))
    # the library's BatchNorm agrees with the real backward
    x = gg.Value(x0, requires_grad=True)
    (F.batch_norm(x, training=True, eps=EPS) * gg.Value(c)).sum().backward()
    lib = float(np.linalg.norm(np.asarray(x.grad) - fd) / np.linalg.norm(fd))
    return errs[False], errs[True], lib


def undo(seed=0):
    """max |y - x| after BN with γ = std, β = mean (exact undo) and with γ = variance."""
    rng = np.random.default_rng(seed)
    x = 3.0 * rng.standard_normal((64, 4)) + 2.0
    mu, var = x.mean(axis=0), x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + EPS)
    return float(np.max(np.abs(np.sqrt(var + EPS) * xhat + mu - x))), float(np.max(np.abs(var * xhat + mu - x)))


def test_time(seed=0):
    """Train-mode BN of a batch of 1 (every output equals β = 0) vs eval mode with running stats."""
    rng = np.random.default_rng(seed)
    rm, rv = np.zeros(3), np.ones(3)
    for _ in range(200):                                  # training: the running buffers follow the batches
        F.batch_norm(gg.Value(2.0 + 3.0 * rng.standard_normal((32, 3))), rm, rv, training=True)
    xs = 2.0 + 3.0 * rng.standard_normal((5, 3))
    # the batch formula on a batch of one: x - μ = 0 for every x (graphgrad, like PyTorch, refuses to do it)
    train1 = np.array([(x - x) / np.sqrt(0.0 + EPS) for x in xs])
    try:
        F.batch_norm(gg.Value(xs[:1]), training=True)
        refused = False
    except ValueError:
        refused = True
    assert refused, "batch_norm accepted a training batch of one"
    evals = np.array([F.batch_norm(gg.Value(x[None]), rm, rv, training=False).numpy()[0] for x in xs])
    return xs, train1, evals, rm, rv


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    sat = {w: saturation(w) for w in ("none", "after", "before")}
    real, const, lib = bn_grad_error()
    err_std, err_var = undo()
    xs, train1, evals, rm, rv = test_time()
    with np.errstate(invalid="ignore", divide="ignore"):
        flat = np.full(4, 7.0)
        no_eps = (flat - flat.mean()) / np.sqrt(flat.var())
    fig, (a0, a1, a2) = figure(12.5, 3.6, ncols=3)
    lab = {"none": t("no BN", "BN 없음"), "after": t("BN after tanh", "tanh 뒤에 BN"), "before": t("BN before tanh", "tanh 앞에 BN")}
    for w, c in zip(("none", "after", "before"), ("#7f7f7f", "#d62728", "#2ca02c")):
        a0.plot(range(1, 11), sat[w], "o-", color=c, label=lab[w])
    a0.set_xlabel(t("layer", "층")); a0.set_ylabel(t("saturated units (|tanh| > 0.99)", "포화된 유닛 비율 (|tanh| > 0.99)"))
    a0.set_ylim(0, 1); a0.legend(fontsize=8)
    a0.set_title(t("W = randn, 10 tanh layers", "W = randn, tanh 층 10개"), fontsize=10)
    a1.bar([t("through μ, σ²", "μ, σ²를 거침"), t("μ, σ² as constants", "μ, σ²를 상수로")], [max(real, 1e-16), const],
           color=["#2ca02c", "#d62728"])
    a1.set_yscale("log"); a1.set_ylabel(t("relative error vs finite differences", "수치 미분 대비 상대 오차"))
    a1.set_title(t("BN's backward: dL/dx", "BN의 역전파: dL/dx"), fontsize=10)
    k = np.arange(len(xs))
    a2.plot(k, xs[:, 0], "ko", label=t("test inputs x", "테스트 입력 x"))
    a2.plot(k, evals[:, 0], "s", color="#2ca02c", label=t("eval: running mean/var", "eval: running mean/var"))
    a2.plot(k, train1[:, 0], "x", color="#d62728", ms=9, label=t("train mode, batch of 1", "학습 모드, 배치 크기 1"))
    a2.set_xlabel(t("test example", "테스트 예제")); a2.legend(fontsize=7)
    a2.set_title(t("at test time: running statistics", "테스트 때: running 통계"), fontsize=10)
    name = save(fig, out_dir, "batchnorm.png")
    # the lecture gallery's BatchNorm graph (07_batchnorm), here on a batch of 4: the backward pass
    # reaches x through mu and var as well as directly
    import os

    from graphgrad import viz
    xb = gg.Value(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0], [2.0, 1.0]]), requires_grad=True, name="x")
    yb = F.batch_norm(xb, training=True, expand=True)
    Lb = (yb * gg.Value(np.array([[1.0, -1.0], [0.5, 2.0], [-1.0, 0.0], [0.0, 1.0]]), name="c")).sum()
    Lb.name = "L"
    Lb.backward(retain_graph=True)
    viz.render(Lb, os.path.join(out_dir, "bn_graph.png"), fmt=".2f")
    return {"figures": [("bn_graph.png", {
        "en": "BatchNorm as graphgrad's graph of primitive gates (F.batch_norm(..., expand=True), the lecture gallery's 07_batchnorm): "
              "x feeds the mean, the centred values and, through them, the variance, so its gradient (red) is the sum over three paths.",
        "ko": "graphgrad가 기본 게이트로 펼친 배치 정규화 그래프(F.batch_norm(..., expand=True), 강의 갤러리의 07_batchnorm). "
              "x는 평균, 중심화한 값, 그리고 그것을 거쳐 분산으로도 들어가므로 x의 기울기(빨강)는 세 경로의 합입니다."}),
        (name, {
        "en": f"Left: layer 10 has {sat['none'][-1]:.0%} saturated units without BN, {sat['after'][-1]:.0%} with BN after tanh, "
              f"{sat['before'][-1]:.0%} with BN before. Middle: the real backward is exact ({real:.1e}), the constants' one is off by "
              f"{const:.0%}. Right: a batch of one normalises every input to 0; eval mode uses the running mean {rm[0]:.2f} and std "
              f"{np.sqrt(rv[0]):.2f}. γ = std undoes BN to {err_std:.0e}; γ = variance misses by {err_var:.1f}; without ε a constant feature gives {no_eps[0]}.",
        "ko": f"왼쪽: 10층에서 포화된 유닛은 BN이 없으면 {sat['none'][-1]:.0%}, tanh 뒤에 BN이면 {sat['after'][-1]:.0%}, 앞에 BN이면 "
              f"{sat['before'][-1]:.0%}입니다. 가운데: 실제 역전파는 정확하고({real:.1e}), 상수로 취급하면 {const:.0%}만큼 틀립니다. 오른쪽: "
              f"배치 크기가 1이면 모든 입력이 0으로 정규화되고, eval 모드는 running mean {rm[0]:.2f}와 표준편차 {np.sqrt(rv[0]):.2f}를 씁니다. "
              f"γ = 표준편차이면 오차 {err_std:.0e}로 원래대로 돌아가고, γ = 분산이면 {err_var:.1f}만큼 어긋납니다. ε 없이 일정한 특징을 정규화하면 {no_eps[0]}입니다."})],
        "numbers": {"saturated_layer10": {w: float(v[-1]) for w, v in sat.items()}, "grad_rel_error_real": real,
                    "grad_rel_error_constants": const, "grad_rel_error_library": lib, "undo_error_gamma_std": err_std,
                    "undo_error_gamma_variance": err_var, "no_eps_constant_feature": str(no_eps[0]),
                    "train_mode_batch_of_one": float(np.max(np.abs(train1))), "running_mean": float(rm[0]),
                    "running_std": float(np.sqrt(rv[0])), "eval_max_abs": float(np.max(np.abs(evals)))}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

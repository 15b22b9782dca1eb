"""L4 p10 (note 003): why backpropagation at all. It is how the gradient of the loss with respect
to every weight is computed, in one backward pass that costs about as much as the forward pass;
the numerical gradient needs two forward passes per weight. Gradient checking is the debugging
tool, not backprop. And the lecture's f = (x + y)·z shows local, upstream and downstream gradients."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 4, "page": "p10",
    "asked": [("AIFFEL DAY 10", "그렇다면 Backpropagation을 왜 하냐?(What is backpropagation really doing?)")],
    "title": {"en": "Why backprop: every weight's gradient for the price of a few "
                    "forward passes",
              "ko": "역전파를 하는 이유: 순전파 몇 번 정도의 비용으로 모든 가중치의 기울기를 구한다"},
    "answer": {
        "en": "Gradient descent needs dL/dw for every weight w. Backprop is the algorithm that computes all of them: it walks "
              "the computational graph once from the loss back to the inputs, and at each gate multiplies the gradient "
              "arriving from above (upstream) by the gate's own derivative (local) to get the gradient it passes down "
              "(downstream). One backward pass costs a small constant times one forward pass, whatever the number of "
              "weights. The alternative, the numerical gradient, nudges each weight in turn: two forward passes per "
              "weight, so for the 3,760-weight net below it is 7,520 forward passes instead of about 3.\n\n"
              "So backprop is not 'debugging whether the network learns'. It is the step that produces the gradient every "
              "update uses. The debugging tool is gradient checking (L3 p72): the slow numerical gradient run once to "
              "test that the fast backprop is implemented right. Whether the network learns, you see in the loss curve.",
        "ko": "경사 하강법에는 모든 가중치 w에 대한 dL/dw가 필요합니다. 역전파는 이것을 한꺼번에 구하는 알고리즘입니다. loss에서 "
              "입력 쪽으로 계산 그래프를 한 번 거슬러 가면서, 게이트마다 위에서 내려온 기울기(upstream)에 그 게이트 자신의 "
              "미분(local)을 곱해 아래로 보낼 기울기(downstream)를 만듭니다. 역전파 한 번의 비용은 가중치가 몇 개든 순전파 한 번의 "
              "몇 배 정도입니다. 다른 방법인 수치 미분은 가중치를 하나씩 살짝 움직여 보므로 가중치마다 순전파가 두 번 필요합니다. "
              "아래의 가중치 3,760개짜리 신경망이라면 순전파 약 3번 대신 7,520번이 듭니다.\n\n"
              "그러니 역전파는 '신경망이 제대로 학습하는지 확인하는 디버깅'이 아니라, 모든 업데이트가 쓰는 기울기를 만드는 단계입니다. "
              "디버깅 도구는 gradient check(3강 p72)로, 느린 수치 미분을 한 번 돌려서 빠른 역전파가 맞게 구현됐는지 확인하는 것입니다. "
              "신경망이 학습을 잘 하는지는 loss 곡선을 보고 판단합니다."},
    "corrects": [
        {"claim": "해당 네트워크가 제대로 학습하고 있는지를 알아보기 위해서 디버깅하는 과정이다.", "where": "003 (L4)",
         "fix": {"en": "Backprop computes the gradient that every update uses; gradient checking (numerical vs analytic) is the "
                       "debugging step, and the loss curve tells whether the net learns.",
                 "ko": "역전파는 모든 업데이트에 쓰이는 기울기를 계산하는 과정입니다. 디버깅은 gradient check(수치 미분과 해석적 미분 "
                       "비교)가 하고, 학습이 잘 되는지는 loss 곡선이 알려 줍니다."}},
        {"claim": "최종 loss function을 x,y로 편미분한 값들을 구한다.", "where": "003 (L4)",
         "fix": {"en": "The local gradient of a gate is the derivative of the gate's own output with respect to its input "
                       "(for q = x + y, dq/dx = 1). The derivative of the final loss with respect to x is the downstream "
                       "gradient, upstream × local (here -4 × 1 = -4).",
                 "ko": "게이트의 local gradient는 그 게이트 자신의 출력을 입력으로 미분한 값입니다(q = x + y라면 dq/dx = 1). 최종 loss를 "
                       "x로 미분한 값은 downstream gradient로, upstream × local입니다(여기서는 -4 × 1 = -4)."}}],
}


def mlp_gradients(seed=0):
    """A 64-50-10 MLP on 8 digits: the gradient by backprop and by central differences, and
    how many forward passes each needed."""
    from graphgrad.data import load_digits
    d = load_digits()
    rng = np.random.default_rng(seed)
    X, y = d.X_train[:8], d.y_train[:8]
    params = [rng.standard_normal((64, 50)) * 0.1, np.zeros(50), rng.standard_normal((50, 10)) * 0.1, np.zeros(10)]
    calls = {"forward": 0}

    def loss(ps):
        calls["forward"] += 1
        W1, b1, W2, b2 = ps
        h = gg.relu(gg.Value(X) @ W1 + b1)
        return F.cross_entropy(h @ W2 + b2, y)
    vs = [gg.Value(p, requires_grad=True) for p in params]
    loss(vs).backward()
    back = [np.asarray(v.grad, float) for v in vs]
    n_backprop = calls["forward"]
    calls["forward"] = 0
    num, h = [], 1e-5
    for i, p in enumerate(params):
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            for sgn in (1, -1):
                q = [x.copy() for x in params]
                q[i][idx] += sgn * h
                g[idx] += sgn * float(loss([gg.Value(x) for x in q]).item()) / (2 * h)
        num.append(g)
    n_params = sum(p.size for p in params)
    err = max(float(np.max(np.abs(a - b))) for a, b in zip(back, num))
    return n_params, n_backprop, calls["forward"], err


def make(out_dir):
    import os

    from graphgrad import viz
    from graphgrad.viz.companion import figure, save, t
    # the lecture's example: f = (x + y)·z at x = -2, y = 5, z = -4
    x = gg.Value(-2.0, requires_grad=True, name="x")
    y = gg.Value(5.0, requires_grad=True, name="y")
    z = gg.Value(-4.0, requires_grad=True, name="z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    f.backward(retain_graph=True)
    viz.render(f, os.path.join(out_dir, "lecture_graph.png"), fmt=".0f")
    n_params, n_back, n_num, err = mlp_gradients()
    fig, ax = figure(6.4, 3.6)
    ns = np.array([10, 100, 1_000, 10_000, 100_000, 1_000_000])
    ax.loglog(ns, 2 * ns, "o-", color="#d62728", label=t("numerical: 2 forward passes per weight", "수치 미분: 가중치마다 순전파 2번"))
    ax.loglog(ns, np.full(ns.shape, 3.0), "o-", color="#2ca02c", label=t("backprop: 1 forward + 1 backward ≈ 3", "역전파: 순전파 1번 + 역전파 1번 ≈ 3"))
    ax.plot([n_params], [n_num], "k*", ms=12, label=t(f"measured, {n_params:,} weights: {n_num:,} passes", f"실측, 가중치 {n_params:,}개: {n_num:,}번"))
    ax.set_xlabel(t("number of weights", "가중치 개수")); ax.set_ylabel(t("cost, in forward passes", "비용 (순전파 횟수)"))
    ax.set_title(t("the cost of one full gradient", "전체 기울기를 한 번 구하는 비용"), fontsize=10); ax.legend(fontsize=8)
    name = save(fig, out_dir, "cost.png")
    return {"figures": [
        ("lecture_graph.png", {"en": "f = (x + y)·z at x = -2, y = 5, z = -4 (values above, gradients below each edge). At the + gate: "
                                     "upstream df/dq = z = -4, local dq/dx = 1, downstream df/dx = -4 × 1 = -4.",
                               "ko": "x = -2, y = 5, z = -4에서 f = (x + y)·z (선 위는 값, 아래는 기울기). + 게이트에서 upstream df/dq = z = -4, "
                                     "local dq/dx = 1, downstream df/dx = -4 × 1 = -4입니다."}),
        (name, {"en": f"For the {n_params:,}-weight MLP, backprop needed {n_back} forward pass and one backward; the numerical "
                      f"gradient needed {n_num:,} forward passes and agrees with backprop to {err:.1e}.",
                "ko": f"가중치 {n_params:,}개인 MLP에서 역전파는 순전파 {n_back}번과 역전파 1번, 수치 미분은 순전파 {n_num:,}번이 "
                      f"필요했고 두 기울기의 차이는 {err:.1e}입니다."})],
        "numbers": {"n_params": n_params, "forward_passes_backprop": n_back, "forward_passes_numerical": n_num,
                    "max_abs_diff": err, "df_dx": float(x.grad), "df_dy": float(y.grad), "df_dz": float(z.grad)}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

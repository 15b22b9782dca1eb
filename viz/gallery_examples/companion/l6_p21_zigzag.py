"""L6 p21: why all-positive inputs make every weight's gradient share a sign, and why the
updates zig-zag. A 2-weight neuron f = w·x learns w* = (1, -1) by SGD, once on all-positive
inputs and once on zero-centred ones; both weight paths are plotted."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 6, "page": "p21",
    "asked": [("혜지", "왜 오른쪽 아래로 내려가는 기울기가 최적 W 업데이트일까"),
              ("소현", "W가 다 양수일 때 왜 w에 대한 기울기가 왜 항상 양수거나 음수인가요? 그리고 오른쪽에 지그재그로 "
                      "되어 있는 부분이 이해가 잘 안 갑니다. 약간 직관적인 설명을 위해서 그렇게 그려놓은 것 같은데 이게 왜 "
                      "모두 양수일 때랑 무슨 연관이 있는지 궁금합니다.")],
    "title": {"en": "All-positive inputs: the weight updates zig-zag",
              "ko": "입력이 모두 양수이면 가중치 업데이트가 지그재그로 움직인다"},
    "answer": {
        "en": "For f = w·x the local gradient of each weight is its input: df/dw_i = x_i. Backprop multiplies "
              "the one upstream number dL/df by every x_i, so when all x_i > 0 every component of dL/dw has the "
              "sign of dL/df: one example can only push (w1, w2) up-right or down-left.\n\n"
              "The best w here is w* = (1, -1), down-right of the start (0, 0): the slide's blue arrow. Down-right is not "
              "always best; the slide picks that case because it is a direction that 'all up' or 'all down' cannot reach. No single "
              "step can go that way, so the updates alternate between the two allowed directions: the zig-zag. With "
              "zero-centred inputs x_i has either sign and a step may point anywhere.\n\n"
              "What the zig-zag costs shows best with full-batch gradient descent (right panel, dashed): all-positive "
              "inputs make the loss a long narrow valley whose floor runs exactly along the direction to w*, so at the "
              "largest step that does not diverge it needs 34 steps to get within 0.1 of w*, against 2 for the same data "
              "centred. With one example per step (solid lines, and the path on the left) this small problem hides the "
              "difference: both runs get close about equally fast. Two more remarks. The same-sign rule holds per "
              "example: a minibatch gradient is a sum of upstream × x over its examples, and when the upstream numbers "
              "have different signs the sum can have mixed signs (halfway to w*, 61% of minibatches of 8 here). And the "
              "sign is that of the upstream gradient dL/df, not of f itself.",
        "ko": "f = w·x에서 각 가중치의 local gradient는 그 가중치에 곱해지는 입력입니다: df/dw_i = x_i. 역전파는 upstream 값 하나인 "
              "dL/df에 모든 x_i를 곱하므로, x_i가 모두 양수이면 dL/dw의 모든 성분이 dL/df와 부호가 같습니다. 그래서 예제 하나로는 "
              "(w1, w2)를 오른쪽 위나 왼쪽 아래로만 움직일 수 있습니다.\n\n"
              "여기서 가장 좋은 w는 w* = (1, -1)로, 출발점 (0, 0)의 오른쪽 아래입니다(슬라이드의 파란 화살표). 오른쪽 아래가 "
              "항상 최적인 것은 아니고, 슬라이드가 그런 경우를 예로 든 것입니다. 바로 이 방향이 '모두 증가' 또는 '모두 감소'로는 "
              "갈 수 없는 방향이라서 고른 것입니다. 한 스텝으로는 그 방향으로 "
              "갈 수 없으니 업데이트가 허용된 두 방향을 번갈아 오갑니다. 이것이 지그재그입니다. 입력이 zero-centered이면 x_i의 부호가 "
              "섞여서 스텝이 어느 방향으로든 갈 수 있습니다.\n\n"
              "지그재그가 얼마나 손해인지는 전체 배치 경사 하강법(오른쪽 그림의 점선)에서 잘 보입니다. 입력이 모두 양수이면 loss가 "
              "길고 좁은 골짜기 모양이 되는데, 골짜기 바닥이 정확히 w* 쪽으로 나 있습니다. 그래서 발산하지 않는 가장 큰 스텝으로도 w*까지 "
              "0.1 안에 들어오는 데 34스텝이 걸리고, 같은 데이터를 zero-centered로 바꾸면 2스텝이면 됩니다. 스텝마다 예제 하나를 쓰는 "
              "SGD(실선과 왼쪽 경로)에서는 문제가 작아서 차이가 잘 드러나지 않고 두 실행이 비슷하게 다가갑니다. 두 가지를 덧붙이면, "
              "부호가 같아지는 것은 예제 하나 단위의 이야기입니다. 미니배치 기울기는 예제마다 upstream × x를 더한 것이라서, upstream 값의 "
              "부호가 예제마다 다르면 합의 성분 부호가 섞일 수 있습니다(여기서는 w*까지 절반쯤 갔을 때 크기 8인 미니배치의 61%). "
              "그리고 부호를 정하는 것은 f 자체가 아니라 upstream gradient dL/df의 부호입니다."},
    "corrects": [
        {"claim": "f가 양수이면 w가 1사분면 방향으로 이동할 수 있고, f가 음수이면 w가 3사분면 방향으로이동할 수밖에 없어서",
         "where": "004 (p21)",
         "fix": {"en": "The direction is set by the sign of the upstream gradient dL/df, not of f: with dL/df < 0 the update "
                       "-η·dL/dw moves w up-right (first quadrant direction), with dL/df > 0 down-left. f can be positive "
                       "while dL/df is either sign.",
                 "ko": "방향을 정하는 것은 f가 아니라 upstream gradient dL/df의 부호입니다. dL/df < 0이면 업데이트 -η·dL/dw가 w를 "
                       "오른쪽 위(1사분면 방향)로, dL/df > 0이면 왼쪽 아래로 옮깁니다. f가 양수여도 dL/df는 어느 부호든 될 수 있습니다."}}],
}
W_STAR = np.array([1.0, -1.0])


def sgd_path(X, lr=0.1, seed=0):
    """Per-example SGD on L = (w·x - w*·x)², gradients by graphgrad's backward."""
    rng = np.random.default_rng(seed)
    w = np.zeros(2)
    path, same_sign = [w.copy()], 0
    for i in rng.permutation(len(X)):
        wv = gg.Value(w, requires_grad=True, name="w")
        x = X[i]
        loss = ((wv * x).sum() - float(W_STAR @ x)) ** 2
        loss.backward()
        g = np.asarray(wv.grad)
        same_sign += int(np.sign(g[0]) == np.sign(g[1]) and g[0] != 0)
        w = w - lr * g
        path.append(w.copy())
    return np.array(path), same_sign


def gd_distances(X, steps=60):
    """Full-batch gradient descent on the mean loss, at the largest step that is stable for this
    data (1/λ_max of the Hessian 2·E[xxᵀ]); the distance to w* after each step."""
    lr = 1.0 / np.linalg.eigvalsh(2 * X.T @ X / len(X)).max()
    w, out = np.zeros(2), []
    for _ in range(steps):
        wv = gg.Value(w, requires_grad=True)
        r = gg.Value(X) @ wv - gg.Value(X @ W_STAR)
        (r * r).mean().backward()
        w = w - lr * np.asarray(wv.grad)
        out.append(float(np.linalg.norm(w - W_STAR)))
    return np.array(out)


def minibatch_same_sign(X, batch=8, trials=400, seed=1):
    """How often a minibatch gradient, at w = (0.5, -0.5) halfway to w*, still has both components
    of one sign (for one example it always has, with all-positive x)."""
    rng = np.random.default_rng(seed)
    w = np.array([0.5, -0.5])
    hits = 0
    for _ in range(trials):
        xb = X[rng.choice(len(X), batch, replace=False)]
        g = 2 * ((xb @ w - xb @ W_STAR)[:, None] * xb).mean(axis=0)
        hits += int(np.sign(g[0]) == np.sign(g[1]))
    return hits / trials


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t
    rng = np.random.default_rng(0)
    X_pos = rng.uniform(0.2, 1.0, size=(60, 2))            # all positive (like sigmoid outputs)
    X_zero = X_pos - X_pos.mean(axis=0)                     # the same data, zero-centred
    X_zero /= X_zero.std(axis=0) / X_pos.std(axis=0)
    p_pos, s_pos = sgd_path(X_pos, lr=0.5)
    p_zero, s_zero = sgd_path(X_zero, lr=0.5)
    g_pos, g_zero = gd_distances(X_pos), gd_distances(X_zero)
    mb_pos = minibatch_same_sign(X_pos)
    fig, (ax, a1) = figure(11, 4.6, ncols=2)
    ax.plot(p_pos[:, 0], p_pos[:, 1], "-o", ms=3, color="#d62728", label=t("all-positive inputs", "입력이 모두 양수"))
    ax.plot(p_zero[:, 0], p_zero[:, 1], "-o", ms=3, color="#1f77b4", label=t("zero-centred inputs", "zero-centered 입력"))
    ax.plot(*W_STAR, "*", ms=16, color="k", label=t("w* (optimum)", "w* (최적값)"))
    ax.annotate("", xy=W_STAR, xytext=(0, 0), arrowprops=dict(arrowstyle="->", color="#4c72b0", lw=2, ls="--"))
    ax.axhline(0, color="#bbb", lw=0.8)
    ax.axvline(0, color="#bbb", lw=0.8)
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.set_title(t("SGD, one example per step: paths from (0, 0)", "SGD, 스텝마다 예제 하나: (0, 0)에서 출발한 경로"), fontsize=10)
    ax.legend(loc="lower left", fontsize=8)
    ax.set_aspect("equal")
    d_sgd_pos = np.linalg.norm(p_pos[1:] - W_STAR, axis=1)
    d_sgd_zero = np.linalg.norm(p_zero[1:] - W_STAR, axis=1)
    k = np.arange(1, len(d_sgd_pos) + 1)
    a1.semilogy(k, d_sgd_pos, color="#d62728", alpha=0.5, label=t("SGD, all positive", "SGD, 모두 양수"))
    a1.semilogy(k, d_sgd_zero, color="#1f77b4", alpha=0.5, label=t("SGD, zero-centred", "SGD, zero-centered"))
    a1.semilogy(k, g_pos, "--", color="#d62728", lw=2, label=t("full batch, all positive", "전체 배치, 모두 양수"))
    a1.semilogy(k, g_zero, "--", color="#1f77b4", lw=2, label=t("full batch, zero-centred", "전체 배치, zero-centered"))
    a1.set_ylim(1e-3, 3)
    a1.set_xlabel(t("step", "스텝")); a1.set_ylabel(t("distance to w*", "w*까지의 거리")); a1.legend(fontsize=8)
    a1.set_title(t("how fast each run gets to w*", "각 실행이 w*에 다가가는 속도"), fontsize=10)
    name = save(fig, out_dir, "zigzag.png")
    d_pos = float(np.linalg.norm(p_pos[-1] - W_STAR))
    d_zero = float(np.linalg.norm(p_zero[-1] - W_STAR))
    reach = lambda d: int(np.argmax(d < 0.1)) + 1 if np.any(d < 0.1) else None     # noqa: E731
    return {"figures": [(name, {
        "en": f"Left: all-positive inputs, {s_pos} of {len(X_pos)} steps moved both weights the same way (ends {d_pos:.2f} from w*); "
              f"zero-centred, {s_zero} of {len(X_zero)} (ends {d_zero:.2f}). Right: one example per step, both runs get close "
              f"about equally fast here; full-batch descent at its largest stable step reaches 0.1 from w* after "
              f"{reach(g_zero)} step(s) on zero-centred data and {reach(g_pos)} on all-positive data.",
        "ko": f"왼쪽: 입력이 모두 양수이면 {len(X_pos)}스텝 중 {s_pos}스텝에서 두 가중치가 같은 방향으로 움직였습니다(w*까지 {d_pos:.2f}). "
              f"zero-centered는 {len(X_zero)}스텝 중 {s_zero}스텝(w*까지 {d_zero:.2f}). 오른쪽: 스텝마다 예제 하나를 쓰면 이 데이터에서는 "
              f"두 실행이 비슷한 속도로 다가갑니다. 전체 배치 경사 하강법을 안정적인 가장 큰 스텝으로 돌리면, w*까지 0.1 안에 들어오는 데 "
              f"zero-centered는 {reach(g_zero)}스텝, 모두 양수이면 {reach(g_pos)}스텝이 걸립니다."})],
            "numbers": {"steps": len(X_pos), "same_sign_steps_positive": s_pos, "same_sign_steps_zero_centred": s_zero,
                        "final_distance_positive": d_pos, "final_distance_zero_centred": d_zero,
                        "full_batch_steps_to_0.1_positive": reach(g_pos), "full_batch_steps_to_0.1_zero_centred": reach(g_zero),
                        "minibatch8_same_sign_fraction_positive": mb_pos}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

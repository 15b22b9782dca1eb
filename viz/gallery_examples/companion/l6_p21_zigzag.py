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
              "The best w here is w* = (1, -1), down-right of the start (0, 0) — the slide's blue arrow. No single "
              "step can go that way, so SGD alternates between the two allowed directions: the zig-zag. With "
              "zero-centred inputs x_i has either sign, each step may point anywhere, and the path goes almost "
              "straight. The plot is the real run: each dot is one SGD step.",
        "ko": "f = w·x 에서 각 가중치의 local gradient는 입력 자신입니다: df/dw_i = x_i. 역전파는 하나의 upstream 값 "
              "dL/df 에 모든 x_i 를 곱하므로, x_i 가 모두 양수이면 dL/dw 의 모든 성분이 dL/df 와 같은 부호를 가집니다. "
              "한 예제로는 (w1, w2) 를 오른쪽 위 또는 왼쪽 아래로만 움직일 수 있습니다.\n\n"
              "여기서 최적의 w 는 w* = (1, -1), 즉 시작점 (0, 0) 의 오른쪽 아래입니다(슬라이드의 파란 화살표). 한 번의 "
              "업데이트로는 그 방향으로 갈 수 없으니 SGD 는 허용된 두 방향을 번갈아 가며 움직입니다. 이것이 지그재그입니다. "
              "입력이 zero-centered 이면 x_i 의 부호가 섞여서 각 스텝이 어느 방향이든 될 수 있고, 경로가 거의 곧게 갑니다. "
              "그림은 실제 실행 결과이며 점 하나가 SGD 한 스텝입니다."},
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


def make(out_dir):
    from graphgrad.viz.companion import figure, save
    rng = np.random.default_rng(0)
    X_pos = rng.uniform(0.2, 1.0, size=(60, 2))            # all positive (like sigmoid outputs)
    X_zero = X_pos - X_pos.mean(axis=0)                     # the same data, zero-centred
    X_zero /= X_zero.std(axis=0) / X_pos.std(axis=0)
    p_pos, s_pos = sgd_path(X_pos, lr=0.5)
    p_zero, s_zero = sgd_path(X_zero, lr=0.5)
    fig, ax = figure(6.4, 4.6)
    ax.plot(p_pos[:, 0], p_pos[:, 1], "-o", ms=3, color="#d62728", label="all-positive inputs")
    ax.plot(p_zero[:, 0], p_zero[:, 1], "-o", ms=3, color="#1f77b4", label="zero-centred inputs")
    ax.plot(*W_STAR, "*", ms=16, color="k", label="w* (optimum)")
    ax.annotate("", xy=W_STAR, xytext=(0, 0), arrowprops=dict(arrowstyle="->", color="#4c72b0", lw=2, ls="--"))
    ax.axhline(0, color="#bbb", lw=0.8)
    ax.axvline(0, color="#bbb", lw=0.8)
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.set_title("SGD weight paths from (0, 0) to w* = (1, -1)")
    ax.legend(loc="lower left", fontsize=9)
    ax.set_aspect("equal")
    name = save(fig, out_dir, "zigzag.png")
    d_pos = float(np.linalg.norm(p_pos[-1] - W_STAR))
    d_zero = float(np.linalg.norm(p_zero[-1] - W_STAR))
    return {"figures": [(name, {"en": f"Red: all-positive inputs, {s_pos} of {len(X_pos)} steps moved both weights the same way "
                                      f"(ends {d_pos:.2f} from w*). Blue: zero-centred, {s_zero} of {len(X_zero)} (ends {d_zero:.2f} from w*).",
                                "ko": f"빨강: 입력이 모두 양수, {len(X_pos)} 스텝 중 {s_pos} 스텝에서 두 가중치가 같은 방향으로 움직임 "
                                      f"(w* 까지 {d_pos:.2f}). 파랑: zero-centered, {len(X_zero)} 중 {s_zero} (w* 까지 {d_zero:.2f})."})],
            "numbers": {"steps": len(X_pos), "same_sign_steps_positive": s_pos, "same_sign_steps_zero_centred": s_zero,
                        "final_distance_positive": d_pos, "final_distance_zero_centred": d_zero}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

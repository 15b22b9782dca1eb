"""L6 p27: the slide's red and green lines. A 2-D data cloud, a hidden layer of 12 ReLUs; each
unit's line w·x + b = 0 is drawn over the data, green where some example lands on its active
side, red where none does (a dead ReLU: input negative for every example, so its gradient is 0
forever). Counted after training with a sane learning rate and with a too-large one."""
import numpy as np

import graphgrad as gg
from graphgrad.nn import functional as F

PAGE = {
    "lecture": 6, "page": "p27",
    "asked": [("재용", "dead relu 설명에서 빨간색 선, 초록색 선은 어떻게 해석하는거지?")],
    "title": {"en": "Dead ReLUs: the red and green lines over the data cloud",
              "ko": "Dead ReLU: 데이터 구름 위의 빨간 선과 초록 선"},
    "answer": {
        "en": "Each line is one hidden ReLU unit's boundary w·x + b = 0 in input space; the unit outputs "
              "w·x + b on one side (the arrow) and 0 on the other. A green unit has data on its active side, so it "
              "passes a signal forward and receives a gradient backward. A red unit has the whole data cloud on "
              "its negative side: it outputs 0 for every example and its local gradient is 0 for every example, "
              "so its weights never change again — it is dead.\n\n"
              "The experiment trains the same 2-layer net twice from the same seed. With a moderate learning rate "
              "almost every unit stays alive; with a too-large one a few huge updates throw units' lines off the "
              "data cloud, and the counts below the plot show how many died.",
        "ko": "선 하나는 은닉층 ReLU 유닛 하나의 경계 w·x + b = 0입니다. 화살표 쪽에서는 w·x + b를 "
              "출력하고 반대쪽에서는 0을 출력합니다. 초록 유닛은 활성 쪽에 데이터가 있으므로 순전파에서 신호를 보내고 "
              "역전파에서 기울기를 받습니다. 빨간 유닛은 데이터 구름 전체가 음수 쪽에 있습니다. 모든 예제에 대해 출력이 "
              "0이고 local gradient도 0이라서 가중치가 다시는 바뀌지 않습니다. 이것이 죽은(dead) "
              "ReLU입니다.\n\n"
              "같은 시드로 같은 2층 신경망을 두 번 학습합니다. 학습률이 적당하면 거의 모든 유닛이 살아 있고, 학습률이 "
              "너무 크면 몇 번의 큰 업데이트가 유닛의 선을 데이터 구름 밖으로 밀어내 버립니다. 그림 아래의 숫자가 죽은 "
              "유닛의 수입니다."},
}

H = 12


def train(X, y, lr, steps=60, seed=0, full=False):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(0, 1.0, (2, H)); b1 = rng.normal(0, 0.5, H)
    W2 = rng.normal(0, 0.5, (H, 2)); b2 = np.zeros(2)
    for _ in range(steps):
        ps = [gg.Value(a, requires_grad=True) for a in (W1, b1, W2, b2)]
        h = gg.relu(gg.Value(X) @ ps[0] + ps[1])
        loss = F.cross_entropy(h @ ps[2] + ps[3], y)
        loss.backward()
        W1, b1, W2, b2 = (p.numpy() - lr * np.asarray(p.grad) for p in ps)
    return (W1, b1, W2, b2) if full else (W1, b1)


def dead_units(X, W1, b1):
    """Units whose pre-activation is <= 0 for every example (numpy)."""
    return np.all(X @ W1 + b1 <= 0, axis=0)


def draw(ax, X, y, W1, b1, title):
    from graphgrad.viz.companion import t as tr
    dead = dead_units(X, W1, b1)
    ax.scatter(X[:, 0], X[:, 1], c=np.where(y == 0, "#90a4ae", "#ffb74d"), s=10, zorder=2)
    xs = np.linspace(-5, 5, 2)
    for j in range(W1.shape[1]):
        w, b = W1[:, j], b1[j]
        col = "#d62728" if dead[j] else "#2ca02c"
        if abs(w[1]) > 1e-9:
            ax.plot(xs, -(w[0] * xs + b) / w[1], color=col, lw=1.4)
        else:
            ax.axvline(-b / w[0], color=col, lw=1.4)
        # arrow: from the line's point nearest the origin towards the active side
        p0 = -b * w / (w @ w)
        if np.all(np.abs(p0) < 4.8):
            ax.annotate("", xy=p0 + 0.6 * w / np.linalg.norm(w), xytext=p0,
                        arrowprops=dict(arrowstyle="->", color=col, lw=1.2))
    ax.set_xlim(-5, 5); ax.set_ylim(-5, 5); ax.set_aspect("equal")
    ax.set_title(tr(f"{title}: {int(dead.sum())} of {len(dead)} dead", f"{title}: {len(dead)}개 중 {int(dead.sum())}개 죽음"), fontsize=10)
    return int(dead.sum())


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    from graphgrad.data import make_moons
    d = make_moons(n_samples=200, noise=0.15, seed=0)
    X = d.X_train - d.X_train.mean(axis=0)
    X = X / X.std(axis=0)
    y = d.y_train
    fig, axes = figure(10, 3.6, ncols=3)
    rng = np.random.default_rng(0)
    W0 = rng.normal(0, 1.0, (2, H)); b0 = rng.normal(0, 0.5, H)
    n_init = draw(axes[0], X, y, W0, b0, tr("at initialisation", "초기화 직후"))
    n_ok = draw(axes[1], X, y, *train(X, y, lr=0.1), tr("after lr = 0.1", "학습률 0.1로 학습 후"))
    n_big = draw(axes[2], X, y, *train(X, y, lr=5.0), tr("after lr = 5", "학습률 5로 학습 후"))
    name = save(fig, out_dir, "dead_relu.png")
    # the same net after the large learning rate, drawn by graphgrad with the gradient-flow overlay
    import os

    from graphgrad import viz
    W1, b1, W2, b2 = train(X, y, lr=5.0, full=True)
    h = gg.relu(gg.Value(X, name="X") @ gg.Value(W1, requires_grad=True, name="W1") + gg.Value(b1, requires_grad=True, name="b1"))
    h.name = "h"
    loss = F.cross_entropy(h @ gg.Value(W2, requires_grad=True, name="W2") + gg.Value(b2, requires_grad=True, name="b2"), y)
    loss.name = "loss"
    loss.backward()
    viz.render(loss, os.path.join(out_dir, "dead_relu_flow.png"), flow="grad", max_values=0)
    cap = {"en": f"Green: alive (some example on the arrow's side). Red: dead. Dead units: {n_init} at init, "
                 f"{n_ok} after 60 steps at lr 0.1, {n_big} after 60 steps at lr 5.",
           "ko": f"초록: 살아 있음(화살표 쪽에 예제가 있음). 빨강: 죽음. 죽은 유닛 수: 초기 {n_init}, "
                 f"lr 0.1로 60스텝 후 {n_ok}, lr 5로 60스텝 후 {n_big}."}
    flow_cap = {"en": f"The net after lr 5 as a graph, wires coloured by gradient magnitude (viz Options flow='grad'); "
                      f"the ReLU gate counts its dead units: {n_big} of {H}.",
                "ko": f"lr 5 이후의 신경망 그래프, 선의 색은 기울기 크기 (viz Options flow='grad'); "
                      f"ReLU 게이트가 죽은 유닛을 셉니다: {H}개 중 {n_big}개."}
    return {"figures": [(name, cap), ("dead_relu_flow.png", flow_cap)],
            "numbers": {"hidden_units": H, "dead_at_init": n_init, "dead_after_lr_0.1": n_ok, "dead_after_lr_5": n_big}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

"""L6 p28: dead vs active ReLU regions. One unit's active half-plane over a data cloud, and the
fraction of the batch in it, for a healthy unit, a half-active one and a dead one; the
gradient its weights receive in a graphgrad backward pass is printed beside each."""
import numpy as np

import graphgrad as gg

KO = {"healthy": "살아 있음", "half active": "절반만 활성", "dead": "죽음"}

PAGE = {
    "lecture": 6, "page": "p28",
    "asked": [("세연", "input이 0보다 작을 때 dead ReLU인 것이 아닌지, dead/active ReLU 영역의 차이를 모르겠습니다.")],
    "title": {"en": "A negative input is not a dead ReLU; negative for every input is",
              "ko": "입력이 음수라고 dead ReLU는 아니다: 모든 입력에 대해 음수일 때가 dead"},
    "answer": {
        "en": "For one example, a ReLU with negative input outputs 0 and passes no gradient — that is normal: every "
              "unit is off for part of the data, and that is what makes it useful. The unit's 'active region' is the "
              "half of input space where w·x + b > 0. It is dead when the whole data cloud lies outside that region: "
              "then it is off for every example, the gradient its weights get, summed over the batch, is exactly 0, "
              "and no update can bring it back. The three panels show the same data with three units; the shaded "
              "half-plane is the active region, and the title gives the share of examples inside it and the size of "
              "the weight gradient graphgrad computed for that unit.",
        "ko": "어떤 예제에서 입력이 음수인 ReLU는 0을 출력하고 기울기를 보내지 않습니다. 이것은 정상입니다. 모든 유닛은"
              " 데이터의 일부에 대해서는 꺼져 있고, 그래서 쓸모가 있습니다. 유닛의 '활성 영역'은 입력 공간 중 w·x +"
              " b > 0인 절반입니다. 데이터 구름 전체가 이 영역 밖에 있을 때가 dead입니다. 그러면 모든 예제에 대해"
              " 꺼져 있고, 배치 전체에서 가중치가 받는 기울기의 합이 정확히 0이 되어 어떤 업데이트로도 되살릴 수 "
              "없습니다. 세 그림은 같은 데이터 위의 서로 다른 유닛 세 개입니다. 색칠한 반평면이 활성 영역이고, 제목에는 "
              "그 안에 들어간 예제의 비율과 graphgrad로 계산한 그 유닛의 가중치 기울기 크기가 있습니다."},
}


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 2))
    units = [("healthy", np.array([1.0, 0.5]), 1.0), ("half active", np.array([1.0, -1.0]), 0.0),
             ("dead", np.array([-1.0, -1.0]), -6.0)]
    fig, axes = figure(10, 3.5, ncols=3)
    gx, gy = np.meshgrid(np.linspace(-4, 4, 200), np.linspace(-4, 4, 200))
    numbers = {}
    for ax, (name, w, b) in zip(axes, units):
        wv = gg.Value(w, requires_grad=True)
        bv = gg.Value(b, requires_grad=True)
        h = gg.relu(gg.Value(X) @ wv + bv)
        h.sum().backward()
        gnorm = float(np.linalg.norm(wv.grad))
        frac = float(np.mean(X @ w + b > 0))
        ax.contourf(gx, gy, (gx * w[0] + gy * w[1] + b > 0).astype(float), levels=[0.5, 1.5], colors=["#c8e6c9"])
        ax.scatter(X[:, 0], X[:, 1], s=6, c=np.where(X @ w + b > 0, "#2e7d32", "#9e9e9e"))
        ax.set_xlim(-4, 4); ax.set_ylim(-4, 4); ax.set_aspect("equal")
        ax.set_title(tr(f"{name}: {frac:.0%} active, |dL/dw| = {gnorm:.3g}", f"{KO.get(name, name)}: {frac:.0%} 활성, |dL/dw| = {gnorm:.3g}"), fontsize=10)
        numbers[f"{name.replace(' ', '_')}_active_fraction"] = frac
        numbers[f"{name.replace(' ', '_')}_grad_norm"] = gnorm
    fname = save(fig, out_dir, "active_region.png")
    return {"figures": [(fname, {"en": "Green half-plane: where the unit is active. Only the dead unit (right) gets a zero weight gradient.",
                                 "ko": "초록 반평면: 유닛이 활성인 영역. 가중치 기울기가 0인 것은 dead 유닛(오른쪽)뿐입니다."})],
            "numbers": numbers}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

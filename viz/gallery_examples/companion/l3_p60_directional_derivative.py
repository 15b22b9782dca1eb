"""L3 p60: the slope in a direction u is the dot product of the gradient with the unit vector
u. For a 2-weight loss, graphgrad's gradient dotted with u at every angle, against the
finite-difference slope along u."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 3, "page": "p60",
    "asked": [("혜지", "유닛벡터와 gradient 벡터 내적이 무슨 말일까…")],
    "title": {"en": "The slope along any direction is gradient · unit vector", "ko": "방향 미분 = 기울기 · 단위벡터"},
    "answer": {
        "en": "In one dimension the derivative is the slope. With many weights you can walk in any direction u (a unit "
              "vector: length 1, so it only says which way). How fast does the loss change if you take a tiny step along "
              "u? That directional derivative is the dot product ∇L · u = |∇L|·cos θ, where θ is the angle between u "
              "and the gradient. It is largest, |∇L|, when u points along the gradient (steepest ascent), 0 at 90°, "
              "and most negative at 180° — which is why we step along -∇L. The plot checks it: for 72 directions the "
              "slope measured by finite differences (dots) lies on ∇L · u (line).",
        "ko": "1차원에서는 미분이 곧 기울기입니다. 가중치가 여러 개면 어느 방향 u로든 움직일 수 있습니다(단위벡터는 길이가"
              " 1이라 방향만 나타냅니다). u 방향으로 아주 조금 움직일 때 loss가 얼마나 빨리 변하는지, 즉 u 방향의"
              " 방향 미분이 내적 ∇L · u = |∇L|·cos θ입니다. θ는 u와 기울기 벡터 사이의 각입니다. u가 "
              "기울기와 같은 방향일 때 가장 크고(|∇L|, 가장 가파른 오르막), 90°에서 0, 180°에서 가장 "
              "작습니다. 그래서 loss를 줄이려면 -∇L 방향으로 갑니다. 그림에서 72개 방향마다 유한 차분으로 잰 "
              "기울기(점)가 ∇L · u 곡선 위에 그대로 놓이는 것을 확인할 수 있습니다."},
}


def make(out_dir):
    from graphgrad.viz.companion import figure, save, t as tr
    w0 = np.array([0.5, -1.0])

    def L(w):
        return (w[0] ** 2) * 3.0 + gg.exp(w[1] * 0.5) + w[0] * w[1] if isinstance(w, gg.Value) else \
            3.0 * w[0] ** 2 + np.exp(0.5 * w[1]) + w[0] * w[1]
    w = gg.Value(w0, requires_grad=True)
    L(w).backward()
    g = np.asarray(w.grad)
    th = np.linspace(0, 2 * np.pi, 72, endpoint=False)
    U = np.stack([np.cos(th), np.sin(th)], axis=1)
    h = 1e-6
    fd = np.array([(L(w0 + h * u) - L(w0 - h * u)) / (2 * h) for u in U])
    dot = U @ g
    fig, ax = figure(6.4, 3.4)
    ax.plot(np.degrees(th), dot, color="#1f77b4", label=tr("∇L · u (graphgrad gradient)", "∇L · u (graphgrad 기울기)"))
    ax.plot(np.degrees(th), fd, "o", ms=3, color="#d62728", label=tr("finite-difference slope along u", "u 방향으로 유한 차분한 기울기"))
    ax.axvline(np.degrees(np.arctan2(g[1], g[0]) % (2 * np.pi)), color="#999", ls=":", label=tr("u along ∇L", "u가 ∇L 방향"))
    ax.set_xlabel(tr("direction of u (degrees)", "u의 방향 (도)")); ax.set_ylabel(tr("slope", "기울기"))
    ax.legend(fontsize=8)
    name = save(fig, out_dir, "directional.png")
    err = float(np.max(np.abs(fd - dot)))
    return {"figures": [(name, {"en": f"|∇L| = {np.linalg.norm(g):.3f} = the largest slope {dot.max():.3f}; finite differences match within {err:.1e}.",
                                "ko": f"|∇L| = {np.linalg.norm(g):.3f} = 가장 큰 기울기 {dot.max():.3f}; 유한 차분과의 차이 {err:.1e} 이내."})],
            "numbers": {"max_err": err, "grad_norm": float(np.linalg.norm(g)), "max_slope": float(dot.max())}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

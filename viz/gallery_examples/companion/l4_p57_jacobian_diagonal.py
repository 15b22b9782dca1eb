"""L4 p57: why the Jacobian of an elementwise gate is diagonal. viz.jacobian builds dy/dx
row by row from graphgrad's backward (a one-hot upstream gradient per output entry) for
y = max(0, x) (the slide's gate, 4096 → 4096, shown at 16 → 16) and for y = W x (dense)."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 4, "page": "p57",
    "asked": [("혜지", "자코비언 행렬은 대각행렬이 된다는 게 무슨 말?"),
              ("소현", "왜 자코비안 행렬이 대각행렬이 되는지가 궁금합니다. 설명으로는 요소별 연산을 해서 그렇다는 식이었데 이해가 "
                      "가질 않습니다.")],
    "title": {"en": "The Jacobian of an elementwise gate is diagonal", "ko": "원소별(elementwise) 게이트의 자코비안은 대각행렬"},
    "answer": {
        "en": "The Jacobian of a gate y = f(x) with x, y of size n is the n×n table of dy_i/dx_j: row i says how output i "
              "moves when each input moves. For y = max(0, x) output i is computed from x_i alone, so dy_i/dx_j = 0 "
              "whenever j ≠ i: every off-diagonal entry is 0. On the diagonal dy_i/dx_i is 1 where x_i > 0 and 0 where "
              "x_i ≤ 0. The slide's gate is 4096 → 4096, so its Jacobian has 4096² ≈ 16.8 million entries of which only "
              "4096 can be nonzero — which is why backprop never builds it and multiplies elementwise instead "
              "(upstream ⊙ 1[x > 0]). A matmul y = W x mixes every input into every output, so its Jacobian (= W) is "
              "dense. Both heat maps below were computed from the graph, one backward pass per row.",
        "ko": "크기가 n인 x와 y에 대해 게이트 y = f(x)의 자코비안은 dy_i/dx_j를 모은 n×n 표입니다. "
              "i번째 행은 각 입력을 움직였을 때 출력 i가 얼마나 움직이는지를 나타냅니다. y = max(0, x)에서 출력"
              " i는 x_i 하나만으로 계산되므로 j ≠ i이면 dy_i/dx_j = 0입니다. 즉 대각선 밖은 전부 "
              "0입니다. 대각선의 dy_i/dx_i는 x_i > 0이면 1, x_i ≤ 0이면 0입니다. 슬라이드의 게이트는 "
              "4096 → 4096이라 자코비안의 원소가 4096² ≈ 1680만 개나 되지만, 0이 아닐 수 있는 것은 "
              "4096개뿐입니다. 그래서 역전파는 이 행렬을 만들지 않고 원소별 곱 upstream ⊙ 1[x > 0]만 "
              "계산합니다. 반면 행렬곱 y = W x는 모든 입력을 모든 출력에 섞으므로 자코비안(= W)이 꽉 차 있습니다."
              " 아래 두 히트맵은 그래프에서 행마다 역전파를 한 번씩 돌려 구한 것입니다."},
}


def make(out_dir):
    import os

    from graphgrad.viz.companion import t
    from graphgrad.viz.jacobian import is_diagonal, jacobian, jacobian_view, numeric_jacobian
    rng = np.random.default_rng(0)
    x0 = rng.standard_normal(16)
    x = gg.Value(x0, requires_grad=True, name="x")
    y = gg.maximum(x, 0.0)
    y.name = "y"
    jacobian_view(y, x, os.path.join(out_dir, "relu_jacobian.png"), lecture_shape="4096 × 4096",
                  title=t("y = max(0, x), x of shape (16,)", "y = max(0, x), x의 모양 (16,)"), lang=t("en", "ko"))
    J = jacobian(y, x)
    fd = numeric_jacobian(lambda v: np.maximum(v, 0.0), x0)
    W0 = rng.standard_normal((6, 8))
    W = gg.Value(W0, name="W")
    x2 = gg.Value(rng.standard_normal(8), requires_grad=True, name="x")
    q = W @ x2
    q.name = "q"
    jacobian_view(q, x2, os.path.join(out_dir, "matmul_jacobian.png"), title=t("q = W·x, W (6, 8), x (8,)", "q = W·x, W (6, 8), x (8,)"),
                  lang=t("en", "ko"))
    J2 = jacobian(q, x2)
    return {"figures": [
        ("relu_jacobian.png", {"en": f"max(0, x): diagonal = {is_diagonal(J)}; {int((np.diag(J) == 1).sum())} ones on the "
                                     f"diagonal, one per positive x_i ({int((x0 > 0).sum())} of 16).",
                               "ko": f"max(0, x): 대각행렬 = {is_diagonal(J)}; 대각선의 1은 {int((np.diag(J) == 1).sum())}개, "
                                     f"양수인 x_i마다 하나 (16개 중 {int((x0 > 0).sum())}개)."}),
        ("matmul_jacobian.png", {"en": "W·x: dense, and equal to W itself.", "ko": "W·x: 꽉 찬 행렬이고 W와 같습니다."})],
        "numbers": {"relu_is_diagonal": bool(is_diagonal(J)), "relu_max_err_vs_finite_diff": float(np.abs(J - fd).max()),
                    "matmul_is_diagonal": bool(is_diagonal(J2)), "matmul_max_err_vs_W": float(np.abs(J2 - W0).max()),
                    "lecture_entries": 4096 * 4096, "lecture_nonzero_at_most": 4096}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

"""L4 p70: why the W gradient has a transpose in it. For q = W·x, dL/dW = (dL/dq)·xᵀ and
dL/dx = Wᵀ·(dL/dq): each gradient must have its variable's shape. The lecture's example,
drawn from graphgrad's graph with the gradients on the wires, and the shapes checked."""
import numpy as np

import graphgrad as gg

PAGE = {
    "lecture": 4, "page": "p70",
    "asked": [("재용", "W gradient matrix가 transpose 되어있는 것?")],
    "title": {"en": "Why dL/dW = (dL/dq)·xᵀ and dL/dx = Wᵀ·(dL/dq)", "ko": "dL/dW = (dL/dq)·xᵀ, dL/dx = Wᵀ·(dL/dq)인 이유"},
    "answer": {
        "en": "Take the lecture's f = ||W·x||² with W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, 0.4]. Entry by entry, "
              "q_k = Σ_i W_ki x_i, so dq_k/dW_ki = x_i and dL/dW_ki = (dL/dq_k)·x_i: that table is the outer product "
              "(dL/dq)·xᵀ — a column times a row, shape (2, 2) like W. Likewise dL/dx_i = Σ_k W_ki·(dL/dq_k), a sum down "
              "column i of W, which is the row i of Wᵀ: dL/dx = Wᵀ·(dL/dq), shape (2,) like x. The transposes are not "
              "a convention to memorise: they are what makes the shapes line up, and the rule 'a gradient has the shape "
              "of its variable' tells you where to put them. The diagram is the real graph; compare its red numbers "
              "with the formulas in the caption.",
        "ko": "강의의 예 f = ||W·x||², W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, "
              "0.4]로 보겠습니다. 원소별로 쓰면 q_k = Σ_i W_ki x_i이므로 dq_k/dW_ki = x_i이고 "
              "dL/dW_ki = (dL/dq_k)·x_i입니다. 이 값들을 모은 표는 외적 (dL/dq)·xᵀ, 즉 열벡터 "
              "곱하기 행벡터이고 W와 같은 (2, 2) 모양입니다. 마찬가지로 dL/dx_i = Σ_k "
              "W_ki·(dL/dq_k)는 W의 i번째 열을 따라 더한 것, 곧 Wᵀ의 i번째 행과의 곱이므로 dL/dx = "
              "Wᵀ·(dL/dq)이고 x와 같은 (2,) 모양입니다. transpose는 외워야 할 규칙이라기보다 모양을 "
              "맞추는 방법입니다. '기울기는 그 변수와 모양이 같다'는 규칙이 transpose를 어디에 넣을지 알려 줍니다."
              " 다이어그램은 실제 계산 그래프이니, 빨간 숫자를 캡션의 공식과 비교해 보세요."},
}


def make(out_dir):
    import os

    from graphgrad import viz
    W = gg.Value(np.array([[0.1, 0.5], [-0.3, 0.8]]), requires_grad=True, name="W")
    x = gg.Value(np.array([0.2, 0.4]), requires_grad=True, name="x")
    q = W @ x
    q.name = "q"
    f = (q ** 2).sum()
    f.name = "f"
    f.backward()
    viz.render(f, os.path.join(out_dir, "w_grad.png"), fmt=".3g")
    dq = 2 * q.numpy()
    outer = np.outer(dq, x.numpy())
    wt = W.numpy().T @ dq
    err = float(max(np.abs(outer - W.grad).max(), np.abs(wt - x.grad).max()))
    cap = {"en": f"dL/dq = 2q = {np.round(dq, 3).tolist()}; (dL/dq)·xᵀ = {np.round(outer, 3).tolist()} = the graph's dW; "
                 f"Wᵀ·(dL/dq) = {np.round(wt, 3).tolist()} = the graph's dx.",
           "ko": f"dL/dq = 2q = {np.round(dq, 3).tolist()}; (dL/dq)·xᵀ = {np.round(outer, 3).tolist()} = 그래프의 dW; "
                 f"Wᵀ·(dL/dq) = {np.round(wt, 3).tolist()} = 그래프의 dx."}
    return {"figures": [("w_grad.png", cap)],
            "numbers": {"max_err_formula_vs_graph": err, "dW_shape": list(np.shape(W.grad)), "dx_shape": list(np.shape(x.grad))}}


if __name__ == "__main__":
    from graphgrad.viz.companion import main
    main(make)

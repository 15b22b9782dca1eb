"""Vectorised example: f(x, W) = ||W·x||² with W = [[0.1, 0.5], [-0.3, 0.8]], x = [0.2, 0.4].
Gradients: df/dW = 2q·xᵀ, df/dx = 2Wᵀq (same shapes as W and x)."""
import numpy as np

import graphgrad as gg

TITLE = "Vectorised: ||W·x||²"
ABOUT = ("Tensor wires show their shape and, when small, their numbers. "
         "q = W·x = [0.22, 0.26], f = 0.116, df/dW = 2q·xᵀ, df/dx = 2Wᵀq: "
         "every gradient has its variable's shape.")

W = gg.Value(np.array([[0.1, 0.5], [-0.3, 0.8]]), requires_grad=True, name="W")
x = gg.Value(np.array([0.2, 0.4]), requires_grad=True, name="x")
q = W @ x
q.name = "q"
f = (q ** 2).sum()
f.name = "f"
f.backward()

DIAGRAMS = [("f", {"fmt": ".3g"}, "3 significant digits")]

if __name__ == "__main__":
    print("dW =", W.grad.tolist(), "dx =", x.grad.tolist())

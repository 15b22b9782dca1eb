"""BatchNorm forward/backward as its primitive graph (cs231n assignment 2, Kratzert's nine
steps) beside the fused BatchNorm node, whose backward is the simplified ``_alt`` formula.
Both come from ``graphgrad.nn.functional.batch_norm`` (``expand=True`` / ``False``) and
give the same gradients."""
import numpy as np

import graphgrad as gg
from graphgrad.nn.functional import batch_norm

TITLE = "BatchNorm, staged and fused"
ABOUT = ("x (N=4, D=2) → mean μ → x−μ → square → mean → +ε, √ → 1/x → x̂ → ·γ → +β. "
         "x−μ fans out, so its gradient is a sum; γ and β are broadcast over the batch, "
         "so their gradients are sums over it. The fused node computes the same dx in one step: "
         "dx = γ/(Nσ)·(N·dout − Σdout − x̂·Σ(dout·x̂)).")

X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0], [7.0, 1.0]])
DOUT = gg.Value(np.array([[0.5, -1.0], [1.0, 0.0], [-0.5, 2.0], [0.0, 1.0]]), name="dout")


def params():
    return (gg.Value(X, requires_grad=True, name="x"),
            gg.Value(np.array([1.0, 2.0]), requires_grad=True, name="γ"),
            gg.Value(np.array([0.0, -1.0]), requires_grad=True, name="β"))


# staged: Kratzert's primitive gates, grouped as "batchnorm"
x, gamma, beta = params()
out = batch_norm(x, weight=gamma, bias=beta, training=True, expand=True)
out.name = "out"
loss = (out * DOUT).sum()          # so that d loss / d out = dout, the upstream gradient
loss.name = "L"
loss.backward()

# fused: one node with its own analytic backward
xf, gammaf, betaf = params()
out_fused = batch_norm(xf, weight=gammaf, bias=betaf, training=True, expand=False)
out_fused.name = "out"
loss_fused = (out_fused * DOUT).sum()
loss_fused.name = "L"
loss_fused.backward()

DIAGRAMS = [
    ("loss", {}, "staged: every primitive gate of BatchNorm"),
    ("loss_fused", {}, "fused: one BatchNorm node, same gradients"),
]

if __name__ == "__main__":
    print("dx =", np.round(x.grad, 6).tolist())
    print("max |dx - dx_fused| =", float(np.abs(x.grad - xf.grad).max()))

"""BatchNorm forward/backward as its primitive graph (cs231n assignment 2, Kratzert's nine
steps) beside one fused BatchNorm node whose backward is the simplified ``_alt`` formula.
Both give the same gradients."""
import numpy as np

import graphgrad as gg
from graphgrad.ops import Op, fit

TITLE = "BatchNorm, staged and fused"
ABOUT = ("x (N=4, D=2) → mean → x−μ → square → mean → +ε, √ → 1/x → x̂ → ·γ → +β. "
         "x−μ fans out, so its gradient is a sum; γ and β are broadcast over the batch, "
         "so their gradients are sums over it. The fused node computes the same dx in one step: "
         "dx = γ/(Nσ)·(N·dout − Σdout − x̂·Σ(dout·x̂)).")

EPS = 1e-5
X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 9.0], [7.0, 1.0]])
DOUT = gg.Value(np.array([[0.5, -1.0], [1.0, 0.0], [-0.5, 2.0], [0.0, 1.0]]), name="dout")


def params():
    return (gg.Value(X, requires_grad=True, name="x"),
            gg.Value(np.array([1.0, 2.0]), requires_grad=True, name="γ"),
            gg.Value(np.array([0.0, -1.0]), requires_grad=True, name="β"))


# staged: primitive ops inside a "BatchNorm" group
x, gamma, beta = params()
with gg.group("BatchNorm"):
    mu = x.mean(axis=0)
    xmu = x - mu
    var = (xmu ** 2).mean(axis=0)
    ivar = 1 / (var + EPS).sqrt()
    xhat = xmu * ivar
    out = gamma * xhat + beta
out.name = "out"
loss = (out * DOUT).sum()          # so that d loss / d out = DOUT, the upstream gradient
loss.name = "L"
loss.backward()


class BatchNormFused(Op):
    """Training-mode batch norm as one node with the simplified analytic backward."""

    name, symbol = "batchnorm", "BN"
    formulas = ("dx = γ/(Nσ)·(N·g − Σg − x̂·Σ(g·x̂))", "dγ = Σ g·x̂", "dβ = Σ g")

    def forward(self, x, gamma, beta, *, eps):
        mu = x.mean(axis=0)
        inv = 1.0 / np.sqrt(x.var(axis=0) + eps)
        xhat = (x - mu) * inv
        return gamma * xhat + beta, (xhat, inv)

    def backward(self, out, g):
        (x, gamma, beta), (xhat, inv) = [v._data for v in out._inputs], out._saved
        n = x.shape[0]
        dx = gamma * inv / n * (n * g - g.sum(axis=0) - xhat * (g * xhat).sum(axis=0))
        return fit(dx, x), fit((g * xhat).sum(axis=0), gamma), fit(g.sum(axis=0), beta)


xf, gammaf, betaf = params()
out_fused = gg.apply(BatchNormFused(), xf, gammaf, betaf, eps=EPS)
out_fused.name = "out"
loss_fused = (out_fused * DOUT).sum()
loss_fused.name = "L"
loss_fused.backward()

DIAGRAMS = [
    ("loss", {}, "staged: every primitive gate of BatchNorm"),
    ("loss_fused", {}, "fused: one BN node, same gradients"),
]

if __name__ == "__main__":
    print("dx =", np.round(x.grad, 6).tolist())
    print("max |dx - dx_fused| =", float(np.abs(x.grad - xf.grad).max()))

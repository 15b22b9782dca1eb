"""Products: matmul (the ``@`` operator).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import ShapeError
from .base import Op, V, as_data, fit, is_value, run, shape_of, unbroadcast

if TYPE_CHECKING:
    from .._types import Operand
    from ..value import Value


class Matmul(Op):
    name, symbol = "matmul", "@"
    formulas = ("d(A@B)/dA → upstream @ Bᵀ", "d(A@B)/dB → Aᵀ @ upstream")
    twice_differentiable = True

    def forward(self, a, b):
        sa, sb = shape_of(a), shape_of(b)
        if not sa or not sb:
            raise ShapeError(f"matmul: {sa} @ {sb}: both operands need at least 1 dimension "
                             "(use * for scalars)")
        if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
            k2 = sb[-2 if len(sb) > 1 else 0]
            raise ShapeError(f"matmul: {sa} @ {sb}: inner dimensions {sa[-1]} and {k2} differ")
        try:
            return a @ b, None
        except ValueError as e:
            raise ShapeError(f"matmul: {sa} @ {sb}: batch dimensions do not broadcast ({e})") from None

    def backward(self, ctx, g):
        a, b = ctx.inputs
        na, nb = ctx.needs_grad
        if not is_value(g):
            g = np.asarray(g)
        ga = gb = None
        if a.ndim == 2 and b.ndim == 2:          # the common case, no reshaping
            if na:
                ga = g @ b.T
            if nb:
                gb = a.T @ g
            return ga, gb
        a2 = a[None, :] if a.ndim == 1 else a     # treat vectors as 1×n / n×1 matrices
        b2 = b[:, None] if b.ndim == 1 else b
        # the gradient of the matrix product a2 @ b2, i.e. g with the vector axes put back
        g2 = g.reshape(np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2]) + (a2.shape[-2], b2.shape[-1]))
        if na:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            ga = fit(ga[..., 0, :] if a.ndim == 1 else ga, a)
        if nb:
            gb = np.swapaxes(a2, -1, -2) @ g2
            gb = fit(gb[..., :, 0] if b.ndim == 1 else gb, b)
        return ga, gb


MATMUL = Matmul()

__all__ = ["Matmul", "MATMUL"]


# ---------------------------------------------------------------- the functions (gg.matmul)
def _v(x):
    return x if isinstance(x, V.Value) else V._lift(x)


def matmul(a: Operand, b: Operand) -> Value:
    """``a @ b`` (batched over leading axes). ``matmul(V.Value([[1., 2.]]), V.Value([[3.], [4.]])).item() == 11.0``"""
    return _v(a) @ b

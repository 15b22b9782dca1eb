"""Fused activation gates with a parameter: Leaky ReLU, ELU, PReLU.

Each is one elementwise gate (drawn as e.g. ``LeakyReLU(0.01)``), with local
derivatives as values for the stepper. At x = 0 they take the x ≤ 0 branch, as
PyTorch does (Leaky ReLU's slope there is α, ReLU's is 0).
"""
from __future__ import annotations

import math

import numpy as np

from ...ops.base import Op, fit
from ...ops.arithmetic import _select


def _neg_mask(a):
    return a <= 0


class LeakyRelu(Op):
    twice_differentiable = True   # local() is numpy on ctx.inputs/out: it runs on Values too
    name, symbol = "leaky_relu", "LeakyReLU"
    formulas = ("d/dx = 1 if x > 0 else α",)
    elementwise = True

    def forward(self, a, *, slope):
        if a.__class__ is float:
            return (a if a > 0.0 else slope * a), None
        out = a * a.dtype.type(slope)
        return np.maximum(a, out, out=out) if 0.0 <= slope <= 1.0 else np.where(a > 0, a, out), None

    def local(self, ctx):
        a, s = ctx.inputs[0], ctx.attrs["slope"]
        if a.__class__ is float:
            return (1.0 if a > 0.0 else s,)
        d = (a > 0).astype(a.dtype)
        d *= a.dtype.type(1.0 - s)
        d += a.dtype.type(s)
        return (d,)

    def backward(self, ctx, g):
        (d,) = self.local(ctx)
        return (fit(g * d, ctx.inputs[0]),)

    def label(self, attrs):
        return f"LeakyReLU({attrs['slope']:g})"


class Elu(Op):
    twice_differentiable = True   # local() is numpy on ctx.inputs/out: it runs on Values too
    name, symbol = "elu", "ELU"
    formulas = ("d/dx = 1 if x > 0 else α·eˣ (= out + α)",)
    elementwise = True

    def forward(self, a, *, alpha):
        if a.__class__ is float:
            return (a if a > 0.0 else alpha * math.expm1(a)), None
        neg = np.expm1(np.minimum(a, 0))          # min(x, 0): no overflow for large x
        neg *= a.dtype.type(alpha)
        return np.where(a > 0, a, neg), None

    def local(self, ctx):
        a, o, al = ctx.inputs[0], ctx.out, ctx.attrs["alpha"]
        if a.__class__ is float:
            return (1.0 if a > 0.0 else o + al,)
        return (np.where(a > 0, 1, o + a.dtype.type(al)).astype(a.dtype, copy=False),)

    def backward(self, ctx, g):
        (d,) = self.local(ctx)
        return (fit(g * d, ctx.inputs[0]),)

    def label(self, attrs):
        return f"ELU({attrs['alpha']:g})"


class Prelu(Op):
    """x if x > 0 else α·x with α an input of the graph (learned)."""

    name, symbol = "prelu", "PReLU"
    twice_differentiable = True
    formulas = ("d/dx = 1 if x > 0 else α", "d/dα = 0 if x > 0 else x")
    elementwise = True

    def forward(self, a, w):
        if a.__class__ is float and w.__class__ is float:
            return (a if a > 0.0 else w * a), None
        return np.where(a > 0, a, a * w), None

    def local(self, ctx):
        a, w = ctx.inputs
        if a.__class__ is float and w.__class__ is float:
            return (1.0, 0.0) if a > 0.0 else (w, a)
        neg = _neg_mask(a)
        dx = np.where(neg, w, 1).astype(np.result_type(a, w), copy=False)
        return dx, a * neg

    def backward(self, ctx, g):
        x, w = ctx.inputs
        nx, nw = ctx.needs_grad
        dx_local, dw_local = self.local(ctx)
        # d/dα is 0 where x > 0: exactly 0 there, even for an inf upstream (as torch)
        dw = _select(g * x, _neg_mask(x)) if nw else None
        return (fit(g * dx_local, x) if nx else None, fit(dw, w) if nw else None)


LEAKY_RELU, ELU, PRELU = LeakyRelu(), Elu(), Prelu()

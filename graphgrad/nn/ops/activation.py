"""Fused activation gates with a parameter: Leaky ReLU, ELU, PReLU.

Each is one elementwise gate (drawn as e.g. ``LeakyReLU(0.01)``), with local
derivatives as values for the stepper. At x = 0 they take the x ≤ 0 branch, as
PyTorch does (Leaky ReLU's slope there is α, ReLU's is 0).
"""
from __future__ import annotations

import math

import numpy as np

from ...ops.base import fit, is_value
from ...ops.arithmetic import Binary, grad_where
from ...ops.activation import Activation


def _neg_mask(a):
    return a <= 0


class LeakyRelu(Activation):
    twice_differentiable = True   # df is numpy on the input: it runs on Values too
    name, symbol = "leaky_relu", "LeakyReLU"
    formulas = ("d/dx = 1 if x > 0 else α",)

    def f(self, a, *, slope):
        if a.__class__ is float:
            return a if a > 0.0 else slope * a
        out = a * a.dtype.type(slope)
        return np.maximum(a, out, out=out) if 0.0 <= slope <= 1.0 else np.where(a > 0, a, out)

    def df(self, a, o, *, slope):
        if is_value(a):     # a create_graph pass: the slope is piecewise constant, no gradient
            a = a.data
        if a.__class__ is float:
            return 1.0 if a > 0.0 else slope
        d = (a > 0).astype(a.dtype)
        d *= a.dtype.type(1.0 - slope)
        d += a.dtype.type(slope)
        return d

    def label(self, attrs):
        return f"LeakyReLU({attrs['slope']:g})"


class Elu(Activation):
    twice_differentiable = True   # df is numpy on the input and output: it runs on Values too
    name, symbol = "elu", "ELU"
    formulas = ("d/dx = 1 if x > 0 else α·eˣ (= out + α)",)

    def f(self, a, *, alpha):
        if a.__class__ is float:
            return a if a > 0.0 else alpha * math.expm1(a)
        neg = np.expm1(np.minimum(a, 0))          # min(x, 0): no overflow for large x
        neg *= a.dtype.type(alpha)
        return np.where(a > 0, a, neg)

    def df(self, a, o, *, alpha):
        if a.__class__ is float:
            return 1.0 if a > 0.0 else o + alpha
        return np.where(a > 0, 1, o + a.dtype.type(alpha)).astype(a.dtype, copy=False)

    def label(self, attrs):
        return f"ELU({attrs['alpha']:g})"


class Prelu(Binary):
    """x if x > 0 else α·x with α an input of the graph (learned)."""

    name, symbol = "prelu", "PReLU"
    twice_differentiable = True
    formulas = ("d/dx = 1 if x > 0 else α", "d/dα = 0 if x > 0 else x")

    def f(self, a, w):
        if a.__class__ is float and w.__class__ is float:
            return a if a > 0.0 else w * a
        return np.where(a > 0, a, a * w)

    def df(self, a, w, o):
        if a.__class__ is float and w.__class__ is float:
            return (1.0, 0.0) if a > 0.0 else (w, a)
        neg = _neg_mask(a)
        dx = np.where(neg, w, 1).astype(np.result_type(a, w), copy=False)
        return dx, a * neg

    def backward(self, ctx, g):
        x, w = ctx.inputs
        nx, nw = ctx.needs_grad
        dx_local = self.df(x, w, ctx.out)[0]
        # d/dα is 0 where x > 0: exactly 0 there, even for an inf upstream (as torch)
        dw = grad_where(g * x, _neg_mask(x)) if nw else None
        return (fit(g * dx_local, x) if nx else None, fit(dw, w) if nw else None)


LEAKY_RELU, ELU, PRELU = LeakyRelu(), Elu(), Prelu()

"""What every primitive op is made of, and the helpers their backward passes share.

An op is a small object with four parts, side by side so the chain rule stays visible:

* ``forward(*datas, **attrs) -> (out_data, saved)``: computes on raw data (a Python
  ``float`` for float64 scalars, else a numpy array) and returns what backward needs.
* ``backward(out, g) -> tuple``: the vector-Jacobian product; ``out`` is the output
  Value (its ``_inputs``, ``_saved`` and ``_attrs`` are at hand), ``g`` the upstream
  gradient. Returns one gradient per input (``None`` where none is needed).
* ``formulas``: one display string per input, e.g. ``"d(x*y)/dx = y"``.
* ``local(out)``: for scalar and elementwise ops, the local derivative values
  (one per input); ``None`` for tensor ops, whose local Jacobian is only described.
"""
from __future__ import annotations

import numpy as np

ndarray = np.ndarray
_float64 = np.dtype(np.float64)


class Op:
    """Base class of primitive ops; subclasses fill in the four parts described above."""

    name = "op"
    symbol = "op"
    formulas: tuple = ()
    elementwise = False

    def forward(self, *datas, **attrs):
        raise NotImplementedError

    def backward(self, out, g):
        raise NotImplementedError

    def local(self, out):
        """Local derivatives d(out)/d(input_i) as values, or None for tensor ops."""
        return None

    def label(self, attrs) -> str:
        """Text of the gate in diagrams; may depend on the op's attributes."""
        return self.symbol

    def formula(self, i: int, attrs) -> str:
        """Display formula of the local gradient for input ``i``."""
        return self.formulas[i] if i < len(self.formulas) else ""

    def __repr__(self) -> str:
        return f"<op {self.name}>"


def as_data(r):
    """Normalise a numpy/Python result to graphgrad's two data kinds.

    float64 scalars become Python floats (the fast path); everything else an ndarray.
    """
    c = r.__class__
    if c is float:
        return r
    if c is ndarray:
        if r.ndim == 0 and r.dtype == _float64:
            return float(r)
        return r
    if c is np.float64 or c is int or c is bool:
        return float(r)
    return np.asarray(r)


def shape_of(d) -> tuple:
    return () if d.__class__ is float else d.shape


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, to get ``shape``."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def fit(g, x):
    """Make gradient ``g`` match input data ``x`` in kind, shape and dtype."""
    if x.__class__ is float:
        return g if g.__class__ is float else float(np.sum(g))
    if g.__class__ is not ndarray or g.shape != x.shape:
        g = unbroadcast(np.asarray(g), x.shape)
        if g.shape != x.shape:            # a scalar upstream for a tensor input
            g = np.broadcast_to(g, x.shape).copy()
    if g.dtype != x.dtype:
        g = g.astype(x.dtype)
    return g


def is_float(*ds) -> bool:
    for d in ds:
        if d.__class__ is not float:
            return False
    return True


def div(a, b):
    """a / b with numpy's semantics on the float path too (inf/nan, never ZeroDivisionError)."""
    try:
        return a / b
    except ZeroDivisionError:
        with np.errstate(all="ignore"):
            return float(np.float64(a) / b)


def power(a, b):
    """a ** b with numpy's semantics on the float path (nan for a negative base with a
    fractional exponent rather than a complex number; inf rather than ZeroDivisionError)."""
    if a.__class__ is float and b.__class__ is float:
        try:
            r = a ** b
        except (ZeroDivisionError, OverflowError):
            r = None
        if r is None or r.__class__ is complex:
            with np.errstate(all="ignore"):
                return float(np.power(np.float64(a), b))
        return r
    with np.errstate(divide="ignore", invalid="ignore"):
        return a ** b

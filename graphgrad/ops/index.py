"""Indexing ops: gather / take_along_axis, scatter, scatter_add, masked_fill.

The index arrays are attributes (constants: integers carry no gradient), already checked
and made non-negative by the public functions in ``graphgrad/indexing.py``. Every
backward is written with operators and ``run`` so it also runs on Values (a
``create_graph`` pass): gather's backward is a scatter_add, scatter_add's is a gather.
"""
from __future__ import annotations

import numpy as np

from .base import Op, run, shape_of
from .arithmetic import _select

ndarray = np.ndarray


def grid(xshape, index, axis):
    """The advanced index that picks ``x[..., index[i, j, k], ...]`` along ``axis``:
    ``index`` itself on ``axis`` and ``arange`` on every other axis (all zeros where
    ``x`` has size 1 there and ``index`` is longer: numpy's broadcasting in
    take_along_axis). The arrays broadcast to ``index.shape``.

    >>> [a.shape for a in grid((3, 4), np.zeros((2, 4), int), 0)]
    [(2, 4), (1, 4)]
    """
    nd = index.ndim
    ix = []
    for d in range(nd):
        if d == axis:
            ix.append(index)
            continue
        n = index.shape[d]
        r = np.zeros(n, np.intp) if xshape[d] == 1 else np.arange(n)
        ix.append(r.reshape((1,) * d + (n,) + (1,) * (nd - d - 1)))
    return tuple(ix)


class Gather(Op):
    """out[i][j] = x[index[i][j]][j] (axis 0): torch.gather and np.take_along_axis."""

    name, symbol = "gather", "gather"
    formulas = ("upstream added back at the gathered positions (a scatter_add)",)
    twice_differentiable = True

    def forward(self, x, *, axis, index):
        return x[grid(x.shape, index, axis)], None

    def backward(self, ctx, g):
        x = ctx.inputs[0]
        at = ctx.attrs
        zeros = np.zeros(x.shape, x.dtype)            # a constant, in raw and Value passes
        return (run(SCATTER_ADD, zeros, g, axis=at["axis"], index=at["index"]),)

    def label(self, attrs):
        return f"gather(axis={attrs['axis']})"


class ScatterAdd(Op):
    """out = x; out[index[i][j]][j] += src[i][j] (axis 0), repeated positions summed."""

    name, symbol = "scatter_add", "scatter_add"
    formulas = ("d/dx: upstream as it is", "d/dsrc: upstream gathered at the index (a gather)")
    twice_differentiable = True

    def forward(self, x, src, *, axis, index):
        out = np.array(x, copy=True)
        np.add.at(out, grid(out.shape, index, axis), src)
        return out, None

    def backward(self, ctx, g):
        at = ctx.attrs
        nx, ns = ctx.needs_grad
        gs = run(GATHER, g, axis=at["axis"], index=at["index"]) if ns else None
        return (g if nx else None), gs

    def label(self, attrs):
        return f"scatter_add(axis={attrs['axis']})"


def last_writers(xshape, index, axis):
    """Which entries of ``index`` write in a scatter where the last write wins.

    Returns ``(targets, win)``: the flat positions in ``x`` the index points at (one per
    entry of ``index``, C order) and a bool mask of ``index``'s shape, True for the last
    entry (in C order) pointing at each position.

    >>> t, w = last_writers((3,), np.array([2, 0, 2]), 0)
    >>> t.tolist(), w.tolist()
    ([2, 0, 2], [False, True, True])
    """
    ix = np.broadcast_arrays(*grid(xshape, index, axis))
    targets = np.ravel_multi_index([a.ravel() for a in ix], xshape) if index.size else \
        np.zeros(0, np.intp)
    n = targets.size
    _, first_from_end = np.unique(targets[::-1], return_index=True)
    win = np.zeros(n, bool)
    win[n - 1 - first_from_end] = True
    return targets, win.reshape(index.shape)


class Scatter(Op):
    """out = x; out[index[i][j]][j] = src[i][j] (axis 0). Where the index repeats a
    position, the last entry in C order wins, and only it gets that position's gradient."""

    name, symbol = "scatter", "scatter"
    formulas = ("d/dx: upstream, 0 where src was written",
                "d/dsrc: upstream gathered at the index, 0 for entries another one overwrote")
    twice_differentiable = True

    def forward(self, x, src, *, axis, index):
        targets, win = last_writers(x.shape, index, axis)
        out = np.array(x, copy=True)
        out.flat[targets[win.ravel()]] = src[win]
        keep = np.ones(x.shape, x.dtype)
        keep.flat[targets] = 0
        return out, (keep, win.astype(src.dtype))

    def backward(self, ctx, g):
        keep, win = ctx.saved                       # constants: 0/1 masks
        at = ctx.attrs
        nx, ns = ctx.needs_grad
        gx = g * keep if nx else None
        gs = run(GATHER, g, axis=at["axis"], index=at["index"]) * win if ns else None
        return gx, gs

    def label(self, attrs):
        return f"scatter(axis={attrs['axis']})"


class MaskedFill(Op):
    """``value`` where ``mask`` is True, ``x`` elsewhere (mask broadcast to x's shape)."""

    name, symbol = "masked_fill", "masked_fill"
    formulas = ("d/dx = 1 where the mask is False, 0 where it is True",)
    twice_differentiable = True

    def forward(self, x, *, mask, value):
        if x.__class__ is float:
            return (float(value) if mask else x), None
        out = np.where(mask, value, x).astype(x.dtype, copy=False)
        return out, None

    def backward(self, ctx, g):
        x = ctx.inputs[0]
        mask = ctx.attrs["mask"]
        # select, not g·(~mask): exactly 0 under the mask, even for an inf upstream (as torch)
        if shape_of(x) == ():
            return (_select(g, not bool(mask)),)
        return (_select(g, ~mask),)         # g has x's shape; the mask broadcasts

    def label(self, attrs):
        v = attrs["value"]
        return f"masked_fill({v:g})" if isinstance(v, float) else f"masked_fill({v})"


GATHER, SCATTER_ADD, SCATTER = Gather(), ScatterAdd(), Scatter()
MASKED_FILL = MaskedFill()

__all__ = ["GATHER", "SCATTER_ADD", "SCATTER", "MASKED_FILL", "Gather", "ScatterAdd", "Scatter", "MaskedFill"]

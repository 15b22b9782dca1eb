"""Indexing ops: gather / take_along_axis, scatter, scatter_add, masked_fill.

The index arrays are attributes (constants: integers carry no gradient), already checked
and made non-negative by the functions below the ops (``gg.gather``, ``gg.scatter``,
``gg.scatter_add``, ``gg.take_along_axis``, ``gg.masked_fill``, ``gg.one_hot``, and the
methods ``x.gather`` ...). Every backward is written with operators and ``run`` so it also
runs on Values (a ``create_graph`` pass): gather's backward is a scatter_add, scatter_add's
is a gather.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._dispatch import implements
from ..errors import ShapeError
from .base import Op, V, as_data, data_of, fit, is_value, run, shape_of
from .arithmetic import grad_where
from .export import as_method, value_attr

if TYPE_CHECKING:
    from ..value import Value

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
            return (grad_where(g, not bool(mask)),)
        return (grad_where(g, ~mask),)         # g has x's shape; the mask broadcasts

    def label(self, attrs):
        v = attrs["value"]
        return f"masked_fill({v:g})" if isinstance(v, float) else f"masked_fill({v})"


def _is_basic(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


class GetItem(Op):
    name, symbol = "getitem", "[]"
    twice_differentiable = True
    formulas = ("upstream scattered back to the selected entries (added where repeated)",)

    def forward(self, a, *, index):
        if a.__class__ is float:
            a = np.asarray(a)            # numpy indexes 0-d arrays with (), None and ...
        try:
            return as_data(np.array(a[index], copy=True) if _is_basic(index) else a[index]), None
        except IndexError as e:
            raise ShapeError(f"getitem: index {_show(index)} does not fit shape {a.shape}: {e}") from None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        dtype = np.float64 if a.__class__ is float else a.dtype
        return (run(INDEX_ADD, g, shape=shape_of(a), dtype=dtype, index=ctx.attrs["index"]),)

    def label(self, attrs):
        return index_label(attrs["index"])


LABEL_CHARS = 24     # a gate's text longer than this is cut in diagrams: keep the index under it


def index_label(index) -> str:
    """The indexing gate's text for a slide: slices and ints as written, a short index array
    as its numbers, a longer one as ``idx (shape)`` (a mask as ``mask (shape)``).

    >>> index_label((np.array([0, 2]), slice(1, None))), index_label(np.arange(10))
    ('[[0, 2], 1:]', '[idx (10,)]')
    """
    items = index if isinstance(index, tuple) else (index,)

    def array(a, numbers):
        if a.dtype == bool:
            return f"mask {a.shape}"
        if numbers and a.ndim <= 1 and a.size <= 4:
            return "[" + ", ".join(str(int(x)) for x in np.atleast_1d(a)) + "]"
        return f"idx {a.shape}"

    for numbers in (True, False):
        parts = [array(i, numbers) if isinstance(i, np.ndarray) else _show(i) for i in items]
        text = f"[{', '.join(parts)}]"
        if len(text) <= LABEL_CHARS:
            break
    return text


def _show(index) -> str:
    items = index if isinstance(index, tuple) else (index,)
    parts = []
    for i in items:
        if isinstance(i, slice):
            parts.append(f"{'' if i.start is None else i.start}:{'' if i.stop is None else i.stop}"
                         + ("" if i.step is None else f":{i.step}"))
        elif i is Ellipsis:
            parts.append("...")
        elif isinstance(i, np.ndarray):
            parts.append(f"<{i.dtype} array {i.shape}>")
        else:
            parts.append(repr(i))
    return ", ".join(parts)


class IndexAdd(Op):
    """Zeros of ``shape`` with ``g`` added at ``index`` (repeats add up): getitem's backward,
    an op of its own so that backward is differentiable too (its backward is getitem)."""

    name, symbol = "index_add", "[]+="
    formulas = ("upstream read back at the index",)
    twice_differentiable = True

    def forward(self, g, *, shape, dtype, index):
        z = np.zeros(shape, dtype=dtype)
        if _is_basic(index):
            z[index] = g
        else:
            np.add.at(z, index, g)
        return as_data(z), None

    def backward(self, ctx, g):
        index = ctx.attrs["index"]
        if is_value(g):
            return (fit(g[index], ctx.inputs[0]),)
        return (fit(np.asarray(g)[index], ctx.inputs[0]),)

    def label(self, attrs):
        return "scatter" + index_label(attrs["index"])


class Cast(Op):
    """A float-to-float dtype change (float32 <-> float64); the gradient is cast back."""

    name, symbol = "astype", "astype"
    formulas = ("upstream cast back to the input's dtype",)
    twice_differentiable = True

    def forward(self, a, *, dtype):
        return as_data(np.asarray(a).astype(dtype)), None

    def backward(self, ctx, g):
        return (fit(g, ctx.inputs[0]),)

    def label(self, attrs):
        return f"astype({np.dtype(attrs['dtype']).name})"


GETITEM, INDEX_ADD, CAST = GetItem(), IndexAdd(), Cast()
GATHER, SCATTER_ADD, SCATTER = Gather(), ScatterAdd(), Scatter()
MASKED_FILL = MaskedFill()

__all__ = ["GATHER", "SCATTER_ADD", "SCATTER", "MASKED_FILL", "Gather", "ScatterAdd", "Scatter", "MaskedFill",
           "GetItem", "IndexAdd", "Cast", "GETITEM", "INDEX_ADD", "CAST", "LABEL_CHARS", "index_label"]


# ---------------------------------------------------------------- the functions (gg.gather, x.gather)
# They check their arguments (one clear sentence for a bad axis, index dtype, shape or
# out-of-range entry) and hand the ops above a non-negative integer index. Argument names
# and rules follow torch (``gather(x, axis, index)``) except ``take_along_axis(x, indices,
# axis)``, which follows numpy (negative indices and broadcasting allowed).

def index_data(index, op: str, what: str = "index") -> np.ndarray:
    """``index`` (an integer Value, array, list or int) as an integer numpy array, or a
    TypeError saying which dtype it had and how to make an integer one.

    >>> index_data([1, 0], "gather").tolist()
    [1, 0]
    """
    d = data_of(index)
    a = np.asarray(d)
    if a.dtype.kind not in "iu":
        if a.size == 0 and a.dtype.kind == "f" and not isinstance(index, V.Value):
            return a.astype(np.intp)          # [] is an empty index, as numpy and torch take it
        hint = (" (a Value made without dtype= is float64: make it with dtype=np.int64)"
                if isinstance(index, V.Value) else "; cast it with .astype(np.int64)")
        raise TypeError(f"{op}: {what} must hold integers, got dtype {a.dtype}{hint}")
    return a


def _axis(axis, nd, op):
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    if nd == 0:
        raise ShapeError(f"{op}: x is 0-d (shape ()); it needs at least one axis (use x.reshape(1))")
    if not -nd <= axis < nd:
        raise ShapeError(f"{op}: axis {axis} is out of range for a tensor with {nd} dimension(s) "
                         f"(use -{nd} .. {nd - 1})")
    return int(axis) % nd


def _in_range(index, n, op, negative_ok):
    """Check every entry is a position on an axis of length ``n``; return it non-negative."""
    if index.size == 0:
        return index.astype(np.intp)
    lo, hi = int(index.min()), int(index.max())
    low = -n if negative_ok else 0
    if lo < low or hi >= n:
        bad = lo if lo < low else hi
        rng = f"-{n} .. {n - 1}" if negative_ok else f"0 .. {n - 1}"
        raise ShapeError(f"{op}: index {bad} is out of range for an axis of size {n} (use {rng})")
    index = index.astype(np.intp)
    return np.where(index < 0, index + n, index) if negative_ok and lo < 0 else index


def _torch_index(x, axis, index, op):
    """torch's rules for gather/scatter: same ndim, index no longer than x off the axis,
    entries in 0 .. x.shape[axis] - 1."""
    shape = x.shape
    axis = _axis(axis, len(shape), op)
    index = index_data(index, op)
    if index.ndim != len(shape):
        raise ShapeError(f"{op}: index has {index.ndim} dimension(s) (shape {index.shape}) but x has "
                         f"{len(shape)} (shape {shape}); they need the same number")
    for d, (ni, nx) in enumerate(zip(index.shape, shape)):
        if d != axis and ni > nx:
            raise ShapeError(f"{op}: index shape {index.shape} is larger than x shape {shape} on axis {d} "
                             f"(only axis {axis} may differ)")
    return axis, _in_range(index, shape[axis], op, negative_ok=False)


def gather(x, axis: int, index) -> Value:
    """``out[i][j] = x[index[i][j]][j]`` for axis 0 (torch.gather): the output has
    index's shape, and the gradient is added back at the gathered positions.

    >>> x = gg.Value([[1., 2.], [3., 4.]])
    >>> gather(x, 1, np.array([[1], [0]])).numpy()
    array([[2.],
           [3.]])
    """
    x = V.as_value(x)
    axis, index = _torch_index(x, axis, index, "gather")
    return V.record_node(GATHER, (x,), GATHER.forward(data_of(x), axis=axis, index=index)[0],
                         attrs={"axis": axis, "index": index})


def take_along_axis(x, indices, axis) -> Value:
    """numpy's ``take_along_axis``: like gather, but ``indices`` may be negative and
    broadcasts against ``x`` off the axis; ``axis=None`` works on the flattened ``x``.

    >>> x = gg.Value([[10., 30., 20.]])
    >>> take_along_axis(x, np.argsort(x.numpy(), axis=1), axis=1).numpy()
    array([[10., 20., 30.]])
    """
    x = V.as_value(x)
    op = "take_along_axis"
    indices = index_data(indices, op, "indices")
    if axis is None:
        if indices.ndim != 1:
            raise ShapeError(f"{op}: with axis=None, indices must be 1-d, got shape {indices.shape}")
        x, axis = x.reshape(-1), 0
    axis = _axis(axis, x.ndim, op)
    if indices.ndim != x.ndim:
        raise ShapeError(f"{op}: indices has {indices.ndim} dimension(s) (shape {indices.shape}) but x has "
                         f"{x.ndim} (shape {x.shape}); they need the same number")
    shape = list(indices.shape)
    for d, (ni, nx) in enumerate(zip(indices.shape, x.shape)):
        if d == axis:
            continue
        if ni != nx and 1 not in (ni, nx):
            raise ShapeError(f"{op}: indices shape {indices.shape} and x shape {x.shape} do not broadcast "
                             f"on axis {d}")
        shape[d] = nx if ni == 1 else ni
    index = _in_range(indices, x.shape[axis], op, negative_ok=True)
    index = np.broadcast_to(index, tuple(shape))
    return V.record_node(GATHER, (x,), GATHER.forward(data_of(x), axis=axis, index=index)[0],
                         attrs={"axis": axis, "index": index})


def _scatter(op, x, axis, index, src):
    name = op.name
    x = V.as_value(x)
    axis, index = _torch_index(x, axis, index, name)
    if not isinstance(src, V.Value) and np.ndim(src) == 0:
        # a number: torch's scatter(dim, index, value), every written entry gets it
        s = np.asarray(src)
        if s.dtype.kind not in "biuf":
            raise TypeError(f"{name}: src must be numbers or a Value, got {type(src).__name__}")
        if x.dtype.kind != "f" and s.dtype.kind == "f" and float(s) != int(s):
            raise TypeError(f"{name}: src {float(s)!r} is not an integer but x has dtype {x.dtype}")
        src = V.new_leaf(np.full(index.shape, s, dtype=x.dtype))
    src = V.as_value(src)
    if src.ndim != x.ndim:
        raise ShapeError(f"{name}: src has {src.ndim} dimension(s) (shape {src.shape}) but x has "
                         f"{x.ndim} (shape {x.shape}); they need the same number")
    if any(ni > ns for ni, ns in zip(index.shape, src.shape)):
        raise ShapeError(f"{name}: index shape {index.shape} is larger than src shape {src.shape}; "
                         "each index entry needs its src entry")
    if src.dtype != x.dtype:
        if x.dtype.kind != "f" and src.dtype.kind == "f":
            raise TypeError(f"{name}: src has dtype {src.dtype} but x has dtype {x.dtype}; "
                            f"cast one of them with .astype(...) first")
        src = src.astype(x.dtype)
    if src.shape != index.shape:               # as torch: only src[:i0, :i1, ...] is used
        src = src[tuple(slice(0, n) for n in index.shape)]
    out, saved = op.forward(data_of(x), data_of(src), axis=axis, index=index)
    return V.record_node(op, (x, src), out, saved, {"axis": axis, "index": index})


def scatter(x, axis: int, index, src) -> Value:
    """A copy of ``x`` with ``out[index[i][j]][j] = src[i][j]`` (axis 0), as torch.scatter;
    ``src`` may be a number. Where the index repeats a position, the last entry in C
    (row-major) order wins, and only that entry of ``src`` gets the position's gradient;
    ``x`` gets no gradient at written positions.

    >>> scatter(gg.Value([0., 0., 0.]), 0, np.array([2, 0]), gg.Value([5., 6.])).numpy()
    array([6., 0., 5.])
    """
    return _scatter(SCATTER, x, axis, index, src)


def scatter_add(x, axis: int, index, src) -> Value:
    """A copy of ``x`` with ``out[index[i][j]][j] += src[i][j]`` (axis 0), repeated
    positions summed (torch.scatter_add). The gradient of ``src`` is the upstream
    gathered at the index.

    >>> scatter_add(gg.Value([0., 0.]), 0, np.array([1, 1, 0]), gg.Value([1., 2., 3.])).numpy()
    array([3., 3.])
    """
    return _scatter(SCATTER_ADD, x, axis, index, src)


def mask_data(mask, op: str) -> np.ndarray:
    """A boolean mask (bool array, bool Value or what a comparison returns) as a numpy
    bool array, or a TypeError naming the dtype it had."""
    m = np.array(data_of(mask), copy=True)       # the graph keeps it: later writes must not reach it
    if m.dtype != bool:
        raise TypeError(f"{op}: mask must be boolean (e.g. x > 0 or a bool Value), got dtype {m.dtype}; "
                        "use mask != 0 for an integer mask")
    return m


def masked_fill(x, mask, value) -> Value:
    """``value`` where ``mask`` is True, ``x`` elsewhere (torch.masked_fill); the mask
    broadcasts to x's shape and the result keeps x's dtype. ``value`` is a number (a
    constant) or a 0-d Value (then it gets the gradient of the filled entries).

    >>> masked_fill(gg.Value([1., 2., 3.]), np.array([True, False, True]), -np.inf).numpy()
    array([-inf,   2., -inf])
    """
    x = V.as_value(x)
    m = mask_data(mask, "masked_fill")
    try:
        full = np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        full = None
    if full != x.shape:
        raise ShapeError(f"masked_fill: mask shape {m.shape} does not broadcast to x shape {x.shape}")
    if isinstance(value, V.Value):
        if value.shape != ():
            raise ShapeError(f"masked_fill: value must be a number or a 0-d Value, got shape {value.shape}")
        from .arithmetic import where
        v = value.astype(x.dtype) if value.dtype != x.dtype else value
        return where(m, v, x)
    if not isinstance(value, (int, float, np.integer, np.floating, np.bool_)):
        raise TypeError(f"masked_fill: value must be a number or a 0-d Value, got {type(value).__name__}")
    if x.dtype.kind != "f":
        if not np.isfinite(value) or float(value) != int(value):
            raise TypeError(f"masked_fill: value {value!r} does not fit x's integer dtype {x.dtype}; "
                            "cast x with .astype(np.float64) first")
        value = int(value)
    else:
        value = float(value)
    return V.record_node(MASKED_FILL, (x,), MASKED_FILL.forward(data_of(x), mask=m, value=value)[0],
                         attrs={"mask": m, "value": value})


def one_hot(labels, num_classes: int = -1, dtype=np.float64) -> Value:
    """Rows of the identity picked by integer ``labels`` (torch's one_hot, as a float
    Value): shape ``labels.shape + (num_classes,)``; ``num_classes=-1`` takes
    ``max(labels) + 1``. Not differentiable (labels are integers).

    >>> one_hot(np.array([2, 0]), 3).numpy()
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    lab = index_data(labels, "one_hot", "labels")
    if not isinstance(num_classes, (int, np.integer)) or isinstance(num_classes, (bool, np.bool_)):
        raise TypeError(f"one_hot: num_classes must be an int, got {num_classes!r}")
    num_classes = int(num_classes)
    if num_classes == -1:
        if lab.size == 0:
            raise ValueError("one_hot: labels are empty, so num_classes cannot be inferred; pass num_classes")
        num_classes = int(lab.max()) + 1
    if num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be >= 0 (or -1 to infer), got {num_classes}")
    if lab.size:
        lo, hi = int(lab.min()), int(lab.max())
        if lo < 0 or hi >= num_classes:
            bad = lo if lo < 0 else hi
            raise ValueError(f"one_hot: label {bad} is out of range for num_classes={num_classes} "
                             f"(labels must be 0 .. {num_classes - 1})")
    dt = np.dtype(dtype)
    out = (lab[..., None] == np.arange(num_classes)).astype(dt)
    return V.new_leaf(as_data(out))


def astype(x, dtype) -> Value:
    """``x.astype(dtype)``: a cast. Between float dtypes it is differentiable (the
    gradient is cast back to x's dtype); to an integer or bool dtype the result is data
    that does not require grad. NaN, inf or out-of-range floats cast to an integer
    dtype raise ValueError (numpy would make up numbers).

    >>> astype(gg.Value([1.7, -2.2]), np.int64).numpy()
    array([ 1, -2])
    """
    return V.as_value(x).astype(dtype)


for _f in (gather, scatter, scatter_add, masked_fill):
    value_attr(_f.__name__, as_method(_f), replace=True)


@implements(np.take_along_axis)
def _np_take_along_axis(arr, indices, axis=-1):
    # np.take_along_axis(v, idx, axis) on a Value stays in the graph (numpy's default axis=-1)
    return take_along_axis(arr, indices, axis)

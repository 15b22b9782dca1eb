"""Tensor ops: matmul, reductions and shape ops. Their local Jacobians are described
by a formula (shapes), not listed as values."""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from .base import Op, as_data, fit, is_value, run, shape_of, unbroadcast
from .arithmetic import _select


# ---------------------------------------------------------------- matmul
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


# ---------------------------------------------------------------- reductions
def _is_int(a) -> bool:
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def _norm_axis(axis, ndim, op):
    """``axis`` as a sorted-free tuple of non-negative ints (None: all axes), checked.

    As numpy's sum does, a 0-d input accepts axis 0 or -1 (and reduces nothing); the
    result is then None, since reducing "all" axes of a 0-d tensor is the same thing.
    """
    if axis is None:
        return None
    if _is_int(axis):
        axes = (axis,)
    else:
        try:
            axes = tuple(axis)
        except TypeError:
            raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}") from None
    out = []
    for ax in axes:
        if not _is_int(ax):
            raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
        if not ((ax in (0, -1)) if ndim == 0 else -ndim <= ax < ndim):
            raise ShapeError(f"{op}: axis {ax} is out of range for a tensor with {ndim} dimension(s)")
        out.append(int(ax) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: axis {tuple(axes)} names the same axis twice (shape has {ndim} dimension(s))")
    if ndim == 0:
        return None
    return tuple(out)


def _expand(g, shape, axis, keepdims):
    """Give a reduced gradient back the reduced axes (size 1) so it broadcasts to ``shape``."""
    if not is_value(g):
        g = np.asarray(g)
    if axis is None:
        return g.reshape((1,) * len(shape)) if not keepdims else g
    if not keepdims:
        g = np.expand_dims(g, axis)
    return g


class Sum(Op):
    name, symbol = "sum", "sum"
    twice_differentiable = True
    formulas = ("d(Σx)/dx = 1 (upstream copied to every summed entry)",)

    def forward(self, a, *, axis, keepdims):
        if a.__class__ is float:
            return a, None
        return as_data(a.sum(axis=axis, keepdims=keepdims)), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        if a.__class__ is float:
            return (float(g),)
        at = ctx.attrs
        g = _expand(g, a.shape, at["axis"], at["keepdims"])
        if g.dtype != a.dtype:
            g = g.astype(a.dtype)
        # a read-only broadcast view, no copy: nothing writes into gradients in place
        return (np.broadcast_to(g, a.shape),)

    def label(self, attrs):
        return "sum" if attrs["axis"] is None else f"sum(axis={_ax(attrs['axis'])})"


def _ax(axis):
    return axis[0] if len(axis) == 1 else axis


class Mean(Sum):
    name, symbol = "mean", "mean"
    formulas = ("d mean(x)/dx = 1/n",)

    def forward(self, a, *, axis, keepdims):
        if a.__class__ is float:
            return a, None
        return as_data(a.mean(axis=axis, keepdims=keepdims)), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        if a.__class__ is float:
            return (float(g),)
        (gs,) = Sum.backward(self, ctx, g)
        n = a.size // max(np.size(ctx.out), 1)
        return (gs / a.dtype.type(n),)

    def label(self, attrs):
        return "mean" if attrs["axis"] is None else f"mean(axis={_ax(attrs['axis'])})"


class Max(Op):
    """max over axes; ties split the gradient evenly among the maximal entries."""

    name, symbol = "max", "max"
    formulas = ("d max(x)/dx = 1 at the max (split evenly on ties), 0 elsewhere",)
    _reduce = staticmethod(np.max)
    twice_differentiable = True

    def forward(self, a, *, axis, keepdims):
        if a.__class__ is float:
            return a, None
        if a.size == 0:
            raise ShapeError(f"{self.name}: cannot reduce an empty tensor of shape {a.shape}")
        return as_data(self._reduce(a, axis=axis, keepdims=keepdims)), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        if a.__class__ is float:
            return (float(g),)
        at = ctx.attrs
        o = _expand(_raw(ctx.out), a.shape, at["axis"], at["keepdims"])
        mask = (_raw(a) == o)            # where the max is: a constant of the inputs
        count = mask.sum(axis=at["axis"], keepdims=True)
        g = _expand(g, a.shape, at["axis"], at["keepdims"])
        # select, not mask·g: the other entries get exactly 0, even for an inf upstream (as torch)
        return (_select(g / count, mask).astype(a.dtype),)

    def label(self, attrs):
        return self.symbol if attrs["axis"] is None else f"{self.symbol}(axis={_ax(attrs['axis'])})"


class Min(Max):
    name, symbol = "min", "min"
    formulas = ("d min(x)/dx = 1 at the min (split evenly on ties), 0 elsewhere",)
    _reduce = staticmethod(np.min)


# ---------------------------------------------------------------- shape ops
def _raw(x):
    return x._data if is_value(x) else x


class Reshape(Op):
    name, symbol = "reshape", "reshape"
    twice_differentiable = True
    formulas = ("upstream reshaped back to the input's shape",)

    def forward(self, a, *, shape):
        try:
            return as_data(np.reshape(a, shape)), None
        except ValueError:
            raise ShapeError(f"reshape: cannot reshape {shape_of(a)} "
                             f"({int(np.prod(shape_of(a)))} entries) into {shape}") from None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        if a.__class__ is float:
            return (float(np.reshape(g, ())),)
        return (np.reshape(g, a.shape),)

    def label(self, attrs):
        return f"reshape{attrs['shape']}"


class Transpose(Op):
    name, symbol = "transpose", "T"
    twice_differentiable = True
    formulas = ("upstream transposed back",)

    def forward(self, a, *, axes):
        try:
            return np.transpose(a, axes), None
        except ValueError:
            raise ShapeError(f"transpose: axes {axes} do not fit shape {shape_of(a)}") from None

    def backward(self, ctx, g):
        axes = ctx.attrs["axes"]
        inv = None if axes is None else tuple(np.argsort(axes))
        return (np.transpose(g, inv),)

    def label(self, attrs):
        return "T" if attrs["axes"] is None else f"transpose{attrs['axes']}"


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


class BroadcastTo(Op):
    """Repeat size-1 (or missing leading) axes to ``shape``; backward sums them back."""

    name, symbol = "broadcast_to", "expand"
    formulas = ("upstream summed over the repeated axes",)
    twice_differentiable = True

    def forward(self, a, *, shape):
        try:
            # a read-only view: nothing writes into op outputs in place
            return np.broadcast_to(a, shape), None
        except ValueError:
            raise ShapeError(f"broadcast_to: shape {shape_of(a)} cannot be broadcast to {shape} "
                             "(only size-1 or missing leading axes can grow)") from None

    def backward(self, ctx, g):
        return (fit(unbroadcast(g, shape_of(ctx.inputs[0])), ctx.inputs[0]),)

    def label(self, attrs):
        return f"expand{attrs['shape']}"


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


class Concatenate(Op):
    name, symbol = "concatenate", "concat"
    formulas = ()
    twice_differentiable = True

    def forward(self, *arrays, axis):
        nd = np.ndim(arrays[0])
        if nd == 0:
            raise ShapeError("concatenate: 0-d Values (shape ()) cannot be concatenated; use stack to "
                             "join scalars into a vector")
        if not _is_int(axis) or not -nd <= axis < nd:
            raise ShapeError(f"concatenate: axis {axis!r} is out of range for inputs with {nd} dimension(s) "
                             f"(use -{nd} .. {nd - 1})")
        try:
            return np.concatenate([np.asarray(x) for x in arrays], axis=axis), None
        except ValueError:
            shapes = ", ".join(str(shape_of(x)) for x in arrays)
            raise ShapeError(f"concatenate: shapes {shapes} do not fit together along axis {axis}") from None

    def backward(self, ctx, g):
        axis = ctx.attrs["axis"]
        at = (slice(None),) * (axis % len(shape_of(g)))
        grads, start = [], 0
        for d in ctx.inputs:             # slices (not np.split): the same code runs on Values
            n = shape_of(d)[axis]
            grads.append(fit(g[at + (slice(start, start + n),)], d))
            start += n
        return tuple(grads)

    def formula(self, i, attrs):
        return f"upstream sliced back along axis {attrs['axis']}"


class Stack(Op):
    name, symbol = "stack", "stack"
    twice_differentiable = True

    def forward(self, *arrays, axis):
        nd = np.ndim(arrays[0]) + 1              # the result has one more axis
        if not _is_int(axis) or not -nd <= axis < nd:
            raise ShapeError(f"stack: axis {axis!r} is out of range for a result with {nd} dimension(s) "
                             f"(use -{nd} .. {nd - 1})")
        try:
            return np.stack([np.asarray(x) for x in arrays], axis=axis), None
        except ValueError:
            shapes = ", ".join(str(shape_of(x)) for x in arrays)
            raise ShapeError(f"stack: all inputs need the same shape, got {shapes}") from None

    def backward(self, ctx, g):
        axis = ctx.attrs["axis"]
        nd = len(shape_of(g))
        at = (slice(None),) * (axis % nd)
        return tuple(fit(g[at + (i,)], d) for i, d in enumerate(ctx.inputs))

    def formula(self, i, attrs):
        return f"upstream taken at position {i} of axis {attrs['axis']}"


class Pad(Op):
    name, symbol = "pad", "pad"
    twice_differentiable = True
    formulas = ("upstream with the padding cut away",)

    def forward(self, a, *, pad_width, value):
        try:
            return np.pad(np.asarray(a), pad_width, constant_values=value), None
        except ValueError as e:
            raise ShapeError(f"pad: pad_width {pad_width} does not fit shape {shape_of(a)}: {e}") from None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        pw = np.broadcast_to(np.asarray(ctx.attrs["pad_width"]), (np.ndim(a), 2))
        sl = tuple(slice(int(lo), g.shape[i] - int(hi)) for i, (lo, hi) in enumerate(pw))
        return (fit(g[sl], a),)


MATMUL = Matmul()
SUM, MEAN, MAX, MIN = Sum(), Mean(), Max(), Min()
RESHAPE, TRANSPOSE, GETITEM = Reshape(), Transpose(), GetItem()
CONCATENATE, STACK, PAD = Concatenate(), Stack(), Pad()
INDEX_ADD, BROADCAST_TO, CAST = IndexAdd(), BroadcastTo(), Cast()

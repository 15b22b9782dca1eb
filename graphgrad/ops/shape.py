"""Shape ops that move entries around without arithmetic: split pieces, repeat, tile, roll,
flip, squeeze / expand_dims, tril / triu, diagonal and its inverse (the diagonal embedded
in zeros).

Every backward here is again a move of entries (flip's is flip, roll's is roll by -shift,
tril's is tril, repeat's and tile's a reshape and a sum, a split piece's its upstream
written into zeros (getitem's scatter op), diagonal's an embedding and the embedding's a
diagonal), written with ``run`` and numpy functions, so the same code runs on raw data
and, in a ``create_graph`` pass, on Values (which records it for a second derivative).

Below the ops, their functions (``gg.flip(x, 0)``, also the methods ``x.flip(0)`` and
``np.flip(v, 0)``) check and normalise the arguments (negative axes, ints) once, so
``forward`` gets normalised attributes.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .. import ops as _ops
from .._dispatch import implements
from .._params import number
from ..errors import ShapeError
from .base import Op, V, as_data, data_of, fit, is_int, run, shape_of, unbroadcast
from .arithmetic import method_function
from .export import export, value_attr
from .index import INDEX_ADD, LABEL_CHARS

if TYPE_CHECKING:
    from .._types import Axis, Operand
    from ..value import Value

__all__ = ["SplitPiece", "Repeat", "RepeatSum", "Tile", "Roll", "Flip", "Squeeze", "ExpandDims",
           "Unsqueeze", "Tril", "Triu", "Diagonal", "DiagEmbed", "DiagOfMatrix", "DiagMatrix",
           "SPLIT_PIECE", "REPEAT", "REPEAT_SUM", "TILE", "ROLL", "FLIP", "SQUEEZE", "EXPAND_DIMS",
           "UNSQUEEZE", "TRIL", "TRIU", "DIAGONAL", "DIAG_EMBED", "DIAG_OF_MATRIX", "DIAG_MATRIX",
           "Reshape", "Transpose", "BroadcastTo", "Concatenate", "Stack", "Pad", "RESHAPE", "TRANSPOSE", "BROADCAST_TO", "CONCATENATE", "STACK", "PAD"]

def _arr(a):
    """A Python float (a float64 scalar's data) as a 0-d array, for numpy functions that
    return views or need ``.ndim``."""
    return np.asarray(a) if a.__class__ is float else a


def _ax(axis):
    """An axis tuple as it reads on a diagram: ``0`` for ``(0,)``."""
    return axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis


# ---------------------------------------------------------------- the base of linear shape ops
class Linear(Op):
    """A shape op whose output is a fixed linear map of its input (entries moved, copied,
    summed or zeroed as its attributes say): subclasses give ``f(a, **attrs)`` on the raw
    data and ``adjoint(g, a, **attrs)``, the transposed map applied to the upstream ``g``,
    written with ``run(OP, ...)``, operators and the numpy functions graphgrad dispatches
    so that it runs on Values too. The base gives the backward (the adjoint, fitted to the
    input's shape and dtype) and the second derivative: the adjoint is linear in ``g``, so
    a create_graph pass records it and differentiates through it like any op.

    >>> class Twice(Linear):
    ...     name = symbol = "twice"
    ...     def f(self, a): return np.concatenate([a, a])
    ...     def adjoint(self, g, a): return g[:len(g) // 2] + g[len(g) // 2:]
    >>> x = gg.Value([1.0, 2.0], requires_grad=True)
    >>> gg.apply(Twice(), x).sum().backward(); x.grad
    array([2., 2.])
    """

    twice_differentiable = True

    def forward(self, a, **attrs):
        return self.f(a, **attrs), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        return (fit(self.adjoint(g, a, **ctx.attrs), a),)


# ---------------------------------------------------------------- split / chunk
class SplitPiece(Op):
    """One piece of ``split``/``chunk``: entries ``start:stop`` of ``axis`` (a copy).

    Its gradient is the piece's upstream placed at start:stop in zeros of the input's
    shape, so the input's gradient is the concatenation of the pieces' gradients (zeros
    where a piece was not used) once the engine adds them up.
    """

    name, symbol = "split", "split"
    twice_differentiable = True

    def forward(self, a, *, axis, start, stop, piece, fn):
        index = (slice(None),) * axis + (slice(start, stop),)
        return np.array(a[index], copy=True), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        at = ctx.attrs
        axis, start, stop = at["axis"], at["start"], at["stop"]
        if start == 0 and stop == a.shape[axis]:
            return (fit(g, a),)
        # zeros with the piece's upstream written at start:stop (getitem's scatter op: one
        # allocation, where a concatenate with zero blocks made three)
        index = (slice(None),) * axis + (slice(start, stop),)
        return (run(INDEX_ADD, g, shape=a.shape, dtype=a.dtype, index=index),)

    def label(self, attrs):
        return f"{attrs['fn']}(axis={attrs['axis']})[{attrs['piece']}]"

    def formula(self, i, attrs):
        return (f"upstream into entries {attrs['start']}:{attrs['stop']} of axis {attrs['axis']}, "
                "0 elsewhere")


# ---------------------------------------------------------------- repeat / tile
class Repeat(Linear):
    """``np.repeat``: every entry along ``axis`` copied ``repeats`` times (an int, or one
    count per entry); ``axis=None`` repeats the flattened entries."""

    name, symbol = "repeat", "repeat"

    def f(self, a, *, repeats, axis):
        return as_data(np.repeat(_arr(a), repeats, axis=axis))

    def adjoint(self, g, a, *, repeats, axis):
        shape = shape_of(a)
        flat = axis is None
        if flat:                     # np.repeat flattened the input first
            axis, base = 0, (int(np.prod(shape)),)
        else:
            base = shape
        if isinstance(repeats, int):
            # the copies of entry i sit side by side: a new axis of length repeats, summed
            split = base[:axis] + (base[axis], repeats) + base[axis + 1:]
            ga = np.sum(np.reshape(g, split), axis=axis + 1)
        else:
            ga = run(REPEAT_SUM, g, repeats=repeats, axis=axis)
        return np.reshape(ga, shape) if flat else ga

    def label(self, attrs):
        axis = attrs["axis"]
        tail = "" if axis is None else f", axis={axis}"
        r = attrs["repeats"]
        if isinstance(r, int):
            return f"repeat({r}{tail})"
        text = f"repeat([{', '.join(str(int(c)) for c in r[:4])}]{tail})"
        # diagrams cut a gate's text at LABEL_CHARS: many counts read as the word
        return text if len(r) <= 4 and len(text) <= LABEL_CHARS else f"repeat(counts{tail})"

    def formula(self, i, attrs):
        where = "the flattened entries" if attrs["axis"] is None else f"axis {attrs['axis']}"
        return f"upstream summed over the copies of each entry along {where}"


class RepeatSum(Linear):
    """Sum of consecutive runs along ``axis`` of lengths ``repeats`` (a count array): the
    gradient of ``repeat`` with uneven counts; its own gradient is ``repeat`` again."""

    name, symbol = "repeat_sum", "Σ copies"

    def f(self, g, *, repeats, axis):
        g = _arr(g)
        shape = g.shape[:axis] + (len(repeats),) + g.shape[axis + 1:]
        out = np.zeros(shape, dtype=g.dtype)
        used = repeats > 0
        if used.any():
            # reduceat would give a zero-count entry the next entry's value: sum only the used
            starts = (np.cumsum(repeats) - repeats)[used]
            index = (slice(None),) * axis + (used,)
            out[index] = np.add.reduceat(g, starts, axis=axis)
        return out

    def adjoint(self, g, a, *, repeats, axis):
        return run(REPEAT, g, repeats=repeats, axis=axis)

    def label(self, attrs):
        return f"repeat_sum(axis={attrs['axis']})"

    def formula(self, i, attrs):
        return f"upstream repeated back along axis {attrs['axis']}"


class Tile(Linear):
    """``np.tile``: the whole input copied ``reps[i]`` times along axis i (``reps`` longer
    than the input's dimensions adds leading axes)."""

    name, symbol = "tile", "tile"

    def f(self, a, *, reps):
        return as_data(np.tile(_arr(a), reps))

    def adjoint(self, g, a, *, reps):
        shape = shape_of(a)
        d = max(len(shape), len(reps))
        reps = (1,) * (d - len(reps)) + reps
        full = (1,) * (d - len(shape)) + shape
        # output axis i is (copy, entry) = (reps[i], full[i]): split each, sum the copies
        split = tuple(n for pair in zip(reps, full) for n in pair)
        ga = np.sum(np.reshape(g, split), axis=tuple(range(0, 2 * d, 2)))
        return np.reshape(ga, shape)

    def label(self, attrs):
        return f"tile({', '.join(str(r) for r in attrs['reps'])})"

    def formula(self, i, attrs):
        return "upstream summed over the tiled copies"


# ---------------------------------------------------------------- roll / flip
class Roll(Linear):
    """``np.roll``: entries shifted cyclically by ``shift`` along ``axis`` (None: the
    flattened entries)."""

    name, symbol = "roll", "roll"

    def f(self, a, *, shift, axis):
        return as_data(np.roll(_arr(a), shift, axis=axis))

    def adjoint(self, g, a, *, shift, axis):
        back = -shift if isinstance(shift, int) else tuple(-s for s in shift)
        return run(ROLL, g, shift=back, axis=axis)

    def label(self, attrs):
        s = _ax(attrs["shift"])
        if attrs["axis"] is None:
            return f"roll({s})"
        text = f"roll({s}, axis={_ax(attrs['axis'])})"
        return text if len(text) <= LABEL_CHARS else f"roll({s}, {_ax(attrs['axis'])})"

    def formula(self, i, attrs):
        s = attrs["shift"]
        back = -s if isinstance(s, int) else tuple(-x for x in s)
        return f"upstream rolled back by {_ax(back)}"


class Flip(Linear):
    """``np.flip``: entries in reverse order along ``axis`` (None: every axis)."""

    name, symbol = "flip", "flip"

    def f(self, a, *, axis):
        return as_data(np.flip(_arr(a), axis=axis).copy())

    def adjoint(self, g, a, *, axis):
        return run(FLIP, g, axis=axis)

    def label(self, attrs):
        return "flip" if attrs["axis"] is None else f"flip(axis={_ax(attrs['axis'])})"

    def formula(self, i, attrs):
        return "upstream flipped back" + ("" if attrs["axis"] is None else
                                          f" along axis {_ax(attrs['axis'])}")


# ---------------------------------------------------------------- squeeze / expand_dims
class Squeeze(Linear):
    """Axes of length 1 removed (``axis``: a checked tuple of them)."""

    name, symbol = "squeeze", "squeeze"
    formulas = ("upstream reshaped back to the input's shape",)

    def f(self, a, *, axis):
        return as_data(np.squeeze(_arr(a), axis=axis))

    def adjoint(self, g, a, *, axis):
        return np.reshape(g, shape_of(a))

    def label(self, attrs):
        return f"squeeze(axis={_ax(attrs['axis'])})"


class ExpandDims(Linear):
    """New axes of length 1 at ``axis`` (positions in the result)."""

    name, symbol = "expand_dims", "expand_dims"
    formulas = ("upstream reshaped back to the input's shape",)

    def f(self, a, *, axis):
        return np.expand_dims(_arr(a), axis)

    def adjoint(self, g, a, *, axis):
        return np.reshape(g, shape_of(a))

    def label(self, attrs):
        return f"expand_dims(axis={_ax(attrs['axis'])})"


class Unsqueeze(ExpandDims):
    """PyTorch's name for one new axis: the same op, labelled as the user wrote it."""

    name, symbol = "unsqueeze", "unsqueeze"

    def label(self, attrs):
        return f"unsqueeze({_ax(attrs['axis'])})"


# ---------------------------------------------------------------- tril / triu
class Tril(Linear):
    """Lower triangle of the last two axes (entries on and below diagonal ``k``), the rest 0."""

    name, symbol = "tril", "tril"
    _f = staticmethod(np.tril)

    def f(self, a, *, k):
        return self._f(a, k)

    def adjoint(self, g, a, *, k):
        return run(self._same, g, k=k)

    def label(self, attrs):
        return self.name if attrs["k"] == 0 else f"{self.name}(k={attrs['k']})"

    def formula(self, i, attrs):
        return f"{self.name} of upstream (1 on the kept triangle, 0 elsewhere)"


class Triu(Tril):
    """Upper triangle of the last two axes (entries on and above diagonal ``k``), the rest 0."""

    name, symbol = "triu", "triu"
    _f = staticmethod(np.triu)


# ---------------------------------------------------------------- diagonal
class Diagonal(Linear):
    """``np.diagonal``: diagonal ``offset`` of the planes (axis1, axis2), as a new last axis."""

    name, symbol = "diagonal", "diagonal"

    def f(self, a, *, offset, axis1, axis2):
        # np.diagonal gives a read-only view: copy, so the data is the Value's own
        return np.diagonal(a, offset, axis1, axis2).copy()

    def adjoint(self, g, a, *, offset, axis1, axis2):
        return run(DIAG_EMBED, g, shape=a.shape, offset=offset, axis1=axis1, axis2=axis2)

    def label(self, attrs):
        return f"diagonal({attrs['offset']}, {attrs['axis1']}, {attrs['axis2']})"

    def formula(self, i, attrs):
        return f"upstream put on diagonal {attrs['offset']}, 0 elsewhere"


class DiagEmbed(Linear):
    """Inverse of :class:`Diagonal`: zeros of ``shape`` with the input's last axis written
    on diagonal ``offset`` of the planes (axis1, axis2)."""

    name, symbol = "diag_embed", "diag_embed"

    def f(self, v, *, shape, offset, axis1, axis2):
        v = _arr(v)
        out = np.zeros(shape, dtype=v.dtype)
        n = v.shape[-1]
        rows = np.arange(n) + max(-offset, 0)
        cols = np.arange(n) + max(offset, 0)
        # a view with the two planes' axes last; writing into it fills the fresh `out`
        np.moveaxis(out, (axis1, axis2), (-2, -1))[..., rows, cols] = v
        return out

    def adjoint(self, g, a, *, shape, offset, axis1, axis2):
        return run(DIAGONAL, g, offset=offset, axis1=axis1, axis2=axis2)

    def label(self, attrs):
        return f"diag_embed({attrs['offset']})"

    def formula(self, i, attrs):
        return f"diagonal {attrs['offset']} of upstream"


class DiagOfMatrix(Diagonal):
    """``np.diag`` of a matrix: its diagonal ``k`` as a vector."""

    name, symbol = "diag", "diag"

    def label(self, attrs):
        return "diag" if attrs["offset"] == 0 else f"diag(k={attrs['offset']})"


class DiagMatrix(DiagEmbed):
    """``np.diag`` of a vector: a square matrix with the vector on diagonal ``k``."""

    name, symbol = "diag", "diag"

    def label(self, attrs):
        return "diag" if attrs["offset"] == 0 else f"diag(k={attrs['offset']})"

    def formula(self, i, attrs):
        return f"diagonal {attrs['offset']} of upstream, as a vector"


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


class Concatenate(Op):
    name, symbol = "concatenate", "concat"
    formulas = ()
    twice_differentiable = True

    def forward(self, *arrays, axis):
        nd = np.ndim(arrays[0])
        if nd == 0:
            raise ShapeError("concatenate: 0-d Values (shape ()) cannot be concatenated; use stack to "
                             "join scalars into a vector")
        if not is_int(axis) or not -nd <= axis < nd:
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
        if not is_int(axis) or not -nd <= axis < nd:
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


class Pad(Linear):
    name, symbol = "pad", "pad"
    formulas = ("upstream with the padding cut away",)

    def f(self, a, *, pad_width, value):
        try:
            return np.pad(np.asarray(a), pad_width, constant_values=value)
        except ValueError as e:
            raise ShapeError(f"pad: pad_width {pad_width} does not fit shape {shape_of(a)}: {e}") from None

    def adjoint(self, g, a, *, pad_width, value):
        pw = np.broadcast_to(np.asarray(pad_width), (np.ndim(a), 2))
        sl = tuple(slice(int(lo), g.shape[i] - int(hi)) for i, (lo, hi) in enumerate(pw))
        return g[sl]


RESHAPE, TRANSPOSE, BROADCAST_TO = Reshape(), Transpose(), BroadcastTo()
CONCATENATE, STACK, PAD = Concatenate(), Stack(), Pad()
SPLIT_PIECE = SplitPiece()
REPEAT, REPEAT_SUM, TILE = Repeat(), RepeatSum(), Tile()
ROLL, FLIP = Roll(), Flip()
SQUEEZE, EXPAND_DIMS, UNSQUEEZE = Squeeze(), ExpandDims(), Unsqueeze()
TRIL, TRIU = Tril(), Triu()
Tril._same, Triu._same = TRIL, TRIU       # each is its own gradient
DIAGONAL, DIAG_EMBED = Diagonal(), DiagEmbed()
DIAG_OF_MATRIX, DIAG_MATRIX = DiagOfMatrix(), DiagMatrix()


# ---------------------------------------------------------------- the functions (gg.flip, x.flip, np.flip)
# They follow numpy's meaning where numpy has the function (``split`` takes a number of equal
# pieces or the cut indices, ``repeat`` is ``np.repeat``, i.e. PyTorch's ``repeat_interleave``),
# PyTorch's for ``chunk`` and ``unsqueeze``. Here the arguments are checked and normalised
# (negative axes counted from the end) with one clear sentence for a bad one; the ops above
# get normalised attributes.

def concatenate(values: Sequence[Operand], axis: int = 0) -> Value:
    """Join Values along an existing axis.

    >>> concatenate([gg.Value([1.]), gg.Value([2., 3.])]).shape
    (3,)
    """
    vs = tuple(V.as_value(x) for x in values)
    if not vs:
        raise ValueError("concatenate: needs at least one Value")
    if axis is None:                     # numpy: flatten every input first
        vs, axis = tuple(v.reshape(-1) for v in vs), 0
    data = CONCATENATE.forward(*[data_of(v) for v in vs], axis=axis)[0]
    return V.record_node(CONCATENATE, vs, data, attrs={"axis": axis})


def stack(values: Sequence[Operand], axis: int = 0) -> Value:
    """Join same-shaped Values along a new axis.

    >>> stack([gg.Value([1., 2.]), gg.Value([3., 4.])]).shape
    (2, 2)
    """
    vs = tuple(V.as_value(x) for x in values)
    if not vs:
        raise ValueError("stack: needs at least one Value")
    data = STACK.forward(*[data_of(v) for v in vs], axis=axis)[0]
    return V.record_node(STACK, vs, data, attrs={"axis": axis})


def pad(x: Operand, pad_width: int | Sequence, value: float = 0.0) -> Value:
    """Pad with a constant, as ``np.pad(..., constant_values=value)``.

    >>> pad(gg.Value([1., 2.]), 1).numpy()
    array([0., 1., 2., 0.])
    """
    x = V.as_value(x)
    value = number(value, "pad", "value")
    pad_width = _pad_width(pad_width)
    data = PAD.forward(data_of(x), pad_width=pad_width, value=value)[0]
    return V.record_node(PAD, (x,), data, attrs={"pad_width": pad_width, "value": value})


@implements(np.pad)
def _np_pad(array, pad_width, mode="constant", **kwargs):
    """``np.pad`` of a Value: the constant mode, with one constant (``constant_values``, 0 by
    default); other modes and per-axis constants are refused in one sentence.

    >>> np.pad(gg.Value([1., 2.]), (1, 2), constant_values=9.0).numpy()
    array([9., 1., 2., 9., 9.])
    """
    value = kwargs.pop("constant_values", 0.0)
    if mode != "constant" or kwargs:
        raise TypeError(f"np.pad of a Value: only mode='constant' with constant_values= is supported, got "
                        f"mode={mode!r}{''.join(f', {k}=' for k in kwargs)}; for another mode pad v.numpy() "
                        "(a constant) or build it from slices and gg.concatenate")
    if np.ndim(data_of(value)) != 0:
        raise TypeError(f"np.pad of a Value: constant_values must be one number, got {value!r:.60}; pad once per "
                        "axis for different constants")
    return pad(array, pad_width, value)


def _pad_width(pw):
    """``pad_width`` as numpy takes it, with whole numbers only (numpy would truncate 1.5)."""
    arr = np.asarray(pw, dtype=object)
    for w in arr.reshape(-1):
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 0:
            raise TypeError(f"pad: pad_width must hold non-negative whole numbers (an int, a (before, after) "
                            f"pair, or one pair per axis), got {pw!r:.60}")
    return pw


reshape = method_function("reshape", "``gg.reshape(x, (2, 3))``.")
transpose = method_function("transpose", "``gg.transpose(x)`` reverses the axes.")


def _ints(xs, op: str, what: str) -> tuple:
    """An int or a sequence of ints as a tuple of Python ints."""
    if is_int(xs):
        return (int(xs),)
    if isinstance(xs, np.ndarray) and xs.ndim > 1:
        raise TypeError(f"{op}: {what} must be an int or a sequence of ints, got an array of shape {xs.shape}")
    try:
        items = tuple(xs)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int or a sequence of ints, got {xs!r:.60}") from None
    for i in items:
        if not is_int(i):
            raise TypeError(f"{op}: {what} must be an int or a sequence of ints, got {xs!r:.60}")
    return tuple(int(i) for i in items)


def _axis1(axis, ndim: int, op: str, shape) -> int:
    """One axis, counted from the end when negative, checked against ``ndim``."""
    if not is_int(axis):
        raise TypeError(f"{op}: axis must be an integer, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{op}: axis {axis} is out of range for shape {shape} "
                         f"(use {-ndim} .. {ndim - 1})" if ndim else
                         f"{op}: a 0-d Value (shape ()) has no axis {axis}")
    return int(axis) % ndim


def _axes(axis, ndim: int, op: str, shape, unique: bool = True) -> tuple:
    axes = tuple(_axis1(a, ndim, op, shape) for a in _ints(axis, op, "axis"))
    if unique and len(set(axes)) != len(axes):
        raise ShapeError(f"{op}: axis {axis} names the same axis twice (shape {shape})")
    return axes


# ---------------------------------------------------------------- split / chunk
_MAX_PIECES = 2 ** 20     # more Values than this from one call is a typo, and would take minutes


def _count(n, op):
    if n > _MAX_PIECES:
        raise ValueError(f"{op}: {n} pieces is more than {_MAX_PIECES} (one Value each); cut into fewer")


def _pieces(x, bounds, axis, fn):
    return [V.apply(_ops.SPLIT_PIECE, x, axis=axis, start=lo, stop=hi, piece=i, fn=fn)
            for i, (lo, hi) in enumerate(bounds)]


def _need_axis(x, op):
    if x.ndim == 0:
        raise ShapeError(f"{op}: a 0-d Value (shape ()) has no axis to cut; reshape it to (1,) first")


def split(x: Operand, indices_or_sections, axis: int = 0) -> list:
    """Cut ``x`` along ``axis`` as ``np.split``: an int ``n`` makes n equal pieces; a list of
    indices gives the cut points (``[2, 5]``: ``x[:2]``, ``x[2:5]``, ``x[5:]``). Returns a
    list of Values; gradients flow back from each piece used.

    >>> [p.shape for p in split(gg.Value(np.arange(6.)), [2, 5])]
    [(2,), (3,), (1,)]
    """
    x = V.as_value(x)
    _need_axis(x, "split")
    ax = _axis1(axis, x.ndim, "split", x.shape)
    n = x.shape[ax]
    s = indices_or_sections
    if is_int(s):
        if s <= 0:
            raise ValueError(f"split: the number of pieces must be positive, got {s}")
        _count(s, "split")
        if n % s:
            raise ShapeError(f"split: axis {ax} of shape {x.shape} has {n} entries, which do not "
                             f"split into {s} equal pieces (give the cut indices, or use chunk)")
        size = n // s
        bounds = [(i * size, (i + 1) * size) for i in range(s)]
    else:
        if isinstance(s, (float, np.floating, bool, np.bool_)):
            raise TypeError(f"split: indices_or_sections must be an int or a list of ints, got {s!r}")
        cuts = _ints(s, "split", "indices_or_sections")
        bounds = []
        for lo, hi in zip((0,) + cuts, cuts + (n,)):
            # the Python slice x[lo:hi], as numpy cuts (negative indices from the end)
            lo, hi, _ = slice(lo, hi).indices(n)
            bounds.append((lo, max(lo, hi)))
    return _pieces(x, bounds, ax, "split")


def chunk(x: Operand, chunks: int, axis: int = 0) -> list:
    """Cut ``x`` into ``chunks`` pieces along ``axis`` as ``torch.chunk``: each of
    ceil(n / chunks) entries, the last smaller; fewer pieces when that covers ``x`` sooner.

    >>> [p.shape for p in chunk(gg.Value(np.arange(5.)), 2)]
    [(3,), (2,)]
    """
    x = V.as_value(x)
    _need_axis(x, "chunk")
    if not is_int(chunks):
        raise TypeError(f"chunk: chunks must be a positive integer, got {chunks!r}")
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    ax = _axis1(axis, x.ndim, "chunk", x.shape)
    n = x.shape[ax]
    if n == 0:                           # as torch: `chunks` empty pieces
        _count(chunks, "chunk")
        return _pieces(x, [(0, 0)] * chunks, ax, "chunk")
    size = math.ceil(n / chunks)
    bounds = [(lo, min(lo + size, n)) for lo in range(0, n, size)]
    return _pieces(x, bounds, ax, "chunk")


# ---------------------------------------------------------------- repeat / tile
def repeat(x: Operand, repeats, axis: int | None = None) -> Value:
    """``np.repeat``: each entry copied ``repeats`` times (an int, or one count per entry)
    along ``axis``; ``axis=None`` repeats the flattened entries. PyTorch's name is
    ``repeat_interleave`` (PyTorch's ``Tensor.repeat`` is :func:`tile`).

    >>> repeat(gg.Value([1., 2.]), 2).numpy(), repeat(gg.Value([1., 2.]), [1, 3]).numpy()
    (array([1., 1., 2., 2.]), array([1., 2., 2., 2.]))
    """
    x = V.as_value(x)
    if axis is None:
        n, ax = x.size, None
    else:
        ax = _axis1(axis, x.ndim, "repeat", x.shape)
        n = x.shape[ax]
    if isinstance(repeats, V.Value):
        repeats = data_of(repeats)
    if is_int(repeats):
        r = int(repeats)
        if r < 0:
            raise ValueError(f"repeat: repeats must be non-negative, got {r}")
    else:
        arr = np.asarray(repeats)
        if arr.dtype.kind not in "iu" or arr.ndim > 1:
            raise TypeError(f"repeat: repeats must be an int or a 1-d sequence of ints, got {repeats!r:.60}")
        where = "the flattened entries" if ax is None else f"axis {ax} of shape {x.shape}"
        if arr.ndim == 0 or arr.size == 1:
            r = int(arr.reshape(-1)[0]) if arr.size else None
        elif arr.size != n:
            raise ShapeError(f"repeat: {arr.size} repeat counts for {n} entries along {where}; "
                             "give one count per entry or a single int")
        else:
            r = None
        if arr.size == 0 and n != 0:
            raise ShapeError(f"repeat: no repeat counts for {n} entries along {where}")
        if (arr < 0).any():
            raise ValueError(f"repeat: repeat counts must be non-negative, got {arr.min()}")
        if r is None:
            arr = arr.astype(np.intp)
            # equal counts take the reshape-and-sum backward
            r = int(arr[0]) if arr.size and (arr == arr[0]).all() else (arr if arr.size else 0)
    return V.apply(_ops.REPEAT, x, repeats=r, axis=ax)


def tile(x: Operand, reps) -> Value:
    """``np.tile`` (PyTorch's ``tile`` and ``Tensor.repeat``): the whole of ``x`` copied
    ``reps[i]`` times along axis i; more reps than axes adds leading axes.

    >>> tile(gg.Value([1., 2.]), 2).numpy(), tile(gg.Value([1., 2.]), (2, 1)).shape
    (array([1., 2., 1., 2.]), (2, 2))
    """
    x = V.as_value(x)
    reps = _ints(reps, "tile", "reps")
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: reps must be non-negative, got {reps}")
    return V.apply(_ops.TILE, x, reps=reps)


# ---------------------------------------------------------------- roll / flip
def roll(x: Operand, shift, axis: Axis = None) -> Value:
    """``np.roll``: entries shifted cyclically by ``shift`` along ``axis`` (ints or matching
    tuples); ``axis=None`` rolls the flattened entries and keeps the shape.

    >>> roll(gg.Value([1., 2., 3.]), 1).numpy()
    array([3., 1., 2.])
    """
    x = V.as_value(x)
    if axis is None:
        if not is_int(shift):
            raise TypeError(f"roll: with axis=None the shift must be one integer, got {shift!r:.60}")
        return V.apply(_ops.ROLL, x, shift=int(shift), axis=None)
    axes = _axes(axis, x.ndim, "roll", x.shape, unique=False)
    shifts = _ints(shift, "roll", "shift")
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    elif len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ShapeError(f"roll: {len(shifts)} shifts {tuple(shifts)} for {len(axes)} axes {axis}; "
                         "give one shift per axis")
    return V.apply(_ops.ROLL, x, shift=shifts, axis=axes)


def flip(x: Operand, axis: Axis = None) -> Value:
    """``np.flip``: entries in reverse order along ``axis`` (every axis by default).

    >>> flip(gg.Value([[1., 2.], [3., 4.]]), -1).numpy()
    array([[2., 1.],
           [4., 3.]])
    """
    x = V.as_value(x)
    axes = None if axis is None else _axes(axis, x.ndim, "flip", x.shape)
    return V.apply(_ops.FLIP, x, axis=axes)


# ---------------------------------------------------------------- squeeze / expand_dims
def squeeze(x: Operand, axis: Axis = None) -> Value:
    """Remove axes of length 1: those named by ``axis``, or all of them by default. Naming
    an axis longer than 1 raises ShapeError (PyTorch would silently keep it).

    >>> squeeze(gg.Value(np.zeros((1, 3, 1)))).shape, squeeze(gg.Value(np.zeros((1, 3))), 0).shape
    ((3,), (3,))
    """
    x = V.as_value(x)
    if axis is None:
        axes = tuple(i for i, n in enumerate(x.shape) if n == 1)
    else:
        axes = _axes(axis, x.ndim, "squeeze", x.shape)
        for a in axes:
            if x.shape[a] != 1:
                raise ShapeError(f"squeeze: axis {a} of shape {x.shape} has length {x.shape[a]}, not 1; "
                                 "only axes of length 1 can be removed")
    return V.apply(_ops.SQUEEZE, x, axis=axes)


def expand_dims(x: Operand, axis: Axis) -> Value:
    """``np.expand_dims``: new axes of length 1 at ``axis`` (positions in the result).

    >>> expand_dims(gg.Value([1., 2.]), (0, -1)).shape
    (1, 2, 1)
    """
    x = V.as_value(x)
    out_nd = x.ndim + len(_ints(axis, "expand_dims", "axis"))
    axes = _axes(axis, out_nd, "expand_dims", f"{x.shape} (the result has {out_nd} axes)")
    return V.apply(_ops.EXPAND_DIMS, x, axis=axes)


def unsqueeze(x: Operand, axis: int) -> Value:
    """PyTorch's ``unsqueeze``: one new axis of length 1 at position ``axis`` (-ndim-1 .. ndim).

    >>> unsqueeze(gg.Value([1., 2.]), -1).shape
    (2, 1)
    """
    x = V.as_value(x)
    if not is_int(axis):
        raise TypeError(f"unsqueeze: axis must be one integer, got {axis!r} (expand_dims takes a tuple)")
    ax = _axis1(axis, x.ndim + 1, "unsqueeze", f"{x.shape} (the result has {x.ndim + 1} axes)")
    return V.apply(_ops.UNSQUEEZE, x, axis=(ax,))


# ---------------------------------------------------------------- tril / triu / diagonal
def _k(k, op, what="k"):
    if not is_int(k):
        raise TypeError(f"{op}: the diagonal {what} must be an integer, got {k!r}")
    return int(k)


def _triangle(op, x, k):
    x = V.as_value(x)
    if x.ndim < 2:
        raise ShapeError(f"{op.name}: needs a matrix (or a batch of them, >= 2 dimensions), "
                         f"got shape {x.shape}")
    return V.apply(op, x, k=_k(k, op.name))


def tril(x: Operand, k: int = 0) -> Value:
    """Lower triangle of the last two axes (on and below diagonal ``k``), zeros above.

    >>> tril(gg.Value(np.ones((2, 2)))).numpy()
    array([[1., 0.],
           [1., 1.]])
    """
    return _triangle(_ops.TRIL, x, k)


def triu(x: Operand, k: int = 0) -> Value:
    """Upper triangle of the last two axes (on and above diagonal ``k``), zeros below.

    >>> triu(gg.Value(np.ones((2, 2))), 1).numpy()
    array([[0., 1.],
           [0., 0.]])
    """
    return _triangle(_ops.TRIU, x, k)


def diag(x: Operand, k: int = 0) -> Value:
    """``np.diag``: a vector becomes a square matrix with it on diagonal ``k``; a matrix
    gives its diagonal ``k`` as a vector.

    >>> diag(gg.Value([1., 2.])).numpy(), diag(gg.Value([[1., 2.], [3., 4.]])).numpy()
    (array([[1., 0.],
           [0., 2.]]), array([1., 4.]))
    """
    x = V.as_value(x)
    k = _k(k, "diag")
    if x.ndim == 1:
        m = x.shape[0] + abs(k)
        return V.apply(_ops.DIAG_MATRIX, x, shape=(m, m), offset=k, axis1=0, axis2=1)
    if x.ndim == 2:
        return V.apply(_ops.DIAG_OF_MATRIX, x, offset=k, axis1=0, axis2=1)
    raise ShapeError(f"diag: needs a vector or a matrix, got shape {x.shape} (use diagonal for "
                     "a batch of matrices)")


def diagonal(x: Operand, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Value:
    """``np.diagonal``: diagonal ``offset`` of the planes (axis1, axis2), as a new last axis.

    >>> diagonal(gg.Value(np.arange(8.).reshape(2, 2, 2)), 0, -2, -1).numpy()
    array([[0., 3.],
           [4., 7.]])
    """
    x = V.as_value(x)
    if x.ndim < 2:
        raise ShapeError(f"diagonal: needs at least 2 dimensions, got shape {x.shape}")
    a1 = _axis1(axis1, x.ndim, "diagonal", x.shape)
    a2 = _axis1(axis2, x.ndim, "diagonal", x.shape)
    if a1 == a2:
        raise ShapeError(f"diagonal: axis1 and axis2 name the same axis {a1} of shape {x.shape}")
    return V.apply(_ops.DIAGONAL, x, offset=_k(offset, "diagonal", "offset"), axis1=a1, axis2=a2)


# x.split(2), x.flip(0), ...: the same functions as methods
METHODS = ("split", "chunk", "repeat", "tile", "roll", "flip", "squeeze", "expand_dims", "unsqueeze",
           "tril", "triu", "diag", "diagonal")
for _name in METHODS:
    value_attr(_name, globals()[_name])

# np.flip(v, 0), np.tril(v), ... on a Value run the same ops (so backward code written in
# numpy stays differentiable); the signatures are numpy's
for _name in ("split", "repeat", "tile", "roll", "flip", "squeeze", "expand_dims", "tril", "triu",
              "diag", "diagonal"):
    implements(getattr(np, _name))(globals()[_name])


@implements(np.fliplr)
def _fliplr(m):
    return flip(m, 1)


@implements(np.flipud)
def _flipud(m):
    return flip(m, 0)


# ---------------------------------------------------------------- stacking (numpy's names)
def _tuple_or_one(vs):
    return vs[0] if len(vs) == 1 else tuple(vs)


@export(numpy=np.atleast_1d)
def atleast_1d(*arys: Operand):
    """Each input with at least one axis (a 0-d one becomes shape (1,)), as ``np.atleast_1d``.

    >>> atleast_1d(gg.Value(2.0)).shape
    (1,)
    """
    return _tuple_or_one([v.reshape(1) if v.ndim == 0 else v for v in map(V.as_value, arys)])


@export(numpy=np.atleast_2d)
def atleast_2d(*arys: Operand):
    """Each input with at least two axes (new ones in front), as ``np.atleast_2d``.

    >>> atleast_2d(gg.Value([1., 2.])).shape
    (1, 2)
    """
    return _tuple_or_one([v.reshape((1,) * (2 - v.ndim) + v.shape) if v.ndim < 2 else v
                          for v in map(V.as_value, arys)])


@export(numpy=np.atleast_3d)
def atleast_3d(*arys: Operand):
    """Each input with at least three axes, as ``np.atleast_3d``: (N,) becomes (1, N, 1) and
    (M, N) becomes (M, N, 1).

    >>> atleast_3d(gg.Value([1., 2.])).shape
    (1, 2, 1)
    """
    out = []
    for v in map(V.as_value, arys):
        shape = {0: (1, 1, 1), 1: (1,) + v.shape + (1,), 2: v.shape + (1,)}.get(v.ndim, v.shape)
        out.append(v.reshape(shape) if shape != v.shape else v)
    return _tuple_or_one(out)


def _seq(tup, name):
    if isinstance(tup, V.Value) or not isinstance(tup, (list, tuple)):
        raise TypeError(f"{name}: takes a list or tuple of Values/arrays, got {type(tup).__name__}")
    if not tup:
        raise ValueError(f"{name}: needs at least one array")
    return [V.as_value(t) for t in tup]


@export(numpy=np.hstack)
def hstack(tup: Sequence[Operand]) -> Value:
    """Join along the second axis (the first for 1-d inputs), as ``np.hstack``.

    >>> hstack([gg.Value([1., 2.]), gg.Value([3.])]).numpy()
    array([1., 2., 3.])
    """
    vs = [atleast_1d(v) for v in _seq(tup, "hstack")]
    return concatenate(vs, axis=0 if vs[0].ndim == 1 else 1)


@export(numpy=(np.vstack, np.row_stack) if hasattr(np, "row_stack") else np.vstack)
def vstack(tup: Sequence[Operand]) -> Value:
    """Join along the first axis, 1-d inputs as rows, as ``np.vstack``.

    >>> vstack([gg.Value([1., 2.]), gg.Value([3., 4.])]).shape
    (2, 2)
    """
    return concatenate([atleast_2d(v) for v in _seq(tup, "vstack")], axis=0)


@export(numpy=np.column_stack)
def column_stack(tup: Sequence[Operand]) -> Value:
    """Join as columns (1-d inputs become columns), as ``np.column_stack``.

    >>> column_stack([gg.Value([1., 2.]), gg.Value([3., 4.])]).numpy()
    array([[1., 3.],
           [2., 4.]])
    """
    return concatenate([v.reshape(-1, 1) if v.ndim < 2 else v for v in _seq(tup, "column_stack")], axis=1)


def _holds_value(x) -> bool:
    return any(isinstance(e, V.Value) or (isinstance(e, (list, tuple)) and _holds_value(e)) for e in x)


def _array_like(x):
    """``x`` as a Value; a (nested) list or tuple holding Values is stacked, so its entries
    keep their gradient (``np.append([x, y], z)``: numpy would make an array of them)."""
    if isinstance(x, (list, tuple)) and _holds_value(x):
        return stack([_array_like(e) for e in x])
    return V.as_value(x)


@export(numpy=np.append)
def append(arr: Operand, values: Operand, axis: int | None = None) -> Value:
    """``arr`` with ``values`` after it: both flattened when ``axis`` is None, as ``np.append``.

    >>> append(gg.Value([1., 2.]), [3.]).numpy()
    array([1., 2., 3.])
    """
    a, v = _array_like(arr), _array_like(values)
    if axis is None:
        return concatenate([a.reshape(-1), v.reshape(-1)])
    return concatenate([a, v], axis=axis)


@export(method=True, numpy=np.ravel)
def ravel(a: Operand, order: str = "C") -> Value:
    """The entries as a 1-d Value, in C order, as ``np.ravel`` (and ``x.ravel()``).

    >>> gg.Value([[1., 2.], [3., 4.]]).ravel().numpy()
    array([1., 2., 3., 4.])
    """
    if order not in ("C", "K", "A"):
        raise TypeError(f"ravel: only order='C' is supported on a Value, got order={order!r}")
    return V.as_value(a).reshape(-1)


@export(numpy=np.rot90)
def rot90(m: Operand, k: int = 1, axes: Sequence[int] = (0, 1)) -> Value:
    """Rotate by 90° ``k`` times in the plane of ``axes`` (from the first towards the
    second), as ``np.rot90``.

    >>> rot90(gg.Value([[1., 2.], [3., 4.]])).numpy()
    array([[2., 4.],
           [1., 3.]])
    """
    m = V.as_value(m)
    axes = tuple(axes)
    if len(axes) != 2 or m.ndim < 2:
        raise ShapeError(f"rot90: needs two axes and a Value of 2 or more dimensions, got axes={axes} "
                         f"and shape {m.shape}")
    a0, a1 = (_axis1(x, m.ndim, "rot90", m.shape) for x in axes)
    if a0 == a1:
        raise ShapeError(f"rot90: the two axes must differ, got {axes}")
    k = int(k) % 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(m.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return flip(m, a1).transpose(tuple(perm))
    return flip(m.transpose(tuple(perm)), a1)

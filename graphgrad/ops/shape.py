"""Shape ops that move entries around without arithmetic: split pieces, repeat, tile, roll,
flip, squeeze / expand_dims, tril / triu, diagonal and its inverse (the diagonal embedded
in zeros).

Every backward here is again a move of entries (flip's is flip, roll's is roll by -shift,
tril's is tril, repeat's and tile's a reshape and a sum, a split piece's its upstream
written into zeros (getitem's scatter op), diagonal's an embedding and the embedding's a
diagonal), written with ``run`` and numpy functions, so the same code runs on raw data
and, in a ``create_graph`` pass, on Values (which records it for a second derivative).

Checking and normalising the arguments (negative axes, ints) is done once, by the public
functions in ``graphgrad/shaping.py``; ``forward`` gets normalised attributes.
"""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError
from .base import Op, as_data, fit, run, shape_of
from .tensor import INDEX_ADD, LABEL_CHARS

__all__ = ["SplitPiece", "Repeat", "RepeatSum", "Tile", "Roll", "Flip", "Squeeze", "ExpandDims",
           "Unsqueeze", "Tril", "Triu", "Diagonal", "DiagEmbed", "DiagOfMatrix", "DiagMatrix",
           "SPLIT_PIECE", "REPEAT", "REPEAT_SUM", "TILE", "ROLL", "FLIP", "SQUEEZE", "EXPAND_DIMS",
           "UNSQUEEZE", "TRIL", "TRIU", "DIAGONAL", "DIAG_EMBED", "DIAG_OF_MATRIX", "DIAG_MATRIX"]

def _arr(a):
    """A Python float (a float64 scalar's data) as a 0-d array, for numpy functions that
    return views or need ``.ndim``."""
    return np.asarray(a) if a.__class__ is float else a


def _back_to(g, a):
    """Upstream reshaped to input ``a``'s shape (squeeze / expand_dims undo each other)."""
    return fit(np.reshape(g, shape_of(a)), a)


def _ax(axis):
    """An axis tuple as it reads on a diagram: ``0`` for ``(0,)``."""
    return axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis


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
class Repeat(Op):
    """``np.repeat``: every entry along ``axis`` copied ``repeats`` times (an int, or one
    count per entry); ``axis=None`` repeats the flattened entries."""

    name, symbol = "repeat", "repeat"
    twice_differentiable = True

    def forward(self, a, *, repeats, axis):
        return as_data(np.repeat(_arr(a), repeats, axis=axis)), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        at = ctx.attrs
        repeats, axis = at["repeats"], at["axis"]
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
        return (fit(np.reshape(ga, shape) if flat else ga, a),)

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


class RepeatSum(Op):
    """Sum of consecutive runs along ``axis`` of lengths ``repeats`` (a count array): the
    gradient of ``repeat`` with uneven counts; its own gradient is ``repeat`` again."""

    name, symbol = "repeat_sum", "Σ copies"
    twice_differentiable = True

    def forward(self, g, *, repeats, axis):
        g = _arr(g)
        shape = g.shape[:axis] + (len(repeats),) + g.shape[axis + 1:]
        out = np.zeros(shape, dtype=g.dtype)
        used = repeats > 0
        if used.any():
            # reduceat would give a zero-count entry the next entry's value: sum only the used
            starts = (np.cumsum(repeats) - repeats)[used]
            index = (slice(None),) * axis + (used,)
            out[index] = np.add.reduceat(g, starts, axis=axis)
        return out, None

    def backward(self, ctx, g):
        at = ctx.attrs
        return (fit(run(REPEAT, g, repeats=at["repeats"], axis=at["axis"]), ctx.inputs[0]),)

    def label(self, attrs):
        return f"repeat_sum(axis={attrs['axis']})"

    def formula(self, i, attrs):
        return f"upstream repeated back along axis {attrs['axis']}"


class Tile(Op):
    """``np.tile``: the whole input copied ``reps[i]`` times along axis i (``reps`` longer
    than the input's dimensions adds leading axes)."""

    name, symbol = "tile", "tile"
    twice_differentiable = True

    def forward(self, a, *, reps):
        return as_data(np.tile(_arr(a), reps)), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        reps = ctx.attrs["reps"]
        shape = shape_of(a)
        d = max(len(shape), len(reps))
        reps = (1,) * (d - len(reps)) + reps
        full = (1,) * (d - len(shape)) + shape
        # output axis i is (copy, entry) = (reps[i], full[i]): split each, sum the copies
        split = tuple(n for pair in zip(reps, full) for n in pair)
        ga = np.sum(np.reshape(g, split), axis=tuple(range(0, 2 * d, 2)))
        return (fit(np.reshape(ga, shape), a),)

    def label(self, attrs):
        return f"tile({', '.join(str(r) for r in attrs['reps'])})"

    def formula(self, i, attrs):
        return "upstream summed over the tiled copies"


# ---------------------------------------------------------------- roll / flip
class Roll(Op):
    """``np.roll``: entries shifted cyclically by ``shift`` along ``axis`` (None: the
    flattened entries)."""

    name, symbol = "roll", "roll"
    twice_differentiable = True

    def forward(self, a, *, shift, axis):
        return as_data(np.roll(_arr(a), shift, axis=axis)), None

    def backward(self, ctx, g):
        at = ctx.attrs
        shift = at["shift"]
        back = -shift if isinstance(shift, int) else tuple(-s for s in shift)
        return (fit(run(ROLL, g, shift=back, axis=at["axis"]), ctx.inputs[0]),)

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


class Flip(Op):
    """``np.flip``: entries in reverse order along ``axis`` (None: every axis)."""

    name, symbol = "flip", "flip"
    twice_differentiable = True

    def forward(self, a, *, axis):
        return as_data(np.flip(_arr(a), axis=axis).copy()), None

    def backward(self, ctx, g):
        return (fit(run(FLIP, g, axis=ctx.attrs["axis"]), ctx.inputs[0]),)

    def label(self, attrs):
        return "flip" if attrs["axis"] is None else f"flip(axis={_ax(attrs['axis'])})"

    def formula(self, i, attrs):
        return "upstream flipped back" + ("" if attrs["axis"] is None else
                                          f" along axis {_ax(attrs['axis'])}")


# ---------------------------------------------------------------- squeeze / expand_dims
class Squeeze(Op):
    """Axes of length 1 removed (``axis``: a checked tuple of them)."""

    name, symbol = "squeeze", "squeeze"
    twice_differentiable = True
    formulas = ("upstream reshaped back to the input's shape",)

    def forward(self, a, *, axis):
        return as_data(np.squeeze(_arr(a), axis=axis)), None

    def backward(self, ctx, g):
        return (_back_to(g, ctx.inputs[0]),)

    def label(self, attrs):
        return f"squeeze(axis={_ax(attrs['axis'])})"


class ExpandDims(Op):
    """New axes of length 1 at ``axis`` (positions in the result)."""

    name, symbol = "expand_dims", "expand_dims"
    twice_differentiable = True
    formulas = ("upstream reshaped back to the input's shape",)

    def forward(self, a, *, axis):
        return np.expand_dims(_arr(a), axis), None

    def backward(self, ctx, g):
        return (_back_to(g, ctx.inputs[0]),)

    def label(self, attrs):
        return f"expand_dims(axis={_ax(attrs['axis'])})"


class Unsqueeze(ExpandDims):
    """PyTorch's name for one new axis: the same op, labelled as the user wrote it."""

    name, symbol = "unsqueeze", "unsqueeze"

    def label(self, attrs):
        return f"unsqueeze({_ax(attrs['axis'])})"


# ---------------------------------------------------------------- tril / triu
class Tril(Op):
    """Lower triangle of the last two axes (entries on and below diagonal ``k``), the rest 0."""

    name, symbol = "tril", "tril"
    twice_differentiable = True
    _f = staticmethod(np.tril)

    def forward(self, a, *, k):
        return self._f(a, k), None

    def backward(self, ctx, g):
        return (fit(run(self._same, g, k=ctx.attrs["k"]), ctx.inputs[0]),)

    def label(self, attrs):
        return self.name if attrs["k"] == 0 else f"{self.name}(k={attrs['k']})"

    def formula(self, i, attrs):
        return f"{self.name} of upstream (1 on the kept triangle, 0 elsewhere)"


class Triu(Tril):
    """Upper triangle of the last two axes (entries on and above diagonal ``k``), the rest 0."""

    name, symbol = "triu", "triu"
    _f = staticmethod(np.triu)


# ---------------------------------------------------------------- diagonal
class Diagonal(Op):
    """``np.diagonal``: diagonal ``offset`` of the planes (axis1, axis2), as a new last axis."""

    name, symbol = "diagonal", "diagonal"
    twice_differentiable = True

    def forward(self, a, *, offset, axis1, axis2):
        # np.diagonal gives a read-only view: copy, so the data is the Value's own
        return np.diagonal(a, offset, axis1, axis2).copy(), None

    def backward(self, ctx, g):
        a = ctx.inputs[0]
        at = ctx.attrs
        return (fit(run(DIAG_EMBED, g, shape=a.shape, offset=at["offset"], axis1=at["axis1"],
                        axis2=at["axis2"]), a),)

    def label(self, attrs):
        return f"diagonal({attrs['offset']}, {attrs['axis1']}, {attrs['axis2']})"

    def formula(self, i, attrs):
        return f"upstream put on diagonal {attrs['offset']}, 0 elsewhere"


class DiagEmbed(Op):
    """Inverse of :class:`Diagonal`: zeros of ``shape`` with the input's last axis written
    on diagonal ``offset`` of the planes (axis1, axis2)."""

    name, symbol = "diag_embed", "diag_embed"
    twice_differentiable = True

    def forward(self, v, *, shape, offset, axis1, axis2):
        v = _arr(v)
        out = np.zeros(shape, dtype=v.dtype)
        n = v.shape[-1]
        rows = np.arange(n) + max(-offset, 0)
        cols = np.arange(n) + max(offset, 0)
        # a view with the two planes' axes last; writing into it fills the fresh `out`
        np.moveaxis(out, (axis1, axis2), (-2, -1))[..., rows, cols] = v
        return out, None

    def backward(self, ctx, g):
        at = ctx.attrs
        return (fit(run(DIAGONAL, g, offset=at["offset"], axis1=at["axis1"], axis2=at["axis2"]),
                    ctx.inputs[0]),)

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


SPLIT_PIECE = SplitPiece()
REPEAT, REPEAT_SUM, TILE = Repeat(), RepeatSum(), Tile()
ROLL, FLIP = Roll(), Flip()
SQUEEZE, EXPAND_DIMS, UNSQUEEZE = Squeeze(), ExpandDims(), Unsqueeze()
TRIL, TRIU = Tril(), Triu()
Tril._same, Triu._same = TRIL, TRIU       # each is its own gradient
DIAGONAL, DIAG_EMBED = Diagonal(), DiagEmbed()
DIAG_OF_MATRIX, DIAG_MATRIX = DiagOfMatrix(), DiagMatrix()

"""The fused conv, pooling and batch-norm ops built from primitive gates: their expansions.

Each function takes Values and builds the same forward as a fused op of ``conv``, ``pool``
or ``norm`` from pad, strided slices, stack, reshape, transpose, ``@``, gather, ``+`` ...:
what ``F.conv2d(..., expand=True)`` draws for the lecture, and what a ``create_graph`` pass
differentiates instead of a second, hand-written backward (``Op.expand``). Arguments
are the ops' checked attributes (pairs of ints).

>>> x, w = gg.Value(np.ones((1, 1, 3, 3))), gg.Value(np.ones((1, 1, 2, 2)))
>>> conv2d(x, w, None, (1, 1), (0, 0), (1, 1), 1).numpy()[0, 0]
array([[4., 4.],
       [4., 4.]])
"""
from __future__ import annotations

import contextlib

import numpy as np

from ...autograd import group
from ...ops.arithmetic import where
from ...ops.base import data_of
from ...ops.shape import pad, stack
from ...value import Value


def _taps(xp, kh, kw, stride, dilation, ho, wo):
    """The kh·kw strided slices of padded ``xp``, one per kernel offset (the cells it meets)."""
    (sh, sw), (dh, dw) = stride, dilation
    he, we = sh * (ho - 1) + 1, sw * (wo - 1) + 1
    return [xp[:, :, i * dh:i * dh + he:sh, j * dw:j * dw + we:sw] for i in range(kh) for j in range(kw)]


def conv2d(x, w, b, stride, padding, dilation, groups, name=None) -> Value:
    """conv2d from primitive gates: one strided slice of the padded input per kernel offset,
    stacked into im2col columns, then one matmul (per group) and the bias.

    >>> conv2d(gg.Value(np.ones((1, 2, 4, 4))), gg.Value(np.ones((3, 2, 3, 3))), None,
    ...        (1, 1), (1, 1), (1, 1), 1).shape
    (1, 3, 4, 4)
    """
    from .conv import out_size
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    ho, wo = out_size(h, kh, sh, ph, dh), out_size(wd, kw, sw, pw, dw)
    with group(name) if name else contextlib.nullcontext():
        xp = pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x
        cols = stack(_taps(xp, kh, kw, stride, dilation, ho, wo), axis=2).reshape(n, c * kh * kw, ho * wo)
        if groups == 1:
            out = w.reshape(f, c * kh * kw) @ cols                       # (N, F, Ho·Wo)
        else:                                                            # (G, F/G, ·) @ (N, G, ·, Ho·Wo)
            out = w.reshape(groups, f // groups, cg * kh * kw) @ cols.reshape(n, groups, cg * kh * kw, ho * wo)
        out = out.reshape(n, f, ho, wo)
        return out if b is None else out + b.reshape(1, f, 1, 1)


def conv1d(x, w, b, stride, padding, dilation, groups, name=None) -> Value:
    """conv1d of (N, C, L) as :func:`conv2d` on a unit height axis.

    >>> conv1d(gg.Value(np.ones((1, 2, 5))), gg.Value(np.ones((3, 2, 2))), None, 1, 0, 1, 1).shape
    (1, 3, 4)
    """
    n, c, length = x.shape
    with group(name) if name else contextlib.nullcontext():
        out = conv2d(x.reshape(n, c, 1, length), w.reshape(w.shape[0], w.shape[1], 1, w.shape[2]), b,
                     (1, stride), (0, padding), (1, dilation), groups)
        return out.reshape(out.shape[0], out.shape[1], out.shape[3])


def _spread(y, axis, s):
    """``y`` with s - 1 zeros between neighbours along ``axis`` (2 or 3): length (n - 1)·s + 1."""
    if s == 1:
        return y
    zero = Value(np.zeros(y.shape, dtype=y.dtype))
    z = stack([y] + [zero] * (s - 1), axis=axis + 1)                  # (..., n, s, ...)
    shape = list(y.shape)
    shape[axis] *= s
    z = z.reshape(tuple(shape))
    keep = [slice(None)] * 4
    keep[axis] = slice(0, (y.shape[axis] - 1) * s + 1)
    return z[tuple(keep)]


def _edges(y, axis, before, after):
    """Pad (a positive count) or crop (a negative one) each end of ``axis``."""
    if before < 0 or after < 0:
        keep = [slice(None)] * 4
        keep[axis] = slice(max(0, -before), y.shape[axis] - max(0, -after))
        y = y[tuple(keep)]
    if before > 0 or after > 0:
        widths = [(0, 0)] * 4
        widths[axis] = (max(0, before), max(0, after))
        y = pad(y, tuple(widths))
    return y


def conv_transpose2d(y, w, b, stride, padding, output_padding, dilation, groups) -> Value:
    """conv_transpose2d as a conv: zeros spread between the input's cells (stride), padded
    by dilation·(k - 1) - padding (+ output_padding at the end), then :func:`conv2d` with
    the kernel flipped and its in/out channels swapped per group.

    >>> conv_transpose2d(gg.Value(np.ones((1, 2, 3, 3))), gg.Value(np.ones((2, 1, 3, 3))), None,
    ...                  (2, 2), (0, 0), (0, 0), (1, 1), 1).shape
    (1, 1, 7, 7)
    """
    cin, cog, kh, kw = w.shape
    z = y
    for axis, s, k, p, o, d in ((2, stride[0], kh, padding[0], output_padding[0], dilation[0]),
                                (3, stride[1], kw, padding[1], output_padding[1], dilation[1])):
        edge = d * (k - 1) - p
        z = _edges(_spread(z, axis, s), axis, edge, edge + o)
    wt = (w.reshape(groups, cin // groups, cog, kh, kw).transpose(0, 2, 1, 3, 4)
          .reshape(groups * cog, cin // groups, kh, kw)[:, :, ::-1, ::-1])
    return conv2d(z, wt, b, (1, 1), (0, 0), dilation, groups)


def max_pool(x, index, valid) -> Value:
    """Max-pooling as a gather: each window's maximum read at ``index`` (flat positions in
    x, constants of the graph chosen by PyTorch's rule: the first of tied maxima); a window
    of only padding (not ``valid``) is -inf.

    >>> x = gg.Value(np.array([[[[1., 3.], [2., 0.]]]]))
    >>> max_pool(x, np.array([[[[1]]]]), None).numpy()
    array([[[[3.]]]])
    """
    out = x.reshape(-1)[index]
    return out if valid is None else where(valid, out, -np.inf)


def avg_pool(x, geo, div) -> Value:
    """Average pooling: the zero-padded windows' strided slices, stacked and summed, times
    1/count (``div``: a number, or an (Ho, Wo) array of counts). ``geo``: a ``PoolGeom``.

    >>> from graphgrad.nn.ops.pool import PoolGeom
    >>> x = gg.Value(np.arange(4.).reshape(1, 1, 2, 2))
    >>> avg_pool(x, PoolGeom(x.shape, 2, 2, 0), 4.0).numpy()
    array([[[[1.5]]]])
    """
    (kh, kw), (ph, pw) = geo.k, geo.p
    xp = pad(x, ((0, 0), (0, 0), (ph, geo.bottom), (pw, geo.right))) if ph or pw or geo.bottom or geo.right else x
    total = stack(_taps(xp, kh, kw, geo.s, (1, 1), geo.ho, geo.wo), axis=-1).sum(axis=-1)
    return total * np.asarray(1.0 / np.asarray(div), dtype=x.dtype)


def batch_norm(x, gamma, beta, rm, rv, eps, training) -> tuple:
    """Batch norm as the cs231n assignment-2 / Kratzert computational graph, one named node
    per step: mu, xmu, sq, var, sqrtvar, ivar, xhat, gammax, out (statistics kept as (1, D) or
    (1, C, 1, 1) rows, γ and β reshaped to match), in group "batchnorm". Returns (out, batch
    mean, batch variance) (``rm``, ``rv``: the running statistics, used in eval mode).

    >>> x = gg.Value(np.array([[1.0], [3.0]]))
    >>> batch_norm(x, gg.Value([1.0]), gg.Value([0.0]), None, None, 0.0, True)[0].numpy()
    array([[-1.],
           [ 1.]])
    """
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    shape = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)

    def named(v, name):
        v.name = name
        return v

    with group("batchnorm"):
        if training:
            mu = named(x.mean(axis=axes, keepdims=True), "mu")
            xmu = named(x - mu, "xmu")
            sq = named(xmu ** 2, "sq")
            var = named(sq.mean(axis=axes, keepdims=True), "var")
        else:
            mu = Value(rm.reshape(shape).astype(x.dtype), name="running_mean")
            xmu = named(x - mu, "xmu")
            var = Value(rv.reshape(shape).astype(x.dtype), name="running_var")
        sqrtvar = named((var + float(eps)).sqrt(), "sqrtvar")
        ivar = named(1.0 / sqrtvar, "ivar")
        xhat = named(xmu * ivar, "xhat")
        gammax = named(gamma.reshape(shape) * xhat, "gammax")
        out = named(gammax + beta.reshape(shape), "out")
    return out, data_of(mu).reshape(-1), data_of(var).reshape(-1)

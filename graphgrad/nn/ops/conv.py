"""Fused convolution ops (NCHW), built for numpy speed (pooling: ``pool.py``).

conv2d is im2col + one GEMM (one per group). The patch matrix is laid out
(C·KH·KW, N·Ho·Wo), so ``W (F, C·KH·KW) @ cols`` yields the output channel-major,
(F, N, Ho, Wo); the op hands out its NCHW *view* (a transpose, no copy). Elementwise ops
keep that memory layout, so ReLU and pooling run on it without copies, and the conv
backward gets its upstream gradient back in the layout its GEMMs want. dtypes are kept
(float32 stays float32).

The conv ops are each other's backward on raw data: conv2d's dx is a transposed conv,
its dW the weight gradient :func:`conv2d_weight_data`; conv_transpose2d's dy is a conv2d.

Second derivatives: every op here declares ``expand(ctx)``, its forward from primitive
gates (``_expand.py``); a ``create_graph`` pass differentiates that, so the numpy
backwards below serve plain passes only.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...ops.base import Op, run
from . import _expand as E


# ---------------------------------------------------------------- sizes and parameters
def two(v) -> tuple:
    """An int or a pair as a pair of ints (the ops' attributes may be either)."""
    if v.__class__ is tuple:
        return v
    if isinstance(v, (list, np.ndarray)):
        return tuple(int(a) for a in v)
    return (int(v), int(v))


def out_size(n: int, k: int, s: int, p: int, d: int = 1) -> int:
    """Output length of a convolution along one axis (floor mode, as PyTorch)."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def pool_out_size(n: int, k: int, s: int, p: int, d: int = 1, ceil_mode: bool = False) -> int:
    """Output length of pooling along one axis. ceil_mode keeps a last, partial window as
    PyTorch does, but never one that starts in the right padding."""
    span = n + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1
    o = -(-span // s) + 1
    if (o - 1) * s >= n + p:
        o -= 1
    return o


def transpose_out_size(n: int, k: int, s: int, p: int, d: int = 1, op: int = 0) -> int:
    """Output length of a transposed convolution along one axis."""
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def conv_params(attrs) -> tuple:
    """(stride, padding, dilation, groups) of a conv node's attributes, as pairs."""
    return (two(attrs.get("stride", 1)), two(attrs.get("padding", 0)), two(attrs.get("dilation", 1)),
            int(attrs.get("groups", 1)))


def pad4(x, top, bottom, left, right, fill=0.0):
    """x (N, C, H, W) with rows/columns of ``fill`` added (a fresh C-contiguous array; ``x``
    itself when nothing is added).

    >>> pad4(np.ones((1, 1, 1, 1)), 1, 0, 0, 2).shape
    (1, 1, 2, 3)
    """
    if not (top or bottom or left or right):
        return x
    n, c, h, w = x.shape
    shape = (n, c, h + top + bottom, w + left + right)
    xp = np.full(shape, fill, dtype=x.dtype) if fill else np.zeros(shape, dtype=x.dtype)
    xp[:, :, top:top + h, left:left + w] = x
    return xp


def _padded(x, p, fill=0.0):
    ph, pw = two(p)
    return pad4(x, ph, ph, pw, pw, fill)


# ---------------------------------------------------------------- im2col / col2im
def im2col(x, kh, kw, stride, padding, ones_row=False, dilation=1, out_hw=None):
    """Patches of x (N, C, H, W) as columns (C·kh·kw [+1], N·Ho·Wo), plus (Ho, Wo).

    With ``ones_row`` a row of ones is appended, so that ``[W | b] @ cols`` adds the bias
    inside the GEMM and ``upstream @ colsᵀ`` yields db as its last column (two passes
    over the output saved). ``out_hw`` takes fewer output positions than fit (the weight
    gradient of a transposed conv whose output_padding left rows no window reaches).
    """
    (sh, sw), (ph, pw), (dh, dw) = two(stride), two(padding), two(dilation)
    n, c, h, w = x.shape
    if out_hw is None:
        ho, wo = out_size(h, kh, sh, ph, dh), out_size(w, kw, sw, pw, dw)
    else:
        ho, wo = out_hw
    xp = pad4(x, ph, ph, pw, pw)
    s = xp.strides
    patches = as_strided(xp, (c, kh, kw, n, ho, wo),
                         (s[1], s[2] * dh, s[3] * dw, s[0], s[2] * sh, s[3] * sw), writeable=False)
    rows = c * kh * kw
    cols = np.empty((rows + ones_row, n * ho * wo), dtype=x.dtype)
    np.copyto(cols[:rows].reshape(c, kh, kw, n, ho, wo), patches)
    if ones_row:
        cols[rows] = 1
    return cols, ho, wo


def col2im(dcols, x_shape, kh, kw, stride, padding, ho, wo, dilation=1):
    """Adjoint of im2col: add every kernel offset's column block back onto the image.

    One slice-add per offset (kh·kw of them), not np.add.at (which is ~10× slower).
    Returns the (N, C, H, W) image as a channel-major view.
    """
    (sh, sw), (ph, pw), (dh, dw) = two(stride), two(padding), two(dilation)
    n, c, h, w = x_shape
    d = dcols.reshape(c, kh, kw, n, ho, wo)
    # rows a window reaches (at least the padded image: output_padding may add rows none reaches)
    hp = max(h + 2 * ph, sh * (ho - 1) + dh * (kh - 1) + 1)
    wp = max(w + 2 * pw, sw * (wo - 1) + dw * (kw - 1) + 1)
    dxp = np.zeros((c, n, hp, wp), dtype=dcols.dtype)
    he, we = sh * (ho - 1) + 1, sw * (wo - 1) + 1
    for i in range(kh):
        for j in range(kw):
            a, b = i * dh, j * dw
            dxp[:, :, a:a + he:sh, b:b + we:sw] += d[:, i, j]
    if ph or pw or hp != h + 2 * ph or wp != w + 2 * pw:
        dxp = dxp[:, :, ph:ph + h, pw:pw + w]
    return dxp.transpose(1, 0, 2, 3)


def _rows(g, dtype):
    """An upstream (N, F, Ho, Wo) as the (F, N·Ho·Wo) matrix the GEMMs want: free for the
    channel-major layout conv2d hands out, one copy otherwise."""
    gt = g.transpose(1, 0, 2, 3)
    f = gt.shape[0]
    d = gt.reshape(f, -1) if gt.flags.c_contiguous else np.ascontiguousarray(gt).reshape(f, -1)
    return d if d.dtype == dtype else d.astype(dtype)


def _weight_grad(d, cols, w_shape, groups):
    """dW (F, C/G, KH, KW) from upstream rows d (F, L) and patch columns (C·KH·KW [+1], L)."""
    f, cg, kh, kw = w_shape
    rows = cg * kh * kw
    if groups == 1:
        return (d @ cols[:rows].T).reshape(w_shape)
    cg_cols = cols[:groups * rows].reshape(groups, rows, -1)
    return np.matmul(d.reshape(groups, f // groups, -1), cg_cols.transpose(0, 2, 1)).reshape(w_shape)


def _input_grad(d, w, x_shape, stride, padding, dilation, groups, ho, wo):
    """dX (N, C, H, W) from upstream rows d (F, L): Wᵀ·d, then col2im (a transposed conv)."""
    f, cg, kh, kw = w.shape
    if groups == 1:
        dcols = w.reshape(f, -1).T @ d
    else:
        wg = w.reshape(groups, f // groups, -1).transpose(0, 2, 1)       # (G, Cg·K, Fg)
        dcols = np.matmul(wg, d.reshape(groups, f // groups, -1)).reshape(groups * cg * kh * kw, -1)
    return col2im(dcols, x_shape, kh, kw, stride, padding, ho, wo, dilation)


def conv2d_data(x, w, b, stride, padding, dilation=(1, 1), groups=1, need_cols=True):
    """Raw conv2d: (out (N, F, Ho, Wo) as a channel-major view, cols or None, Ho, Wo)."""
    f, cg, kh, kw = w.shape
    n = x.shape[0]
    if groups == 1:
        cols, ho, wo = im2col(x, kh, kw, stride, padding, ones_row=b is not None, dilation=dilation)
        w2 = w.reshape(f, -1)
        if b is not None:
            w2 = np.concatenate([w2, b.reshape(f, 1).astype(w.dtype, copy=False)], axis=1)
        out = (w2 @ cols).reshape(f, n, ho, wo)
    else:
        cols, ho, wo = im2col(x, kh, kw, stride, padding, dilation=dilation)
        out = np.matmul(w.reshape(groups, f // groups, -1), cols.reshape(groups, cg * kh * kw, -1))
        out = out.reshape(f, n, ho, wo)
        if b is not None:
            out += b.reshape(f, 1, 1, 1).astype(w.dtype, copy=False)
    return out.transpose(1, 0, 2, 3), (cols if need_cols else None), ho, wo


def _extra_label(stride, padding, dilation, groups):
    def one(v):
        a, b = two(v)
        return f"{a}" if a == b else f"{a}×{b}"
    extra = []
    if two(stride) != (1, 1):
        extra.append(f"s={one(stride)}")
    if two(padding) != (0, 0):
        extra.append(f"p={one(padding)}")
    if two(dilation) != (1, 1):
        extra.append(f"d={one(dilation)}")
    if groups != 1:
        extra.append(f"g={groups}")
    return f"({', '.join(extra)})" if extra else ""


# ---------------------------------------------------------------- conv ops
def _conv_grads(x, w, g, has_b, need, saved, prm):
    """(dx, dw, db) of conv2d for 4-D raw arrays x, w, g."""
    stride, padding, dilation, groups = prm
    f, cg, kh, kw = w.shape
    dx = dw = db = None
    cols, x_shape, ho, wo = saved
    d = _rows(g, w.dtype)
    if need[1]:
        if cols is None:                              # forward was told no weight grad was needed
            cols = im2col(x, kh, kw, stride, padding, ones_row=has_b and groups == 1, dilation=dilation)[0]
        if groups == 1:
            dwb = d @ cols.T                          # (F, C·KH·KW [+1]): the last column is db
            dw = dwb[:, :cg * kh * kw].reshape(w.shape)
            if has_b and need[2]:
                db = dwb[:, -1].copy()
        else:
            dw = _weight_grad(d, cols, w.shape, groups)
    if has_b and need[2] and db is None:
        db = d.sum(axis=1)
    if need[0]:
        dx = _input_grad(d, w, x_shape, stride, padding, dilation, groups, ho, wo)
    return dx, dw, db


class Conv2d(Op):
    """out = W ⋆ x + b (cross-correlation, NCHW), one node; backward by im2col/col2im."""

    name, symbol = "conv2d", "conv"
    formulas = ("dL/dx = col2im(Wᵀ · upstream)", "dL/dW = upstream · im2col(x)ᵀ",
                "dL/db = Σ_{n,h,w} upstream")

    def forward(self, x, w, b=None, *, stride=1, padding=0, dilation=1, groups=1, kernel=None):
        """The Op contract (``gg.apply(op, x, w, b, stride=, padding=)``); layers call ``run``."""
        return self.run(x, w, b, stride, padding, True, dilation, groups)

    def run(self, x, w, b, stride, padding, need_cols, dilation=1, groups=1):
        out, cols, ho, wo = conv2d_data(x, w, b, two(stride), two(padding), two(dilation), int(groups),
                                        need_cols)
        return out, (cols, x.shape, ho, wo)

    def backward(self, ctx, g):
        has_b = len(ctx.inputs) > 2
        dx, dw, db = _conv_grads(ctx.inputs[0], ctx.inputs[1], g, has_b, ctx.needs_grad, ctx.saved,
                                 conv_params(ctx.attrs))
        return (dx, dw, db) if has_b else (dx, dw)

    def expand(self, ctx):
        return E.conv2d(*_xwb(ctx.inputs), *conv_params(ctx.attrs))

    def label(self, attrs):
        return f"conv{attrs.get('kernel', '')}" + _extra_label(
            attrs.get("stride", 1), attrs.get("padding", 0), attrs.get("dilation", 1), attrs.get("groups", 1))


def unit_height(v):
    """A 1-D conv's (N, C, L) array or Value as (N, C, 1, L): 1-D convs and pooling run as
    2-D ones on a unit height axis.

    >>> unit_height(np.zeros((2, 3, 5))).shape
    (2, 3, 1, 5)
    """
    n, c, l = v.shape
    return v.reshape(n, c, 1, l)


class Conv1d(Op):
    """out = W ⋆ x + b over one axis (N, C, L), one node: conv2d on a unit height axis."""

    name, symbol = "conv1d", "conv1d"
    formulas = ("dL/dx = col2im(Wᵀ · upstream)", "dL/dW = upstream · im2col(x)ᵀ",
                "dL/db = Σ_{n,l} upstream")

    def forward(self, x, w, b=None, *, stride=1, padding=0, dilation=1, groups=1, kernel=None):
        return self.run(x, w, b, stride, padding, True, dilation, groups)

    def run(self, x, w, b, stride, padding, need_cols, dilation=1, groups=1):
        out, cols, ho, wo = conv2d_data(unit_height(x), unit_height(w), b, (1, int(stride)), (0, int(padding)),
                                        (1, int(dilation)), int(groups), need_cols)
        return out[:, :, 0, :], (cols, unit_height(x).shape, ho, wo)

    def backward(self, ctx, g):
        x, w = ctx.inputs[0], ctx.inputs[1]
        has_b = len(ctx.inputs) > 2
        at = ctx.attrs
        prm = ((1, int(at.get("stride", 1))), (0, int(at.get("padding", 0))), (1, int(at.get("dilation", 1))),
               int(at.get("groups", 1)))
        dx, dw, db = _conv_grads(unit_height(x), unit_height(w), unit_height(g), has_b, ctx.needs_grad, ctx.saved, prm)
        dx = None if dx is None else dx.reshape(x.shape)
        dw = None if dw is None else dw.reshape(w.shape)
        return (dx, dw, db) if has_b else (dx, dw)

    def expand(self, ctx):
        at = ctx.attrs
        return E.conv1d(*_xwb(ctx.inputs), int(at.get("stride", 1)), int(at.get("padding", 0)),
                        int(at.get("dilation", 1)), int(at.get("groups", 1)))

    def label(self, attrs):
        return f"conv1d {attrs.get('kernel', '')}".rstrip() + _extra_label(
            attrs.get("stride", 1), attrs.get("padding", 0), attrs.get("dilation", 1), attrs.get("groups", 1))


class ConvTranspose2d(Op):
    """out = Wᵀ ⋆ y + b: the adjoint of conv2d (its input gradient), weight (C_in, C_out/G, KH, KW)."""

    name, symbol = "conv_transpose2d", "convᵀ"
    formulas = ("dL/dy = conv2d(upstream, W)", "dL/dW = conv2d_weight(upstream, y)",
                "dL/db = Σ_{n,h,w} upstream")

    def forward(self, y, w, b=None, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1,
                kernel=None):
        (sh, sw), (ph, pw), (oh, ow), (dh, dw) = two(stride), two(padding), two(output_padding), two(dilation)
        groups = int(groups)
        cin, cog, kh, kw = w.shape
        n, _, hi, wi = y.shape
        x_shape = (n, groups * cog, transpose_out_size(hi, kh, sh, ph, dh, oh),
                   transpose_out_size(wi, kw, sw, pw, dw, ow))
        out = _input_grad(_rows(y, w.dtype), w, x_shape, (sh, sw), (ph, pw), (dh, dw), groups, hi, wi)
        if b is not None:
            out += b.reshape(1, -1, 1, 1).astype(w.dtype, copy=False)     # out is our own fresh buffer
        return out, None

    def backward(self, ctx, g):
        y, w = ctx.inputs[0], ctx.inputs[1]
        has_b = len(ctx.inputs) > 2
        need = ctx.needs_grad
        stride, padding, dilation, groups = conv_params(ctx.attrs)
        at = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        kh, kw = w.shape[2], w.shape[3]
        hi, wi = y.shape[2], y.shape[3]
        dy = dw = db = None
        if need[0]:
            dy = run(CONV2D, g, w, **at)
            if dy.shape[2] != hi or dy.shape[3] != wi:   # output_padding >= stride (allowed below dilation)
                dy = dy[:, :, :hi, :wi]
        if need[1]:
            dw = conv2d_weight_data(g, y, (kh, kw), **at)
        if has_b and need[2]:
            db = g.sum(axis=(0, 2, 3))
        return (dy, dw, db) if has_b else (dy, dw)

    def expand(self, ctx):
        at = ctx.attrs
        stride, padding, dilation, groups = conv_params(at)
        return E.conv_transpose2d(*_xwb(ctx.inputs), stride, padding, two(at.get("output_padding", 0)),
                                  dilation, groups)

    def label(self, attrs):
        return f"convᵀ{attrs.get('kernel', '')}" + _extra_label(
            attrs.get("stride", 1), attrs.get("padding", 0), attrs.get("dilation", 1), attrs.get("groups", 1))


def conv2d_weight_data(x, gy, kernel_hw, stride=1, padding=0, dilation=1, groups=1):
    """conv2d's weight gradient on raw data: dW = gy · im2col(x)ᵀ (bilinear in x and gy)."""
    kh, kw = two(kernel_hw)
    groups = int(groups)
    cols = im2col(x, kh, kw, stride, padding, dilation=dilation, out_hw=gy.shape[2:])[0]
    return _weight_grad(_rows(gy, x.dtype), cols, (gy.shape[1], x.shape[1] // groups, kh, kw), groups)


def _xwb(inputs):
    """A conv node's (x, w, b) inputs (b None without a bias)."""
    return inputs[0], inputs[1], (inputs[2] if len(inputs) > 2 else None)


CONV2D, CONV1D, CONV_TRANSPOSE2D = Conv2d(), Conv1d(), ConvTranspose2d()

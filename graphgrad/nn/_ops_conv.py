"""Fused conv and pooling ops (NCHW), built for numpy speed.

conv2d is im2col + one GEMM. The patch matrix is laid out (C·KH·KW, N·Ho·Wo), so
``W (F, C·KH·KW) @ cols`` yields the output channel-major, (F, N, Ho, Wo); the op hands
out its NCHW *view* (a transpose, no copy). Elementwise ops keep that memory layout,
so ReLU and pooling run on it without copies, and the conv backward gets its upstream
gradient back in the layout its GEMMs want. dtypes are kept (float32 stays float32).

Pooling reads the k·k strided slices ``x[:, :, i::s, j::s]`` of the input (one per
kernel offset) and reduces them elementwise: no window copies, any memory layout.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..ops.base import Op
from ._parallel import run_parts


def out_size(n: int, k: int, s: int, p: int) -> int:
    return (n + 2 * p - k) // s + 1


def _padded(x, p, fill=0.0):
    if p == 0:
        return x
    n, c, h, w = x.shape
    xp = np.full((n, c, h + 2 * p, w + 2 * p), fill, dtype=x.dtype) if fill else \
        np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=x.dtype)
    xp[:, :, p:p + h, p:p + w] = x
    return xp


def im2col(x, kh, kw, stride, padding, ones_row=False):
    """Patches of x (N, C, H, W) as columns (C·kh·kw [+1], N·Ho·Wo), plus (Ho, Wo).

    With ``ones_row`` a row of ones is appended, so that ``[W | b] @ cols`` adds the bias
    inside the GEMM and ``upstream @ colsᵀ`` yields db as its last column (two passes
    over the output saved).
    """
    n, c, h, w = x.shape
    ho, wo = out_size(h, kh, stride, padding), out_size(w, kw, stride, padding)
    xp = _padded(x, padding)
    s = xp.strides
    patches = as_strided(xp, (c, kh, kw, n, ho, wo),
                         (s[1], s[2], s[3], s[0], s[2] * stride, s[3] * stride), writeable=False)
    rows = c * kh * kw
    cols = np.empty((rows + ones_row, n * ho * wo), dtype=x.dtype)
    np.copyto(cols[:rows].reshape(c, kh, kw, n, ho, wo), patches)
    if ones_row:
        cols[rows] = 1
    return cols, ho, wo


def col2im(dcols, x_shape, kh, kw, stride, padding, ho, wo):
    """Adjoint of im2col: add every kernel offset's column block back onto the image.

    One slice-add per offset (kh·kw of them), not np.add.at (which is ~10× slower).
    Returns (N, C, H, W) gradient as a channel-major view.
    """
    n, c, h, w = x_shape
    d = dcols.reshape(c, kh, kw, n, ho, wo)
    hp, wp = h + 2 * padding, w + 2 * padding
    dxp = np.zeros((c, n, hp, wp), dtype=dcols.dtype)
    he, we = stride * (ho - 1) + 1, stride * (wo - 1) + 1
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i:i + he:stride, j:j + we:stride] += d[:, i, j]
    if padding:
        dxp = dxp[:, :, padding:padding + h, padding:padding + w]
    return dxp.transpose(1, 0, 2, 3)


class Conv2d(Op):
    """out = W ⋆ x + b (cross-correlation, NCHW), one node; backward by im2col/col2im."""

    name, symbol = "conv2d", "conv"
    formulas = ("dL/dx = col2im(Wᵀ · upstream)", "dL/dW = upstream · im2col(x)ᵀ",
                "dL/db = Σ_{n,h,w} upstream")

    def forward(self, x, w, b=None, *, stride=1, padding=0, kernel=None):
        """The Op contract (``gg.apply(op, x, w, b, stride=, padding=)``); layers call ``run``."""
        return self.run(x, w, b, stride, padding, True)

    def run(self, x, w, b, stride, padding, need_cols):
        f, c, kh, kw = w.shape
        cols, ho, wo = im2col(x, kh, kw, stride, padding, ones_row=b is not None)
        w2 = w.reshape(f, -1)
        if b is not None:
            w2 = np.concatenate([w2, b.reshape(f, 1).astype(w.dtype, copy=False)], axis=1)
        out = (w2 @ cols).reshape(f, x.shape[0], ho, wo).transpose(1, 0, 2, 3)
        return out, ((cols if need_cols else None), x.shape, ho, wo)

    def backward(self, ctx, g):
        need = ctx.needs_grad
        has_b = len(ctx.inputs) > 2
        cols, x_shape, ho, wo = ctx.saved
        stride, padding = ctx.attrs["stride"], ctx.attrs["padding"]
        wd = ctx.inputs[1]
        f, c, kh, kw = wd.shape
        gt = g.transpose(1, 0, 2, 3)                 # (F, N, Ho, Wo): free for our own layout
        d = gt.reshape(f, -1) if gt.flags.c_contiguous else np.ascontiguousarray(gt).reshape(f, -1)
        if d.dtype != wd.dtype:
            d = d.astype(wd.dtype)
        dx = dw = db = None
        if need[1]:
            dwb = d @ cols.T                         # (F, C·KH·KW [+1]): the last column is db
            dw = dwb[:, :c * kh * kw].reshape(wd.shape)
            if has_b and need[2]:
                db = dwb[:, -1].copy()
        elif has_b and need[2]:
            db = d.sum(axis=1)
        if need[0]:
            dcols = wd.reshape(f, -1).T @ d
            dx = col2im(dcols, x_shape, kh, kw, stride, padding, ho, wo)
        return (dx, dw, db) if has_b else (dx, dw)

    def label(self, attrs):
        extra = []
        if attrs.get("stride", 1) != 1:
            extra.append(f"s={attrs['stride']}")
        if attrs.get("padding", 0):
            extra.append(f"p={attrs['padding']}")
        return f"conv{attrs.get('kernel', '')}" + (f"({', '.join(extra)})" if extra else "")


def _like(a, ref):
    """``a`` in the memory layout of ``ref`` (one copy if they differ), so that
    elementwise loops over both walk memory in order."""
    if a.strides == ref.strides or a.shape != ref.shape:
        return a
    b = np.empty_like(ref)
    b[...] = a
    return b


_BLOCK = 1 << 16      # input elements per block (256 KiB of float32)


def _blocks(x):
    """Index tuples that cut x (N, C, H, W) into blocks of about _BLOCK elements along
    whichever of N and C is outermost in memory, so that the k² strided passes of pooling
    over one block find it in cache instead of reading the whole tensor k² times."""
    axis = 0 if abs(x.strides[0]) >= abs(x.strides[1]) else 1
    n = x.shape[axis]
    per = max(1, _BLOCK // max(1, x.size // max(n, 1)))
    sl = [slice(i, min(i + per, n)) for i in range(0, n, per)]
    return [(b,) for b in sl] if axis == 0 else [(slice(None), b) for b in sl]


def _windows(x, k, s, ho, wo):
    """The k·k strided slices of x, one per kernel offset (views, no copies)."""
    he, we = s * (ho - 1) + 1, s * (wo - 1) + 1
    return [x[:, :, i:i + he:s, j:j + we:s] for i in range(k) for j in range(k)]


class MaxPool2d(Op):
    """Max over k×k windows; the gradient goes to the first maximum of each window."""

    name, symbol = "max_pool2d", "maxpool"
    formulas = ("dL/dx = upstream routed to each window's (first) max, 0 elsewhere",)

    def forward(self, x, *, kernel_size, stride, padding=0):
        return self.run(x, kernel_size, stride, padding)

    def run(self, x, k, s, p):
        ho, wo = out_size(x.shape[2], k, s, p), out_size(x.shape[3], k, s, p)
        # (x.reshape(n, c, ho, k, wo, k).max(axis=(3, 5)) looks neater but numpy reduces
        # small strided axes ~30× slower than these k² elementwise maxima.)
        q = _windows(_padded(x, p, fill=-np.inf), k, s, ho, wo)
        out = np.empty_like(q[0])            # *_like keeps the input's memory layout
        if len(q) == 1:
            np.copyto(out, q[0])
            return out, None

        def blocks(bs):                      # all k² reads of a block while it is in cache
            for b in bs:
                ob = out[b]
                np.maximum(q[0][b], q[1][b], out=ob)
                for qi in q[2:]:
                    np.maximum(ob, qi[b], out=ob)
        run_parts(blocks, _blocks(x), x.size)
        return out, None

    def backward(self, ctx, g):
        x = ctx.inputs[0]
        k, s, p = ctx.attrs["kernel_size"], ctx.attrs["stride"], ctx.attrs["padding"]
        pooled = ctx.out
        ho, wo = pooled.shape[2:]
        g = _like(np.asarray(g, dtype=x.dtype), pooled)
        xp = _padded(x, p, fill=-np.inf)
        # windows that tile the input exactly write every entry of dx: no zero fill needed
        tiles = k == s and p == 0 and x.shape[2] == k * ho and x.shape[3] == k * wo
        dxp = np.empty_like(xp) if tiles else np.zeros_like(xp)   # *_like keeps x's layout
        q = _windows(xp, k, s, ho, wo)
        dq = _windows(dxp, k, s, ho, wo)
        taken = np.empty_like(pooled, dtype=bool)     # all in pooled's layout
        hit = np.empty_like(pooled, dtype=bool)
        overlap = s < k
        last = len(q) - 1

        def blocks(bs):
            for b in bs:
                tb, hb, gb, pb = taken[b], hit[b], g[b], pooled[b]
                for idx, (qi, di) in enumerate(zip(q, dq)):
                    if idx == last and idx:  # every window has a max: if not taken yet, it is here
                        np.logical_not(tb, out=hb)
                    elif idx == last:        # a 1×1 window is its own max
                        hb.fill(True)
                    else:
                        np.equal(qi[b], pb, out=hb)
                        if idx:              # the first max of the window wins ties
                            np.greater(hb, tb, out=hb)
                            tb |= hb
                        else:
                            np.copyto(tb, hb)
                    if overlap:
                        di[b] += gb * hb
                    else:
                        np.multiply(gb, hb, out=di[b])
        run_parts(blocks, _blocks(x), x.size)
        if p:
            dxp = dxp[:, :, p:-p, p:-p]
        return (dxp,)

    def label(self, attrs):
        k, s = attrs["kernel_size"], attrs["stride"]
        return f"maxpool {k}×{k}" + (f"/{s}" if s != k else "")


class AvgPool2d(Op):
    """Mean over k×k windows (zero padding counts in the mean, as PyTorch's default)."""

    name, symbol = "avg_pool2d", "avgpool"
    formulas = ("dL/dx = upstream / k² spread over each window",)

    def forward(self, x, *, kernel_size, stride, padding=0):
        return self.run(x, kernel_size, stride, padding)

    def run(self, x, k, s, p):
        ho, wo = out_size(x.shape[2], k, s, p), out_size(x.shape[3], k, s, p)
        q = _windows(_padded(x, p), k, s, ho, wo)
        out = q[0].copy()
        for qi in q[1:]:
            out += qi
        out *= x.dtype.type(1.0 / (k * k))
        return out, None

    def backward(self, ctx, g):
        x = ctx.inputs[0]
        k, s, p = ctx.attrs["kernel_size"], ctx.attrs["stride"], ctx.attrs["padding"]
        ho, wo = ctx.out.shape[2:]
        n, c, h, w = x.shape
        dxp = np.zeros((n, c, h + 2 * p, w + 2 * p), dtype=x.dtype)
        gk = np.asarray(g, dtype=x.dtype) * x.dtype.type(1.0 / (k * k))
        for di in _windows(dxp, k, s, ho, wo):
            di += gk
        if p:
            dxp = dxp[:, :, p:-p, p:-p]
        return (dxp,)

    def label(self, attrs):
        k, s = attrs["kernel_size"], attrs["stride"]
        return f"avgpool {k}×{k}" + (f"/{s}" if s != k else "")

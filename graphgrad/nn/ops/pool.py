"""Fused pooling ops (NCHW): max and average pooling, 2-D and 1-D, built for numpy speed.

Pooling reads the kh·kw strided slices ``x[:, :, i::s, j::s]`` of the input (one per
kernel offset) and reduces them elementwise: no window copies, any memory layout (it
runs on conv2d's channel-major output without a copy). Max-pool's backward scatters g
to the argmax positions; avg-pool's is a transposed average.

Second derivatives: every op here declares ``expand(ctx)``, its forward from primitive
gates (``_expand.py``); a ``create_graph`` pass differentiates that, so the numpy
backwards below serve plain passes only.
"""
from __future__ import annotations

import numpy as np

from ...ops.base import Ctx, Op
from ...ops.arithmetic import all_finite
from . import _expand as E
from ._parallel import run_parts
from .conv import pad4, pool_out_size, two, unit_height


# ---------------------------------------------------------------- pooling helpers
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


class PoolGeom:
    """Where the windows of a pooling lie: kernel, stride, padding, dilation (pairs), the
    output size, and the extra right/bottom padding that ceil_mode's partial windows need."""

    __slots__ = ("k", "s", "p", "d", "ho", "wo", "bottom", "right")

    def __init__(self, x_shape, kernel, stride, padding, dilation=1, ceil_mode=False):
        self.k, self.s, self.p, self.d = two(kernel), two(stride), two(padding), two(dilation)
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = self.k, self.s, self.p, self.d
        h, w = x_shape[2], x_shape[3]
        self.ho = pool_out_size(h, kh, sh, ph, dh, ceil_mode)
        self.wo = pool_out_size(w, kw, sw, pw, dw, ceil_mode)
        # padded rows the windows reach: ph above, and below whatever the last window needs
        self.bottom = max(0, (self.ho - 1) * sh + dh * (kh - 1) + 1 - h - ph)
        self.right = max(0, (self.wo - 1) * sw + dw * (kw - 1) + 1 - w - pw)

    def pad(self, x, fill=0.0):
        return pad4(x, self.p[0], self.bottom, self.p[1], self.right, fill)

    def crop(self, xp, h, w):
        if xp.shape[2] == h and xp.shape[3] == w:
            return xp
        return xp[:, :, self.p[0]:self.p[0] + h, self.p[1]:self.p[1] + w]

    def windows(self, x):
        """The kh·kw strided slices of padded x, one per kernel offset (views, no copies)."""
        (kh, kw), (sh, sw), (dh, dw) = self.k, self.s, self.d
        he, we = sh * (self.ho - 1) + 1, sw * (self.wo - 1) + 1
        return [x[:, :, i * dh:i * dh + he:sh, j * dw:j * dw + we:sw] for i in range(kh) for j in range(kw)]

    def disjoint(self) -> bool:
        """No input cell lies in two windows (so each gets at most one gradient)."""
        (kh, kw), (sh, sw), (dh, dw) = self.k, self.s, self.d
        return sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1


def pool_attrs(attrs) -> dict:
    """A pooling node's attributes with the defaults filled in (``gg.apply`` may give few)."""
    k = attrs["kernel_size"]
    return dict(kernel_size=k, stride=attrs.get("stride") or k, padding=attrs.get("padding", 0),
                dilation=attrs.get("dilation", 1), ceil_mode=bool(attrs.get("ceil_mode", False)))


def _pool_label(kind, attrs):
    (kh, kw), s = two(attrs["kernel_size"]), two(attrs.get("stride") or attrs["kernel_size"])
    text = f"{kind} {kh}×{kw}"
    if s != (kh, kw):
        text += f"/{s[0]}" if s[0] == s[1] else f"/{s[0]}×{s[1]}"
    return text


# ---------------------------------------------------------------- max pooling
class MaxPool2d(Op):
    """Max over kh×kw windows; the gradient goes to the first maximum of each window."""

    name, symbol = "max_pool2d", "maxpool"
    formulas = ("dL/dx = upstream routed to each window's (first) max, 0 elsewhere",)

    def forward(self, x, *, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        return self.run(x, kernel_size, stride or kernel_size, padding, dilation, ceil_mode)

    def run(self, x, k, s, p, dilation=1, ceil_mode=False):
        geo = PoolGeom(x.shape, k, s, p, dilation, ceil_mode)
        # (x.reshape(n, c, ho, k, wo, k).max(axis=(3, 5)) looks neater but numpy reduces
        # small strided axes ~30× slower than these k² elementwise maxima.)
        q = geo.windows(geo.pad(x, fill=-np.inf))
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
        at = pool_attrs(ctx.attrs)
        geo = PoolGeom(x.shape, at["kernel_size"], at["stride"], at["padding"], at["dilation"], at["ceil_mode"])
        # NaN or ±inf in some window, or in the upstream (whose 0·inf must be 0 off the max,
        # as torch's scatter, not the mask multiply's nan): PyTorch's rule, slowly
        if not (np.isfinite(ctx.out.sum()) and all_finite(g)):
            index, valid = argmax_index(x, geo)
            return (maxpool_scatter(g, index, valid, x.shape),)
        return (self._scatter(x, g, ctx.out, geo),)

    def expand(self, ctx):
        x = ctx.inputs[0]
        at = pool_attrs(ctx.attrs)
        geo = PoolGeom(x.shape, at["kernel_size"], at["stride"], at["padding"], at["dilation"], at["ceil_mode"])
        return E.max_pool(x, *argmax_index(x.data, geo))

    @staticmethod
    def _scatter(x, g, pooled, geo):
        """The raw backward: one mask pass per kernel offset, blockwise, in pooled's layout."""
        g = _like(np.asarray(g, dtype=x.dtype), pooled)
        xp = geo.pad(x, fill=-np.inf)
        (kh, kw), (sh, sw) = geo.k, geo.s
        # windows that tile the input exactly write every entry of dx: no zero fill needed
        tiles = (geo.k == geo.s and geo.d == (1, 1) and xp is x
                 and x.shape[2] == kh * geo.ho and x.shape[3] == kw * geo.wo)
        dxp = np.empty_like(xp) if tiles else np.zeros_like(xp)   # *_like keeps x's layout
        q = geo.windows(xp)
        dq = geo.windows(dxp)
        taken = np.empty_like(pooled, dtype=bool)     # all in pooled's layout
        hit = np.empty_like(pooled, dtype=bool)
        overlap = not geo.disjoint()
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
        return geo.crop(dxp, x.shape[2], x.shape[3])

    def label(self, attrs):
        return _pool_label("maxpool", attrs)


def argmax_index(x, geo):
    """Flat indices into x of each window's maximum, and a mask of the windows that have
    one (None when all do; a window of only padding has none), by PyTorch's rule: the
    first of tied maxima, the last NaN, and padding never (an all -inf window picks its
    first real cell)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = geo.k, geo.s, geo.d, geo.p
    q = geo.windows(geo.pad(x, fill=-np.inf))
    ho, wo = geo.ho, geo.wo
    rows = np.arange(ho)[:, None] * sh - ph           # each window's top-left corner in x
    cols = np.arange(wo)[None, :] * sw - pw
    best = np.full(q[0].shape, -np.inf, dtype=x.dtype)
    pick = np.full(q[0].shape, -1, dtype=np.intp)     # the kernel offset chosen, -1: none yet
    for t, qt in enumerate(q):
        r, cc = rows + (t // kw) * dh, cols + (t % kw) * dw
        real = (r >= 0) & (r < h) & (cc >= 0) & (cc < w)     # (Ho, Wo): not a padding cell
        if not real.any():
            continue
        take = real & ((qt > best) | np.isnan(qt) | (pick < 0))
        np.copyto(best, qt, where=take)
        np.copyto(pick, t, where=take)
    valid = pick >= 0
    t = np.maximum(pick, 0)
    r = np.clip(rows + (t // kw) * dh, 0, h - 1)
    cc = np.clip(cols + (t % kw) * dw, 0, w - 1)
    plane = (np.arange(n)[:, None, None, None] * c + np.arange(c)[None, :, None, None]) * (h * w)
    return plane + r * w + cc, (None if valid.all() else valid)


def maxpool_scatter(g, index, valid, x_shape):
    """max-pool's backward on raw data: upstream g (N, C, Ho, Wo) added at the argmax
    positions ``index`` of a (N, C, H, W) zero image (windows not ``valid`` send nothing)."""
    gw = g if valid is None else np.where(valid, g, 0)
    flat = np.bincount(index.ravel(), weights=gw.ravel(), minlength=int(np.prod(x_shape)))
    return flat.astype(g.dtype, copy=False).reshape(x_shape)


# ---------------------------------------------------------------- average pooling
def avg_divisor(geo, h, w, count_include_pad=True, divisor_override=None):
    """What each window's sum is divided by: a number, or an (Ho, Wo) array where windows
    differ (padding left out, or ceil_mode's partial windows), as PyTorch counts them."""
    if divisor_override:
        return float(divisor_override)
    (kh, kw), (sh, sw), (ph, pw) = geo.k, geo.s, geo.p

    def counts(o, k, s, p, n):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)            # padding counts, ceil_mode's overhang does not
        if not count_include_pad:
            return np.minimum(end, n) - np.maximum(start, 0)
        return end - start
    ch, cw = counts(geo.ho, kh, sh, ph, h), counts(geo.wo, kw, sw, pw, w)
    if (ch == kh).all() and (cw == kw).all():
        return float(kh * kw)
    return (ch[:, None] * cw[None, :]).astype(np.float64)


def _scale(a, div, dtype):
    """a / div in a's dtype (div a number or an (Ho, Wo) array)."""
    if div.__class__ is float:
        return a * dtype.type(1.0 / div)
    return a * (1.0 / div).astype(dtype)


def avg_attrs(attrs) -> dict:
    k = attrs["kernel_size"]
    return dict(kernel_size=k, stride=attrs.get("stride") or k, padding=attrs.get("padding", 0),
                ceil_mode=bool(attrs.get("ceil_mode", False)),
                count_include_pad=bool(attrs.get("count_include_pad", True)),
                divisor_override=attrs.get("divisor_override"))


class AvgPool2d(Op):
    """Mean over kh×kw windows (zero padding counts in the mean, as PyTorch's default)."""

    name, symbol = "avg_pool2d", "avgpool"
    formulas = ("dL/dx = upstream / k² spread over each window",)

    def forward(self, x, *, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                divisor_override=None):
        return self.run(x, kernel_size, stride or kernel_size, padding, ceil_mode, count_include_pad,
                        divisor_override)

    def run(self, x, k, s, p, ceil_mode=False, count_include_pad=True, divisor_override=None):
        geo = PoolGeom(x.shape, k, s, p, 1, ceil_mode)
        q = geo.windows(geo.pad(x))
        out = q[0].copy()
        for qi in q[1:]:
            out += qi
        div = avg_divisor(geo, x.shape[2], x.shape[3], count_include_pad, divisor_override)
        if div.__class__ is float:
            out *= x.dtype.type(1.0 / div)
        else:
            out *= (1.0 / div).astype(x.dtype)
        return out, None

    def backward(self, ctx, g):
        at = avg_attrs(ctx.attrs)
        return (avg_pool_grad_data(g, ctx.inputs[0].shape, ctx.inputs[0].dtype, **at),)

    def expand(self, ctx):
        x = ctx.inputs[0]
        at = avg_attrs(ctx.attrs)
        geo = PoolGeom(x.shape, at["kernel_size"], at["stride"], at["padding"], 1, at["ceil_mode"])
        div = avg_divisor(geo, x.shape[2], x.shape[3], at["count_include_pad"], at["divisor_override"])
        return E.avg_pool(x, geo, div)

    def label(self, attrs):
        return _pool_label("avgpool", attrs)


def avg_pool_grad_data(g, x_shape, dtype, *, kernel_size, stride=None, padding=0, ceil_mode=False,
                       count_include_pad=True, divisor_override=None):
    """avg-pool's backward on raw data (a transposed average): each window's upstream,
    divided by its count, spread back over the window."""
    dtype = np.dtype(dtype)
    geo = PoolGeom(x_shape, kernel_size, stride or kernel_size, padding, 1, ceil_mode)
    n, c, h, w = x_shape
    dxp = np.zeros((n, c, h + geo.p[0] + geo.bottom, w + geo.p[1] + geo.right), dtype=dtype)
    gk = _scale(np.asarray(g, dtype=dtype), avg_divisor(geo, h, w, count_include_pad, divisor_override), dtype)
    for di in geo.windows(dxp):
        di += gk
    return geo.crop(dxp, h, w)


MAXPOOL2D, AVGPOOL2D = MaxPool2d(), AvgPool2d()


# ---------------------------------------------------------------- 1-D pooling
def _attrs_2d(attrs) -> dict:
    """A 1-D pooling node's attributes as the 2-D op's, over a unit height axis."""
    at = dict(attrs)
    k = int(at["kernel_size"])
    at["kernel_size"] = (1, k)
    at["stride"] = (1, int(at.get("stride") or k))
    at["padding"] = (0, int(at.get("padding", 0)))
    if "dilation" in at:
        at["dilation"] = (1, int(at["dilation"]))
    return at


class _Pool1d(Op):
    """A 1-D pooling node: the 2-D op on (N, C, 1, L), one gate of its own in diagrams."""

    base: Op = None

    def forward(self, x, **attrs):
        out, saved = self.base.forward(unit_height(x), **_attrs_2d(attrs))
        return out[:, :, 0, :], saved

    def backward(self, ctx, g):
        x = ctx.inputs[0]
        # (the raw max-pool backward compares with the output)
        sub = Ctx((unit_height(x),), ctx.saved, _attrs_2d(ctx.attrs), unit_height(ctx.out), ctx.needs_grad)
        (dx,) = self.base.backward(sub, unit_height(g))
        return (dx.reshape(x.shape),)

    def expand(self, ctx):
        x = ctx.inputs[0]
        out = self.base.expand(Ctx((unit_height(x),), ctx.saved, _attrs_2d(ctx.attrs), None, ctx.needs_grad))
        return out.reshape(out.shape[0], out.shape[1], out.shape[3])

    def label(self, attrs):
        k, s = int(attrs["kernel_size"]), int(attrs.get("stride") or attrs["kernel_size"])
        return f"{self.symbol} {k}" + (f"/{s}" if s != k else "")


class MaxPool1d(_Pool1d):
    """Max over windows of (N, C, L); the gradient goes to each window's first maximum."""

    name, symbol = "max_pool1d", "maxpool"
    formulas = MaxPool2d.formulas
    base = MAXPOOL2D


class AvgPool1d(_Pool1d):
    """Mean over windows of (N, C, L) (zero padding counts, as PyTorch's default)."""

    name, symbol = "avg_pool1d", "avgpool"
    formulas = AvgPool2d.formulas
    base = AVGPOOL2D


MAXPOOL1D, AVGPOOL1D = MaxPool1d(), AvgPool1d()

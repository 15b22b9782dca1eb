"""Convolution as functions (re-exported by ``graphgrad.nn.functional``; pooling: ``pool.py``).

Signatures follow ``torch.nn.functional``: ``conv2d(x, w, b, stride, padding, dilation,
groups)``, ``conv1d``, ``conv_transpose2d(x, w, b, stride, padding, output_padding, groups,
dilation)``, ``max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode)``,
``avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
divisor_override)`` and their 1-D forms. Sizes are ints or pairs. Each checks its
arguments here and records one fused node (ops in ``nn/ops/conv.py``).
"""
from __future__ import annotations

import numpy as np

from ...errors import ShapeError
from ...ops.base import data_of
from ...value import Value, as_value, record_node
from ..ops import _expand as E, conv as C
from ._node import needs_grad, use_expanded


def ints(v, n: int, name: str, where: str, low: int) -> tuple:
    """``v`` (an int, or a tuple/list of ``n`` ints) as a tuple of ``n`` ints >= ``low``."""
    if v.__class__ is int and v >= low:      # the common case, kept cheap (conv2d is called per step)
        return (v,) * n
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise ValueError(f"{where}: {name} must be an int or {n} ints, got {v!r}")
        vals = tuple(v)
    else:
        vals = (v,) * n
    for a in vals:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{where}: {name} must be an int or a tuple of {n} ints, got {v!r}")
    if any(a < low for a in vals):
        what = "a positive integer" if low == 1 else f"an integer >= {low}"
        raise ValueError(f"{where}: {name} must be {what}" + (" in each place" if vals != (v,) * n else "")
                         + f", got {v!r}")
    return tuple(int(a) for a in vals)


def _groups(groups, where):
    if groups.__class__ is int and groups >= 1:
        return groups
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{where}: groups must be a positive integer, got {groups!r}")
    return int(groups)


def layout_text(d: int) -> str:
    """The input layout of a ``d``-dimensional conv or pooling, for error messages.

    >>> layout_text(1), layout_text(2)
    ('(N, C, L)', '(N, C, H, W)')
    """
    return "(N, C, L)" if d == 1 else "(N, C, H, W)"


def sizes_text(t) -> str:
    """Sizes as an error message writes them. ``sizes_text((3, 3)) == "3×3"``

    >>> sizes_text((2, 3))
    '2×3'
    """
    return "×".join(str(a) for a in t)


def _check_conv(x, w, b, stride, padding, dilation, groups, where, d):
    """Validated (stride, padding, dilation, groups) tuples of a d-dimensional conv."""
    if x.ndim != d + 2 or w.ndim != d + 2:
        wdims = "(F, C, K)" if d == 1 else "(F, C, KH, KW)"
        raise ShapeError(f"{where}: input must be {d + 2}-D {layout_text(d)} and weight {d + 2}-D {wdims}; "
                         f"got input {x.shape} and weight {w.shape}")
    stride = ints(stride, d, "stride", where, 1)
    padding = ints(padding, d, "padding", where, 0)
    dilation = ints(dilation, d, "dilation", where, 1)
    groups = _groups(groups, where)
    c, f = x.shape[1], w.shape[0]
    if c % groups or f % groups:
        raise ShapeError(f"{where}: groups={groups} must divide both the input's {c} channels and the "
                         f"weight's {f} filters (input {x.shape}, weight {w.shape})")
    if c != w.shape[1] * groups:
        per = f" ({w.shape[1]} per group × groups={groups})" if groups > 1 else ""
        raise ShapeError(f"{where}: input {x.shape} has {c} channels but weight {w.shape} "
                         f"expects {w.shape[1] * groups}{per}")
    if b is not None and b.shape != (f,):
        raise ShapeError(f"{where}: bias must have shape ({f},) for weight {w.shape}, got {b.shape}")
    k = w.shape[2:]
    fits = True
    for kk, dl, n, p in zip(k, dilation, x.shape[2:], padding):
        fits = fits and dl * (kk - 1) + 1 <= n + 2 * p
    if not fits:
        span = tuple([dl * (kk - 1) + 1 for kk, dl in zip(k, dilation)])
        padded = tuple([n + 2 * p for n, p in zip(x.shape[2:], padding)])
        spans = f" (spanning {sizes_text(span)} with dilation {dilation})" if span != k else ""
        raise ShapeError(f"{where}: kernel {sizes_text(k)}{spans} is larger than the padded input "
                         f"({sizes_text(padded)}) for input {x.shape}; use a smaller kernel or more padding")
    if x.dtype != w.dtype:
        raise TypeError(f"{where}: input dtype {x.dtype} and weight dtype {w.dtype} differ; cast one "
                        "with .astype")
    return stride, padding, dilation, groups


def _values(x, weight, bias):
    return as_value(x), as_value(weight), (None if bias is None else as_value(bias))


# ---------------------------------------------------------------- conv
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1,
           expand: bool | None = None) -> Value:
    """2-D cross-correlation of ``x`` (N, C, H, W) with ``weight`` (F, C/groups, KH, KW) plus
    ``bias`` (F,), as ``torch.nn.functional.conv2d``. stride, padding and dilation are ints
    or (h, w) pairs; ``groups`` splits the channels into that many independent convolutions.

    Fused: im2col + one GEMM per group, a single node. ``expand=True``: the same product
    built from primitive gates (pad, one slice per kernel offset, stack, reshape, @, +) in
    group "conv2d".

    >>> conv2d(gg.Value(np.ones((1, 3, 5, 5))), gg.Value(np.ones((2, 3, 3, 3))), padding=1).shape
    (1, 2, 5, 5)
    >>> conv2d(gg.Value(np.ones((1, 4, 5, 5))), gg.Value(np.ones((2, 2, 3, 1))), groups=2).shape
    (1, 2, 3, 5)
    """
    x, w, b = _values(x, weight, bias)
    stride, padding, dilation, groups = _check_conv(x, w, b, stride, padding, dilation, groups, "conv2d", 2)
    kh, kw = w.shape[2:]
    if use_expanded(expand):
        return E.conv2d(x, w, b, stride, padding, dilation, groups, "conv2d")
    inputs = (x, w) if b is None else (x, w, b)
    need = needs_grad(*inputs)
    data, saved = C.CONV2D.run(data_of(x), data_of(w), None if b is None else data_of(b), stride, padding,
                               need and w.requires_grad, dilation, groups)
    return record_node(C.CONV2D, inputs, data, saved if need else None,
                  {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
                   "kernel": f"{kh}×{kw}"})


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1,
           expand: bool | None = None) -> Value:
    """1-D cross-correlation of ``x`` (N, C, L) with ``weight`` (F, C/groups, K) plus ``bias``
    (F,), as ``torch.nn.functional.conv1d``: one ``conv1d`` node (conv2d's im2col on a unit
    height axis). ``expand=True`` builds it from primitive gates in group "conv1d".

    >>> conv1d(gg.Value(np.ones((2, 3, 10))), gg.Value(np.ones((4, 3, 3))), stride=2).shape
    (2, 4, 4)
    """
    x, w, b = _values(x, weight, bias)
    (s,), (p,), (dl,), groups = _check_conv(x, w, b, stride, padding, dilation, groups, "conv1d", 1)
    if use_expanded(expand):
        return E.conv1d(x, w, b, s, p, dl, groups, "conv1d")
    inputs = (x, w) if b is None else (x, w, b)
    need = needs_grad(*inputs)
    data, saved = C.CONV1D.run(data_of(x), data_of(w), None if b is None else data_of(b), s, p,
                               need and w.requires_grad, dl, groups)
    return record_node(C.CONV1D, inputs, data, saved if need else None,
                  {"stride": s, "padding": p, "dilation": dl, "groups": groups, "kernel": f"{w.shape[2]}"})


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Value:
    """Transposed convolution ("deconvolution") of ``x`` (N, C_in, H, W) with ``weight``
    (C_in, C_out/groups, KH, KW), as ``torch.nn.functional.conv_transpose2d``: the gradient
    of conv2d with respect to its input, so ``stride`` upsamples. Output size
    ``(H - 1)·stride - 2·padding + dilation·(KH - 1) + output_padding + 1``.

    >>> conv_transpose2d(gg.Value(np.ones((1, 4, 3, 3))), gg.Value(np.ones((4, 2, 3, 3))), stride=2).shape
    (1, 2, 7, 7)
    """
    where = "conv_transpose2d"
    x, w, b = _values(x, weight, bias)
    if x.ndim != 4 or w.ndim != 4:
        raise ShapeError(f"{where}: input must be 4-D (N, C_in, H, W) and weight 4-D (C_in, C_out/groups, "
                         f"KH, KW); got input {x.shape} and weight {w.shape}")
    stride = ints(stride, 2, "stride", where, 1)
    padding = ints(padding, 2, "padding", where, 0)
    output_padding = ints(output_padding, 2, "output_padding", where, 0)
    dilation = ints(dilation, 2, "dilation", where, 1)
    groups = _groups(groups, where)
    cin = x.shape[1]
    if cin != w.shape[0]:
        raise ShapeError(f"{where}: input {x.shape} has {cin} channels but weight {w.shape} expects "
                         f"{w.shape[0]} (the weight is (C_in, C_out/groups, KH, KW))")
    if cin % groups:
        raise ShapeError(f"{where}: groups={groups} must divide the input's {cin} channels (input {x.shape})")
    f = w.shape[1] * groups
    if b is not None and b.shape != (f,):
        raise ShapeError(f"{where}: bias must have shape ({f},) for weight {w.shape} and groups={groups}, "
                         f"got {b.shape}")
    for o, s, dl in zip(output_padding, stride, dilation):
        if o >= s and o >= dl:
            raise ValueError(f"{where}: output_padding {output_padding} must be smaller than the stride "
                             f"{stride} or the dilation {dilation} (it only picks among the sizes a "
                             "strided conv maps to one)")
    kh, kw = w.shape[2:]
    size = tuple(C.transpose_out_size(n, k, s, p, dl, o) for n, k, s, p, dl, o in
                 zip(x.shape[2:], (kh, kw), stride, padding, dilation, output_padding))
    if min(size) < 1:
        raise ShapeError(f"{where}: padding {padding} leaves an empty output ({sizes_text(size)}) for input "
                         f"{x.shape} and kernel {kh}×{kw}; use less padding")
    if x.dtype != w.dtype:
        raise TypeError(f"{where}: input dtype {x.dtype} and weight dtype {w.dtype} differ; cast one with .astype")
    inputs = (x, w) if b is None else (x, w, b)
    attrs = {"stride": stride, "padding": padding, "output_padding": output_padding, "dilation": dilation,
             "groups": groups, "kernel": f"{kh}×{kw}"}
    data, _ = C.CONV_TRANSPOSE2D.forward(data_of(x), data_of(w), None if b is None else data_of(b), **attrs)
    return record_node(C.CONV_TRANSPOSE2D, inputs, data, None, attrs)

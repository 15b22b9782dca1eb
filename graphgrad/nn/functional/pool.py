"""Pooling as functions (re-exported by ``graphgrad.nn.functional``).

Signatures follow ``torch.nn.functional``: ``max_pool2d(x, kernel_size, stride, padding,
dilation, ceil_mode)``, ``avg_pool2d(x, kernel_size, stride, padding, ceil_mode,
count_include_pad, divisor_override)`` and their 1-D forms. Sizes are ints or pairs. Each
checks its arguments here and records one fused node (ops in ``nn/ops/pool.py``).
"""
from __future__ import annotations

import numpy as np

from ...errors import ShapeError
from ...ops.base import data_of
from ...value import Value, as_value, record_node
from ..ops import conv as C, pool as P
from .conv import ints, layout_text, sizes_text


# ---------------------------------------------------------------- pooling
def _pool_args(x, kernel_size, stride, padding, dilation, ceil_mode, where, d, avg=False):
    x = as_value(x)
    if x.ndim != d + 2:
        raise ShapeError(f"{where}: input must be {d + 2}-D {layout_text(d)}, got shape {x.shape}")
    k = ints(kernel_size, d, "kernel_size", where, 1)
    s = k if stride is None else ints(stride, d, "stride", where, 1)
    p = ints(padding, d, "padding", where, 0)
    dl = ints(dilation, d, "dilation", where, 1)
    span = tuple(di * (ki - 1) + 1 for ki, di in zip(k, dl))
    limit = k if avg else span
    if any(pi > li // 2 for pi, li in zip(p, limit)):
        raise ValueError(f"{where}: padding {p} must be at most half the kernel size {k}"
                         + ("" if avg or span == k else f" (spanning {span} with dilation {dl})"))
    sizes = [C.pool_out_size(n, ki, si, pi, di, bool(ceil_mode))
             for n, ki, si, pi, di in zip(x.shape[2:], k, s, p, dl)]
    if min(sizes) < 1:
        raise ShapeError(f"{where}: a {sizes_text(span)} window does not fit the input {x.shape} (padding {p})")
    return x, k, s, p, dl


def refuse_indices(return_indices, where):
    """Refuse ``return_indices=True`` (not supported) with one ValueError naming ``where``.

    >>> refuse_indices(False, "max_pool2d")      # the default: fine
    """
    if return_indices:
        raise ValueError(f"{where}: return_indices=True is not supported; the gradient already goes to "
                         "each window's max")


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False) -> Value:
    """Max over kh×kw windows (stride defaults to the kernel), as
    ``torch.nn.functional.max_pool2d``: padding counts as -inf, ``ceil_mode`` keeps a last
    partial window. The gradient goes to each window's (first) max.

    >>> max_pool2d(gg.Value(np.arange(16.).reshape(1, 1, 4, 4)), 2).numpy().ravel()
    array([ 5.,  7., 13., 15.])
    """
    refuse_indices(return_indices, "max_pool2d")
    x, k, s, p, dl = _pool_args(x, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d", 2)
    data, _ = P.MAXPOOL2D.run(data_of(x), k, s, p, dl, bool(ceil_mode))
    return record_node(P.MAXPOOL2D, (x,), data, None,
                  {"kernel_size": k, "stride": s, "padding": p, "dilation": dl, "ceil_mode": bool(ceil_mode)})


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override=None) -> Value:
    """Mean over kh×kw windows (stride defaults to the kernel), as
    ``torch.nn.functional.avg_pool2d``: zero padding counts in the mean unless
    ``count_include_pad=False``; ``divisor_override`` divides every sum by that number.

    >>> avg_pool2d(gg.Value(np.arange(16.).reshape(1, 1, 4, 4)), 2).numpy().ravel()
    array([ 2.5,  4.5, 10.5, 12.5])
    """
    x, k, s, p, _ = _pool_args(x, kernel_size, stride, padding, 1, ceil_mode, "avg_pool2d", 2, avg=True)
    div = check_divisor(divisor_override, "avg_pool2d")
    at = {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": bool(ceil_mode),
          "count_include_pad": bool(count_include_pad), "divisor_override": div}
    data, _ = P.AVGPOOL2D.forward(data_of(x), **at)
    return record_node(P.AVGPOOL2D, (x,), data, None, at)


def check_divisor(v, where):
    """``divisor_override`` checked: None or a positive integer (else a ValueError naming ``where``).

    >>> check_divisor(None, "avg_pool2d"), check_divisor(4, "avg_pool2d")
    (None, 4)
    """
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{where}: divisor_override must be a positive integer or None, got {v!r}")
    return int(v)


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False) -> Value:
    """Max over windows of ``x`` (N, C, L), as ``torch.nn.functional.max_pool1d``.

    >>> max_pool1d(gg.Value(np.array([[[1., 3., 2., 0.]]])), 2).numpy()
    array([[[3., 2.]]])
    """
    refuse_indices(return_indices, "max_pool1d")
    x, (k,), (s,), (p,), (dl,) = _pool_args(x, kernel_size, stride, padding, dilation, ceil_mode,
                                            "max_pool1d", 1)
    at = {"kernel_size": k, "stride": s, "padding": p, "dilation": dl, "ceil_mode": bool(ceil_mode)}
    data, _ = P.MAXPOOL1D.forward(data_of(x), **at)
    return record_node(P.MAXPOOL1D, (x,), data, None, at)


def avg_pool1d(x, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Value:
    """Mean over windows of ``x`` (N, C, L), as ``torch.nn.functional.avg_pool1d``.

    >>> avg_pool1d(gg.Value(np.array([[[1., 3., 2., 0.]]])), 2).numpy()
    array([[[2., 1.]]])
    """
    x, (k,), (s,), (p,), _ = _pool_args(x, kernel_size, stride, padding, 1, ceil_mode, "avg_pool1d", 1,
                                        avg=True)
    at = {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": bool(ceil_mode),
          "count_include_pad": bool(count_include_pad)}
    data, _ = P.AVGPOOL1D.forward(data_of(x), **at)
    return record_node(P.AVGPOOL1D, (x,), data, None, at)

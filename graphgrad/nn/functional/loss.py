"""Classification and binary losses as functions, with PyTorch's names, arguments and
defaults (re-exported by ``graphgrad.nn.functional``).

* :func:`cross_entropy`: raw scores, class indices or class probabilities, ``weight``,
  ``ignore_index``, ``label_smoothing``, ``reduction`` "none" | "mean" | "sum".
* :func:`nll_loss`: log-probabilities and class indices (``weight``, ``ignore_index``).
* :func:`binary_cross_entropy` (probabilities) and
  :func:`binary_cross_entropy_with_logits` (raw scores; ``pos_weight``).

Classes are on axis 1: inputs (C,), (N, C) or (N, C, d1, d2, ...) with targets (), (N,)
or (N, d1, d2, ...). With ``reduction="mean"`` the sum is divided by the summed weights
of the targets that are not ignored (N·d1·... without weights); if every target is
ignored that is 0/0 and the loss is nan, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from ...autograd import group
from ..._params import number
from ...errors import ShapeError
from ...ops.base import data_of
from ...value import Value, as_value, record_node
from ..ops import loss as _ops_loss
from ._node import needs_grad, use_expanded

_CE, _NLL = _ops_loss.SoftmaxCrossEntropy(), _ops_loss.NLLLoss()
_BCE, _BCE_LOGITS = _ops_loss.BinaryCrossEntropy(), _ops_loss.BinaryCrossEntropyWithLogits()
REDUCTIONS = ("none", "mean", "sum")


# ---------------------------------------------------------------- argument checks
def check_reduction(reduction, where: str) -> str:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{where}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    return reduction


def _float_input(x, where: str, what: str = "input") -> Value:
    x = as_value(x)
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: {what} must be floating point, got dtype {x.dtype}")
    return x


def _class_input(x, where: str):
    """The scores / log-probabilities and their number of classes (axis 1, or axis 0 for (C,))."""
    x = _float_input(x, where)
    if x.ndim == 0:
        raise ShapeError(f"{where}: input must be (C,), (N, C) or (N, C, d1, ...) with the classes on "
                         "axis 1, got a 0-d value")
    c = x.shape[0] if x.ndim == 1 else x.shape[1]
    if c == 0:
        raise ShapeError(f"{where}: input of shape {x.shape} has no classes (axis {0 if x.ndim == 1 else 1})")
    return x, c


def constant_weights(a, where: str, name: str, dtype):
    """A weight array as a float constant of ``dtype`` (a Value that needs a gradient is refused:
    no gradient flows to the weights, as in PyTorch); ``where`` and ``name`` go into the errors.

    >>> constant_weights([1, 2], "cross_entropy", "weight", np.float32)
    array([1., 2.], dtype=float32)
    """
    if a is None:
        return None
    if isinstance(a, str):
        raise TypeError(f"{where}: {name} must be an array of numbers, got the string {a!r}; "
                        "pass reduction= and the other options by keyword")
    if isinstance(a, Value):
        if a.requires_grad:
            raise ValueError(f"{where}: {name} is a constant of the loss (no gradient flows to it); "
                             f"pass {name}.detach()")
        a = a.data
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{where}: {name} must be an array of numbers, got {type(a).__name__}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where}: {name} holds nan or inf")
    return arr.astype(dtype)


def _class_weight(weight, c, dtype, where):
    w = constant_weights(weight, where, "weight", dtype)
    if w is not None and w.shape != (c,):
        raise ShapeError(f"{where}: weight must have one entry per class, shape ({c},), got {w.shape}")
    return w


def class_targets(target, shape: tuple, c: int, ignore_index: int, where: str):
    """Class indices for an input of ``shape``, flattened to one per row, and the mask of the
    rows that are not ``ignore_index``. Refuses a wrong shape or dtype and out-of-range classes."""
    y = np.asarray(target.data if isinstance(target, Value) else target)
    if y.dtype.kind == "f":
        if not np.all(y == np.floor(y)):
            raise TypeError(f"{where}: target must hold integer class indices, got non-integers "
                            f"(probabilities need a target of the input's shape {shape})")
    elif y.dtype.kind not in "iu":
        raise TypeError(f"{where}: target must be integer class indices, got dtype {y.dtype}")
    want = _ops_loss.out_shape(shape)
    if y.shape != want:
        raise ShapeError(f"{where}: input of shape {shape} needs a target of class indices of shape {want} "
                         f"(or of probabilities of shape {shape}), got {y.shape}")
    y = y.astype(np.intp).reshape(-1)
    valid = y != ignore_index
    bad = valid & ((y < 0) | (y >= c))
    if bad.any():
        v = int(y[np.argmax(bad)])
        raise ValueError(f"{where}: target holds class {v}, outside [0, {c}) for input with {c} classes "
                         f"(ignore_index is {ignore_index})")
    return y, valid


def _ignore_index(ignore_index, where):
    if isinstance(ignore_index, (bool, np.bool_)) or not isinstance(ignore_index, (int, np.integer)):
        raise TypeError(f"{where}: ignore_index must be an int, got {ignore_index!r}")
    return int(ignore_index)


def _row_weights(y, valid, w, dtype):
    """Labels with ignored rows pointed at class 0, and each row's weight (0 if ignored)."""
    yv = np.where(valid, y, 0)
    wy = (w[yv] if w is not None else np.ones(len(y), dtype)) * valid
    return yv, wy.astype(dtype, copy=False)


# ---------------------------------------------------------------- cross-entropy
def cross_entropy(input, target, weight=None, *, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0, expand: bool | None = None) -> Value:
    """Softmax cross-entropy of raw scores ``input`` (classes on axis 1) against class indices
    (shape of the input without axis 1) or class probabilities (the input's shape).

    The plain case (N, C) with labels is cs231n's fused node, dL/ds = (softmax - onehot)/N;
    every option keeps one node. ``expand=True`` builds the lecture's primitive gates
    (shift → exp → sum → log → pick → mean) in group "softmax_cross_entropy".
    ``label_smoothing`` ε mixes the target with the uniform distribution: (1-ε)·target + ε/C.
    With ``reduction="mean"`` and ``weight`` the sum is divided by Σ weight[target] over the
    targets that are not ``ignore_index`` (nan when all are ignored, as in PyTorch).

    >>> s = gg.Value(np.array([[3.2, 5.1, -1.7]]), requires_grad=True)
    >>> round(cross_entropy(s, [0]).item(), 4)
    2.0404
    >>> round(cross_entropy(s, [0], label_smoothing=0.1).item(), 4)
    2.1404
    """
    where = "cross_entropy"
    s, c = _class_input(input, where)
    check_reduction(reduction, where)
    ignore_index = _ignore_index(ignore_index, where)
    eps = number(label_smoothing, where, "label_smoothing")
    if not 0.0 <= eps <= 1.0:
        raise ValueError(f"{where}: label_smoothing must be in [0, 1], got {label_smoothing}")
    w = _class_weight(weight, c, s.dtype, where)
    expand = use_expanded(expand)
    t_shape = target.shape if isinstance(target, Value) else np.shape(target)
    if len(t_shape) == s.ndim:                       # probabilities, one row per position
        return _soft_cross_entropy(s, target, c, w, eps, reduction, expand)
    y, valid = class_targets(target, s.shape, c, ignore_index, where)
    if w is None and eps == 0.0 and s.ndim == 2 and reduction != "none" and y.size and valid.all():
        return _plain_cross_entropy(s, y, reduction, expand)
    yv, wy = _row_weights(y, valid, w, s.dtype)
    q = np.zeros((len(y), c), dtype=s.dtype)         # the class coefficients of each row
    q[np.arange(len(y)), yv] = (1.0 - eps) * wy
    if eps:
        q += (eps / c) * (w if w is not None else 1.0) * valid[:, None].astype(s.dtype)
    denom = np.float64(wy.sum(dtype=np.float64))
    return _ce_node(s, q, denom, reduction, expand, eps, w, ignore_index if not valid.all() else None)


def _plain_cross_entropy(s, y, reduction, expand):
    """(N, C) scores, labels, no options: the lecture's node (or its gates), as always."""
    n = s.shape[0]
    if expand:
        with group("softmax_cross_entropy"):
            shifted = s - Value(data_of(s).max(axis=1, keepdims=True), name="max")
            logz = shifted.exp().sum(axis=1).log()
            picked = shifted[np.arange(n), y]
            per = logz - picked
            return per.mean() if reduction == "mean" else per.sum()
    data, saved = _CE.run(data_of(s), y, reduction)
    return record_node(_CE, (s,), data, saved if needs_grad(s) else None, {"reduction": reduction})


def _soft_cross_entropy(s, target, c, w, eps, reduction, expand):
    where = "cross_entropy"
    t = target if isinstance(target, Value) else None
    if t is None:
        t_arr = np.asarray(target)
        if t_arr.dtype.kind not in "fiu":
            raise TypeError(f"{where}: a probability target must be numeric, got dtype {t_arr.dtype}")
        if t_arr.dtype.kind in "iu":
            raise TypeError(f"{where}: a target of the input's shape {s.shape} holds class probabilities "
                            f"and must be floating point, got dtype {t_arr.dtype} (class indices have "
                            f"shape {_ops_loss.out_shape(s.shape)})")
    else:
        t_arr = t.data
    if t_arr.shape != s.shape:
        raise ShapeError(f"{where}: a probability target must have the input's shape {s.shape}, got {t_arr.shape}")
    m = int(np.prod(_ops_loss.out_shape(s.shape), dtype=np.int64))
    denom = np.float64(m)
    if t is not None and t.requires_grad and needs_grad(t):
        # the target wants a gradient too: build the loss from gates, which carry it
        q = _ops_loss.to_rows(t, s.ndim) * (1.0 - eps) + eps / c
        return _ce_gates(s, q if w is None else q * w, denom, reduction)
    q = _ops_loss.to_rows(t_arr.astype(s.dtype), s.ndim) * s.dtype.type(1.0 - eps) + s.dtype.type(eps / c)
    if w is not None:
        q = q * w
    return _ce_node(s, np.ascontiguousarray(q, dtype=s.dtype), denom, reduction, expand, eps, w, None)


def _ce_node(s, q, denom, reduction, expand, eps, w, ignored):
    """The fused node for per-row class coefficients ``q`` (or, with expand, its gates)."""
    if expand:
        return _ce_gates(s, q, denom, reduction)
    data, saved = _CE.run_general(data_of(s), q, denom, reduction)
    attrs = {"reduction": reduction}
    if eps:
        attrs["label_smoothing"] = eps
    if w is not None:
        attrs["weight"] = "per class"
    if ignored is not None:
        attrs["ignore_index"] = ignored
    return record_node(_CE, (s,), data, saved if needs_grad(s) else None, attrs)


def _ce_gates(s, q, denom, reduction):
    """Σ_c q_c·(-log softmax(s)_c) per row from primitive gates (``q`` constant or a Value)."""
    with group("softmax_cross_entropy"):
        rows = _ops_loss.to_rows(s, s.ndim)
        shifted = rows - Value(rows.data.max(axis=1, keepdims=True), name="max")
        logp = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        per = -((logp * q).sum(axis=1))
        if reduction == "none":
            return per.reshape(_ops_loss.out_shape(s.shape))
        total = per.sum()
        if reduction == "mean" and denom == 0:
            # every target ignored: the loss is 0/0 = nan (as torch and the fused node), but
            # the gradient is 0 (q is 0), not 0·(1/0) = nan: add the nan, don't divide by 0
            return total + s.dtype.type(np.nan)
        return total / float(denom) if reduction == "mean" else total


# ---------------------------------------------------------------- negative log-likelihood
def nll_loss(input, target, weight=None, *, ignore_index: int = -100, reduction: str = "mean") -> Value:
    """Negative log-likelihood of log-probabilities ``input`` (classes on axis 1, e.g. the
    output of ``log_softmax(x, axis=1)``) at the class indices ``target``: one node,
    -Σ w[y]·input[y] (divided by Σ w[y] over targets that are not ``ignore_index`` for "mean").

    >>> logp = gg.Value(np.log([[0.2, 0.8], [0.5, 0.5]]))
    >>> round(nll_loss(logp, [1, 0]).item(), 4)          # -(log 0.8 + log 0.5) / 2
    0.4581
    """
    where = "nll_loss"
    x, c = _class_input(input, where)
    check_reduction(reduction, where)
    ignore_index = _ignore_index(ignore_index, where)
    w = _class_weight(weight, c, x.dtype, where)
    y, valid = class_targets(target, x.shape, c, ignore_index, where)
    yv, wy = _row_weights(y, valid, w, x.dtype)
    data, saved = _NLL.run(data_of(x), yv, wy, np.float64(wy.sum(dtype=np.float64)), reduction)
    return record_node(_NLL, (x,), data, saved if needs_grad(x) else None, {"reduction": reduction})


# ---------------------------------------------------------------- binary cross-entropy
def _binary_pair(input, target, where):
    x = _float_input(input, where)
    if isinstance(target, Value):
        t = target
        if t.dtype.kind != "f":
            t = Value(t.data.astype(x.dtype))
    else:
        ta = np.asarray(target)
        if ta.dtype.kind not in "fiub":
            raise TypeError(f"{where}: target must be numbers in [0, 1], got dtype {ta.dtype}")
        t = Value(ta.astype(x.dtype))
    if t.shape != x.shape:
        raise ShapeError(f"{where}: input of shape {x.shape} and target of shape {t.shape} differ; "
                         "give one target per input")
    td = np.asarray(t.data)
    if not np.all((td >= 0) & (td <= 1)):
        raise ValueError(f"{where}: target must hold probabilities in [0, 1], got {_first_bad(td)}")
    return x, t


def _first_bad(a):
    a = np.asarray(a).reshape(-1)
    bad = ~((a >= 0) & (a <= 1))
    return float(a[np.argmax(bad)])


def _broadcast_weight(weight, shape, where, name):
    w = constant_weights(weight, where, name, None)
    if w is None:
        return None
    try:
        full = np.broadcast_shapes(w.shape, shape)
    except ValueError:
        full = None
    if full != tuple(shape):
        raise ShapeError(f"{where}: {name} of shape {w.shape} does not broadcast to the input's shape {shape}")
    return w


def binary_cross_entropy(input, target, weight=None, *, reduction: str = "mean") -> Value:
    """Binary cross-entropy of probabilities ``input`` in [0, 1] (e.g. after a sigmoid)
    against targets in [0, 1] of the same shape: -w·(t·log p + (1-t)·log(1-p)), each log
    clamped at -100 as PyTorch does (so p = 0 or 1 gives a finite loss). One node.
    ``weight`` broadcasts against the input. Inputs outside [0, 1] (or nan) are refused.

    >>> round(binary_cross_entropy(gg.Value([0.8, 0.4]), [1.0, 0.0]).item(), 4)
    0.367
    """
    where = "binary_cross_entropy"
    p, t = _binary_pair(input, target, where)
    check_reduction(reduction, where)
    pd = np.asarray(p.data)
    if not np.all((pd >= 0) & (pd <= 1)):
        raise ValueError(f"{where}: input must hold probabilities in [0, 1], got {_first_bad(pd)} "
                         "(apply sigmoid first, or use binary_cross_entropy_with_logits on raw scores)")
    w = _broadcast_weight(weight, p.shape, where, "weight")
    w = None if w is None else w.astype(p.dtype)
    data, saved = _BCE.run(data_of(p), data_of(t), w, reduction)
    return record_node(_BCE, (p, t), data, saved if needs_grad(p, t) else None, {"reduction": reduction})


def binary_cross_entropy_with_logits(input, target, weight=None, *, reduction: str = "mean",
                                     pos_weight=None) -> Value:
    """Binary cross-entropy of raw scores (logits) ``input``, stable for any score:
    w·((1-t)·x + (1 + (pw-1)·t)·log(1 + e^-x)) = BCE(sigmoid(x), t) without the clamping.
    ``pos_weight`` (broadcast against the target, e.g. one per class on the last axis)
    weighs the positive term. One node.

    >>> round(binary_cross_entropy_with_logits(gg.Value([2.0, -1.0]), [1.0, 0.0]).item(), 4)
    0.2201
    """
    where = "binary_cross_entropy_with_logits"
    x, t = _binary_pair(input, target, where)
    check_reduction(reduction, where)
    w = _broadcast_weight(weight, x.shape, where, "weight")
    pw = _broadcast_weight(pos_weight, x.shape, where, "pos_weight")
    w = None if w is None else w.astype(x.dtype)
    pw = None if pw is None else pw.astype(x.dtype)
    data, saved = _BCE_LOGITS.run(data_of(x), data_of(t), w, pw, reduction)
    attrs = {"reduction": reduction}
    if pw is not None:
        attrs["pos_weight"] = "given"
    return record_node(_BCE_LOGITS, (x, t), data, saved if needs_grad(x, t) else None, attrs)

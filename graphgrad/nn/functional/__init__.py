"""``graphgrad.nn.functional`` (import as ``F``): layers, activations and losses as functions.

Names and signatures follow ``torch.nn.functional``. Composite ops (sigmoid,
softmax cross-entropy, batch norm, conv) are one fused node with an analytic backward
by default; pass ``expand=True`` (or run inside ``with F.expanded():``) to build them
from primitive gates instead, inside a named group, as the lecture draws them. Both
give the same gradients.

>>> from graphgrad.nn import functional as F
>>> s = gg.Value(np.array([[3.2, 5.1, -1.7]]), requires_grad=True)
>>> round(F.cross_entropy(s, np.array([0])).item(), 4)       # cs231n's cat example
2.0404
"""
from __future__ import annotations

import contextlib

import numpy as np

from ...ops import activation as _act
from ...autograd import group
from ...errors import ShapeError
from ...ops.base import data_of, norm_axis
from ...value import Value, apply, as_value, mark_written, record_node
from ..ops import _expand as E, activation as _ops_act, loss as _ops_loss, norm as _ops_norm
from .conv import conv1d, conv2d, conv_transpose2d  # noqa: F401
from .pool import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d  # noqa: F401
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: F401
                       check_reduction, cross_entropy, nll_loss)
from ..._params import finite, number
from ..._state import here
from ._node import needs_grad, use_expanded
from ..init import get_rng

_SVM = _ops_loss.MultiMargin()
_BN = _ops_norm.BatchNorm()


@contextlib.contextmanager
def expanded(on: bool = True):
    """Inside the block, composite ops build their primitive-gate expansion (for diagrams).

    >>> x = gg.Value(0.5, requires_grad=True)
    >>> with expanded():
    ...     y = sigmoid(x)        # *-1, exp, +1, 1/x gates in group "sigmoid"
    >>> y.group
    ('sigmoid',)
    """
    t = here()                        # this thread only, like no_grad()
    old, t.expand = t.expand, bool(on)
    try:
        yield
    finally:
        t.expand = old


# ---------------------------------------------------------------- linear and activations
def linear(x, weight, bias=None) -> Value:
    """``x @ weight + bias`` with weight of shape (in_features, out_features) (cs231n layout).

    >>> linear(gg.Value(np.ones((2, 3))), gg.Value(np.ones((3, 4)))).shape
    (2, 4)
    """
    x, weight = as_value(x), as_value(weight)
    if x.ndim < 1 or weight.ndim != 2 or x.shape[-1] != weight.shape[0]:
        raise ShapeError(f"linear: input of shape {x.shape} does not fit a weight of shape {weight.shape} "
                         f"(expected (..., {weight.shape[0] if weight.ndim == 2 else 'in'}) input and a "
                         "2-D (in_features, out_features) weight)")
    out = x @ weight
    return out if bias is None else out + bias


def relu(x) -> Value:
    """max(0, x). ``relu(gg.Value([-1., 2.])).numpy()`` -> ``array([0., 2.])``"""
    return as_value(x).relu()


def tanh(x) -> Value:
    """tanh(x), one gate. ``tanh(gg.Value(0.0)).item() == 0.0``"""
    return as_value(x).tanh()


def sigmoid(x, expand: bool | None = None) -> Value:
    """σ(x) = 1/(1+e^-x): one σ gate, or (``expand=True``) the lecture's four gates
    ``*-1 → exp → +1 → 1/x`` in group "sigmoid". Same gradients either way.

    >>> sigmoid(gg.Value(0.0)).item(), sigmoid(gg.Value(0.0), expand=True).item()
    (0.5, 0.5)
    """
    x = as_value(x)
    if not use_expanded(expand):
        return x.sigmoid()
    with group("sigmoid"):
        return 1.0 / ((-x).exp() + 1.0)


def leaky_relu(x, negative_slope: float = 0.01) -> Value:
    """x for x > 0, slope·x otherwise, as one gate ``LeakyReLU(slope)``.

    >>> leaky_relu(gg.Value([-1., 2.]), 0.1).numpy()
    array([-0.1,  2. ])
    """
    x = as_value(x)
    return apply(_ops_act.LEAKY_RELU, x, slope=number(negative_slope, "leaky_relu", "negative_slope"))


def elu(x, alpha: float = 1.0) -> Value:
    """x for x > 0, α(eˣ - 1) otherwise, as one gate ``ELU(α)``.

    >>> elu(gg.Value([0., 1.])).numpy()
    array([0., 1.])
    """
    x = as_value(x)
    return apply(_ops_act.ELU, x, alpha=number(alpha, "elu", "alpha"))


def prelu(x, weight) -> Value:
    """Leaky ReLU with a learnable slope ``weight`` (one value, or one per channel, axis 1).

    >>> prelu(gg.Value([-2., 3.]), gg.Value(0.25)).numpy()
    array([-0.5,  3. ])
    """
    x, weight = as_value(x), as_value(weight)
    if weight.size != 1:
        if x.ndim < 2 or x.shape[1] != weight.size:
            raise ShapeError(f"prelu: weight of shape {weight.shape} needs one slope per channel, but the "
                             f"input {x.shape} has {x.shape[1] if x.ndim > 1 else 'no'} channels (axis 1)")
        weight = weight.reshape((1, -1) + (1,) * (x.ndim - 2))
    elif weight.ndim and x.ndim:
        weight = weight.reshape(())
    return apply(_ops_act.PRELU, x, weight)


def maxout(x, weight, bias, pieces: int) -> Value:
    """Maxout (Goodfellow et al.): the max of ``pieces`` linear functions.

    ``weight`` is (in, out·pieces), ``bias`` (out·pieces,); piece j of unit u is column u·pieces + j.

    >>> maxout(gg.Value(np.ones((2, 3))), gg.Value(np.ones((3, 8))), gg.Value(np.zeros(8)), 2).shape
    (2, 4)
    """
    z = linear(x, weight, bias)
    if z.shape[-1] % pieces:
        raise ShapeError(f"maxout: {z.shape[-1]} outputs do not split into {pieces} pieces")
    with group("maxout"):
        return z.reshape(z.shape[:-1] + (z.shape[-1] // pieces, pieces)).max(axis=-1)


def softmax(x, axis: int = -1) -> Value:
    """exp(x)/Σexp(x) along ``axis`` (shifted by the max for stability).

    >>> softmax(gg.Value([0., 0.])).numpy()
    array([0.5, 0.5])
    """
    x = as_value(x)
    with group("softmax"):
        e = (x - Value(np.max(data_of(x), axis=axis, keepdims=True))).exp()
        return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis: int = -1) -> Value:
    """x - log Σ exp(x) along ``axis`` (stable). ``log_softmax(gg.Value([0., 0.])).numpy()``"""
    x = as_value(x)
    with group("log_softmax"):
        shifted = x - Value(np.max(data_of(x), axis=axis, keepdims=True))
        return shifted - shifted.exp().sum(axis=axis, keepdims=True).log()


def softmin(x, axis: int = -1) -> Value:
    """exp(-x)/Σexp(-x) along ``axis``: softmax of -x, shifted by the min for stability.

    >>> softmin(gg.Value([0., 0.])).numpy()
    array([0.5, 0.5])
    """
    x = as_value(x)
    ax = _one_axis(axis, x.ndim, "softmin")
    with group("softmin"):
        # initial=inf: an empty axis gives an empty result (as torch), not numpy's error
        e = (Value(np.min(data_of(x), axis=ax, keepdims=True, initial=np.inf)) - x).exp()
        return e / e.sum(axis=ax, keepdims=True)


def _one_axis(axis, ndim, where):
    """One axis, checked (a 0-d input accepts 0 and -1, and reduces over nothing)."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{where}: axis must be an int, got {axis!r}")
    return norm_axis(int(axis), ndim, where)


# ---------------------------------------------------------------- more activations (one gate each)
def softplus(x, beta: float = 1.0, threshold: float = 20.0) -> Value:
    """log(1 + e^(βx))/β (x itself where βx > threshold), as one gate.

    >>> round(softplus(gg.Value(0.0)).item(), 4)
    0.6931
    """
    return _act.softplus(as_value(x), beta, threshold)


def gelu(x, approximate: str = "none") -> Value:
    """x·Φ(x) (Φ: the standard normal CDF), or torch's tanh formula with ``approximate="tanh"``.

    >>> round(gelu(gg.Value(1.0)).item(), 4)
    0.8413
    """
    return _act.gelu(as_value(x), approximate)


def celu(x, alpha: float = 1.0) -> Value:
    """x if x > 0 else α(e^(x/α) - 1), as one gate. ``celu(gg.Value(1.0)).item() == 1.0``"""
    return _act.celu(as_value(x), alpha)


def hardtanh(x, min_val: float = -1.0, max_val: float = 1.0) -> Value:
    """clamp(x, min_val, max_val), gradient 0 at the bounds (as torch).

    >>> hardtanh(gg.Value([-3., 0.5])).numpy()
    array([-1. ,  0.5])
    """
    return _act.hardtanh(as_value(x), min_val, max_val)


def relu6(x) -> Value:
    """min(max(x, 0), 6). ``relu6(gg.Value(7.0)).item() == 6.0``"""
    return as_value(x).relu6()


def silu(x) -> Value:
    """x·σ(x) (swish). ``round(silu(gg.Value(1.0)).item(), 4) == 0.7311``"""
    return as_value(x).silu()


def selu(x) -> Value:
    """scale·ELU(x, α) with the self-normalising constants. ``selu(gg.Value(0.0)).item() == 0.0``"""
    return as_value(x).selu()


def mish(x) -> Value:
    """x·tanh(softplus(x)). ``round(mish(gg.Value(1.0)).item(), 4) == 0.8651``"""
    return as_value(x).mish()


def hardsigmoid(x) -> Value:
    """relu6(x + 3)/6. ``hardsigmoid(gg.Value(0.0)).item() == 0.5``"""
    return as_value(x).hardsigmoid()


def hardswish(x) -> Value:
    """x·relu6(x + 3)/6. ``hardswish(gg.Value(3.0)).item() == 3.0``"""
    return as_value(x).hardswish()


def logsigmoid(x) -> Value:
    """log σ(x), stable for large |x|. ``round(logsigmoid(gg.Value(0.0)).item(), 4) == -0.6931``"""
    return as_value(x).logsigmoid()


def softsign(x) -> Value:
    """x/(1 + |x|). ``softsign(gg.Value(1.0)).item() == 0.5``"""
    return as_value(x).softsign()


def dropout(x, p: float = 0.5, training: bool = True, rng=None) -> Value:
    """Inverted dropout: zero each entry with probability ``p`` and scale the rest by 1/(1-p),
    so nothing changes at test time (``training=False`` returns ``x``).

    >>> dropout(gg.Value(np.ones(4)), 0.5, rng=0).numpy()
    array([2., 0., 0., 0.])
    """
    p = number(p, "dropout", "p")
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    x = as_value(x)
    if not training or p == 0.0:
        return x
    keep = get_rng(rng).random(x.shape) >= p
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    with group("dropout"):
        return x * Value(mask, name="mask")


# ---------------------------------------------------------------- losses
def _labels(target, n, c, where):
    y = data_of(target)
    y = np.asarray(y)
    if y.dtype.kind == "f":
        if not np.all(y == np.floor(y)):
            raise TypeError(f"{where}: target must hold integer class indices, got non-integers")
    elif y.dtype.kind not in "iu":
        raise TypeError(f"{where}: target must be integer class indices, got dtype {y.dtype}")
    y = y.astype(np.intp)
    if y.shape != (n,):
        raise ShapeError(f"{where}: scores of shape ({n}, {c}) need a target of shape ({n},), got {y.shape}")
    if n and (y.min() < 0 or y.max() >= c):
        raise ValueError(f"{where}: target holds class {int(y.min() if y.min() < 0 else y.max())}, "
                         f"outside [0, {c}) for scores with {c} classes")
    return y


def _scores(scores, where):
    s = as_value(scores)
    if s.ndim != 2:
        raise ShapeError(f"{where}: scores must be 2-D (N, C), got shape {s.shape}")
    return s


softmax_loss = cross_entropy   # cs231n's name


def multi_margin_loss(scores, target, margin: float = 1.0, reduction: str = "mean") -> Value:
    """Multiclass SVM hinge loss as PyTorch defines it: Σ_{j≠y} max(0, Δ - s_y + s_j) / C,
    averaged over the batch. (cs231n's :func:`svm_loss` does not divide by C.)

    >>> round(multi_margin_loss(gg.Value([[3.2, 5.1, -1.7]]), [0]).item(), 4)
    0.9667
    """
    return _svm(scores, target, margin, reduction, True, "multi_margin_loss")


def svm_loss(scores, target, margin: float = 1.0, reduction: str = "mean") -> Value:
    """cs231n's multiclass SVM loss: mean_i Σ_{j≠y_i} max(0, s_j - s_{y_i} + Δ), Δ = 1.

    >>> round(svm_loss(gg.Value([[3.2, 5.1, -1.7]]), [0]).item(), 4)   # the lecture's cat: 2.9
    2.9
    """
    return _svm(scores, target, margin, reduction, False, "svm_loss")


def _svm(scores, target, margin, reduction, by_classes, where):
    s = _scores(scores, where)
    n, c = s.shape
    y = _labels(target, n, c, where)
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{where}: reduction must be 'mean' or 'sum', got {reduction!r}")
    margin = number(margin, where, "margin")
    data, saved = _SVM.run(data_of(s), y, margin, reduction, by_classes)
    return record_node(_SVM, (s,), data, saved if needs_grad(s) else None,
                  {"margin": margin, "reduction": reduction})


def _pair(pred, target, reduction, where):
    """``pred`` and ``target`` as Values of one shape. A mismatch is refused, not broadcast:
    (4, 1) against (4,) would silently compare every prediction with every target (4, 4)."""
    p, t = as_value(pred), as_value(target)
    if p.shape != t.shape:
        raise ShapeError(f"{where}: prediction of shape {p.shape} and target of shape {t.shape} differ; "
                         f"reshape one to match (broadcasting them would compare every pair)")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{where}: reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    return p, t


def _reduced(per, reduction):
    return per if reduction == "none" else per.mean() if reduction == "mean" else per.sum()


def mse_loss(pred, target, reduction: str = "mean") -> Value:
    """Mean squared error; ``pred`` and ``target`` must have the same shape.
    ``mse_loss(gg.Value([1., 2.]), [1., 4.]).item() == 2.0``"""
    p, t = _pair(pred, target, reduction, "mse_loss")
    d = p - t
    return _reduced(d * d, reduction)


def l1_loss(pred, target, reduction: str = "mean") -> Value:
    """Mean absolute error; ``pred`` and ``target`` must have the same shape.
    ``l1_loss(gg.Value([1., 2.]), [1., 4.]).item() == 1.0``"""
    p, t = _pair(pred, target, reduction, "l1_loss")
    return _reduced((p - t).abs(), reduction)


# ---------------------------------------------------------------- batch norm
def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5, expand: bool | None = None) -> Value:
    """Batch normalisation of (N, D) features or (N, C, H, W) channels (spatial batchnorm).

    Train mode normalises with the batch's mean and biased variance and, if running
    buffers (numpy arrays) are given, updates them in place as PyTorch does:
    ``running = (1 - momentum)·running + momentum·batch`` (unbiased variance).
    Eval mode uses the running statistics. Fused: one node (cs231n's simplified backward);
    ``expand=True``: Kratzert's/cs231n's graph of primitive gates (mu, xmu, sq, var,
    sqrtvar, ivar, xhat, gammax, out) in group "batchnorm".

    >>> x = gg.Value(np.random.default_rng(0).normal(5, 2, (8, 3)))
    >>> out = batch_norm(x, training=True)
    >>> np.allclose(out.numpy().mean(axis=0), 0)
    True
    """
    x = as_value(x)
    if x.ndim not in (2, 4):
        raise ShapeError(f"batch_norm: input must be (N, D) or (N, C, H, W), got shape {x.shape}")
    eps, momentum = finite(eps, "batch_norm", "eps"), finite(momentum, "batch_norm", "momentum")
    d = x.shape[1]
    dt = x.dtype
    gamma = Value(np.ones(d, dt)) if weight is None else as_value(weight)
    beta = Value(np.zeros(d, dt)) if bias is None else as_value(bias)
    for nm, v in (("weight", gamma), ("bias", beta)):
        if v.shape != (d,):
            raise ShapeError(f"batch_norm: {nm} must have shape ({d},) for input {x.shape}, got {v.shape}")
    if training:
        m = x.size // d
        if m < 2:
            raise ValueError(f"batch_norm: training needs more than 1 value per channel, input {x.shape}")
    elif running_mean is None or running_var is None:
        raise ValueError("batch_norm: eval mode (training=False) needs running_mean and running_var")
    rm = None if running_mean is None else _buf(running_mean)
    rv = None if running_var is None else _buf(running_var)
    for nm, v in (("running_mean", rm), ("running_var", rv)):
        if v is not None and v.shape != (d,):
            raise ShapeError(f"batch_norm: {nm} must have shape ({d},) for input {x.shape}, got {v.shape}")
    if use_expanded(expand):
        out, mu, var = E.batch_norm(x, gamma, beta, rm, rv, eps, training)
    else:
        inputs = (x, gamma, beta)
        data, saved, mu, var = _BN.run(data_of(x), data_of(gamma), data_of(beta), rm, rv, eps, training)
        out = record_node(_BN, inputs, data, saved if needs_grad(*inputs) else None,
                     {"training": bool(training), "eps": eps})
    if training and rm is not None:
        rm *= 1.0 - momentum
        rm += momentum * mu
        _written(running_mean)
    if training and rv is not None:
        m = x.size // d
        rv *= 1.0 - momentum
        rv += momentum * (var * (m / (m - 1)))
        _written(running_var)
    return out


def _buf(b):
    """The numpy array behind a running-statistics buffer (updated in place)."""
    if isinstance(b, Value) and b.requires_grad:
        # the fused and expanded graphs use the buffers' numbers as constants: a gradient
        # to them (which torch gives in eval mode) would be silently lost
        raise TypeError("batch_norm: running statistics are buffers, used as constants; a running_mean or "
                        "running_var that requires grad would get no gradient: pass a numpy array or a "
                        "Value with requires_grad=False")
    arr = data_of(b)
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"batch_norm: running statistics must be numpy arrays, got {type(b).__name__}")
    return arr


def _written(b):
    """A running-statistics Value was updated in place: bump its version, so a graph built
    earlier from its old numbers refuses backward instead of using the new ones."""
    if isinstance(b, Value):
        mark_written(b)


# the public functions (F.<name>); the conv/pool and loss ones are written in conv.py and loss.py
__all__ = ["batch_norm", "celu", "dropout", "elu", "expanded", "gelu", "hardsigmoid", "hardswish",
           "hardtanh", "l1_loss", "leaky_relu", "linear", "log_softmax", "logsigmoid", "maxout", "mish",
           "mse_loss", "multi_margin_loss", "prelu", "relu", "relu6", "selu", "sigmoid", "silu", "softmax",
           "softmin", "softplus", "softsign", "svm_loss", "tanh", "conv1d", "conv2d", "conv_transpose2d",
           "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "cross_entropy", "softmax_loss",
           "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]

"""Weight initialisation (cs231n lecture 6), reproducible from a seed.

Every function draws from a ``numpy.random.Generator``: pass ``rng=`` (a Generator or
an int seed) or use the module's default generator, reseeded with :func:`manual_seed`.

Fan-in/fan-out follow graphgrad's layouts: a 2-D weight is ``(in_features, out_features)``
(``x @ W``, as in cs231n); a conv weight is ``(out_channels, in_channels, kh, kw)``.

>>> W = small_gaussian((3072, 10), rng=0)        # 0.01 * randn, the lecture's first try
>>> W = kaiming_normal((512, 256), rng=0)         # He et al.: std = sqrt(2 / fan_in)
"""
from __future__ import annotations

import math

import numpy as np

_DEFAULT = [np.random.default_rng(0)]


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default generator used when no ``rng`` is given.

    >>> _ = manual_seed(0); a = small_gaussian((2,)); _ = manual_seed(0); (a == small_gaussian((2,))).all()
    np.True_
    """
    _DEFAULT[0] = np.random.default_rng(seed)
    return _DEFAULT[0]


def get_rng(rng=None) -> np.random.Generator:
    """``rng`` as a Generator: a Generator as is, an int as a seed, None for the default one.

    >>> bool(get_rng(3).integers(10) == get_rng(3).integers(10))
    True
    """
    if rng is None:
        return _DEFAULT[0]
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)):
        return np.random.default_rng(int(rng))
    raise TypeError(f"init: rng must be a numpy Generator, an int seed or None, got {type(rng).__name__}")


def _shape(shape) -> tuple:
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"init: shape {shape} has a negative dimension")
    return shape


def fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape.

    >>> fans((784, 100)), fans((32, 3, 3, 3))
    ((784, 100), (27, 288))
    """
    shape = _shape(shape)
    if len(shape) < 2:
        raise ValueError(f"init: fan-in/fan-out need a weight with at least 2 dimensions, got shape {shape}")
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _gain(nonlinearity: str, a: float = 0.0) -> float:
    table = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0),
             "leaky_relu": math.sqrt(2.0 / (1.0 + a * a))}
    if nonlinearity not in table:
        raise ValueError(f"init: unknown nonlinearity {nonlinearity!r}; use one of {sorted(table)}")
    return table[nonlinearity]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended std gain for a nonlinearity (as in PyTorch). ``calculate_gain("relu") == 2**0.5``"""
    return _gain(nonlinearity, 0.01 if param is None else param)


def zeros(shape, dtype=np.float64) -> np.ndarray:
    """All zeros (biases). ``zeros(3)`` -> ``array([0., 0., 0.])``"""
    return np.zeros(_shape(shape), dtype=dtype)


def constant(shape, value: float, dtype=np.float64) -> np.ndarray:
    """All ``value`` (e.g. BatchNorm's γ = 1). ``constant(2, 0.5)`` -> ``array([0.5, 0.5])``"""
    return np.full(_shape(shape), value, dtype=dtype)


def ones(shape, dtype=np.float64) -> np.ndarray:
    """All ones. ``ones(2)`` -> ``array([1., 1.])``"""
    return constant(shape, 1.0, dtype)


def normal(shape, std: float = 1.0, mean: float = 0.0, rng=None, dtype=np.float64) -> np.ndarray:
    """Gaussian entries. ``normal((2, 2), std=0.1, rng=0).shape == (2, 2)``"""
    return (mean + std * get_rng(rng).standard_normal(_shape(shape))).astype(dtype, copy=False)


def uniform(shape, low: float = 0.0, high: float = 1.0, rng=None, dtype=np.float64) -> np.ndarray:
    """Uniform entries in [low, high). ``uniform(3, -1, 1, rng=0).shape == (3,)``"""
    return get_rng(rng).uniform(low, high, _shape(shape)).astype(dtype, copy=False)


def small_gaussian(shape, std: float = 0.01, rng=None, dtype=np.float64) -> np.ndarray:
    """cs231n's first try ``W = 0.01 * np.random.randn(D, H)`` (fine for small nets, not deep ones).

    >>> float(abs(small_gaussian((1000,), rng=0)).max()) < 0.1
    True
    """
    return normal(shape, std=std, rng=rng, dtype=dtype)


def xavier_normal(shape, gain: float = 1.0, rng=None, dtype=np.float64) -> np.ndarray:
    """Glorot & Bengio: std = gain·sqrt(2 / (fan_in + fan_out)). ``xavier_normal((100, 50), rng=0)``"""
    fi, fo = fans(shape)
    return normal(shape, std=gain * math.sqrt(2.0 / (fi + fo)), rng=rng, dtype=dtype)


def xavier_uniform(shape, gain: float = 1.0, rng=None, dtype=np.float64) -> np.ndarray:
    """Glorot & Bengio: U(-a, a), a = gain·sqrt(6 / (fan_in + fan_out)). ``xavier_uniform((100, 50), rng=0)``"""
    fi, fo = fans(shape)
    a = gain * math.sqrt(6.0 / (fi + fo))
    return uniform(shape, -a, a, rng=rng, dtype=dtype)


def kaiming_normal(shape, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu",
                   rng=None, dtype=np.float64) -> np.ndarray:
    """He et al. 2015 for ReLU nets: std = sqrt(2 / fan_in). ``kaiming_normal((512, 256), rng=0)``"""
    std = _gain(nonlinearity, a) / math.sqrt(_fan(shape, mode))
    return normal(shape, std=std, rng=rng, dtype=dtype)


def kaiming_uniform(shape, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu",
                    rng=None, dtype=np.float64) -> np.ndarray:
    """He et al. 2015, uniform: U(-b, b), b = gain·sqrt(3 / fan). ``kaiming_uniform((512, 256), rng=0)``"""
    b = _gain(nonlinearity, a) * math.sqrt(3.0 / _fan(shape, mode))
    return uniform(shape, -b, b, rng=rng, dtype=dtype)


he_normal, he_uniform = kaiming_normal, kaiming_uniform
glorot_normal, glorot_uniform = xavier_normal, xavier_uniform


def _fan(shape, mode):
    fi, fo = fans(shape)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fi if mode == "fan_in" else fo


_SCHEMES = {"small": small_gaussian, "small_gaussian": small_gaussian, "xavier": xavier_normal,
            "xavier_normal": xavier_normal, "xavier_uniform": xavier_uniform, "glorot": xavier_normal,
            "he": kaiming_normal, "kaiming": kaiming_normal, "kaiming_normal": kaiming_normal,
            "kaiming_uniform": kaiming_uniform, "he_uniform": kaiming_uniform}


def by_name(scheme, shape, rng=None, dtype=np.float64) -> np.ndarray:
    """Initialise by scheme name ("small", "xavier", "xavier_uniform", "he", ...) or a callable.

    >>> by_name("he", (10, 5), rng=0).shape
    (10, 5)
    """
    if callable(scheme):
        return np.asarray(scheme(shape, rng=get_rng(rng), dtype=dtype), dtype=dtype)
    if scheme not in _SCHEMES:
        raise ValueError(f"init: unknown scheme {scheme!r}; use one of {sorted(_SCHEMES)} or a callable")
    return _SCHEMES[scheme](shape, rng=rng, dtype=dtype)


def _fill(value, arr):
    value.data = arr.astype(value.dtype, copy=False)
    return value


def normal_(value, std=1.0, mean=0.0, rng=None):
    """Fill a Value in place (PyTorch spelling). ``normal_(lin.weight, 0.01, rng=0)``"""
    return _fill(value, normal(value.shape, std, mean, rng=rng))


def zeros_(value):
    """Fill a Value with zeros in place. ``zeros_(lin.bias)``"""
    return _fill(value, zeros(value.shape))


def constant_(value, val: float):
    """Fill a Value with a constant in place. ``constant_(bn.weight, 1.0)``"""
    return _fill(value, constant(value.shape, val))


def xavier_normal_(value, gain=1.0, rng=None):
    """Xavier-normal fill in place. ``xavier_normal_(lin.weight, rng=0)``"""
    return _fill(value, xavier_normal(value.shape, gain, rng=rng))


def xavier_uniform_(value, gain=1.0, rng=None):
    """Xavier-uniform fill in place. ``xavier_uniform_(lin.weight, rng=0)``"""
    return _fill(value, xavier_uniform(value.shape, gain, rng=rng))


def kaiming_normal_(value, a=0.0, mode="fan_in", nonlinearity="relu", rng=None):
    """He-normal fill in place. ``kaiming_normal_(conv.weight, rng=0)``"""
    return _fill(value, kaiming_normal(value.shape, a, mode, nonlinearity, rng=rng))


def kaiming_uniform_(value, a=0.0, mode="fan_in", nonlinearity="relu", rng=None):
    """He-uniform fill in place. ``kaiming_uniform_(conv.weight, rng=0)``"""
    return _fill(value, kaiming_uniform(value.shape, a, mode, nonlinearity, rng=rng))

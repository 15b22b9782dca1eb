"""Preprocessing from cs231n lecture 6: zero-centre, normalise, PCA, PCA/ZCA whitening.

Every transform is *fit on the training set only* and then applied unchanged to the
validation and test sets; statistics computed on the test set would leak it into training.

>>> import numpy as np
>>> X_train = np.array([[1., 2.], [3., 6.]])
>>> zc = ZeroCenter().fit(X_train)
>>> zc.transform(np.array([[2., 4.]])).tolist()
[[0.0, 0.0]]
"""
from __future__ import annotations

import numpy as np

from ..errors import GraphgradError, ShapeError


class NotFittedError(GraphgradError, RuntimeError):
    """A transform was used before ``fit(X_train)``."""


def _as_2d_or_more(X, who: str, min_rows: int = 1) -> np.ndarray:
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{who}: expected a numeric array, got dtype {X.dtype}")
    if X.ndim < 2:
        raise ShapeError(f"{who}: expected X with shape (N, features...), got shape {X.shape}; "
                         "reshape a single sample to (1, D)")
    if X.shape[0] < min_rows:
        raise ShapeError(f"{who}: need at least {min_rows} samples to fit, got shape {X.shape}")
    return X.astype(np.float64) if X.dtype.kind != "f" else X


class _Transform:
    """Shared fit/transform bookkeeping: remembers the per-sample shape seen by ``fit``."""

    _feature_shape: tuple | None = None

    def fit(self, X):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def fit_transform(self, X):
        """``fit(X)`` then ``transform(X)``; only ever call this on the training set."""
        return self.fit(X).transform(X)

    def _check(self, X, who: str) -> np.ndarray:
        name = f"{type(self).__name__}.{who}"
        if self._feature_shape is None:
            raise NotFittedError(f"{name} called before fit: call fit(X_train) on the training set first")
        X = _as_2d_or_more(X, name)
        if X.shape[1:] != self._feature_shape:
            raise ShapeError(f"{name}: X has shape {X.shape} but the transform was fit on samples "
                             f"of shape {self._feature_shape} (i.e. X of shape (N, {', '.join(map(str, self._feature_shape))}))")
        return X

    @property
    def is_fitted(self) -> bool:
        """True once ``fit`` has run."""
        return self._feature_shape is not None


def _stat_axes(X: np.ndarray, per: str, channel_axis: int, who: str):
    """Axes to average over: the batch axis for per-feature, all but channels for per-channel."""
    if per == "feature":
        return (0,)
    if per == "channel":
        if X.ndim < 3:
            raise ShapeError(f"{who}: per='channel' needs images shaped (N, C, H, W) or (N, H, W, C), got {X.shape}")
        ax = channel_axis % X.ndim
        if ax == 0:
            raise ShapeError(f"{who}: channel_axis cannot be the batch axis 0")
        return tuple(a for a in range(X.ndim) if a != ax)
    raise ValueError(f"{who}: per must be 'feature' or 'channel', got {per!r}")


class ZeroCenter(_Transform):
    """Subtract the training mean, per feature (the "mean image", AlexNet) or per channel (VGG).

    >>> import numpy as np
    >>> X = np.arange(24, dtype=float).reshape(2, 3, 2, 2)   # (N, C, H, W)
    >>> ZeroCenter(per="channel").fit(X).mean_.ravel().tolist()
    [7.5, 11.5, 15.5]
    """

    def __init__(self, per: str = "feature", channel_axis: int = 1):
        _stat_axes(np.zeros((1, 1, 1)), per, channel_axis, "ZeroCenter")  # validate early
        self.per, self.channel_axis = per, channel_axis
        self.mean_ = None

    def fit(self, X):
        """Learn the mean from the training set ``X``; returns self."""
        X = _as_2d_or_more(X, "ZeroCenter.fit")
        self.mean_ = X.mean(axis=_stat_axes(X, self.per, self.channel_axis, "ZeroCenter.fit"), keepdims=True)[0]
        self._feature_shape = X.shape[1:]
        return self

    def transform(self, X):
        """``X - mean`` (training mean)."""
        return self._check(X, "transform") - self.mean_

    def inverse_transform(self, X):
        """Undo :meth:`transform`."""
        return self._check(X, "inverse_transform") + self.mean_


class Normalize(_Transform):
    """Zero-centre, then divide by the training standard deviation (per feature or channel).

    Features that are constant on the training set keep scale 1 (``eps`` guards the division).

    >>> import numpy as np
    >>> Xn = Normalize().fit_transform(np.array([[0., 5.], [2., 5.]]))
    >>> Xn.tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """

    def __init__(self, per: str = "feature", channel_axis: int = 1, eps: float = 1e-8):
        _stat_axes(np.zeros((1, 1, 1)), per, channel_axis, "Normalize")
        self.per, self.channel_axis, self.eps = per, channel_axis, eps
        self.mean_ = self.std_ = None

    def fit(self, X):
        """Learn mean and std from the training set ``X``; returns self."""
        X = _as_2d_or_more(X, "Normalize.fit")
        axes = _stat_axes(X, self.per, self.channel_axis, "Normalize.fit")
        self.mean_ = X.mean(axis=axes, keepdims=True)[0]
        std = X.std(axis=axes, keepdims=True)[0]
        self.std_ = np.where(std > self.eps, std, 1.0)
        self._feature_shape = X.shape[1:]
        return self

    def transform(self, X):
        """``(X - mean) / std`` with training statistics."""
        return (self._check(X, "transform") - self.mean_) / self.std_

    def inverse_transform(self, X):
        """Undo :meth:`transform`."""
        return self._check(X, "inverse_transform") * self.std_ + self.mean_


class PCA(_Transform):
    """Project zero-centred data onto its top ``n_components`` principal axes (decorrelates it).

    Samples with more than one feature axis (images) are flattened first.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)) @ rng.normal(size=(5, 5))
    >>> Z = PCA(n_components=3).fit_transform(X)
    >>> Z.shape, bool(abs(np.cov(Z.T)[0, 1]) < 1e-8)
    ((200, 3), True)
    """

    def __init__(self, n_components: int | None = None):
        if n_components is not None and (int(n_components) != n_components or n_components < 1):
            raise ValueError(f"PCA: n_components must be a positive integer or None, got {n_components!r}")
        self.n_components = n_components
        self.mean_ = self.components_ = self.explained_variance_ = None

    def fit(self, X):
        """Learn the mean and principal axes from the training set ``X``; returns self."""
        X = _as_2d_or_more(X, f"{type(self).__name__}.fit", min_rows=2)
        flat = X.reshape(len(X), -1)
        D = flat.shape[1]
        k = D if self.n_components is None else int(self.n_components)
        if k > D:
            raise ShapeError(f"{type(self).__name__}: n_components={k} exceeds the number of features {D} "
                             f"(X of shape {X.shape})")
        self.mean_ = flat.mean(axis=0)
        Xc = flat - self.mean_
        # SVD of the centred data: more stable than eigh of the covariance, same axes.
        _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
        var = s ** 2 / len(X)
        if len(var) < D:  # fewer samples than features: the remaining axes have zero variance
            var = np.concatenate([var, np.zeros(D - len(var))])
        # Fix the sign of each axis so results do not depend on the LAPACK build.
        signs = np.sign(Vt[np.arange(len(Vt)), np.abs(Vt).argmax(axis=1)])
        Vt = Vt * signs[:, None]
        self.components_ = Vt[:k]            # (k, D), rows are principal axes
        self.explained_variance_ = var[:k]
        self._feature_shape = X.shape[1:]
        return self

    def transform(self, X):
        """Coordinates of ``X`` (centred, flattened) along the top principal axes: (N, k)."""
        X = self._check(X, "transform")
        return (X.reshape(len(X), -1) - self.mean_) @ self.components_.T

    def inverse_transform(self, Z):
        """Map (N, k) coordinates back to input space (lossy when k < D)."""
        if self.components_ is None:
            raise NotFittedError("PCA.inverse_transform called before fit: call fit(X_train) first")
        Z = np.asarray(Z, dtype=np.float64)
        if Z.ndim != 2 or Z.shape[1] != len(self.components_):
            raise ShapeError(f"PCA.inverse_transform: expected shape (N, {len(self.components_)}), got {Z.shape}")
        return (Z @ self.components_ + self.mean_).reshape((len(Z),) + self._feature_shape)


class Whiten(PCA):
    """Whitening: decorrelate and scale every direction to unit variance.

    ``method="pca"`` returns coordinates in the principal axes (``n_components`` kept);
    ``method="zca"`` rotates back to the input space (same shape as the input), which keeps
    images looking like images. ``eps`` is added to the variances before the square root so
    near-zero directions are not blown up into noise.

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3)) @ np.array([[2., 0, 0], [1, 1, 0], [0, 0, .5]])
    >>> W = Whiten("zca", eps=0).fit_transform(X)
    >>> bool(np.allclose(np.cov(W.T, bias=True), np.eye(3), atol=1e-8))
    True
    """

    def __init__(self, method: str = "pca", eps: float = 1e-5, n_components: int | None = None):
        if method not in ("pca", "zca"):
            raise ValueError(f"Whiten: method must be 'pca' or 'zca', got {method!r}")
        if method == "zca" and n_components is not None:
            raise ValueError("Whiten: ZCA whitening keeps every component; n_components only applies to method='pca'")
        if eps < 0:
            raise ValueError(f"Whiten: eps must be >= 0, got {eps}")
        super().__init__(n_components)
        self.method, self.eps = method, eps

    def transform(self, X):
        """Whitened ``X``: (N, k) for PCA whitening, the input's shape for ZCA."""
        X = self._check(X, "transform")
        rot = (X.reshape(len(X), -1) - self.mean_) @ self.components_.T
        white = rot / np.sqrt(self.explained_variance_ + self.eps)
        if self.method == "pca":
            return white
        return (white @ self.components_).reshape((len(X),) + self._feature_shape)

    def inverse_transform(self, Z):
        """Not provided: keep the original data instead."""
        raise NotImplementedError("Whiten.inverse_transform is not provided; keep the original data")

"""Small datasets for the training tools: scikit-learn's digits, synthetic 2-D sets, CIFAR-10.

Every loader returns a :class:`Splits` with train/val/test arrays; splitting is seeded.

>>> s = make_spirals(n_per_class=50, n_classes=3, seed=0)
>>> s.X_train.shape[1], s.num_classes
(2, 3)
"""
from __future__ import annotations

import codecs
import os
import pickle
from dataclasses import dataclass

import numpy as np

from ..errors import GraphgradError, ShapeError


class DatasetError(GraphgradError, ValueError):
    """A dataset directory or file is missing or not shaped like the dataset it claims to be."""


@dataclass
class Splits:
    """Train/validation/test arrays of one dataset (``X_*`` float, ``y_*`` int64 labels).

    >>> s = make_spirals(n_per_class=20, seed=0)
    >>> s
    Splits('spirals', train=(36, 2), val=(12, 2), test=(12, 2), classes=3)
    >>> s.y_train.dtype
    dtype('int64')
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    name: str = ""

    def __repr__(self) -> str:
        return (f"Splits({self.name!r}, train={self.X_train.shape}, val={self.X_val.shape}, "
                f"test={self.X_test.shape}, classes={self.num_classes})")


def train_val_test_split(X, y, val: float | int = 0.2, test: float | int = 0.2, seed: int | None = 0,
                         name: str = "", num_classes: int | None = None) -> Splits:
    """Shuffle with ``seed`` and cut into train/val/test; ``val``/``test`` are fractions or counts.

    >>> import numpy as np
    >>> s = train_val_test_split(np.zeros((10, 2)), np.arange(10) % 2, val=2, test=0.3)
    >>> len(s.X_train), len(s.X_val), len(s.X_test)
    (5, 2, 3)
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 2 or y.ndim != 1 or len(X) != len(y):
        raise ShapeError(f"train_val_test_split: need X of shape (N, ...) and y of shape (N,), "
                         f"got X {X.shape} and y {y.shape}")
    n = len(X)

    def count(part, what):
        k = int(round(part * n)) if isinstance(part, float) else int(part)
        if not 0 <= k <= n:
            raise ValueError(f"train_val_test_split: {what}={part!r} is not a fraction in [0, 1] or a count <= N={n}")
        return k

    n_val, n_test = count(val, "val"), count(test, "test")
    if n_val + n_test >= n:
        raise ValueError(f"train_val_test_split: val ({n_val}) + test ({n_test}) leave no training samples of N={n}")
    order = np.random.default_rng(seed).permutation(n) if seed is not None else np.arange(n)
    X, y = X[order], y[order].astype(np.int64)
    a, b = n - n_val - n_test, n - n_test
    C = int(num_classes if num_classes is not None else (y.max() + 1 if n else 0))
    return Splits(X[:a], y[:a], X[a:b], y[a:b], X[b:], y[b:], C, name)


def load_digits(val: float | int = 0.2, test: float | int = 0.2, seed: int | None = 0,
                scale: bool = True) -> Splits:
    """scikit-learn's bundled 8x8 digits (1797 samples, 64 features, 10 classes; no download).

    With ``scale`` the pixel values 0..16 are divided by 16.

    >>> d = load_digits()
    >>> d.X_train.shape, d.num_classes
    ((1079, 64), 10)
    """
    from ._digits import digits_arrays  # shipped with graphgrad: no scikit-learn needed
    X, target = digits_arrays()
    X = X / (16.0 if scale else 1.0)
    return train_val_test_split(X, target, val, test, seed, name="digits", num_classes=10)


def make_spirals(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2, val=0.2, test=0.2,
                 seed: int | None = 0) -> Splits:
    """The cs231n spiral dataset: ``n_classes`` interleaved arms in 2-D (not linearly separable).

    >>> make_spirals(10, 2).X_train.shape
    (12, 2)
    """
    if n_per_class < 1 or n_classes < 1:
        raise ValueError(f"make_spirals: need n_per_class >= 1 and n_classes >= 1, got {n_per_class}, {n_classes}")
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        t = np.linspace(k * 4.0, (k + 1) * 4.0, n_per_class) + rng.normal(size=n_per_class) * noise
        X.append(np.c_[r * np.sin(t), r * np.cos(t)])
        y.append(np.full(n_per_class, k))
    return train_val_test_split(np.concatenate(X), np.concatenate(y), val, test, seed, "spirals", n_classes)


def make_moons(n_samples: int = 200, noise: float = 0.1, val=0.2, test=0.2, seed: int | None = 0) -> Splits:
    """Two interleaving half circles (2 classes).

    >>> make_moons(100).num_classes
    2
    """
    if n_samples < 2:
        raise ValueError(f"make_moons: need n_samples >= 2, got {n_samples}")
    rng = np.random.default_rng(seed)
    n0 = n_samples // 2
    n1 = n_samples - n0
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate([np.c_[np.cos(t0), np.sin(t0)], np.c_[1 - np.cos(t1), 0.5 - np.sin(t1)]])
    X = X + rng.normal(scale=noise, size=X.shape)
    y = np.r_[np.zeros(n0, int), np.ones(n1, int)]
    return train_val_test_split(X, y, val, test, seed, "moons", 2)


def make_blobs(n_samples: int = 300, n_classes: int = 3, n_features: int = 2, spread: float = 1.0,
               center_box: float = 10.0, val=0.2, test=0.2, seed: int | None = 0) -> Splits:
    """Gaussian blobs around ``n_classes`` random centres (an easy, linearly separable set).

    >>> make_blobs(90, n_classes=3, n_features=4).X_train.shape
    (54, 4)
    """
    if n_samples < n_classes or n_classes < 1 or n_features < 1:
        raise ValueError(f"make_blobs: need n_samples >= n_classes >= 1 and n_features >= 1, "
                         f"got {n_samples}, {n_classes}, {n_features}")
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-center_box, center_box, size=(n_classes, n_features))
    y = np.arange(n_samples) % n_classes
    X = centres[y] + rng.normal(scale=spread, size=(n_samples, n_features))
    return train_val_test_split(X, y, val, test, seed, "blobs", n_classes)


_CIFAR_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
_CIFAR_TEST = "test_batch"


def _numpy_globals() -> dict:
    """The only globals a CIFAR-10 batch refers to: what numpy needs to rebuild an array
    (under both its old ``numpy.core`` and new ``numpy._core`` module names), plus the
    ``_codecs.encode`` that protocol-2 pickles use for bytes. Each maps to numpy's own
    object, so nothing is imported by name from the file."""
    try:
        from numpy._core import multiarray, numeric   # numpy >= 2
    except ImportError:                                # numpy 1.x
        from numpy.core import multiarray, numeric
    out = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype, ("_codecs", "encode"): _latin1}
    for mod in ("numpy.core", "numpy._core"):
        out[(f"{mod}.multiarray", "_reconstruct")] = multiarray._reconstruct
        out[(f"{mod}.multiarray", "scalar")] = multiarray.scalar
        out[(f"{mod}.numeric", "_frombuffer")] = numeric._frombuffer
    return out


def _latin1(text, encoding="utf-8"):
    """``_codecs.encode`` as protocol-2 pickles call it for bytes, limited to that use."""
    if encoding not in ("latin1", "latin-1") or not isinstance(text, str):
        raise _Refused(f"_codecs.encode with encoding {encoding!r}")
    return codecs.encode(text, encoding)


class _CifarUnpickler(pickle.Unpickler):
    """An unpickler that rebuilds dicts, lists, strings, bytes, numbers and numpy arrays
    only. Pickle runs whatever callable a file names (``os.system``, ...), so any other
    global is refused before it is looked up: a crafted batch cannot run code."""

    _allowed = None

    def find_class(self, module, name):
        allowed = type(self)._allowed
        if allowed is None:
            allowed = type(self)._allowed = _numpy_globals()
        try:
            return allowed[(module, name)]
        except KeyError:
            raise _Refused(f"{module}.{name}") from None


class _Refused(pickle.UnpicklingError):
    """A batch names a global a CIFAR-10 batch never holds."""


def _read_cifar_batch(path: str):
    # The official CIFAR-10 python batches are pickles. They are read with a restricted
    # unpickler (dicts, lists, bytes, numbers, numpy arrays), so a crafted file cannot run code.
    try:
        with open(path, "rb") as f:
            d = _CifarUnpickler(f, encoding="bytes").load()
    except _Refused as e:
        raise DatasetError(f"load_cifar10: {path} refers to {e}, which a CIFAR-10 batch never holds; refusing "
                           "to load it (a pickle naming other code could run it)") from None
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, ValueError, TypeError) as e:
        raise DatasetError(f"load_cifar10: {path} is not a CIFAR-10 python batch ({type(e).__name__}: {e})") from None
    if not isinstance(d, dict):
        raise DatasetError(f"load_cifar10: {path} holds a {type(d).__name__}, not a CIFAR-10 batch dict")
    data = d.get(b"data", d.get("data"))
    labels = d.get(b"labels", d.get("labels"))
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        shape = getattr(data, "shape", None)
        dtype = getattr(data, "dtype", type(data).__name__)
        raise DatasetError(f"load_cifar10: {path} is not shaped like CIFAR-10: 'data' must be a uint8 array "
                           f"of shape (N, 3072) = 3x32x32 pixels, got shape {shape} and dtype {dtype}")
    try:
        labels = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError):
        raise DatasetError(f"load_cifar10: {path}: 'labels' is not a list of integers") from None
    if labels.shape != (len(data),) or (len(labels) and (labels.min() < 0 or labels.max() > 9)):
        raise DatasetError(f"load_cifar10: {path}: expected {len(data)} labels in 0..9, got shape {labels.shape}"
                           + (f" with values {labels.min()}..{labels.max()}" if labels.size else ""))
    return data, labels


def load_cifar10(directory: str | os.PathLike, val: int = 1000, num_train_batches: int = 5,
                 dtype=np.float32, channels_last: bool = False, seed: int | None = None) -> Splits:
    """Load CIFAR-10 from a directory you already have (the python version,
    ``cifar-10-batches-py``: ``data_batch_1`` .. ``data_batch_5`` and ``test_batch``).

    Nothing is downloaded. The batches are Python pickles; they are read with a restricted
    unpickler that rebuilds only dicts, lists, bytes, numbers and numpy arrays, so a batch
    naming any other code (a crafted file) is refused with :class:`DatasetError` instead of
    running it. Anything not shaped like CIFAR-10 (uint8 ``(N, 3072)`` data, labels 0..9)
    is refused too.

    Images come back as ``(N, 3, 32, 32)`` (or ``(N, 32, 32, 3)`` with ``channels_last``)
    with values 0..255 in ``dtype``; the validation set is the last ``val`` training images
    (as in the cs231n assignments) unless ``seed`` is given, which shuffles the train set first.

    On the real folder, ``load_cifar10("~/data/cifar-10-batches-py")`` gives 49,000 training,
    1,000 validation and 10,000 test images. Here, a stand-in folder of two tiny batches
    written the way the official ones are (a dict of uint8 ``data`` and a ``labels`` list):

    >>> import os, pickle
    >>> os.makedirs("cifar", exist_ok=True)
    >>> rng = np.random.default_rng(0)
    >>> for name in ("data_batch_1", "test_batch"):
    ...     images = rng.integers(0, 256, (20, 3072), dtype=np.uint8)    # 20 images, 3x32x32
    ...     with open(os.path.join("cifar", name), "wb") as f:
    ...         pickle.dump({b"data": images, b"labels": [0, 1] * 10}, f, protocol=2)
    >>> s = load_cifar10("cifar", val=5, num_train_batches=1)
    >>> s.X_train.shape, s.X_val.shape, s.X_test.shape
    ((15, 3, 32, 32), (5, 3, 32, 32), (20, 3, 32, 32))
    """
    directory = os.path.expanduser(os.fspath(directory))
    if not os.path.isdir(directory):
        raise DatasetError(f"load_cifar10: {directory!r} is not a directory; download and extract "
                           "cifar-10-python.tar.gz yourself and pass the cifar-10-batches-py folder")
    if not 1 <= num_train_batches <= 5:
        raise ValueError(f"load_cifar10: num_train_batches must be 1..5, got {num_train_batches}")
    names = _CIFAR_TRAIN[:num_train_batches] + [_CIFAR_TEST]
    missing = [n for n in names if not os.path.isfile(os.path.join(directory, n))]
    if missing:
        raise DatasetError(f"load_cifar10: {directory!r} is missing {', '.join(missing)}; "
                           "expected the CIFAR-10 python batches (data_batch_1..5, test_batch)")
    parts = [_read_cifar_batch(os.path.join(directory, n)) for n in names]
    Xtr = np.concatenate([p[0] for p in parts[:-1]])
    ytr = np.concatenate([p[1] for p in parts[:-1]])
    Xte, yte = parts[-1]
    if not 0 <= val < len(Xtr):
        raise ValueError(f"load_cifar10: val={val} must leave training images (have {len(Xtr)})")
    if seed is not None:
        order = np.random.default_rng(seed).permutation(len(Xtr))
        Xtr, ytr = Xtr[order], ytr[order]

    def images(flat):
        x = flat.reshape(-1, 3, 32, 32)
        return (x.transpose(0, 2, 3, 1) if channels_last else x).astype(dtype)

    cut = len(Xtr) - val
    return Splits(images(Xtr[:cut]), ytr[:cut], images(Xtr[cut:]), ytr[cut:], images(Xte), yte, 10, "cifar10")

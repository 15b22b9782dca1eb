"""Seeded shuffling minibatches.

>>> import numpy as np
>>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
>>> [len(yb) for _, yb in minibatches(X, y, batch_size=2, seed=0)]
[2, 2, 1]
"""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError


def _check(X, y, batch_size, who):
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim < 1 or y.ndim < 1 or len(X) != len(y):
        raise ShapeError(f"{who}: X and y need the same number of samples, got X {X.shape} and y {y.shape}")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"{who}: batch_size must be a positive integer, got {batch_size!r}")
    return X, y


def minibatches(X, y, batch_size: int, shuffle: bool = True, seed=None, drop_last: bool = False):
    """Yield ``(X_batch, y_batch)`` pairs covering the data once (one epoch).

    ``seed`` is an int or a ``numpy.random.Generator``; the same seed gives the same order.

    >>> X, y = np.zeros((10, 2)), np.arange(10)
    >>> [yb.tolist() for _, yb in minibatches(X, y, batch_size=4, shuffle=False)]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    >>> [len(yb) for _, yb in minibatches(X, y, batch_size=4, seed=0, drop_last=True)]
    [4, 4]
    """
    X, y = _check(X, y, batch_size, "minibatches")
    n = len(X)
    order = (seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)).permutation(n) \
        if shuffle else np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for i in range(0, stop, batch_size):
        idx = order[i:i + batch_size]
        yield X[idx], y[idx]


class BatchLoader:
    """Re-iterable minibatches: each ``iter()`` is a new epoch with a new (seeded) shuffle.

    >>> import numpy as np
    >>> loader = BatchLoader(np.zeros((7, 3)), np.zeros(7), batch_size=3, seed=1)
    >>> len(loader), [xb.shape[0] for xb, _ in loader]
    (3, [3, 3, 1])
    """

    def __init__(self, X, y, batch_size: int = 64, shuffle: bool = True, seed: int | None = 0,
                 drop_last: bool = False):
        self.X, self.y = _check(X, y, batch_size, "BatchLoader")
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.X)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        return minibatches(self.X, self.y, self.batch_size, self.shuffle, self._rng, self.drop_last)

    def skip(self, epochs: int) -> None:
        """Advance the shuffle past ``epochs`` epochs without yielding them, so a resumed
        training run sees the minibatches the uninterrupted run would have seen.

        >>> import numpy as np
        >>> a, b = (BatchLoader(np.arange(6)[:, None], np.arange(6), batch_size=6, seed=3) for _ in range(2))
        >>> _ = list(a); b.skip(1)
        >>> [yb.tolist() for _, yb in a] == [yb.tolist() for _, yb in b]
        True
        """
        if self.shuffle:
            for _ in range(int(epochs)):
                self._rng.permutation(len(self.X))   # what each epoch's minibatches() draws

"""The 8x8 handwritten digits (1797 images, 10 classes), shipped inside graphgrad.

``digits.npz`` holds the same arrays as scikit-learn's ``load_digits()`` (pixels 0..16 as
uint8), so the dataset helpers need no scikit-learn. Origin and licence: DIGITS.txt.

>>> X, y = digits_arrays()
>>> X.shape, y.shape, int(X.max()), sorted(set(y.tolist())) == list(range(10))
((1797, 64), (1797,), 16, True)
"""
from __future__ import annotations

import os

import numpy as np

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digits.npz")


def digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: ``X`` float64 (1797, 64) with pixel values 0..16, ``y`` int64 labels 0..9."""
    with np.load(_PATH, allow_pickle=False) as f:
        return f["data"].astype(np.float64), f["target"].astype(np.int64)

"""Datasets and preprocessing for the training tools (cs231n lecture 6).

>>> from graphgrad.data import load_digits, Normalize
>>> d = load_digits()
>>> Xtr = Normalize().fit(d.X_train).transform(d.X_train)   # fit on train only
"""
from .batching import BatchLoader, minibatches
from .datasets import (DatasetError, Splits, load_cifar10, load_digits, make_blobs, make_moons,
                       make_spirals, train_val_test_split)
from .preprocessing import PCA, NotFittedError, Normalize, Whiten, ZeroCenter

__all__ = ["BatchLoader", "minibatches", "DatasetError", "Splits", "load_cifar10", "load_digits",
           "make_blobs", "make_moons", "make_spirals", "train_val_test_split", "PCA", "NotFittedError",
           "Normalize", "Whiten", "ZeroCenter"]

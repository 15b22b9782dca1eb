"""Intermediate results of a running trial: ``fit`` reports each epoch's metrics here, and a
search back end that prunes (Optuna's median pruner) listens and may stop the trial.

Nothing listens outside a pruning search, so ``fit`` costs one attribute lookup per epoch.

>>> from graphgrad.train.report import listening, report_epoch, TrialPruned
>>> seen = []
>>> with listening(lambda epoch, row: seen.append((epoch, row["val_acc"]))):
...     report_epoch(0, {"val_acc": 0.5})
>>> seen
[(0, 0.5)]
"""
from __future__ import annotations

import contextlib
import threading

from ..errors import GraphgradError

_local = threading.local()   # per thread: trials of one search may run in several threads


class TrialPruned(GraphgradError, RuntimeError):
    """A pruner stopped this trial early (its intermediate results were poor); not an error."""


def report_epoch(epoch: int, row: dict) -> None:
    """Tell the listener of this thread (if any) one epoch's metrics; it may raise TrialPruned."""
    listener = getattr(_local, "listener", None)
    if listener is not None:
        listener(epoch, row)


@contextlib.contextmanager
def listening(listener):
    """Route :func:`report_epoch` calls made in this thread to ``listener(epoch, row)``."""
    old = getattr(_local, "listener", None)
    _local.listener = listener
    try:
        yield
    finally:
        _local.listener = old

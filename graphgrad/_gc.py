"""Cyclic-GC policy.

graphgrad's graphs form no reference cycles (outputs point at inputs, never back), so
reference counting frees them and the cyclic collector finds nothing in them. But it
still walks every live node each time its older generations fill, which cost a scalar
MLP step more than half its time here (S1: ~100 ms with the collector's older
generations held back, ~250 ms at Python's defaults). On import graphgrad therefore
raises the generation-1 and generation-2 thresholds from Python's defaults (10, 10) to
(100, 100); generation 0 keeps its threshold, so short-lived cyclic garbage elsewhere
in the program is still collected as often as before. Thresholds a program already
changed are left alone. ``GRAPHGRAD_GC=default`` in the environment turns this off, and
:func:`restore_gc_thresholds` undoes it.
"""
from __future__ import annotations

import gc
import os

_PYTHON_DEFAULT = (700, 10, 10)
_saved: tuple | None = None


def tune_gc_thresholds() -> bool:
    """Raise the older generations' thresholds if they are Python's defaults. Returns True if changed."""
    global _saved
    if os.environ.get("GRAPHGRAD_GC", "").lower() == "default":
        return False
    current = gc.get_threshold()
    if current != _PYTHON_DEFAULT:
        return False
    _saved = current
    gc.set_threshold(current[0], 100, 100)
    return True


def restore_gc_thresholds() -> None:
    """Put back the thresholds graphgrad found at import.

    >>> import graphgrad; graphgrad.restore_gc_thresholds()
    """
    global _saved
    if _saved is not None:
        gc.set_threshold(*_saved)
        _saved = None

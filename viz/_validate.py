"""Argument checks shared by the public viz functions (one clear sentence per bad value)."""
from __future__ import annotations

import math


def check_timeout(timeout, where: str, allow_none: bool = False) -> None:
    """Refuse a timeout that is not a positive, finite number of seconds (one sentence).

    >>> check_timeout(-1, "render")
    Traceback (most recent call last):
    ...
    ValueError: render: timeout must be a positive number of seconds, got -1
    """
    if timeout is None and allow_none:
        return
    ok = isinstance(timeout, (int, float)) and not isinstance(timeout, bool)
    if not ok or not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"{where}: timeout must be a positive number of seconds, got {timeout!r}")

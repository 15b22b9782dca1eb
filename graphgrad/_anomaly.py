"""Anomaly mode's checks (``gg.detect_anomaly()``): the first NaN/Inf an op makes, and where.

Kept apart from the Value class and the backward pass, which both call into it (and
neither is imported from here, so there is no import cycle).
"""
from __future__ import annotations

import math
import os
import sys

import numpy as np

from .errors import AnomalyError
from .ops.base import data_of

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


def user_site() -> str:
    """'file:line: code' of the innermost frame outside graphgrad (and contextlib)."""
    f = sys._getframe(1)
    while f is not None:
        fn = os.path.abspath(f.f_code.co_filename)
        if not fn.startswith(_PKG_DIR) and "contextlib" not in fn:
            import linecache
            code = linecache.getline(fn, f.f_lineno).strip()
            return f"{fn}:{f.f_lineno}" + (f": {code}" if code else "")
        f = f.f_back
    return "<unknown>"


def finite(d) -> bool:
    """True when float or array ``d`` holds no NaN/Inf."""
    if d.__class__ is float:
        return math.isfinite(d)
    return bool(np.isfinite(d).all())


def anomaly_forward(out, op, inputs) -> str:
    """Raise if ``out``'s data (made by ``op`` from ``inputs``) holds NaN/Inf; else return
    the user's source line that made it (the engine keeps it on ``out``)."""
    site = user_site()
    if not finite(data_of(out)):
        shapes = ", ".join(str(v.shape) for v in inputs)
        bad = [i for i, v in enumerate(inputs) if not finite(data_of(v))]
        cause = (f"input {bad[0]} already held NaN/Inf" if bad else "the op made it from finite inputs")
        raise AnomalyError(f"{op.name}: {_stage(out)} produced NaN/Inf (inputs of shape {shapes}; {cause}), "
                           f"created at {site}")
    return site


def _stage(out) -> str:
    """'forward', or which gate's backward made this node in a create_graph pass (its group
    is then '∂<op>')."""
    from ._state import switches
    path = switches().group or ()
    for name, _ in reversed(path):
        if name.startswith("∂"):
            return f"the create_graph backward of '{name[1:]}'"
    return "forward"


def anomaly_backward(v, grads):
    """Raise if a gradient the op at ``v`` sent holds NaN/Inf, naming the op and its creation site."""
    for i, g in enumerate(grads):
        if g is not None and not finite(g):
            shapes = ", ".join(str(x.shape) for x in v.inputs)
            site = v.creation_site or "<unknown: enter detect_anomaly() before the forward pass>"
            raise AnomalyError(f"{v.op.name}: backward produced NaN/Inf in the gradient for input {i} "
                               f"(inputs of shape {shapes}), node created at {site}")

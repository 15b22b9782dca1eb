"""Small helpers of the fused ops of ``graphgrad.nn``.

A fused layer computes its data first, then makes its node with
:func:`graphgrad.record_node` (the one way a node is made), choosing the attributes
diagrams show and the buffers backward needs; ``needs_grad`` says whether those buffers
are worth keeping.
"""
from __future__ import annotations

from ..._state import switches


def needs_grad(*values) -> bool:
    """True when recording is on and some input requires grad (so saved buffers matter).

    >>> import graphgrad as gg
    >>> needs_grad(gg.Value(1.0, requires_grad=True)), needs_grad(gg.Value(1.0), None)
    (True, False)
    """
    if not switches().grad_enabled:
        return False
    for v in values:
        if v is not None and v.requires_grad:
            return True
    return False


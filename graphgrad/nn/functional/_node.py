"""Small helpers of the fused ops of ``graphgrad.nn``.

A fused layer computes its data first, then makes its node with
:func:`graphgrad.record_node` (the one way a node is made), choosing the attributes
diagrams show and the buffers backward needs; ``needs_grad`` says whether those buffers
are worth keeping, and ``use_expanded`` whether to build the primitive-gate expansion instead.
"""
from __future__ import annotations

from ..._state import here, switches


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



def use_expanded(flag) -> bool:
    """Whether a composite op builds its primitive-gate expansion: its ``expand=`` argument
    when given, else the ``F.expanded()`` switch of the calling thread.

    >>> use_expanded(True), use_expanded(None)
    (True, False)
    """
    return here().expand if flag is None else bool(flag)

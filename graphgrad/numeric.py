"""The ``gg.<name>`` functions of the ``@export`` declarations (``gg.sin``, ``gg.hypot``,
``gg.outer`` ...), gathered from :data:`graphgrad.ops.export.REGISTRY` once every op family
has been imported; its typed stub ``numeric.pyi`` is what mypy reads for them (``python -m
graphgrad._stubgen``). An exported op class gets a plain function here with the op's
docstring; an exported function is the function itself, from its family module. Complex
dtype and ``np.fft`` are not supported (graphgrad's Values are real).

>>> import graphgrad as gg
>>> gg.outer(gg.Value([1., 2.]), gg.Value([3., 4.])).numpy()
array([[3., 4.],
       [6., 8.]])
"""
from __future__ import annotations

from . import ops  # noqa: F401 - every family module, so the registry is complete
from .ops.export import REGISTRY


def _function_of(e):
    """A plain function for an exported op (its instance's ``__call__``), with the op's
    docstring: what ``gg.<name>`` is."""
    front = e.front

    def f(*args, **kwargs):
        return front(*args, **kwargs)
    f.__name__ = f.__qualname__ = e.name
    doc = getattr(e.op, "doc", "")
    f.__doc__ = f"``gg.{e.name}(x)``: {doc}" if doc else type(e.op).__doc__
    f.__module__ = __name__
    f.__wrapped__ = front                  # inspect.signature reads the op's own
    return f


for _e in REGISTRY:
    if _e.module == "graphgrad":
        globals()[_e.name] = _e.front = _function_of(_e) if _e.op is not None else _e.front

__all__ = [e.name for e in REGISTRY if e.module == "graphgrad"]

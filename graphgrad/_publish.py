"""Publish every ``@export`` declaration (``graphgrad.ops.export.REGISTRY``): the Value
methods and the numpy functions that run on Values. The ``gg.<name>`` functions are the
real ones of ``graphgrad.numeric`` and ``graphgrad.linalg`` (so mypy sees them); the
methods are typed by the generated stub ``_value_methods.pyi`` (``python -m
graphgrad._stubgen``; ``tests/test_engine_export.py`` fails when it is out of date).

>>> import graphgrad as gg
>>> gg.Value([3.0]).hypot(4.0).item()
5.0
"""
from __future__ import annotations

from ._dispatch import HANDLED
from .ops.export import REGISTRY, VALUE_ATTRS, as_method
from .value import Value


def publish() -> None:
    """Attach the Value methods and register the numpy functions of every export (a
    method a Value already has in its class body is kept)."""
    for name, fn, replace in VALUE_ATTRS:
        if replace or name not in Value.__dict__:
            setattr(Value, name, fn)
    for e in REGISTRY:
        if e.method and e.method not in Value.__dict__:
            setattr(Value, e.method, as_method(e.front, e.method))
        for f in e.numpy:
            HANDLED[f] = e.front

"""Exceptions raised by graphgrad. Every message names the op and the shapes involved."""
from __future__ import annotations


class GraphgradError(Exception):
    """Base class for graphgrad's own errors."""


class ShapeError(GraphgradError, ValueError):
    """An op got inputs whose shapes do not fit, e.g. ``matmul: (3, 4) @ (5, 2)``."""


class BackwardError(GraphgradError, RuntimeError):
    """backward() cannot run: freed graph, non-scalar output without ``grad``, ..."""


class AnomalyError(GraphgradError, FloatingPointError):
    """Raised inside ``detect_anomaly()`` by the first op that makes a NaN or Inf."""


class GradcheckError(GraphgradError, AssertionError):
    """Analytic and numeric gradients disagree; the message is a table of the worst entries."""

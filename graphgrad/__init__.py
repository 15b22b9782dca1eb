"""graphgrad: an autograd engine whose graph you can see.

>>> import graphgrad as gg
>>> x, y, z = (gg.Value(v, requires_grad=True, name=n) for v, n in [(-2., "x"), (5., "y"), (-4., "z")])
>>> f = (x + y) * z
>>> f.backward()
>>> float(x.grad), float(y.grad), float(z.grad)
(-4.0, -4.0, 3.0)

The package imports numpy only; drawing lives in the separate ``viz`` package.
"""
from .autograd import (BackwardStep, BackwardTrace, backward, detect_anomaly, enable_grad,
                       group, is_grad_enabled, no_grad, record_traces, trace_of)
from .errors import AnomalyError, BackwardError, GradcheckError, GraphgradError, ShapeError
from .functions import (clip, concatenate, exp, log, matmul, maximum, mean, minimum, pad,
                        relu, reshape, sigmoid, sqrt, stack, sum, tanh, transpose, where)
from .gradcheck import gradcheck, gradgradcheck, numeric_grad, rel_error
from .higher import grad
from . import _numpy_api  # noqa: F401 - numpy ufuncs and functions on Values (np.exp(v))
from .ops.base import Ctx, Op
from .value import Value, apply
from ._gc import restore_gc_thresholds, tune_gc_thresholds

tune_gc_thresholds()

__version__ = "0.1.0"

__all__ = [
    "Value", "apply", "Op", "Ctx", "trace_of", "restore_gc_thresholds", "tune_gc_thresholds", "backward", "no_grad",
    "enable_grad", "is_grad_enabled", "group", "detect_anomaly", "record_traces",
    "BackwardStep", "BackwardTrace", "gradcheck", "gradgradcheck", "grad", "numeric_grad", "rel_error",
    "GraphgradError", "ShapeError", "BackwardError", "AnomalyError", "GradcheckError",
    "maximum", "minimum", "where", "concatenate", "stack", "pad", "clip", "exp", "log", "sqrt",
    "tanh", "sigmoid", "relu", "reshape", "transpose", "matmul", "sum", "mean",
]

"""graphgrad: an autograd engine whose graph you can see.

>>> import graphgrad as gg
>>> x, y, z = (gg.Value(v, requires_grad=True, name=n) for v, n in [(-2., "x"), (5., "y"), (-4., "z")])
>>> f = (x + y) * z
>>> f.backward()
>>> float(x.grad), float(y.grad), float(z.grad)
(-4.0, -4.0, 3.0)

The package imports numpy only; drawing lives in its sub-package ``graphgrad.viz``
(``from graphgrad import viz``), which the engine itself never imports.
"""
from .autograd import (BackwardStep, BackwardTrace, backward, detect_anomaly, enable_grad,
                       group, is_grad_enabled, no_grad, record_traces, trace_of)
from .errors import AnomalyError, BackwardError, GradcheckError, GraphgradError, ShapeError
from .creation import arange, eye, full, full_like, linspace, ones, ones_like, zeros, zeros_like
from .gradcheck import gradcheck, gradgradcheck, numeric_grad, rel_error
from .localize import GateFailure, GateReport, check_gates
from .pairs import layer_from_pair
from .higher import grad
from . import _numpy_api  # noqa: F401 - numpy ufuncs and functions on Values (np.exp(v))
# the ops' functions, by family (graphgrad/ops/<family>.py; see graphgrad.ops)
from .ops.base import Ctx, Op
from .ops.arithmetic import clip, maximum, minimum, where
from .ops.activation import celu, gelu, hardtanh, softplus
from .ops.reduce import (argmax, argmin, argsort, cumprod, cumsum, logsumexp, mean, norm, prod,  # noqa: A004
                         sort, std, sum, topk, var)
from .ops.shape import (chunk, concatenate, diag, diagonal, expand_dims, flip, pad, repeat, reshape, roll,
                        split, squeeze, stack, tile, transpose, tril, triu, unsqueeze)
from .ops.index import astype, gather, masked_fill, one_hot, scatter, scatter_add, take_along_axis
from .ops.products import einsum, matmul
from .ops.logic import (all, any, isclose, isfinite, isinf, isnan, logical_and, logical_not,  # noqa: A004
                        logical_or, logical_xor)
from .value import Value, apply, as_value, record_node
from . import linalg  # noqa: F401 - gg.linalg.inv, ..., and np.linalg.* on Values
from .numeric import *  # noqa: F401,F403 - products, stacking, hypot ... (declared with @export)
from .numeric import __all__ as _numeric_all
from ._publish import publish as _publish
from ._gc import restore_gc_thresholds, tune_gc_thresholds

_publish()      # Value methods and numpy dispatch of every @export declaration
tune_gc_thresholds()


def _find_viz_in_a_checkout() -> None:
    # The wheel installs the drawing package as graphgrad/viz/. A source checkout keeps it
    # as the top-level folder viz/ beside this package (the layout the project fixes), so
    # there a finder points the one name graphgrad.viz at that folder. Nothing is imported.
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    folder = os.path.join(os.path.dirname(here), "viz")
    if os.path.isdir(os.path.join(here, "viz")) or not os.path.isfile(os.path.join(folder, "__init__.py")):
        return
    import importlib.abc
    import importlib.util
    import sys

    class CheckoutViz(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name != "graphgrad.viz":
                return None
            return importlib.util.spec_from_file_location(
                name, os.path.join(folder, "__init__.py"), submodule_search_locations=[folder])

    # first: the graphgrad imported here is this checkout's, so graphgrad.viz must be too (an
    # editable install of another checkout maps the name elsewhere)
    sys.meta_path.insert(0, CheckoutViz())


_find_viz_in_a_checkout()

__version__ = "0.1.0"

__all__ = [
    "Value", "apply", "record_node", "as_value", "Op", "Ctx", "trace_of", "restore_gc_thresholds", "tune_gc_thresholds", "backward", "no_grad",
    "enable_grad", "is_grad_enabled", "group", "detect_anomaly", "record_traces",
    "BackwardStep", "BackwardTrace", "gradcheck", "gradgradcheck", "check_gates", "GateReport", "GateFailure", "layer_from_pair", "grad", "numeric_grad", "rel_error",
    "GraphgradError", "ShapeError", "BackwardError", "AnomalyError", "GradcheckError",
    "maximum", "minimum", "where", "concatenate", "stack", "pad", "clip", "exp", "log", "sqrt",
    "tanh", "sigmoid", "relu", "reshape", "transpose", "matmul", "sum", "mean",
    "softplus", "gelu", "celu", "hardtanh", "silu", "selu", "mish", "hardsigmoid", "hardswish", "logsigmoid",
    "softsign", "relu6",
    # math (graphgrad/ops/math.py)
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh",
    "arctanh", "log2", "log10", "log1p", "expm1", "exp2", "erf", "sign", "floor", "ceil",
    "round", "trunc", "floor_divide", "remainder", "logaddexp", "arctan2",
    "zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "eye", "arange", "linspace",
    "split", "chunk", "repeat", "tile", "roll", "flip", "squeeze", "unsqueeze", "expand_dims",
    "tril", "triu", "diag", "diagonal",
    # reductions, scans, sorting (graphgrad/ops/reduce.py), einsum (ops/products.py)
    "prod", "var", "std", "logsumexp", "norm", "cumsum", "cumprod", "argmax", "argmin", "argsort",
    "sort", "topk", "einsum",
    "gather", "scatter", "scatter_add", "take_along_axis", "masked_fill", "one_hot", "astype",
    "isnan", "isinf", "isfinite", "isclose", "any", "all",
    "logical_and", "logical_or", "logical_xor", "logical_not",
    "linalg",
]
__all__ += [_n for _n in _numeric_all if _n not in __all__]   # gg.sin ... gg.hypot (the op registry)

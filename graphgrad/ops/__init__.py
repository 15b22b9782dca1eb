"""Primitive ops: each one a forward, a vector-Jacobian product and a display formula.

One module per op family. Each holds the op classes, the functions users call
(``gg.<name>``, also ``Value.<name>`` and ``np.<name>(v)``, declared with ``@export`` or
``value_attr`` beside them) and the checks of their arguments. Where an op lives:

==================  ===========================================================================
``base.py``         ``Op``, ``Ctx``, ``run``, broadcasting and axis helpers
``export.py``       ``@export``: where an op is published (``gg.*``, Value methods, numpy)
``arithmetic.py``   ``+ - * / **``, neg, maximum, minimum, clip, where, select; ``Unary``/``Binary``
``math.py``         exp log sqrt abs, trig and hyperbolic, log2 ... erf, rounding, ``// %``,
                    logaddexp, arctan2, hypot, fmax/fmin, cbrt, sinc, nan_to_num, deg2rad
``activation.py``   relu sigmoid tanh, silu selu mish softplus gelu celu hardtanh relu6 ...
``reduce.py``       sum mean max min prod var std logsumexp norm, cumsum cumprod, sort topk
                    argmax argmin argsort, einsum
``shape.py``        reshape transpose broadcast_to, concatenate stack pad, split chunk repeat
                    tile roll flip squeeze unsqueeze tril triu diag diagonal, hstack vstack
                    column_stack atleast_*d append rot90
``index.py``        ``x[i]`` (getitem), astype, gather scatter scatter_add take_along_axis
                    masked_fill one_hot
``products.py``     matmul (``@``), outer inner kron tensordot dot cross trace diff
``linalg.py``       inv solve det slogdet cholesky eigh svd pinv norm (``graphgrad.linalg``)
``logic.py``        isnan isinf isfinite isclose any all logical_*, ``& | ^ ~`` (no gradient)
==================  ===========================================================================

nn's fused layer ops are in ``graphgrad/nn/ops/`` (conv and pooling, batch norm, losses,
activations with a parameter), their functions in ``graphgrad/nn/functional/`` and the
layers in ``graphgrad/nn/modules/``. Creating leaves (``gg.zeros`` ...) is
``graphgrad/creation.py``; the backward loop is ``graphgrad/autograd.py``.

>>> from graphgrad import ops
>>> type(ops.SIN).__module__, type(ops.SUM).__module__
('graphgrad.ops.math', 'graphgrad.ops.reduce')
"""
from . import activation as _activation, arithmetic as _arithmetic, math as _math
from .base import Ctx, Op, as_data, fit, unbroadcast  # noqa: F401
from .arithmetic import *  # noqa: F401,F403
from .math import *  # noqa: F401,F403
from .products import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .index import *  # noqa: F401,F403
math = _math    # the family module, not the stdlib math its star import brought

# every published unary op, from each module that has some (Value.<method> and gg.<method>)
UNARY_METHODS = _arithmetic.UNARY_METHODS + _math.UNARY_METHODS + _activation.UNARY_METHODS

# the unary ops published through their ``method`` attribute are declarations too: the
# Value method comes from value.py's fast path and np.<ufunc> from _numpy_api.py; the
# function gg.<method> (and its typed stub) from the registry, as for an @export
from .export import REGISTRY as _REGISTRY, Export as _Export  # noqa: E402
_REGISTRY.extend(_Export(op.method, op, method=op.method, op=op) for op in UNARY_METHODS)

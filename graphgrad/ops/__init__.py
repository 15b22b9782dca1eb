"""Primitive ops: each one a forward, a vector-Jacobian product and a display formula."""
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

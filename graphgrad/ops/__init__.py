"""Primitive ops: each one a forward, a vector-Jacobian product and a display formula."""
from . import activations as _activations, elementwise as _elementwise, mathops as _mathops
from .base import Ctx, Op, as_data, fit, unbroadcast  # noqa: F401
from .elementwise import *  # noqa: F401,F403
from .mathops import *  # noqa: F401,F403
from .tensor import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .activations import *  # noqa: F401,F403
from .index import *  # noqa: F401,F403

# every published unary op, from each module that has some (Value.<method> and gg.<method>)
UNARY_METHODS = _elementwise.UNARY_METHODS + _mathops.UNARY_METHODS + _activations.UNARY_METHODS

# the unary ops published through their ``method`` attribute are declarations too: the
# Value method comes from value.py's fast path and np.<ufunc> from _numpy_api.py; the
# function gg.<method> (and its typed stub) from the registry, as for an @export
from .export import REGISTRY as _REGISTRY, Export as _Export  # noqa: E402
_REGISTRY.extend(_Export(op.method, op, method=op.method, op=op) for op in UNARY_METHODS)

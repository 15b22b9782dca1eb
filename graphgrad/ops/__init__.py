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

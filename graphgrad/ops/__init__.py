"""Primitive ops: each one a forward, a vector-Jacobian product and a display formula."""
from .base import Ctx, Op, as_data, fit, unbroadcast  # noqa: F401
from .elementwise import *  # noqa: F401,F403
from .tensor import *  # noqa: F401,F403
from . import activations  # noqa: F401
from .activations import *  # noqa: F401,F403

# every published unary op, from each module that defines some (Value.<method>, gg.<method>)
UNARY_METHODS = elementwise.UNARY_METHODS + activations.UNARY_METHODS  # noqa: F405

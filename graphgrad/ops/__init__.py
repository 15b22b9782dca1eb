"""Primitive ops: each one a forward, a vector-Jacobian product and a display formula."""
from .base import Ctx, Op, as_data, fit, unbroadcast  # noqa: F401
from .elementwise import *  # noqa: F401,F403
from .tensor import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403

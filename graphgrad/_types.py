"""Type aliases for the public signatures (imported under ``TYPE_CHECKING`` only, so
``import graphgrad`` stays as light as before).

>>> from graphgrad._types import Operand
"""
from __future__ import annotations

from typing import Sequence, Union

from numpy.typing import ArrayLike

from .value import Value

#: what an op accepts: a Value, or anything numpy turns into an array (a number, a list, an array)
Operand = Union[Value, ArrayLike]
#: an ``axis`` argument: one axis, several, or None for all
Axis = Union[int, Sequence[int], None]

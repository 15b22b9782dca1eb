"""Type aliases for viz's public signatures (imported under ``TYPE_CHECKING`` only).

>>> from viz._types import Collapse, Local
"""
from __future__ import annotations

import os
from typing import Sequence, Union

from graphgrad import BackwardTrace, Value

#: ``collapse=``: True (every group), False/None (none), one group name or several
Collapse = Union[bool, str, Sequence[str], None]
#: ``local=``: False, True, or the Value(s) whose local gradients to write on the edges
Local = Union[bool, Value, Sequence[Value], None]
#: a file name
PathLike = Union[str, "os.PathLike[str]"]
#: what a Stepper walks: a Value (its backward pass is rerun with a trace) or a trace
StepSource = Union[Value, BackwardTrace]

"""The op names the page can evaluate, read from the one rule table in ``rules.js``.

The JavaScript table is the only definition of the page's arithmetic; Python reads its
keys so a graph with an op missing there is marked "values fixed" before the page opens.
``SCALAR``: the rules with a scalar form (``f``/``d``, applied entry by entry to small
tensors); ``TENSOR``: the rules with a tensor form (``t``: reductions, matmul).

>>> "mul" in RULES and RULES["mul"] == "mul", "matmul" in TENSOR, "matmul" in SCALAR
(True, True, False)
"""
from __future__ import annotations

import re
from pathlib import Path

SOURCE = (Path(__file__).with_name("rules.js")).read_text(encoding="utf-8")
_TABLE = SOURCE.split("var GG_T")[0]
_CHUNKS = re.split(r"^  (\w+): \{", _TABLE, flags=re.M)[1:]     # [name, body, name, body, ...]
RULES = {m: m for m in _CHUNKS[0::2]}
SCALAR = frozenset(m for m, body in zip(_CHUNKS[0::2], _CHUNKS[1::2]) if body.startswith("f:"))
TENSOR = frozenset(m for m, body in zip(_CHUNKS[0::2], _CHUNKS[1::2]) if "t: {" in body)

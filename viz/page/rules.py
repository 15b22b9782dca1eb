"""The op names the page can evaluate, read from the one rule table in ``rules.js``.

The JavaScript table is the only definition of the page's arithmetic; Python reads its
keys so a graph with an op missing there is marked "values fixed" before the page opens.

>>> "mul" in RULES and RULES["mul"] == "mul"
True
"""
from __future__ import annotations

import re
from pathlib import Path

SOURCE = (Path(__file__).with_name("rules.js")).read_text(encoding="utf-8")
RULES = {m: m for m in re.findall(r"^  (\w+): \{f:", SOURCE, flags=re.M)}

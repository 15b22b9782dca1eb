"""Optional dependencies: the extras a feature needs, and the one-sentence error when one is missing.

graphgrad's core needs numpy only (viz adds networkx and graphviz-pure). Plots and progress
bars come with ``graphgrad[train]``, notebook widgets with ``graphgrad[notebook]``, the
PyTorch comparisons with ``graphgrad[torch]``.

>>> require("numpy", "train", "graphgrad.train")   # installed: nothing happens
"""
from __future__ import annotations

import importlib.util

__all__ = ["MissingExtraError", "require"]


class MissingExtraError(ImportError):
    """A feature was imported whose optional dependencies (a pip "extra") are not installed.

    An ``ImportError``, so ``try: import graphgrad.train except ImportError:`` keeps working.
    """

    def __init__(self, feature: str, module: str, extra: str):
        self.feature, self.module, self.extra = feature, module, extra
        super().__init__(f"{feature} needs the optional package {module!r}, which is not installed; "
                         f"install it with: pip install 'graphgrad[{extra}]'", name=module)


def require(module: str, extra: str, feature: str | None = None) -> None:
    """Raise :class:`MissingExtraError` naming ``extra`` unless ``module`` is installed.

    Call it at the top of a module whose feature needs an extra, so the user gets one
    sentence at import time instead of a ``ModuleNotFoundError`` halfway through a run.
    It only looks the module up (no import), so heavy packages still load lazily.

    >>> require("no_such_module_xyz", "train", "graphgrad.train")
    Traceback (most recent call last):
    ...
    graphgrad._extras.MissingExtraError: graphgrad.train needs the optional package 'no_such_module_xyz', which is not installed; install it with: pip install 'graphgrad[train]'
    """
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):      # a parent package missing, or a half-initialised one
        found = False
    if not found:
        raise MissingExtraError(feature or module, module, extra)

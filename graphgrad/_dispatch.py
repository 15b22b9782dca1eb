"""Which numpy functions and ufuncs a Value passes through, and the graphgrad op behind each.

``np.exp(v)``, ``np.where(mask, v, 0)`` or ``np.sum(v, axis=0)`` on a Value run the
graphgrad op of that name, so the result stays in the graph. That is what lets an op's
backward be written once, in numpy, and run on raw data in a plain pass and on Values in
a ``create_graph`` pass (its result is then itself differentiable).

A numpy function that has no graphgrad op refuses a Value with a TypeError instead of
silently turning it into a constant (the gradient would be lost without a word).

Register one with :func:`implements`:

>>> import numpy as np
>>> from graphgrad._dispatch import implements, HANDLED
>>> graphgrads_own = HANDLED[np.fliplr]
>>> @implements(np.fliplr)
... def _fliplr(x):
...     return x[:, ::-1]
>>> HANDLED[np.fliplr] is _fliplr
True
>>> HANDLED[np.fliplr] = graphgrads_own          # (this example put graphgrad's own back)
"""
from __future__ import annotations

HANDLED: dict = {}        # numpy function or ufunc -> the function run on Values
# numpy functions that only look at shapes/dtypes: run on the raw data (nothing to record)
RAW_FUNCTIONS: set = set()


def implements(*np_funcs):
    """Decorator: run ``fn`` when one of ``np_funcs`` is called with a Value argument."""
    def register(fn):
        for f in np_funcs:
            HANDLED[f] = fn
        return fn
    return register


def raw(*np_funcs) -> None:
    """Let ``np_funcs`` (shape/dtype queries, boolean tests) run on a Value's raw data."""
    RAW_FUNCTIONS.update(np_funcs)


def refuse(name: str, hint: str = "cast with .astype() afterwards", **given) -> None:
    """Raise a TypeError naming the keywords of ``np.<name>`` that a Value cannot honour (those
    given as anything but None): silently ignoring ``out=`` or ``dtype=`` would be a wrong answer.

    >>> refuse("sum", out=None, dtype=None)        # nothing given: fine
    """
    bad = sorted(k for k, v in given.items() if v is not None)
    if bad:
        raise TypeError(f"np.{name} on a Value: {', '.join(bad)} not supported ({hint})")


def name_of(f) -> str:
    mod = getattr(f, "__module__", None) or "numpy"
    name = getattr(f, "__name__", repr(f))
    return f"np.{name}" if mod.startswith("numpy") else f"{mod}.{name}"

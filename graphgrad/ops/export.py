"""One declaration per op: where it is published, written beside its derivative.

``@export`` on an op class (its instance's ``__call__`` is the public function) or on a
front function records where the function goes: a function in ``graphgrad`` (or
``graphgrad.linalg``), a ``Value`` method, and the numpy functions or ufuncs that run it
on a Value. ``graphgrad._publish`` makes all of them from :data:`REGISTRY` at import, and
``python -m graphgrad._stubgen`` writes the typed stubs mypy reads (a test keeps them
current). A new elementwise op is then one class in one file:

>>> import numpy as np
>>> from graphgrad.ops.export import REGISTRY
>>> hypot = next(e for e in REGISTRY if e.name == "hypot")
>>> hypot.method, hypot.numpy == (np.hypot,), hypot.module
('hypot', True, 'graphgrad')
"""
from __future__ import annotations

from typing import Any, Callable, Sequence, TypeVar

T = TypeVar("T")

REGISTRY: list = []        # every Export, in declaration order
# (name, function, replace): Value methods and operators an op module adds beside its
# functions (``x.flip(0)``, ``m & n``); graphgrad._publish attaches them once Value exists
# (value.py imports the ops, so an op module cannot reach Value at load). ``replace``
# overwrites a method Value already has.
VALUE_ATTRS: list = []


class Export:
    """Where one public function is published (see :func:`export`).

    ``name``    the function's name in ``module``
    ``front``   the callable (an op instance's bound ``__call__`` or a function)
    ``method``  the Value method's name, or None
    ``numpy``   the numpy functions/ufuncs that run ``front`` on a Value
    ``module``  ``"graphgrad"`` or ``"graphgrad.linalg"``
    ``op``      the op instance for an exported op class, else None

    >>> Export("f", len).module
    'graphgrad'
    """

    __slots__ = ("name", "front", "method", "numpy", "module", "op")

    def __init__(self, name, front, method=None, numpy=(), module="graphgrad", op=None):
        self.name, self.front, self.method = name, front, method
        self.numpy, self.module, self.op = tuple(numpy), module, op

    def __repr__(self) -> str:
        return f"<export {self.module}.{self.name}>"


def export(name: str | None = None, *, method: str | bool | None = None,
           numpy: Any | Sequence = (), module: str = "graphgrad") -> Callable[[T], T]:
    """Decorator: publish an op class (or a front function) as ``module.<name>``, as
    ``Value.<method>`` (``method=True``: the same name) and for the numpy functions in
    ``numpy``. On a class it makes the one instance, kept as ``cls.instance``.

    >>> from graphgrad.ops.arithmetic import Unary
    >>> @export("twice_it", module="example")
    ... class TwiceIt(Unary):
    ...     name = symbol = "twice_it"
    ...     def f(self, a): return 2 * a
    ...     def df(self, a, o): return 2.0
    >>> TwiceIt.instance(3.0).item()
    6.0
    >>> _ = REGISTRY.pop()          # keep the example out of the real registry
    """
    nps = numpy if isinstance(numpy, (tuple, list)) else (numpy,)

    def register(obj: T) -> T:
        if isinstance(obj, type):
            op = obj()
            obj.instance = op  # type: ignore[attr-defined]
            fname = name or op.name
            front = op.__call__
        else:
            op, fname, front = None, name or getattr(obj, "__name__"), obj
        m = fname if method is True else (method or None)
        REGISTRY.append(Export(fname, front, m, nps, module, op))
        return obj
    return register


def as_method(front: Callable, name: str | None = None) -> Callable:
    """``front(x, ...)`` as the Value method ``x.<name>(...)`` (``name`` defaults to the
    function's): the method carries the function's docstring and, through ``__wrapped__``,
    its signature, which the typed-stub generator (``graphgrad/_stubgen.py``) reads.

    >>> import inspect
    >>> def scaled(x, k=2.0):
    ...     "x times k."
    ...     return k * x
    >>> m = as_method(scaled, "times")
    >>> m.__name__, m.__doc__, str(inspect.signature(m)), m(3.0)
    ('times', 'x times k.', '(x, k=2.0)', 6.0)
    """
    def method(self, *args, **kwargs):
        return front(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name or front.__name__
    method.__doc__ = front.__doc__
    method.__wrapped__ = front  # type: ignore[attr-defined]
    return method


def value_attr(name: str, fn: Callable, replace: bool = False) -> None:
    """Declare ``Value.<name> = fn`` (see :data:`VALUE_ATTRS`).

    >>> value_attr("twice_it", lambda self: 2 * self); _ = VALUE_ATTRS.pop()
    """
    VALUE_ATTRS.append((name, fn, replace))

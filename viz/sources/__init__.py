"""Sources: turn any supported autograd object into the plain data every view reads.

:func:`as_graph` gives a :class:`~viz.graphdata.GraphData` (what a diagram needs) and
:func:`as_trace` a :class:`~viz.graphdata.TraceData` (what a stepper needs), for

* graphgrad: a ``Value`` or a ``BackwardTrace`` (``viz/sources/graphgrad.py``);
* micrograd: a ``micrograd.engine.Value`` or the lecture's ``Value`` (anything with
  ``_prev``, ``_op``, ``data`` and ``grad``; ``viz/sources/micrograd.py``);
* PyTorch: a tensor or a ``viz.record_torch()`` recording (``viz/sources/torch.py``);
* GraphData / TraceData themselves (passed through).

Dispatch looks at the object's type and module only, so drawing a graphgrad graph never
imports torch or micrograd. An adapter is a module with ``as_graph(obj, **opts)`` and
``as_trace(obj, who="viz", **opts)``, and optionally ``is_node(obj)`` (a graph node a
script may expose, for the CLI) and ``inputs_of(node)`` (the nodes it was computed
from, in order). Add one with :func:`register`.

>>> import graphgrad as gg
>>> x = gg.Value(2.0, requires_grad=True, name="x")
>>> g = as_graph(x * 3.0)
>>> g.source, [n.label for n in g.nodes]
('graphgrad', ['x', '*3'])
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..graphdata import GraphData, TraceData

__all__ = ["as_graph", "as_trace", "adapter_for", "is_node", "inputs_of", "register", "SOURCES",
           "EXPECTED"]

# what the error message lists (one place, so a new source updates every message)
EXPECTED = ("a graphgrad Value or BackwardTrace, a micrograd Value, a PyTorch tensor or "
            "viz.record_torch() recording, or viz GraphData/TraceData")


@dataclass(frozen=True)
class Source:
    """One supported engine: its adapter module and a cheap test of an object's type."""

    name: str
    module: str                 # imported on first use only
    accepts: object             # callable(obj) -> bool; must not import the engine


def _module_root(obj) -> str:
    return (type(obj).__module__ or "").split(".")[0]


def _from(obj, package) -> bool:
    """True when ``obj``'s class, or a class it derives from, comes from ``package``."""
    return any((getattr(c, "__module__", "") or "").split(".")[0] == package for c in type(obj).__mro__)


def _is_graphgrad(obj) -> bool:
    return _from(obj, "graphgrad") and (hasattr(obj, "group_instances") or
                                        (hasattr(obj, "steps") and hasattr(obj, "output")))


def _is_micrograd(obj) -> bool:
    # duck-typed: micrograd's engine.Value and the lecture notebook's Value alike
    if isinstance(obj, type):
        return False
    return all(hasattr(obj, a) for a in ("_prev", "_op", "data", "grad"))


def _is_torch(obj) -> bool:
    return _from(obj, "torch") or type(obj).__module__ == f"{__name__}.torch"


def _is_gradcheck_report(obj) -> bool:
    return _from(obj, "graphgrad") and hasattr(obj, "failures") and hasattr(obj, "gates")


SOURCES = [
    Source("graphgrad", f"{__name__}.graphgrad", _is_graphgrad),
    Source("gradcheck", f"{__name__.rsplit('.', 1)[0]}.gradcheck_view", _is_gradcheck_report),   # failing gates in red
    Source("torch", f"{__name__}.torch", _is_torch),
    Source("micrograd", f"{__name__}.micrograd", _is_micrograd),
]


def register(name: str, module: str, accepts, first: bool = True) -> None:
    """Add an adapter module for objects where ``accepts(obj)`` is true (tried before the
    built-in sources with ``first``; a source of the same ``name`` is replaced). Here a
    homemade engine's nodes, shaped like micrograd's, go to the micrograd adapter:

    >>> class Node:
    ...     def __init__(self, data, children=(), op=""):
    ...         self.data, self.grad, self._prev, self._op = data, 0.0, set(children), op
    ...     def __mul__(self, other):
    ...         return Node(self.data * other.data, (self, other), "*")
    >>> before = list(SOURCES)
    >>> register("mine", "viz.sources.micrograd", lambda o: type(o).__name__ == "Node")
    >>> g = as_graph(Node(2.0) * Node(3.0))
    >>> SOURCES[0].name, [n.op for n in g.nodes], g.node(g.root).value
    ('mine', ['leaf', 'leaf', 'mul'], 6.0)
    >>> SOURCES[:] = before             # unregister: SOURCES is a plain list
    """
    entry = Source(name, module, accepts)
    SOURCES[:] = [s for s in SOURCES if s.name != name]
    if first:
        SOURCES.insert(0, entry)
    else:
        SOURCES.append(entry)


def _source_of(obj):
    for s in SOURCES:
        try:
            ok = s.accepts(obj)
        except Exception:       # a hostile __getattr__ must not break dispatch
            ok = False
        if ok:
            return s
    return None


def adapter_for(obj):
    """The adapter module for ``obj``, or None when no source reads it.

    >>> adapter_for(gg.Value(1.0)).__name__, adapter_for(3)
    ('graphgrad.viz.sources.graphgrad', None)
    """
    s = _source_of(obj)
    if s is None:
        return None
    try:
        return importlib.import_module(s.module)
    except ModuleNotFoundError as e:
        if e.name == s.module:
            raise ImportError(f"viz: drawing {s.name} graphs needs {s.module}, which this viz does "
                              "not include") from None
        raise


def _unknown(obj, who):
    return TypeError(f"{who}: expected a graph to draw ({EXPECTED}), got {type(obj).__name__}")


def as_graph(obj, who: str = "viz", **opts) -> GraphData:
    """``obj`` as a :class:`GraphData` (a TraceData gives its graph). ``opts`` go to the adapter
    (micrograd: ``model=`` names the groups after an ``nn.MLP``'s layers and neurons).

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> float(as_graph(f).node(as_graph(f).root).value)
    0.7310585786300049
    """
    if isinstance(obj, GraphData):
        return obj
    if isinstance(obj, TraceData):
        return obj.graph
    ad = adapter_for(obj)
    if ad is None:
        raise _unknown(obj, who)
    return ad.as_graph(obj, **opts)


def as_trace(obj, who: str = "viz", **opts) -> TraceData:
    """``obj``'s backward pass as a :class:`TraceData`.

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> len(as_trace(f.backward(trace=True)))
    8
    """
    if isinstance(obj, TraceData):
        return obj
    ad = adapter_for(obj)
    if ad is None:
        raise TypeError(f"{who}: expected a backward pass to step through ({EXPECTED}), "
                        f"got {type(obj).__name__}")
    return ad.as_trace(obj, who=who, **opts)


def is_node(obj) -> bool:
    """True for a graph node of a supported engine (a Value, a tensor), what scripts expose.

    >>> is_node(gg.Value(1.0)), is_node([1.0])
    (True, False)
    """
    s = _source_of(obj)
    if s is None:
        return False
    try:
        ad = adapter_for(obj)
    except ImportError:
        return False
    test = getattr(ad, "is_node", None)
    return bool(test(obj)) if test else False


def inputs_of(obj) -> tuple:
    """The nodes ``obj`` was computed from, in order (empty for a leaf or an unknown object).

    >>> import graphgrad as gg
    >>> x = gg.Value(2.0, requires_grad=True)
    >>> len(inputs_of(x * 3.0)), inputs_of(x)
    (2, ())
    """
    ad = adapter_for(obj)
    f = getattr(ad, "inputs_of", None) if ad is not None else None
    return tuple(f(obj)) if f else ()

"""viz: draws autograd graphs the cs231n way: graphgrad's, micrograd's and PyTorch's.

Every view reads one plain-data graph (:mod:`viz.graphdata`); :mod:`viz.sources` turns
each engine's objects into it, reading their public interfaces only.

>>> import graphgrad as gg, viz
>>> x = gg.Value(2.0, requires_grad=True, name="x")
>>> y = x * 3.0
>>> y.backward()
>>> "x" in viz.to_dot(y)
True

``viz.render(y, "y.svg")`` writes a file, ``viz.Diagram(y)`` shows inline in Jupyter,
``viz.Stepper(y)`` steps through the backward pass. A PyTorch step draws the same way:
``with viz.record_torch() as rec: loss = model(x); loss.backward()``, then ``viz.Diagram(rec)``.
"""
from .dot import to_dot
from .export import to_json, to_networkx
from .graphdata import GraphData, Node, StepData, TraceData
from .options import Options
from .render import Diagram, RenderError, find_dot, render, run_dot
from .sources import as_graph, as_trace
from .sources.torch import record_torch     # imports torch only when a recording starts

__all__ = ["to_dot", "render", "Diagram", "RenderError", "find_dot", "run_dot", "to_json",
           "to_networkx", "Stepper", "Options", "as_graph", "as_trace", "GraphData", "Node",
           "TraceData", "StepData", "to_tikz", "record_torch", "Layout"]


def __getattr__(name):
    # the stepper (HTML, widgets) loads only when asked for
    if name == "Stepper":
        from .stepper import Stepper
        return Stepper
    if name == "Layout":         # one layout shared by a deck's variants (viz/layout.py)
        from .layout import Layout
        return Layout
    if name == "to_tikz":        # slide exports (viz/tikz.py), loaded when asked for
        from .tikz import to_tikz
        return to_tikz
    raise AttributeError(f"module 'viz' has no attribute {name!r}")

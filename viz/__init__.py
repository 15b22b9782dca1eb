"""graphgrad.viz: draws autograd graphs the cs231n way: graphgrad's, micrograd's and PyTorch's.

Import it as ``from graphgrad import viz``. (In a source checkout ``import viz`` still
works and gives the same module; the wheel installs no top-level ``viz``, so the unrelated
PyPI package of that name never clashes.)

Every view reads one plain-data graph (:mod:`viz.graphdata`); :mod:`viz.sources` turns
each engine's objects into it, reading their public interfaces only.

>>> import graphgrad as gg
>>> from graphgrad import viz
>>> x = gg.Value(2.0, requires_grad=True, name="x")
>>> y = x * 3.0
>>> y.backward()
>>> "x" in viz.to_dot(y)
True

``viz.render(y, "y.svg")`` writes a file, ``viz.Diagram(y)`` shows inline in Jupyter,
``viz.Stepper(y)`` steps through the backward pass, ``viz.explore(y)`` is the interactive page
(expand/collapse, search, step, what-if; ``.to_html(path)``, inline in Jupyter). A PyTorch step draws the same way:
``with viz.record_torch() as rec: loss = model(x); loss.backward()``, then ``viz.Diagram(rec)``.
"""
import sys as _sys

if __name__ == "viz":
    # Imported by its short name (the checkout's folder: the tests, older scripts). The
    # package's name is graphgrad.viz; hand that one copy out under both names, so that
    # viz.X and graphgrad.viz.X are the same module objects (never two registries).
    import importlib as _importlib
    import importlib.abc as _abc
    import importlib.util as _util

    class _ShortName(_abc.MetaPathFinder, _abc.Loader):
        def find_spec(self, name, path=None, target=None):
            if name.startswith("viz.") and not name.endswith(".__main__"):
                return _util.spec_from_loader(name, self)
            return None

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            # the import system hands out sys.modules[name] after this: the real module
            _sys.modules[module.__name__] = _importlib.import_module("graphgrad." + module.__name__)

    _sys.meta_path.insert(0, _ShortName())
    _sys.modules[__name__] = _importlib.import_module("graphgrad.viz")
    # alias what graphgrad.viz already loaded now: loading viz.render through the finder would
    # set the package's attribute `render` (the function) to the module
    for _name in [n for n in _sys.modules if n.startswith("graphgrad.viz.")]:
        _sys.modules.setdefault(_name[len("graphgrad."):], _sys.modules[_name])

from .dot import to_dot
from .export import to_json, to_networkx
from .graphdata import GraphData, Node, StepData, TraceData
from .options import Options
from .render import Diagram, RenderError, find_dot, render, run_dot
from .sources import as_graph, as_trace
from .sources.torch import record_torch     # imports torch only when a recording starts

__all__ = ["to_dot", "render", "Diagram", "RenderError", "find_dot", "run_dot", "to_json",
           "to_networkx", "Stepper", "Options", "as_graph", "as_trace", "GraphData", "Node",
           "TraceData", "StepData", "to_tikz", "record_torch", "explore", "Layout"]


def __dir__():
    # the lazily loaded names (Stepper, to_tikz) are public too: tab completion lists them
    return sorted(set(globals()) | set(__all__))


def __getattr__(name):
    # the stepper (HTML, widgets) loads only when asked for
    if name == "Stepper":
        from .stepper import Stepper
        return Stepper
    if name == "explore":       # the interactive page (viz/page/), loaded when asked for
        from .page import explore
        return explore
    if name == "Layout":         # one layout shared by a deck's variants (viz/layout.py)
        from .layout import Layout
        return Layout
    if name == "to_tikz":        # slide exports (viz/tikz.py), loaded when asked for
        from .tikz import to_tikz
        return to_tikz
    raise AttributeError(f"module 'viz' has no attribute {name!r}")

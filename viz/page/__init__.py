"""The interactive page (issue #22): :func:`explore` gives an :class:`Explorer` whose
``to_html(path)`` writes one self-contained HTML file and which shows inline in Jupyter.
:mod:`viz.page.data` is the page's JSON format (spec in its docstring).

>>> import graphgrad as gg
>>> x = gg.Value(2.0, requires_grad=True, name="x")
>>> y = x * 3.0; y.backward()
>>> "graphgrad-page" in explore(y).html()
True
"""
from .data import annotate, page_data
from .html import Explorer, explore, page_html

__all__ = ["explore", "Explorer", "page_data", "page_html", "annotate"]

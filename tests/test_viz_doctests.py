"""The docstring examples of viz's format, options, sources and formats modules run."""
import doctest

import numpy as np
import pytest

import graphgrad as gg
import viz
from viz import dot, formats, graphdata, options, sources
from viz.sources import _walk, graphgrad as gg_adapter

MODULES = [dot, formats, graphdata, options, sources, _walk, gg_adapter]
try:
    from viz.sources import micrograd as mg_adapter
    import micrograd  # noqa: F401
    MODULES.append(mg_adapter)
except ImportError:          # micrograd is a dev extra
    pass
try:
    import torch  # noqa: F401
    from viz.sources import _torch_ops, _torch_values, torch as torch_adapter
    MODULES += [_torch_ops, _torch_values, torch_adapter]
except ImportError:          # torch is an extra
    pass


@pytest.mark.parametrize("mod", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(mod):
    globs = dict(gg=gg, np=np, viz=viz, x=gg.Value(2.0, requires_grad=True, name="x"))
    res = doctest.testmod(mod, extraglobs=globs, optionflags=doctest.ELLIPSIS, report=False)
    assert res.attempted > 0 and res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {mod.__name__}"

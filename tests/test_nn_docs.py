"""The docstring examples of graphgrad.nn run and print what they show."""
import doctest

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional, init
from graphgrad.nn.functional import conv as _conv_fn, loss as _loss_fn, pool as _pool_fn
from graphgrad.nn.modules import activation as activations, conv as _conv_layers, layers, loss as losses, module
from graphgrad.nn.modules import pool as _pool_layers
from graphgrad.nn.ops import loss as _ops_loss


@pytest.mark.parametrize("mod", [functional, init, layers, activations, losses, module, nn, _loss_fn, _ops_loss,
                                 _conv_fn, _conv_layers, _pool_fn, _pool_layers],
                         ids=lambda m: m.__name__)
def test_docstring_examples(mod):
    globs = dict(gg=gg, np=np, nn=nn, F=functional, x=gg.Value(1.0, requires_grad=True))
    globs.update({k: getattr(nn, k) for k in nn.__all__})
    res = doctest.testmod(mod, extraglobs=globs, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                          report=False)
    assert res.attempted > 0 and res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {mod.__name__}"

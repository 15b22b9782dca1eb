"""Every ``>>>`` example in graphgrad's and viz's docstrings runs, as a user would paste it.

The examples may assume what numpy's documentation assumes of ``np``: the names
``np``, ``gg`` (graphgrad), ``nn``, ``F`` (graphgrad.nn.functional) and ``viz`` are
imported; anything else an example uses it defines itself. Each module runs in a fresh
temporary folder, so examples that write files leave nothing behind.
"""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import numpy as np
import pytest

import graphgrad as gg
import graphgrad.nn.functional as F
import viz
from graphgrad import nn


def _module_names() -> list[str]:
    names = []
    for pkg in (gg, viz):
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            # __main__ runs the CLI on import; the gallery scripts are data, run by their own tests
            if info.name.endswith("__main__") or ".gallery_examples" in info.name:
                continue
            names.append(info.name)
    return sorted(names)


MODULES = _module_names()


def test_every_module_is_collected():
    # a walk that silently found nothing would make the test below vacuous
    assert "graphgrad.value" in MODULES and "graphgrad.viz.render" in MODULES and len(MODULES) > 60


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.random.seed(0)
    mod = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    for test in finder.find(mod, name):
        if not test.examples:
            continue
        test.globs.update(np=np, gg=gg, nn=nn, F=F, viz=viz)
        runner.run(test, out=report.append)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}:\n" + "".join(report)[:4000]

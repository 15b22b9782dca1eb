"""Every ``>>>`` example in graphgrad's and viz's docstrings runs, as a user would paste it.

The examples may assume what numpy's documentation assumes of ``np``: the names
``np``, ``gg`` (graphgrad), ``nn``, ``F`` (graphgrad.nn.functional) and ``viz`` are
imported; anything else an example uses it defines itself. Each module runs in a fresh
temporary folder, so examples that write files leave nothing behind. No example is skipped
(``# doctest: +SKIP``): one that needs data or a long run builds a small stand-in instead.
"""
from __future__ import annotations

import doctest
import importlib
import pathlib
import pkgutil
import re

import numpy as np
import pytest

import graphgrad as gg
import graphgrad.nn.functional as F
import viz
from graphgrad import nn
from viz import sources


UNIMPORTABLE: list[str] = []   # packages the walk could not import (their modules' examples never ran)


def _module_names() -> list[str]:
    names = []
    for pkg in (gg, viz):
        # walk_packages skips a package it cannot import, and every module inside it (a missing
        # extra once hid all of graphgrad.train): note it, and the test below fails
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".", onerror=UNIMPORTABLE.append):
            # __main__ runs the CLI on import; the gallery scripts are data, run by their own tests
            if info.name.endswith("__main__") or ".gallery_examples" in info.name:
                continue
            names.append(info.name)
    return sorted(names)


MODULES = _module_names()


def test_every_module_is_collected():
    # a walk that silently found nothing would make the test below vacuous
    assert not UNIMPORTABLE, f"cannot import {UNIMPORTABLE} to run their examples (install every extra)"
    for name in ("graphgrad.value", "graphgrad.viz.render", "graphgrad.train.search", "graphgrad.data.datasets",
                 "graphgrad.viz.sources"):
        assert name in MODULES
    assert len(MODULES) > 60


_SKIP = re.compile(r"doctest:[^\n]*SKIP")


def test_no_example_is_skipped():
    # every example runs: a +SKIP directive would hide an example that no longer works
    roots = [pathlib.Path(gg.__file__).parent, pathlib.Path(viz.__file__).parent]
    found = [f"{path}:{i}" for root in roots for path in sorted(root.rglob("*.py"))
             for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if _SKIP.search(line)]
    assert not found, "examples marked +SKIP (make them run on small data instead):\n" + "\n".join(found)


def _global_state() -> dict:
    return {"viz.sources.SOURCES": list(sources.SOURCES), "gg.is_grad_enabled()": gg.is_grad_enabled(),
            "np.get_printoptions()": np.get_printoptions(), "np.geterr()": np.geterr()}


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.random.seed(0)
    mod = importlib.import_module(name)
    before = _global_state()
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
    # an example that changes global state (registers a source, turns gradients off) must undo it:
    # later tests see what they would see alone
    after = _global_state()
    changed = [k for k in before if before[k] != after[k]]
    assert not changed, f"{name}'s examples left global state changed: {changed}"

"""Every python block of the README (which is also the docs site's user guide) runs as
written, in order, in one namespace, as a reader pasting them into a notebook would.

The last block ("Adding an op to graphgrad itself") is the package's own declaration of
``hypot``; running it as is would publish a second ``gg.hypot``, so it runs with
``export`` standing in, and the op it defines is checked against the real one.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.ops import Binary

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)


def _declaration(block: str) -> bool:
    return block.lstrip().startswith("@export(")


def test_the_readme_has_python_blocks_and_one_declaration():
    assert len(BLOCKS) >= 10
    assert sum(map(_declaration, BLOCKS)) == 1


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_readme_block_runs_in_order(in_tmp, capsys):
    ns = {"__name__": "readme"}
    for i, block in enumerate(BLOCKS):
        if _declaration(block):
            continue
        try:
            exec(compile(block, f"README.md python block {i}", "exec"), ns)
        except Exception as e:  # name the block: the traceback alone says "<string>"
            raise AssertionError(f"README python block {i} fails:\n{block}\n{type(e).__name__}: {e}") from e
        if "micrograd" in block:     # the lecture neuron's numbers, before later blocks reuse x1, w1
            assert abs(ns["o"].data - 0.8814) < 1e-4 and ns["x1"].grad == -3.0 and ns["w1"].grad == 2.0
    out = capsys.readouterr().out
    # what the blocks promise in their comments
    assert "1.00 × 3.00 = 3.00" in out
    assert "layer2/wrong_sigmoid" in out
    for name in ["f.svg", "f.png", "f.pdf", "neuron.html", "loss.html", "steps.pdf", "steps.gif",
                 "deck.pdf", "failing.svg"]:
        assert (in_tmp / name).stat().st_size > 0, name


def test_the_readme_declaration_is_a_working_binary_op():
    (block,) = [b for b in BLOCKS if _declaration(b)]
    published = []
    ns = {"np": np, "Binary": Binary,
          "export": lambda *a, **k: (lambda cls: published.append((a, k)) or cls)}
    exec(compile(block, "README.md declaration", "exec"), ns)
    assert published == [(("hypot",), {"method": True, "numpy": np.hypot})]
    op = ns["Hypot"]()
    real = type(gg.hypot(gg.Value(3.0, requires_grad=True), 4.0).op)
    assert op.formulas == real.formulas and op.name == real.name
    a = gg.Value(np.array([3.0, -1.0, 0.5]), requires_grad=True)
    b = gg.Value(np.array([4.0, 2.0, -2.0]), requires_grad=True)
    out = gg.apply(op, a, b)
    assert np.allclose(out.numpy(), np.hypot(a.numpy(), b.numpy()))
    assert gg.gradcheck(lambda a, b: gg.apply(op, a, b), a, b)

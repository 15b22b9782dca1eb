"""One declaration per op: every ``@export`` is published as it says (gg.<name> or
gg.linalg.<name>, the Value method, numpy's functions), the generated stubs are current,
and mypy sees the Value methods attached at import and the generated functions."""
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import _stubgen
from graphgrad._dispatch import HANDLED
from graphgrad.ops.export import REGISTRY

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("fname", sorted(_stubgen.STUBS))
def test_the_generated_stubs_are_current(fname):
    have = (ROOT / "graphgrad" / fname).read_text(encoding="utf-8")
    assert have == _stubgen.STUBS[fname](), (f"graphgrad/{fname} is out of date: run "
                                             "`python -m graphgrad._stubgen` and commit it")


@pytest.mark.parametrize("e", REGISTRY, ids=lambda e: e.name)
def test_every_export_is_published_where_it_says(e):
    mod = gg if e.module == "graphgrad" else gg.linalg
    fn = getattr(mod, e.name)
    assert fn.__doc__ and (">>>" in fn.__doc__ or "``" in fn.__doc__), f"{e.name}: a docstring with an example"
    if e.method:
        assert e.method in vars(gg.Value), f"Value.{e.method}"
    for f in e.numpy:
        assert HANDLED[f] is e.front, f"np.{f.__name__} on a Value runs {e.name}"
    if e.module == "graphgrad":
        assert e.name in gg.__all__


def test_a_declared_op_needs_no_other_edit():
    # what an op class declares is all there is: the function, the method and numpy's ufunc agree
    x = gg.Value(np.array([1.0, 8.0]), requires_grad=True)
    for y in (gg.cbrt(x), x.cbrt(), np.cbrt(x)):
        assert y.op.name == "cbrt"
        np.testing.assert_allclose(y.numpy(), [1.0, 2.0])


def test_mypy_sees_the_attached_methods_and_generated_functions(tmp_path):
    pytest.importorskip("mypy")
    user = tmp_path / "user.py"
    user.write_text(textwrap.dedent("""
        import numpy as np
        import graphgrad as gg

        x = gg.Value(np.ones((2, 3)), requires_grad=True)
        ys = [x.sin(), x.cos(), x.exp(), x.log(), x.tanh(), x.sigmoid(), x.relu(), x.sqrt(), x.abs(),
              x.sum(), x.mean(), x.max(), x.reshape(3, 2), x.transpose(), x.var(), x.std(), x.cumsum(0),
              x.flip(0), x.gather(0, np.zeros((1, 3), dtype=int)), x.isnan()]
        z: gg.Value = gg.hypot(x, 1.0) + gg.linalg.inv(x[:, :2]) + gg.outer(x, x).sum() + x.sinc()
        reveal_type(x.sin())
        reveal_type(gg.linalg.det(x))
        x.sin(3)
    """))
    r = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", str(tmp_path / "c"),
                        str(user)], capture_output=True, text=True, cwd=ROOT)
    lines = [ln.split(": ", 1)[1] for ln in r.stdout.splitlines() if ln.startswith(str(user))]
    assert lines == ['note: Revealed type is "graphgrad.value.Value"',
                     'note: Revealed type is "graphgrad.value.Value"',
                     'error: Too many arguments for "sin" of "ValueMethods"  [call-arg]'], r.stdout + r.stderr


@pytest.mark.parametrize("modname", ["graphgrad.linalg", "graphgrad.numeric", "graphgrad.ops.export",
                                     "graphgrad.ops.linalg", "graphgrad._publish", "graphgrad._stubgen",
                                     "graphgrad.ops.math", "graphgrad.ops.arithmetic"])
def test_the_examples_in_the_docstrings_run(modname):
    import doctest
    import importlib
    mod = importlib.import_module(modname)
    r = doctest.testmod(mod, extraglobs={"gg": gg, "np": np}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert r.failed == 0 and r.attempted > 0, r

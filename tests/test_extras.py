"""Optional features name the pip extra to install when their packages are missing, and the
datasets need no scikit-learn (the digits ship inside graphgrad)."""
import subprocess
import sys

import numpy as np
import pytest

from graphgrad._extras import MissingExtraError, require

from test_viz_helpers import ROOT


def test_require_names_the_extra_in_one_sentence():
    require("numpy", "train")                          # installed: nothing happens
    with pytest.raises(MissingExtraError) as exc:
        require("no_such_module_xyz", "notebook", "viz.Stepper.widget()")
    e = exc.value
    assert isinstance(e, ImportError) and e.name == "no_such_module_xyz" and e.extra == "notebook"
    assert str(e) == ("viz.Stepper.widget() needs the optional package 'no_such_module_xyz', which is "
                      "not installed; install it with: pip install 'graphgrad[notebook]'")
    assert str(e).count(".") <= 3 and "\n" not in str(e)


def _without(module, code):
    """Run ``code`` in a fresh interpreter in which ``module`` cannot be imported."""
    prog = f"import sys; sys.modules[{module!r}] = None\n" + code
    return subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize("module, code, feature, extra", [
    ("tqdm", "import graphgrad.train", "graphgrad.train", "train"),
    ("matplotlib", "import viz.plots", "viz.plots", "train"),
    ("ipywidgets", "import graphgrad as gg, viz\nf = gg.Value(2.0, requires_grad=True) * 3.0\n"
                   "viz.Stepper(f.backward(trace=True)).widget()", "viz.Stepper.widget()", "notebook"),
])
def test_a_feature_without_its_extra_names_the_extra(module, code, feature, extra):
    proc = _without(module, code)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last == (f"graphgrad._extras.MissingExtraError: {feature} needs the optional package {module!r}, "
                    f"which is not installed; install it with: pip install 'graphgrad[{extra}]'")


def test_the_core_still_works_without_the_extras():
    code = ("import graphgrad as gg, graphgrad.data as d, viz\n"
            "x = gg.Value(np.ones(3), requires_grad=True)\n"
            "assert gg.gradcheck(lambda x: (x * x).sum(), x)\n"
            "assert d.load_digits().X_train.shape == (1079, 64)\n"
            "f = (x * 2.0).sum(); trace = f.backward(trace=True)\n"
            "assert '<svg' in viz.Diagram(f).svg() and len(viz.Stepper(trace)) > 1\n"
            "print(sorted(m for m in ('tqdm', 'matplotlib', 'sklearn', 'ipywidgets') if sys.modules.get(m)))")
    prog = ("import sys\nfor m in ('tqdm', 'matplotlib', 'sklearn', 'scipy', 'ipywidgets'):\n"
            "    sys.modules[m] = None\nimport numpy as np\n" + code)
    proc = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_shipped_digits_are_scikit_learns():
    from sklearn.datasets import load_digits as sk_digits

    from graphgrad.data import load_digits
    from graphgrad.data._digits import digits_arrays
    X, y = digits_arrays()
    ref = sk_digits()
    assert X.dtype == np.float64 and y.dtype == np.int64
    np.testing.assert_array_equal(X, ref.data)
    np.testing.assert_array_equal(y, ref.target)
    d = load_digits(seed=3)
    order = np.random.default_rng(3).permutation(len(ref.data))
    np.testing.assert_array_equal(d.X_train, ref.data[order][:len(d.X_train)] / 16.0)


def test_cli_command_without_its_extra_prints_one_line(tmp_path):
    code = ("import sys; sys.modules['tqdm'] = None\n"
            "from viz.cli import main\n"
            f"sys.exit(main(['search', 'show', {str(tmp_path / 'runs.sqlite')!r}]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == ["graphgrad search: graphgrad.train needs the optional package 'tqdm', "
                                        "which is not installed; install it with: pip install 'graphgrad[train]'"]

"""The README's two set-up commands and .ci/run stay in step; the package builds, installs
light, and its extras are declared as the README says."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def readme_commands():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block and text.index(block.group(0)) < text.index("\n\n", text.index("# graphgrad") + 12) + 2
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_setup_commands():
    cmds = readme_commands()
    assert len(cmds) == 2
    install_and_gallery, tests = cmds
    assert "graphgrad gallery" in install_and_gallery
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text()
    assert readme_commands()[1] in ci.splitlines()


def test_ci_installs_the_browser_and_tmux():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "chromium" in ci and "tmux" in ci and "CI=true" in ci


# ---------------------------------------------------------------- the built wheel, as a user installs it
# This test builds the sdist and the wheel (python -m build), installs the wheel into a fresh
# venv WITHOUT extras and uses it there, then adds [train] and runs the gallery outside the
# checkout. It runs in CI; it takes a minute or two (pip installs numpy etc. from its cache).
CORE_SCRIPT = r'''
import sys
import numpy as np
import graphgrad as gg
from graphgrad import viz
x = gg.Value(np.array([0.5, -1.5, 2.0]), requires_grad=True, name="x")
assert gg.gradcheck(lambda x: (x.tanh() * x).sum(), x)
f = (x * x).sum()
f.backward()
path = viz.render(f, "f.svg")
assert "<svg" in open(path).read()
import graphgrad.data
assert graphgrad.data.load_digits().num_classes == 10          # shipped: no scikit-learn
try:
    import graphgrad.train
except ImportError as e:
    print("TRAIN:", e)
else:
    raise SystemExit("graphgrad.train imported without the [train] extra")
for m in ("tqdm", "matplotlib", "sklearn", "scipy", "ipywidgets", "torch", "graphviz"):
    try:
        __import__(m)
    except ImportError:
        pass
    else:
        raise SystemExit(f"{m} is installed in the core venv")
print("CORE OK", viz.__file__)
'''


TYPED_USER_FILE = """
import numpy as np
import graphgrad as gg
from graphgrad import viz

x = gg.Value(np.ones(3), requires_grad=True, name="x")
f = gg.sum(gg.maximum(x, 0.5) * x)
ok: bool = gg.gradcheck(lambda x: (x * x).sum(), x)
with gg.no_grad():
    y: gg.Value = gg.exp(x)
path: str = viz.render(f, "f.svg", timeout=3.0)
dot: str = viz.to_dot(f, collapse=True, local=x)
page: str = viz.Stepper(f).to_html()
viz.render(f, 3.5)
"""


def _run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)   # only against a hang
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _installed_mib(venv):
    """Disk use (like ``du``) of what installing graphgrad put in ``venv``: site-packages
    without pip/setuptools (every venv has them), plus the graphviz-pure binary in bin/."""
    (site,) = venv.glob("lib/python3*/site-packages")
    venv_own = ("pip", "setuptools", "pkg_resources", "_distutils_hack", "distutils-precedence.pth")
    total = 0
    for top in site.iterdir():
        if top.name.split("-")[0] in venv_own or top.name in venv_own:
            continue
        files = [top] if top.is_file() else [f for f in top.rglob("*") if f.is_file() and not f.is_symlink()]
        total += sum(f.stat().st_blocks * 512 for f in files)
    total += (venv / "bin" / "graphviz-pure").stat().st_blocks * 512
    return total / 2 ** 20


def _copy_checkout(dst):
    """The source tree without venvs, caches and build output (the build must not touch ROOT)."""
    junk = shutil.ignore_patterns(".git", ".venv*", "__pycache__", "*.egg-info", "build", "dist",
                                  "gallery", ".pytest_cache", ".hypothesis", "out")
    shutil.copytree(ROOT, dst, ignore=junk)
    return dst


@pytest.mark.slow
def test_wheel_installs_a_light_core_and_the_gallery_runs_outside_the_checkout(tmp_path):
    src = _copy_checkout(tmp_path / "src")
    dist = tmp_path / "dist"
    # sdist first, then the wheel built from the unpacked sdist: both must be complete
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(src)])
    (wheel,) = dist.glob("graphgrad-*.whl")
    (sdist,) = dist.glob("graphgrad-*.tar.gz")
    names = set(zipfile.ZipFile(wheel).namelist())
    for need in ("graphgrad/viz/gallery_examples/01_add_mul.py", "graphgrad/viz/gallery_examples/08_small_cnn.py",
                 "graphgrad/viz/py.typed", "graphgrad/viz/cli.py", "graphgrad/py.typed", "graphgrad/data/digits.npz", "graphgrad/data/DIGITS.txt"):
        assert need in names, need
    assert not any(n.startswith(("tests/", "examples/", "bench/")) for n in names)
    # the drawing package installs as graphgrad.viz only: no top-level viz/ to clash with PyPI's `viz`
    assert not any(n.startswith("viz/") for n in names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    sdist_names = {n.split("/", 1)[1] for n in tarfile.open(sdist).getnames() if "/" in n}
    assert {"viz/gallery_examples/01_add_mul.py", "graphgrad/data/digits.npz", "pyproject.toml", "LICENSE",
            "CHANGELOG.md", "docs/conf.py", "docs/_ext/graphgrad_docs.py",
            "tests/conftest.py", "tests/golden/01_add_mul_0.dot", "examples/babysit_digits.py", ".ci/run"} <= sdist_names
    assert not any("__pycache__" in n or n.startswith(".venv") for n in sdist_names)

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])          # no --system-site-packages: nothing leaks in
    py, pip = venv / "bin" / "python", [str(venv / "bin" / "python"), "-m", "pip"]
    _run(pip + ["install", "-q", str(wheel)])
    requires = _run(pip + ["show", "graphgrad"]).stdout
    assert "Requires: graphviz-pure, networkx, numpy" in requires, requires
    core_mib = _installed_mib(venv)
    print(f"core install: {core_mib:.0f} MiB")
    assert core_mib < 110, f"the core install takes {core_mib:.0f} MiB (goal: under 110; numpy alone is ~73)"

    user = tmp_path / "user"                                  # a folder outside any checkout
    user.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRAPHGRAD_DOT")}
    out = _run([str(py), "-c", CORE_SCRIPT], cwd=user, env=env).stdout
    assert "CORE OK" in out and str(venv) in out                # the installed copy, not the checkout
    assert ("TRAIN: graphgrad.train needs the optional package 'tqdm', which is not installed; "
            "install it with: pip install 'graphgrad[train]'") in out

    # py.typed: mypy reads the installed package's hints (and catches a float given as a path)
    (user / "typed.py").write_text(TYPED_USER_FILE)
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--python-executable", str(py), "--no-incremental",
                           "--follow-imports=silent", "typed.py"], cwd=user, capture_output=True, text=True,
                          timeout=600, env=env)
    assert mypy.stdout.splitlines() == [
        'typed.py:14: error: Argument 2 to "render" has incompatible type "float"; expected "str | PathLike[str]"'
        '  [arg-type]', "Found 1 error in 1 file (checked 1 source file)"], mypy.stdout + mypy.stderr

    # the unrelated 2014 PyPI package `viz` installed beside graphgrad: both keep working
    _run(pip + ["install", "-q", "viz==0.0.5"])
    out = _run([str(py), "-c", "import viz, graphgrad.viz as ours; print(viz.__file__); print(ours.__file__)"],
               cwd=user, env=env).stdout.split()
    assert out[0].endswith("site-packages/viz/__init__.py") and out[1].endswith("site-packages/graphgrad/viz/__init__.py")

    _run(pip + ["install", "-q", f"{wheel}[train]"])
    assert _run([str(venv / "bin" / "graphgrad"), "--version"], cwd=user, env=env).stdout.strip() == "graphgrad 0.1.0"
    proc = _run([str(venv / "bin" / "graphgrad"), "gallery", "-o", "out"], cwd=user, env=env)
    index = (user / "out" / "index.html").read_text()
    assert index.count("<svg") == 18, proc.stdout              # 16 lecture diagrams + 2 of 10_wrong_relu_backward
    assert _run([str(py), "-c", "import graphgrad.train, graphgrad.viz.plots"], cwd=user, env=env).returncode == 0


@pytest.mark.slow
def test_editable_install_gives_one_viz_under_both_names(tmp_path):
    # a contributor's editable install, with PyPI's unrelated `viz` installed too: outside the
    # checkout the name is graphgrad.viz (and `viz` is the other package); inside it, the
    # short name `import viz` is the same module objects as graphgrad.viz (never a second copy)
    src = _copy_checkout(tmp_path / "src")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    py, pip = venv / "bin" / "python", [str(venv / "bin" / "python"), "-m", "pip"]
    _run(pip + ["install", "-q", "viz==0.0.5"])
    _run(pip + ["install", "-q", "-e", str(src)])
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRAPHGRAD_DOT")}
    user = tmp_path / "user"
    user.mkdir()
    out = _run([str(py), "-c", "import viz, graphgrad.viz as ours; print(viz.__file__); print(ours.__file__)"],
               cwd=user, env=env).stdout.split()
    assert out[0].endswith("site-packages/viz/__init__.py") and out[1] == str(src / "viz" / "__init__.py")
    # (graphgrad.viz.render is also the name of a function: read the module from sys.modules)
    same = ("import sys, viz, viz.sources.torch, graphgrad.viz as g, graphgrad.viz.sources.torch as t;"
            "from viz.render import Diagram; r = sys.modules['graphgrad.viz.render'];"
            "print(viz is g, viz.sources.torch is t, Diagram is r.Diagram)")
    assert _run([str(py), "-c", same], cwd=src, env=env).stdout.split() == ["True", "True", "True"]
    assert _run([str(venv / "bin" / "graphgrad"), "--version"], cwd=user, env=env).stdout.startswith("graphgrad ")


def test_every_package_folder_is_in_the_wheel():
    # pyproject lists the packages by hand (viz/ installs as graphgrad.viz): a new sub-package
    # folder that is not listed would be missing from the wheel
    import tomllib
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for top, name in (("graphgrad", "graphgrad"), ("viz", "graphgrad.viz")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top).parts
            if "gallery_examples" not in rel:
                found.add(".".join((name, *rel)))
    assert found == listed, f"not listed: {sorted(found - listed)}; listed but missing: {sorted(listed - found)}"


def test_ci_runs_the_slow_tests_too():
    # the packaging test is marked slow; nothing in the README's test command deselects it
    assert "-m" not in readme_commands()[1].split("pytest", 1)[1]
    text = (ROOT / "pyproject.toml").read_text()
    assert 'markers = ["slow:' in text


def test_extras_are_declared_and_the_core_is_light():
    import tomllib
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = sorted(d.split(">")[0].split("=")[0] for d in meta["dependencies"])
    assert core == ["graphviz-pure", "networkx", "numpy"]
    extras = meta["optional-dependencies"]
    assert {"train", "notebook", "slides", "torch", "all", "dev", "ref", "search"} <= set(extras)
    assert any(d.startswith("optuna>") for d in extras["search"])   # only in the extra: the core stays light
    assert extras["torch"] == ["torch==2.13.0"]              # other versions download gigabytes
    assert extras["all"] == ["graphgrad[train,notebook,slides,torch,search]"] and extras["ref"] == ["graphgrad[torch]"]
    assert any(d.startswith("build") for d in extras["dev"])

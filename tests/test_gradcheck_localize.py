"""gradcheck points at the wrong gate: graphgrad ops, cs231n-style pairs, PyTorch calls, in pytest."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import graphgrad as gg
import viz
from viz.gradcheck_view import gradcheck_dot, gradcheck_picture, page_annotations, annotate_page

HERE = os.path.abspath(__file__)


class WrongSigmoid(gg.Op):
    """σ with a deliberately wrong backward: it forgets the (1 - σ) factor."""

    name, symbol = "wrong_sigmoid", "σ?"
    twice_differentiable = True          # its (wrong) backward is written with Value-friendly ops

    def forward(self, a):
        return 1 / (1 + np.exp(-a)), None

    def backward(self, ctx, g):
        return (g * ctx.out,)


class Cube(gg.Op):
    """x³ with a right backward but a wrong local() (the diagram's numbers): 2x² instead of 3x²."""

    name, symbol, formulas = "cube", "x³", ("d(x³)/dx = 3x²",)
    elementwise = True

    def forward(self, a):
        return a ** 3, None

    def local(self, ctx):
        return (2 * ctx.inputs[0] ** 2,)

    def backward(self, ctx, g):
        return (g * 3 * ctx.inputs[0] ** 2,)


def _weights():
    rng = np.random.default_rng(0)
    W1 = gg.Value(rng.standard_normal((4, 5)), requires_grad=True, name="W1")
    W2 = gg.Value(rng.standard_normal((5, 3)), requires_grad=True, name="W2")
    W3 = gg.Value(rng.standard_normal((3, 2)), requires_grad=True, name="W3")
    x = gg.Value(rng.standard_normal((6, 4)), name="x")
    return W1, W2, W3, x


def _net(activation):
    def net(W1, W2, W3, x):
        with gg.group("layer1"):
            h = (x @ W1).tanh()
        with gg.group("layer2"):
            h = gg.apply(activation, h @ W2) if isinstance(activation, gg.Op) else activation(h @ W2)  # planted
        with gg.group("layer3"):
            return (h @ W3).sum()
    return net


PLANTED_LINE = "else activation(h @ W2)  # planted"


def test_a_wrong_custom_op_in_a_3_layer_net_is_named_with_group_and_line():
    net = _net(WrongSigmoid())
    with pytest.raises(gg.GradcheckError) as e:
        gg.gradcheck(net, *_weights())
    report = e.value.report
    assert [(f.op, f.group, f.input, f.kind) for f in report.failures] == [
        ("wrong_sigmoid", ("layer2",), 0, "backward")]
    f = report.failures[0]
    assert f.position == 3 and report.gates == 6          # @ tanh @ σ? @ sum: the fourth gate to run
    assert f.site.startswith(HERE) and f.site.endswith(PLANTED_LINE)
    assert f.bad == f.checked == 18                        # every entry of its (6, 3) input is wrong
    ix, backward, numeric, err = f.worst[0]
    assert err > 0.1 and abs(backward - numeric) > 0.01
    text = str(e.value)
    assert text.splitlines()[1].split()[:2] == ["input", "index"]        # the table first
    assert "gate #3 layer2/wrong_sigmoid input 0" in text and PLANTED_LINE in text


def test_the_failing_gate_is_red_in_the_svg_and_nothing_else_is(tmp_path):
    report = gg.check_gates(_net(WrongSigmoid()), *_weights())
    dot = gradcheck_dot(report)
    red = [line for line in dot.splitlines() if 'class="gate fail"' in line]
    assert len(red) == 1 and "label=<σ?>" in red[0] and "penwidth=3" in red[0]
    edges = [line for line in dot.splitlines() if 'class="fail"' in line]
    assert len(edges) == 1 and "backward" in edges[0] and "expected" in edges[0]
    assert "the first failing gate is layer2/wrong_sigmoid" in dot
    svg = open(gradcheck_picture(report, tmp_path / "f.svg"), encoding="utf-8").read()
    assert svg.count('gate fail"') == 1 and "#c62828" in svg and "σ?" in svg
    png = open(gradcheck_picture(report, tmp_path / "f.png"), "rb").read()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # the page data format (page-format.md): status "fail" and notes on that node only
    marks = page_annotations(report)
    assert list(marks) == [viz.as_graph(report.output).lookup[id(report.failures[0].node)]]
    page = annotate_page({"nodes": [{"id": nid} for nid in ("n0", *marks)]}, report)
    assert [n.get("status") for n in page["nodes"]] == [None, "fail"]
    assert PLANTED_LINE in page["nodes"][1]["notes"][0]


def test_collapsed_groups_show_the_failing_box_red():
    report = gg.check_gates(_net(WrongSigmoid()), *_weights())
    dot = viz.to_dot(report, collapse=True)
    red = [line for line in dot.splitlines() if "fail" in line]
    assert len(red) == 1 and "<B>layer2</B>" in red[0]


def test_a_correct_composite_reports_nothing():
    net = _net(lambda z: z.sigmoid())
    W = _weights()
    assert gg.gradcheck(net, *W)
    report = gg.check_gates(net, *W)
    assert report.ok and report.failures == () and report.gates == 6


def test_builtin_ops_pass_gate_by_gate_with_broadcasting_and_locals():
    rng = np.random.default_rng(1)
    a = gg.Value(rng.uniform(0.5, 2.0, (3, 4)), requires_grad=True)
    b = gg.Value(rng.uniform(0.5, 2.0, (4,)), requires_grad=True)
    c = gg.Value(1.7, requires_grad=True)

    def f(a, b, c):
        h = (a * b + c) / (a + 1.0)
        h = h.exp().log() ** 2 - (a - b).relu() * c + np.maximum(a, b)
        return (h.sigmoid() * h.tanh()).mean(axis=0).sum() + (a @ b).sum() * c
    assert gg.check_gates(f, a, b, c).ok


def test_a_local_that_disagrees_with_backward_is_reported_and_flagged_everywhere():
    x = gg.Value(np.array([2.0, -1.0]), requires_grad=True, name="x")
    assert gg.gradcheck(lambda x: gg.apply(Cube(), x), x)        # the gradient itself is right
    report = gg.check_gates(lambda x: gg.apply(Cube(), x).sum(), x)
    assert [(f.op, f.kind, f.input) for f in report.failures] == [("cube", "local", 0)]
    assert "local() disagrees with backward" in str(report)
    # scalar: the edge reads 1 × 8 (local says 2x² = 8) while backward sends 12
    s = gg.Value(2.0, requires_grad=True, name="s")
    y = gg.apply(Cube(), s)
    steps = y.backward(trace=True)
    assert steps[0].arithmetic() == "1.00 × 8.00 = 8.00, but backward sent 12.00 (local() and backward of cube disagree)"
    dot = viz.to_dot(y, local=True)
    assert "1.00 × 8.00 = 8.00" in dot and "≠ backward 12.00" in dot and "disagree" in dot
    assert "but backward sent 12.00 ⚠" in viz.Stepper(y).text(1)
    # a consistent op is not flagged
    z = gg.Value(2.0, requires_grad=True) * 3.0
    steps = z.backward(trace=True)
    assert steps[0].arithmetic() == "1.00 × 3.00 = 3.00"
    assert "disagree" not in viz.to_dot(z, local=True)


def test_a_kink_is_named_as_a_non_differentiable_point_not_a_wrong_backward():
    x = gg.Value(np.array([0.0, 1.0]), requires_grad=True)
    with pytest.raises(gg.GradcheckError) as e:
        gg.gradcheck(lambda x: x.relu().sum(), x)
    assert "input 0 at (0,) sits on a kink of fn" in str(e.value)
    assert [f.kind for f in e.value.report.failures] == ["kink"]
    assert e.value.report.wrong == ()


@pytest.mark.parametrize("eps", [0, -1e-6, float("nan")])
def test_bad_eps_is_one_sentence(eps):
    x = gg.Value(np.ones(2), requires_grad=True)
    for check in (gg.gradcheck, gg.gradgradcheck, gg.check_gates):
        with pytest.raises(ValueError, match=r"eps must be a positive number .*; the default 1e-6"):
            check(lambda x: x.sum(), x, eps=eps)


def test_bad_inputs_and_outputs_are_one_sentence():
    x = gg.Value(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match=r"^gradcheck: input 1 is a str; pass graphgrad Values"):
        gg.gradcheck(lambda x, s: x.sum(), x, "abc")
    with pytest.raises(TypeError, match=r"^gradcheck: input 1 is a ndarray of dtype complex128"):
        gg.gradcheck(lambda x, s: x.sum(), x, np.array([1j]))
    with pytest.raises(TypeError, match=r"^gradcheck: fn must return a graphgrad Value .* got float64; numpy"):
        gg.gradcheck(lambda x: np.sum(x.numpy()), x)
    with pytest.raises(TypeError, match=r"^check_gates: fn must return a graphgrad Value"):
        gg.check_gates(lambda x: 3.0, x)
    with pytest.raises(TypeError, match=r"^gradgradcheck: fn must return a graphgrad Value"):
        gg.gradgradcheck(lambda x: None, x)


class Twice(gg.Op):
    """2x with a constant wrong backward (3g): its own derivative is consistent with it."""

    name = symbol = "twice"
    twice_differentiable = True

    def forward(self, a):
        return 2 * a, None

    def backward(self, ctx, g):
        return (3 * g,)


def test_gradgradcheck_runs_gradcheck_first_and_says_so():
    x = gg.Value(np.array([0.5, -1.0]), requires_grad=True)

    def f(x):
        return gg.apply(Twice(), x)
    # second derivatives alone pass on this wrong first derivative (as PyTorch's gradgradcheck would)
    assert gg.gradgradcheck(f, x, check_grad=False)
    with pytest.raises(gg.GradcheckError) as e:
        gg.gradgradcheck(f, x)
    assert str(e.value).startswith("gradgradcheck: the first derivative is already wrong (gradgradcheck runs "
                                   "gradcheck first; check_grad=False skips it)")
    assert e.value.report.failures[0].op == "twice"
    assert "runs first unless" in " ".join(gg.gradgradcheck.__doc__.split())
    # a second-derivative failure says that gradcheck passed first
    with pytest.raises(gg.GradcheckError, match="gradcheck ran first and passed"):
        gg.gradgradcheck(lambda x: gg.apply(_Once(), x), x)


class _Once(gg.Op):
    """x² with a right first derivative whose create_graph form forgets it depends on x."""

    name = symbol = "sq"
    twice_differentiable = True

    def forward(self, a):
        return a * a, None

    def backward(self, ctx, g):
        (a,) = ctx.inputs
        if ctx.create_graph:
            return (g * 2 * a.detach(),)       # the right value, but a constant in a
        return (g * 2 * a,)


# ---------------------------------------------------------------- cs231n-style pairs
def affine_forward(x, w, b):
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def wrong_relu_backward(dout, cache):
    return dout * (cache >= 0) + 0.5 * dout * (cache < 0)      # leaks half the gradient


def _pair_net(relu):
    affine = gg.layer_from_pair(affine_forward, affine_backward)
    rng = np.random.default_rng(3)
    x = gg.Value(rng.standard_normal((5, 4)), name="x")
    params = [gg.Value(rng.standard_normal(s), requires_grad=True, name=n)
              for n, s in (("w1", (4, 6)), ("b1", (6,)), ("w2", (6, 3)), ("b2", (3,)))]

    def net(w1, b1, w2, b2):
        with gg.group("affine1"):
            h = affine(x, w1, b1)
        with gg.group("relu1"):
            h = relu(h)  # the student's relu
        with gg.group("affine2"):
            return affine(h, w2, b2).sum()
    return net, params


def test_cs231n_pairs_assemble_and_a_wrong_relu_backward_is_named():
    good, params = _pair_net(gg.layer_from_pair(relu_forward, relu_backward))
    assert gg.gradcheck(good, *params) and gg.check_gates(good, *params).ok
    bad, params = _pair_net(gg.layer_from_pair(relu_forward, wrong_relu_backward, name="relu"))
    with pytest.raises(gg.GradcheckError) as e:
        gg.gradcheck(bad, *params)
    report = e.value.report
    assert [(f.op, f.group, f.input) for f in report.failures] == [("relu", ("relu1",), 0)]
    assert report.failures[0].site.endswith("h = relu(h)  # the student's relu")
    assert gradcheck_dot(report).count('class="gate fail"') == 1


def test_layer_from_pair_bad_input_is_one_sentence():
    affine = gg.layer_from_pair(affine_forward, lambda dout, cache: dout)
    w = gg.Value(np.ones((2, 2)), requires_grad=True)
    y = affine(np.ones((1, 2)), w, np.zeros(2))
    with pytest.raises(TypeError, match="returned 1 gradient.s. for 3 array input.s."):
        y.sum().backward()
    with pytest.raises(TypeError, match=r"must return \(out, cache\)"):
        gg.layer_from_pair(lambda x: x, relu_backward)(w)
    with pytest.raises(TypeError, match="pass two functions"):
        gg.layer_from_pair(relu_forward, None)
    with pytest.raises(TypeError, match="no array or Value argument"):
        gg.layer_from_pair(relu_forward, relu_backward)(3)


# ---------------------------------------------------------------- PyTorch
def test_a_wrong_torch_custom_function_is_named_and_drawn():
    torch = pytest.importorskip("torch")
    from viz.torch_check import check_torch_gates, torch_gradcheck

    class WrongSig(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = torch.sigmoid(a)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out

    class SigmoidLayer(torch.nn.Module):
        def forward(self, x):
            return WrongSig.apply(x)  # the planted torch gate

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3),
                                SigmoidLayer(), torch.nn.Linear(3, 2)).double()
    x = torch.randn(6, 4, dtype=torch.float64, requires_grad=True)
    report = check_torch_gates(lambda x: model(x).sum(), x)
    assert [(f.op, f.group, f.input) for f in report.failures] == [
        ("WrongSig", ("Sequential", "SigmoidLayer"), 0)]
    assert report.failures[0].site.endswith("return WrongSig.apply(x)  # the planted torch gate")
    assert torch.autograd.Function.apply.__func__ is not None and "apply" in torch.autograd.Function.__dict__
    dot = viz.to_dot(report)
    red = [line for line in dot.splitlines() if 'class="gate fail"' in line]
    assert len(red) == 1 and "WrongSig" in red[0]
    with pytest.raises(gg.GradcheckError) as e:
        torch_gradcheck(lambda x: model(x), x)
    assert e.value.report.failures[0].op == "WrongSig"
    # the same net with torch's own sigmoid: nothing reported
    model[3] = torch.nn.Sigmoid()
    assert check_torch_gates(lambda x: model(x).sum(), x).ok
    assert torch_gradcheck(lambda x: model(x), x)


def test_torch_function_apply_is_restored_after_a_check():
    torch = pytest.importorskip("torch")
    from viz.torch_check import check_torch_gates
    before = torch.autograd.Function.__dict__["apply"]
    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    with pytest.raises(RuntimeError):
        check_torch_gates(lambda x: (x * 2).sum() + torch.ones(2) @ torch.ones(3), x)   # fn raises midway
    assert torch.autograd.Function.__dict__["apply"] is before


# ---------------------------------------------------------------- under pytest
def test_pytest_failure_is_short_table_first_with_the_picture_path(tmp_path):
    (tmp_path / "test_wrong.py").write_text(textwrap.dedent('''
        import numpy as np, graphgrad as gg

        class WrongSigmoid(gg.Op):
            name, symbol = "wrong_sigmoid", "σ?"
            def forward(self, a):
                return 1 / (1 + np.exp(-a)), None
            def backward(self, ctx, g):
                return (g * ctx.out,)

        def test_custom_op():
            x = gg.Value(np.array([[0.5, -1.0], [2.0, 0.1]]), requires_grad=True, name="x")
            assert gg.gradcheck(lambda x: gg.apply(WrongSigmoid(), x), x)
    '''), encoding="utf-8")
    root = os.path.dirname(os.path.dirname(HERE))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "pytest", "--tb=short", "-p", "no:cacheprovider",
                        "-p", "graphgrad.viz.pytest_plugin", "test_wrong.py"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=120)
    out = r.stdout
    assert r.returncode == 1, out
    assert "def gradcheck" not in out and "gradcheck.py" not in out      # its own frames hidden
    e_lines = [line for line in out.splitlines() if line.startswith("E   ")]
    assert e_lines[0].startswith("E   graphgrad.errors.GradcheckError: gradcheck: 4 of 4 checked entries")
    assert e_lines[1].split()[1:3] == ["input", "index"]
    assert any("gate #0 wrong_sigmoid input 0 (x)" in line for line in e_lines)
    picture = tmp_path / "gradcheck-failures" / "test_wrong.py-test_custom_op.svg"
    assert f"failing gate drawn in {picture}" in out
    assert picture.read_text(encoding="utf-8").count('gate fail"') == 1
    assert len(out.splitlines()) < 40


def test_gallery_example_names_the_wrong_relu_backward():
    from viz.gallery import GALLERY, examples_dir
    from viz.scripts import run_script
    assert "10_wrong_relu_backward.py" in GALLERY
    s = run_script(examples_dir() / "10_wrong_relu_backward.py")
    report = s.namespace["report"]
    assert s.namespace["passed"] is False
    assert [(f.op, f.group, f.kind) for f in report.failures] == [("relu", ("relu",), "backward")]
    assert report.failures[0].site.endswith("a = relu(h)")
    for _, value, opts, _ in s.diagrams():
        assert value is report and viz.to_dot(value, **opts).count("fail\"") >= 1


def test_gates_that_cannot_be_re_run_are_listed_not_accused():
    import graphgrad.nn.functional as F
    x = gg.Value(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    report = gg.check_gates(lambda x: F.cross_entropy(x.tanh(), np.array([0, 2, 1])), x)
    assert report.failures == () and [u.op for u in report.unchecked] == ["softmax_cross_entropy"]
    assert "could not be checked" in str(report) and "cannot be re-run from the graph" in str(report)
    torch = pytest.importorskip("torch")
    from viz.torch_check import check_torch_gates
    t = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    drop = torch.nn.Dropout(0.5)
    report = check_torch_gates(lambda t: drop(t).tanh().sum(), t)
    assert report.failures == () and [(u.op, u.group) for u in report.unchecked] == [("dropout", ("Dropout",))]
    assert "gives another output" in str(report)


def test_a_recording_is_checked_from_its_plain_data():
    torch = pytest.importorskip("torch")
    import dataclasses
    from viz.torch_check import check_recording
    W = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    x = torch.randn(5, 3, dtype=torch.float64)
    with viz.record_torch(names={"W": W}) as rec:
        loss = torch.tanh(x @ W).sum()
        loss.backward()
    forwards = {"tanh": torch.tanh, "matmul": torch.matmul}
    assert check_recording(rec, forwards=forwards).ok
    # the same trace with tanh's recorded downstream gradient made wrong: tanh is named and drawn
    t = rec.trace()
    steps = tuple(dataclasses.replace(s, downstream=tuple(None if d is None else np.asarray(d) * 1.5
                                                          for d in s.downstream))
                  if t.graph.node(s.node).op == "tanh" else s for s in t)
    report = check_recording(viz.TraceData(graph=t.graph, steps=steps), forwards=forwards)
    assert [(f.op, f.input) for f in report.failures] == [("tanh", 0)]
    assert viz.to_dot(report).count('class="gate fail"') == 1
    with pytest.raises(TypeError, match="is not a torch.autograd.Function class"):
        check_recording(rec, torch.tanh)


def _recorded_3_layer_step(act):
    """One recorded training step of Linear-act-Linear-Tanh-Linear (float64)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 5), act, torch.nn.Linear(5, 3), torch.nn.Tanh(),
                              torch.nn.Linear(3, 1)).double()
    x = torch.randn(6, 4, dtype=torch.float64)
    with viz.record_torch(model=net) as rec:
        loss = net(x).pow(2).mean()
        loss.backward()
    return rec


def test_a_recorded_step_names_and_draws_the_custom_function_with_a_wrong_backward(tmp_path):
    torch = pytest.importorskip("torch")
    from viz.torch_check import check_recording

    class HalfSigmoid(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = torch.sigmoid(a)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):            # wrong on purpose: forgets (1 - out)
            (out,) = ctx.saved_tensors
            return g * out

    class Act(torch.nn.Module):
        def forward(self, x):
            return HalfSigmoid.apply(x)  # the planted recorded gate

    rec = _recorded_3_layer_step(Act())
    assert list(rec.custom_functions()) == ["HalfSigmoid"]
    report = check_recording(rec)            # the recorder's custom Functions need no naming
    assert [(f.op, f.group, f.input, f.kind) for f in report.failures] == [
        ("HalfSigmoid", ("Sequential", "Act"), 0, "backward")]
    site = report.failures[0].site
    assert "return HalfSigmoid.apply(x)  # the planted recorded gate" in site
    assert f"{__name__}." in site and "HalfSigmoid.backward at " in site and __file__ in site
    node = report.output.node(report.failures[0].node)
    assert node.op == "HalfSigmoid" and node.group[-1][0] == "Act"
    dot = viz.to_dot(report)
    red = [line for line in dot.splitlines() if 'class="gate fail"' in line]
    assert len(red) == 1 and "HalfSigmoid" in red[0]
    svg = open(gradcheck_picture(report, tmp_path / "rec.svg"), encoding="utf-8").read()
    assert svg.count('gate fail"') == 1 and "#c62828" in svg and "HalfSigmoid" in svg
    # the recorded numbers themselves are PyTorch's: the wrong backward's output is on the wire
    assert rec.trace() is not None and viz.to_dot(rec).count("HalfSigmoid") >= 1
    assert torch.autograd.Function.__dict__["apply"].__func__.__qualname__ == "Function.apply"


def test_a_recorded_step_with_a_correct_custom_function_reports_nothing():
    torch = pytest.importorskip("torch")
    from viz.torch_check import check_recording

    class Sig(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            out = torch.sigmoid(a)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (out,) = ctx.saved_tensors
            return g * out * (1 - out)

    class Act(torch.nn.Module):
        def forward(self, x):
            return Sig.apply(x)

    rec = _recorded_3_layer_step(Act())
    report = check_recording(rec, forwards={"tanh": torch.tanh})
    assert report.ok and report.failures == () and report.unchecked == ()
    assert viz.to_dot(report).count('class="gate fail"') == 0


def test_a_torch_gate_is_checked_alone_even_when_an_argument_fans_out():
    torch = pytest.importorskip("torch")
    from viz.torch_check import check_torch_gates
    x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    report = check_torch_gates(lambda x: (x.sin() * x).sum() + (x * x).mean(), x)
    assert report.ok and report.unchecked == () and report.gates == 6


def test_docstring_examples_of_the_localisation_modules_run(tmp_path, monkeypatch):
    import doctest
    monkeypatch.chdir(tmp_path)              # gradcheck_picture's example writes failing.svg
    import importlib
    names = ["graphgrad.localize", "graphgrad.pairs", "graphgrad.gradcheck", "viz.gradcheck_view",
             "graphgrad.viz.pytest_plugin"]
    try:
        import torch  # noqa: F401
        names.append("viz.torch_check")
    except ImportError:
        pass
    for name in names:
        res = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, report=False,
                              extraglobs={"np": np, "Value": gg.Value})
        assert res.attempted > 0 and res.failed == 0, f"{res.failed} of {res.attempted} failed in {name}"

"""PyTorch as a viz source: the recorder's GraphData / TraceData against PyTorch's own gradients.

Every gradient in the graph is compared with ``.grad`` (leaves) or a ``retain_grad()`` value
(intermediates); every trace step with a local derivative is checked as upstream × local =
downstream; the downstream gradients into each node add up to its gradient.
"""
import builtins
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

from viz.graphdata import GraphData, TraceData  # noqa: E402
from viz.sources import torch as vt  # noqa: E402
from viz.sources.torch import record_torch, tensor_graph  # noqa: E402

F64 = torch.float64
TOL = 1e-6


def close(a, b):
    return np.allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=TOL, atol=TOL)


def arr(t):
    return t.detach().numpy()


class MLP(nn.Module):
    """Linear-ReLU-Linear; keeps its intermediates (retain_grad) for the comparison."""

    def __init__(self):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3)

    def forward(self, x):
        h = self.fc1(x)
        a = self.act(h)
        s = self.fc2(a)
        self.kept = [h, a, s]
        for t in self.kept:
            t.retain_grad()
        return s


class ConvNet(nn.Module):
    """Conv2d-ReLU-MaxPool-Flatten-Linear."""

    def __init__(self):
        super().__init__()
        self.conv, self.act = nn.Conv2d(2, 3, 3, padding=1), nn.ReLU()
        self.pool, self.flat, self.fc = nn.MaxPool2d(2), nn.Flatten(), nn.Linear(3 * 3 * 3, 4)

    def forward(self, x):
        c = self.conv(x)
        a = self.act(c)
        p = self.pool(a)
        f = self.flat(p)
        s = self.fc(f)
        self.kept = [c, a, p, f, s]
        for t in self.kept:
            t.retain_grad()
        return s


def torch_case(name):
    """The view tests' cases (tests/sources.py on the viz-core branch) as PyTorch recordings:
    ``BUILDERS["torch"] = torch_case`` runs every view test on a torch source."""
    import math

    from sources import NEURON, Case

    def leaf(v):
        return torch.tensor(v, dtype=F64, requires_grad=True)
    if name == "addmul":
        x, y, z = leaf(-2.0), leaf(5.0), leaf(-4.0)
        with record_torch(names=dict(x=x, y=y, z=z)) as rec:
            q = x + y
            f = q * z
            rec.name(q=q, f=f)
            f.backward()
        return Case("torch", name, rec, rec, {"x": (-2, -4), "y": (5, -4), "z": (-4, 3), "q": (3, -4)},
                    (-12, 1), 2)
    if name == "neuron":
        x1, x2, w1, w2, b = leaf(2.0), leaf(0.0), leaf(-3.0), leaf(1.0), leaf(6.8813735870195432)
        with record_torch(names=dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b)) as rec:
            n = x1 * w1 + x2 * w2 + b
            o = torch.tanh(n)
            rec.name(n=n, o=o)
            o.backward()
        return Case("torch", name, rec, rec, NEURON, (math.sqrt(0.5), 1.0), 5)
    if name == "square":
        x = leaf(3.0)
        with record_torch(names=dict(x=x)) as rec:
            y = x * x + x
            rec.name(y=y)
            y.backward()
        return Case("torch", name, rec, rec, {"x": (3, 7)}, (12, 1), 2)
    return None


def run_mlp(seed=0):
    torch.manual_seed(seed)
    model = MLP().double()
    x = torch.randn(5, 4, dtype=F64, requires_grad=True)
    y = torch.tensor([0, 2, 1, 2, 0])
    with record_torch() as rec:
        loss = F.cross_entropy(model(x), y)
        loss.retain_grad()
        loss.backward()
    return rec, model, x, loss


def run_conv(seed=1):
    torch.manual_seed(seed)
    model = ConvNet().double()
    x = torch.randn(2, 2, 6, 6, dtype=F64)
    y = torch.tensor([3, 1])
    with record_torch() as rec:
        loss = F.cross_entropy(model(x), y)
        loss.retain_grad()
        loss.backward()
    return rec, model, x, loss


CASES = {"mlp": run_mlp, "conv": run_conv}


def assert_well_formed(g: GraphData):
    ids = [n.id for n in g.nodes]
    assert ids == [f"n{i}" for i in range(len(ids))]          # topological ids
    seen = set()
    for n in g.nodes:
        for i in n.inputs:
            assert i in seen, f"{n.id} reads {i} before it is defined"
        seen.add(n.id)
        if not n.is_leaf:
            assert len(n.formulas) == len(n.inputs)
            assert n.local is None or len(n.local) == len(n.inputs)
            assert n.input_pos is None or len(n.input_pos) == len(n.inputs)
    assert g.root == ids[-1]


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_gradient_equals_torch(case):
    rec, model, x, loss = CASES[case]()
    g = rec.graph()
    assert_well_formed(g)
    assert g.source == "torch"
    # leaves: the parameters by name, the input, the target
    params = dict(model.named_parameters())
    leaves = {n.name: n for n in g.leaves()}
    assert set(params) <= set(leaves)
    for name, p in params.items():
        assert leaves[name].grad is not None
        assert close(leaves[name].grad, arr(p.grad)), name
        assert close(leaves[name].value, arr(p))
    assert close(leaves["input"].value, arr(x))
    if x.requires_grad:
        assert close(leaves["input"].grad, arr(x.grad))
    else:
        assert leaves["input"].grad is None
    assert leaves["target"].grad is None
    # gates: one per user call, values and gradients equal the retained intermediates
    gates = g.gates()
    assert len(gates) == len(model.kept) + 1
    for node, t in zip(gates, model.kept + [loss]):
        assert node.value is not None and close(node.value, arr(t)), node.label
        assert node.grad is not None and close(node.grad, arr(t.grad)), node.label
    root = g.node(g.root)
    assert root.label == "cross_entropy" and close(root.value, loss.item()) and close(root.grad, 1.0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_trace_steps_upstream_local_downstream(case):
    rec = CASES[case]()[0]
    t = rec.trace()
    g = t.graph
    assert isinstance(t, TraceData) and len(t) == len(g.gates())
    assert t[0].node == g.root and [s.index for s in t] == list(range(len(t)))
    checked = 0
    for s in t:
        n = g.node(s.node)
        assert len(s.downstream) == len(n.inputs)
        assert close(s.upstream, n.grad)
        if s.local is None:
            continue
        for i, (lo, d) in enumerate(zip(s.local, s.downstream)):
            if d is None:
                continue
            prod = vt._sum_to(np.asarray(s.upstream) * np.asarray(lo), np.shape(d))
            assert close(prod, d), (n.label, i)
            checked += 1
    assert checked >= 1          # relu has a local derivative in both nets
    # backward order: a gate's step comes before the steps of the gates that feed it
    pos = {s.node: s.index for s in t}
    for s in t:
        for i in g.node(s.node).inputs:
            if i in pos:
                assert pos[i] > s.index


@pytest.mark.parametrize("case", sorted(CASES))
def test_downstream_into_each_node_adds_up_to_its_grad(case):
    t = CASES[case]()[0].trace()
    g = t.graph
    total = {}
    for s in t:
        for i, d in zip(g.node(s.node).inputs, s.downstream):
            if d is not None:
                total[i] = total.get(i, 0) + np.asarray(d)
    assert total
    for n in g.nodes:
        if n.id == g.root:
            continue
        if n.grad is None:
            assert n.id not in total, n.id
        else:
            assert close(total[n.id], n.grad), n.id


def test_groups_name_each_module_call():
    g = run_mlp()[0].graph()
    by_label = [(n.label, n.group) for n in g.gates()]
    (l1, g1), (r, gr), (l2, g2), (ce, gce) = by_label
    assert (l1, r, l2, ce) == ("linear", "relu", "linear", "cross_entropy")
    assert [c for c, _ in g1] == ["MLP", "Linear"] and [c for c, _ in gr] == ["MLP", "ReLU"]
    assert [c for c, _ in g2] == ["MLP", "Linear"]
    assert g1[0] == gr[0] == g2[0]                   # the same MLP call
    assert g1[1] != g2[1]                            # two Linear calls, two instances
    assert gce == ()                                 # the loss is outside the model
    conv = run_conv()[0].graph()
    inner = [n.group[-1][0] for n in conv.gates()[:-1]]
    assert inner == ["Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"]
    assert [n.label for n in conv.gates()] == ["conv2d", "relu", "max_pool2d", "flatten", "linear",
                                              "cross_entropy"]


def test_linear_maps_torch_internal_nodes_to_one_gate():
    g = run_mlp()[0].graph()
    lin = g.gates()[0]
    assert lin.meta["grad_fn"] == ["AddmmBackward0", "TBackward0"]
    assert lin.local is None and lin.formulas[0].startswith("d linear/dx")
    # a 3-D input adds view nodes; the gate and its gradients stay the same
    torch.manual_seed(3)
    fc = nn.Linear(3, 2).double()
    x = torch.randn(2, 4, 3, dtype=F64, requires_grad=True)
    with record_torch() as rec:
        out = fc(x)
        out.retain_grad()
        loss = out.pow(2).sum()
        loss.backward()
    g = rec.graph()
    assert [n.label for n in g.gates()] == ["linear", "**2", "sum"]
    assert len(g.gates()[0].meta["grad_fn"]) > 2
    assert close(g.gates()[0].grad, arr(out.grad))
    leaves = {n.name: n for n in g.leaves()}
    assert close(leaves["input"].grad, arr(x.grad)) and close(leaves["weight"].grad, arr(fc.weight.grad))


def test_elementwise_ops_repeated_input_and_broadcast():
    torch.manual_seed(4)
    a = torch.randn(3, 4, dtype=F64, requires_grad=True)
    b = torch.randn(4, dtype=F64, requires_grad=True)
    with record_torch(names={"a": a, "b": b}) as rec:
        sq = a * a
        s = torch.sigmoid(sq + b)
        u = torch.tanh(s) / (b.exp() + 1.0)
        v = (u ** 3 - 2.0 * a).relu()
        loss = (v * 0.5).sum()
        loss.backward()
    t = rec.trace()
    g = t.graph
    labels = [n.label for n in g.gates()]
    assert labels == ["*", "+", "σ", "tanh", "exp", "+1", "/", "**3", "*2", "-", "relu", "*0.5", "sum"]
    mul = g.gates()[0]
    assert mul.inputs == ("n0", "n0")                # x*x keeps both edges
    step = next(s for s in t if s.node == mul.id)
    up = np.asarray(step.upstream)
    assert close(step.downstream[0], up * arr(a)) and close(step.downstream[1], up * arr(a))
    for s in t:
        if s.local is not None:
            for lo, d in zip(s.local, s.downstream):
                assert close(vt._sum_to(np.asarray(s.upstream) * np.asarray(lo), np.shape(d)), d)
    assert sum(s.local is not None for s in t) >= 11
    leaves = {n.name: n for n in g.leaves()}
    assert close(leaves["a"].grad, arr(a.grad)) and close(leaves["b"].grad, arr(b.grad))
    assert g.node("n1").name == "b" or leaves["b"].id in g.gates()[1].inputs


def test_in_place_op_not_on_a_view_is_mapped():
    torch.manual_seed(5)
    w = torch.randn(3, 3, dtype=F64, requires_grad=True)
    with record_torch(names={"w": w}) as rec:
        h = w * 2.0
        h.relu_()
        h.retain_grad()
        loss = h.sum()
        loss.backward()
    g = rec.graph()
    assert [n.label for n in g.gates()] == ["*2", "relu", "sum"]
    mul, relu = g.gates()[:2]
    assert close(mul.value, 2 * arr(w))                  # cloned before relu_ changed it
    assert close(relu.value, np.maximum(2 * arr(w), 0))
    assert close(relu.grad, arr(h.grad)) and close(g.leaves()[0].grad, arr(w.grad))


def test_values_are_clones():
    torch.manual_seed(6)
    w = torch.randn(3, dtype=F64, requires_grad=True)
    with record_torch() as rec:
        loss = (w * 3.0).sum()
        loss.backward()
    before = rec.graph().leaves()[0].value.copy()
    with torch.no_grad():
        w.add_(10.0)
        w.grad.zero_()
    assert close(rec.graph().leaves()[0].value, before)
    assert close(rec.trace().graph.leaves()[0].grad, [3.0, 3.0, 3.0])


def test_graph_keeps_only_what_the_loss_depends_on():
    torch.manual_seed(7)
    w = torch.randn(3, dtype=F64, requires_grad=True)
    with record_torch() as rec:
        metric = (w * 5.0).mean()          # computed alongside, not part of the loss
        loss = (w * w).sum()
        loss.backward()
    g = rec.graph()
    assert [n.label for n in g.gates()] == ["*", "sum"]
    del metric


def _global_hook_counts():
    from torch.nn.modules import module as m
    return len(m._global_forward_pre_hooks), len(m._global_forward_hooks)


def test_cleans_up_hooks_and_mode_on_exit():
    before = _global_hook_counts()
    rec, model, x, loss = run_mlp()
    assert _global_hook_counts() == before
    n_gates, n_groups = len(rec._gates), next(rec._group_ids)
    # after the block: nothing more is recorded, and its grad_fn hooks are gone
    y = model(torch.randn(2, 4, dtype=F64)).sum()
    y.backward()
    assert len(rec._gates) == n_gates and next(rec._group_ids) == n_groups + 1
    g_after = rec.graph()
    assert len(g_after.gates()) == n_gates
    assert not rec._handles and not rec._module_handles
    from torch.overrides import TorchFunctionMode

    class Probe(TorchFunctionMode):
        seen = []

        def __torch_function__(self, func, types, args=(), kwargs=None):
            Probe.seen.append(func)
            return func(*args, **(kwargs or {}))
    with Probe():
        torch.ones(2) + 1
    assert Probe.seen                 # our mode is no longer on the stack above it


def test_cleans_up_on_exception():
    before = _global_hook_counts()
    model = nn.Linear(2, 2).double()
    with pytest.raises(ZeroDivisionError):
        with record_torch() as rec:
            model(torch.ones(1, 2, dtype=F64))
            1 / 0
    assert _global_hook_counts() == before
    assert not rec._handles and not rec._active
    n = len(rec._gates)
    model(torch.ones(1, 2, dtype=F64))
    assert len(rec._gates) == n


def test_error_backward_not_called():
    w = torch.ones(2, requires_grad=True)
    with record_torch() as rec:
        loss = (w * 2).sum()
    with pytest.raises(RuntimeError, match="backward\\(\\) was not called inside the with block"):
        rec.graph()
    loss.backward()                   # after the block: still no picture
    with pytest.raises(RuntimeError, match="not called inside"):
        rec.trace()


def test_error_inside_the_block():
    w = torch.ones(2, requires_grad=True)
    with record_torch() as rec:
        loss = (w * 2).sum()
        with pytest.raises(RuntimeError, match="after the with block"):
            rec.graph()
        loss.backward()


def test_error_no_requires_grad_inputs():
    with record_torch() as rec:
        (torch.ones(3) * 2).sum()
    with pytest.raises(ValueError, match="no operation on a tensor that requires grad"):
        rec.graph()


def test_error_in_place_on_a_view():
    w = torch.randn(3, 3, requires_grad=True)
    with record_torch() as rec:
        h = w * 2
        h[0] = 0.0
        h.sum().backward()
    with pytest.raises(ValueError, match="in-place operation on a view.*CopySlices"):
        rec.graph()
    with record_torch() as rec:
        h = w * 2
        h[0].mul_(3)
        h.sum().backward()
    with pytest.raises(ValueError, match="in-place operation on a view"):
        rec.trace()


def test_error_backward_twice():
    w = torch.ones(2, requires_grad=True)
    with record_torch() as rec:
        loss = (w * 2).sum()
        loss.backward(retain_graph=True)
        loss.backward()
    with pytest.raises(ValueError, match="backward ran more than once"):
        rec.graph()


def test_error_autograd_grad():
    w = torch.ones(2, requires_grad=True)
    with record_torch() as rec:
        loss = (w * 2).sum()
        torch.autograd.grad(loss, [w])
    with pytest.raises(ValueError, match="torch.autograd.grad"):
        rec.graph()


def test_error_torch_compile():
    # aot_eager: the same autograd structure as the default backend, without a C compiler.
    # Compiling takes several seconds on a busy machine; nothing here can hang.
    pytest.importorskip("torch._dynamo")
    import warnings
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU()).double()
    compiled = torch.compile(model, backend="aot_eager")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")       # torch warns about global module hooks + compile
        with record_torch() as rec:
            compiled(torch.randn(2, 3, dtype=F64)).sum().backward()
    with pytest.raises(ValueError, match="torch.compile"):
        rec.graph()
    torch._dynamo.reset()


def test_torch_missing_message(monkeypatch):
    real_import = builtins.__import__

    def no_torch(name, *args, **kw):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kw)
    monkeypatch.setattr(builtins, "__import__", no_torch)
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    with pytest.raises(ImportError) as e:
        record_torch()
    assert str(e.value) == "PyTorch is not installed: pip install 'graphgrad[torch]'"


def test_tensor_graph_structure_only():
    torch.manual_seed(8)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)).double()
    loss = F.cross_entropy(model(torch.randn(5, 4, dtype=F64)), torch.tensor([0, 1, 1, 0, 1]))
    loss.backward()
    g = tensor_graph(loss, names=dict(model.named_parameters()))
    assert_well_formed(g)
    assert g.source == "torch-structure"
    labels = [n.label for n in g.gates()]
    assert labels.count("Addmm") == 2 and labels.count("T") == 2 and "Relu" in labels
    assert g.node(g.root).label == "NllLoss" and close(g.node(g.root).value, loss.item())
    leaves = {n.name: n for n in g.leaves()}
    assert set(leaves) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    for name, p in model.named_parameters():
        assert close(leaves[name].grad, arr(p.grad)) and close(leaves[name].value, arr(p))
    assert all(n.value is None for n in g.gates() if n.id != g.root)
    assert all(n.grad is None for n in g.gates())
    assert {n.name for n in vt.as_graph(loss, model=model).leaves()} == set(leaves)
    assert [(n.id, n.op, n.inputs) for n in vt.as_graph(loss).nodes] == \
        [(n.id, n.op, n.inputs) for n in g.nodes]
    with pytest.raises(ValueError, match="needs a recording"):
        vt.as_trace(loss)
    with pytest.raises(ValueError, match="no grad_fn"):
        tensor_graph(torch.ones(2))


def test_tensor_graph_deep_chain_does_not_recurse():
    x = torch.ones((), dtype=F64, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0001
    g = tensor_graph(y)
    assert len(g.nodes) == 20001 and g.nodes[0].is_leaf


def test_handles_and_dispatch():
    rec, model, x, loss = run_mlp()
    assert vt.handles(rec) and vt.handles(torch.ones(1)) and not vt.handles(1.0)
    assert vt.as_graph(rec) is rec.graph()
    assert vt.as_graph(rec, model=None) is rec.graph()          # view options are ignored
    assert len(vt.as_trace(rec, who="Stepper")) == len(rec.graph().gates())
    with pytest.raises(ValueError, match="^Stepper: stepping through"):
        vt.as_trace(loss, who="Stepper")
    # what the CLI uses to find a script's outputs
    assert vt.is_node(rec) and vt.is_node(loss) and vt.is_node(x)
    assert not vt.is_node(torch.ones(2)) and not vt.is_node("x")
    # the loss first, then the other recorded results still alive (the MLP keeps h, a, s)
    assert vt.inputs_of(rec)[0] is loss
    assert {id(t) for t in vt.inputs_of(rec)[1:]} == {id(t) for t in model.kept}
    ins = vt.inputs_of(loss)
    assert {id(t) for t in ins} == {id(p) for p in model.parameters()} | {id(x)}
    assert vt.inputs_of(x) == () and vt.inputs_of(3) == ()


def test_error_module_full_backward_hook():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU()).double()
    model[0].register_full_backward_hook(lambda mod, gin, gout: None)
    with record_torch() as rec:
        model(torch.randn(2, 3, dtype=F64, requires_grad=True)).sum().backward()
    with pytest.raises(ValueError, match="BackwardHookFunction.*full backward hooks"):
        rec.graph()


def test_tensor_computed_before_the_block_is_an_input():
    w = torch.randn(3, dtype=F64, requires_grad=True)
    z = w * 2.0                                   # outside the recording
    z.retain_grad()
    with record_torch(names={"z": z}) as rec:
        loss = (z * z).sum()
        loss.backward()
    g = rec.graph()
    ext = g.leaves()
    assert [n.name for n in ext] == ["z"] and ext[0].meta["kind"] == "external"
    assert close(ext[0].value, arr(z)) and close(ext[0].grad, arr(z.grad))
    assert [n.label for n in g.gates()] == ["*", "sum"]


def test_batchnorm_buffers_named_and_gradients_match():
    torch.manual_seed(9)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh()).double()
    x = torch.randn(6, 3, dtype=F64)
    with record_torch() as rec:
        loss = model(x).pow(2).mean()
        loss.backward()
    g = rec.graph()
    names = {n.name for n in g.leaves()}
    assert {"1.running_mean", "1.running_var", "1.weight", "1.bias"} <= names
    leaves = {n.name: n for n in g.leaves()}
    for name, p in model.named_parameters():
        assert close(leaves[name].grad, arr(p.grad)), name
    assert [n.label for n in g.gates()] == ["linear", "batch_norm", "tanh", "**2", "mean"]
    t = rec.trace()
    tanh = next(s for s in t if g.node(s.node).label == "tanh")
    assert close(np.asarray(tanh.upstream) * tanh.local[0], tanh.downstream[0])


def test_local_table_for_every_elementwise_op():
    torch.manual_seed(10)
    t = torch.rand(3, 2, dtype=F64, requires_grad=True)
    r = torch.rand(2, dtype=F64, requires_grad=True)
    with record_torch(names={"t": t, "r": r}) as rec:
        parts = [1 - t, 2 / (t + 1), 2 ** t, -t, t.sqrt(), t.abs(), t.log(), t.square(),
                 F.leaky_relu(t - 0.5, 0.1), t.clone(), t ** 1.5, t.exp() * r, t / r, t - r,
                 torch.sigmoid(t), torch.tanh(t), torch.relu(t - 0.3), torch.add(t, r, alpha=2.0),
                 torch.pow(2.0, t), torch.where(t > 0.5, t, r)]
        loss = torch.stack(parts).sum()
        loss.backward()
    t_ = rec.trace()
    g = t_.graph
    ops = {g.node(s.node).op for s in t_ if s.local is not None}
    assert {"rsub", "rdiv", "rpow", "neg", "sqrt", "abs", "log", "square", "leaky_relu", "clone",
            "pow", "exp", "mul", "div", "sub", "sigmoid", "tanh", "relu", "add", "where"} <= ops
    assert sum(n.label == "2**x" for n in g.gates()) == 2      # 2 ** t and torch.pow(2, t)
    for s in t_:
        if s.local is None:
            continue
        for lo, d in zip(s.local, s.downstream):
            if d is None:                     # where's condition
                continue
            assert close(vt._sum_to(np.asarray(s.upstream) * np.asarray(lo), np.shape(d)), d), \
                g.node(s.node).label
    rsub = next(n for n in g.gates() if n.op == "rsub")
    assert rsub.label == "1-x" and rsub.input_pos == (1,)
    leaves = {n.name: n for n in g.leaves()}
    assert close(leaves["t"].grad, arr(t.grad)) and close(leaves["r"].grad, arr(r.grad))


def test_import_does_not_load_torch():
    import subprocess
    code = "import sys, viz.sources.torch; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr


def test_full_training_step_inside_the_block_records_values_before_the_update():
    torch.manual_seed(11)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    x, y = torch.randn(5, 3, dtype=F64), torch.tensor([0, 1, 1, 0, 1])
    before = {k: v.detach().clone() for k, v in model.named_parameters()}
    with pytest.warns(UserWarning, match="0.weight .and 3 more. changed after the forward pass"), \
            record_torch() as rec:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        grads = {k: v.grad.detach().clone() for k, v in model.named_parameters()}
        opt.step()
        opt.zero_grad(set_to_none=False)      # zeroes .grad in place
    g = rec.graph()
    assert [n.label for n in g.gates()] == ["linear", "relu", "linear", "cross_entropy"]
    leaves = {n.name: n for n in g.leaves()}
    for k in before:
        assert close(leaves[k].value, arr(before[k])) and close(leaves[k].grad, arr(grads[k])), k
        assert not close(leaves[k].value, arr(dict(model.named_parameters())[k]))


def test_property_ops_are_named_by_attribute():
    w = torch.randn(2, 3, dtype=F64, requires_grad=True)
    with record_torch() as rec:
        (w.T @ w).sum().backward()
    assert [n.label for n in rec.graph().gates()] == ["T", "@", "sum"]
    assert close(rec.graph().leaves()[0].grad, arr(w.grad))


def test_name_tensors_inside_and_after_the_block():
    w = torch.tensor([1.0, -2.0], dtype=F64, requires_grad=True)
    v = torch.tensor([3.0, 0.5], dtype=F64, requires_grad=True)
    with record_torch() as rec:
        rec.name(w=w, v=v)
        q = w * v
        rec.name(q=q)
        loss = q.sum()
        loss.backward()
    g = rec.graph()
    assert [(n.label, n.name) for n in g.nodes] == [("w", "w"), ("v", "v"), ("*", "q"), ("sum", None)]
    rec.name(loss=loss)
    assert rec.graph().node(rec.graph().root).name == "loss"
    with pytest.raises(ValueError, match="not a tensor of this recording"):
        rec.name(other=torch.ones(1, requires_grad=True) * 2)


def test_recorded_deep_chain_does_not_recurse():
    x = torch.tensor(0.5, dtype=F64, requires_grad=True)
    with record_torch(names={"x": x}) as rec:
        y = x
        for _ in range(3000):                 # 3 * the default recursion limit
            y = y * 1.0001
        y.backward()
    t = rec.trace()
    assert len(t) == 3000 and len(t.graph.nodes) == 3001
    assert close(t.graph.leaves()[0].grad, x.grad.item())
    assert close(t[-1].downstream[0], 1.0001 ** 3000)


def test_a_recording_is_used_once():
    rec = record_torch()
    with rec:
        pass
    with pytest.raises(RuntimeError, match="already used"):
        with rec:
            pass


def test_docstring_examples():
    import doctest
    res = doctest.testmod(vt, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 20 and res.failed == 0


def test_old_torch_gets_one_sentence():
    with pytest.raises(RuntimeError, match=r"needs PyTorch 2.1 or newer \(this is 1.13.1\)"):
        vt._check_version("1.13.1")
    vt._check_version("2.13.0+cpu")
    vt._check_version("2.5.0a0+git1234")


def test_recording_leaves_the_training_step_unchanged():
    def step(record):
        torch.manual_seed(12)
        model = ConvNet().double()
        x = torch.randn(2, 2, 6, 6, dtype=F64, requires_grad=True)
        y = torch.tensor([3, 1])
        if record:
            with record_torch():
                loss = F.cross_entropy(model(x), y)
                loss.backward()
        else:
            loss = F.cross_entropy(model(x), y)
            loss.backward()
        return [loss.detach()] + [p.grad for p in model.parameters()] + [x.grad]
    for a, b in zip(step(False), step(True)):
        assert torch.equal(a, b)


class _Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.bn, self.c2 = nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3), nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return F.relu(x + self.c2(F.relu(self.bn(self.c1(x)))))     # a residual connection


class _ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem, self.block, self.pool = nn.Conv2d(1, 3, 3), _Block(), nn.AdaptiveAvgPool2d(1)
        self.drop, self.fc = nn.Dropout(0.2), nn.Linear(3, 4)

    def forward(self, x):
        h = self.pool(self.block(self.stem(x))).flatten(1)
        h = torch.cat([h, h * 0.5], dim=1)[:, :3]
        return self.fc(self.drop(h))


def test_residual_net_with_batchnorm_cat_slice_dropout_and_weight_decay():
    torch.manual_seed(13)
    model = _ResNet().double()
    x, y = torch.randn(4, 1, 8, 8, dtype=F64), torch.tensor([0, 1, 2, 3])
    with record_torch() as rec:
        loss = nn.CrossEntropyLoss()(model(x), y) + 1e-3 * sum((p ** 2).sum() for p in model.parameters())
        loss.backward()
    t = rec.trace()
    g = t.graph
    assert_well_formed(g)
    leaves = {n.name: n for n in g.leaves()}
    for k, p in model.named_parameters():
        assert close(leaves[k].grad, arr(p.grad)), k
    total = {}
    for s in t:
        for k, (i, d) in enumerate(zip(g.node(s.node).inputs, s.downstream)):
            if d is not None:
                total[i] = total.get(i, 0) + np.asarray(d)
            if s.local is not None and d is not None:
                prod = vt._sum_to(np.asarray(s.upstream) * np.asarray(s.local[k]), np.shape(d))
                assert close(prod, d)
    for n in g.nodes:
        if n.id != g.root and n.grad is not None:
            assert close(total[n.id], n.grad), n.label
    classes = {n.group[-1][0] for n in g.gates() if n.group}
    assert {"Conv2d", "BatchNorm2d", "_Block", "AdaptiveAvgPool2d", "Dropout", "Linear",
            "CrossEntropyLoss"} <= classes
    assert {"cat", "getitem", "batch_norm", "dropout", "adaptive_avg_pool2d"} <= {n.op for n in g.gates()}


TORCH_SCRIPT = """\
import torch, viz
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
x = torch.randn(5, 3, dtype=torch.float64)
model = model.double()
y = torch.tensor([0, 1, 0, 1, 1])
with viz.record_torch() as rec:
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
"""


def test_cli_renders_and_steps_a_pytorch_script(tmp_path):
    """`graphgrad render|step` on a script that records a PyTorch step, as for graphgrad scripts."""
    import subprocess
    import sys
    script = tmp_path / "tnet.py"
    script.write_text(TORCH_SCRIPT)
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "viz", "render", str(script), "-o", str(out), "-f", "dot"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    dot = (out / "tnet_rec.dot").read_text()
    assert dot.count("label=<linear>") == 2 and "label=<relu>" in dot and "label=<cross_entropy>" in dot
    assert "label=<Sequential>" in dot and "0.weight" in dot and "2.bias" in dot
    s = subprocess.run([sys.executable, "-m", "viz", "step", str(script)], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=300)
    assert s.returncode == 0, s.stderr
    heads = [line for line in s.stdout.splitlines() if line.startswith("step ")]
    assert len(heads) == 5 and heads[1] == "step 1/4: gate cross_entropy"

"""micrograd graphs: the lecture neuron's numbers, input order and x*x, the replayed
stepper, the demo MLP (groups, collapsing), and clear errors."""
import math
import random
import re

import pytest

import viz
from viz.sources import micrograd as mg

from sources import B, Value as LectureValue, build

micrograd = pytest.importorskip("micrograd")
from micrograd.engine import Value  # noqa: E402
from micrograd.nn import MLP  # noqa: E402


def red(dot):
    return re.findall(r'COLOR="#c62828" POINT-SIZE="11">([^<]*)<', dot)


def green(dot):
    return re.findall(r'COLOR="#2e7d32" POINT-SIZE="11">([^<]*)<', dot)


# ---------------------------------------------------------------- the lecture neuron
def test_lecture_neuron_diagram_numbers():
    c = build("lecture", "neuron")
    dot = viz.to_dot(c.graph, fmt=".4f")
    assert "0.7071" in green(dot)
    g = viz.as_graph(c.graph)
    by = {n.name: n for n in g.nodes if n.name}
    assert abs(by["o"].value - 0.7071067811865476) < 1e-12
    for name, want in (("x1", -1.5), ("w1", 1.0), ("x2", 0.5), ("w2", 0.0), ("b", 0.5), ("n", 0.5)):
        assert abs(by[name].grad - want) < 1e-12, name
    assert [n.label for n in g.gates()] == ["*", "*", "+", "+", "tanh"]
    assert by["o"].formulas == ("d tanh(x)/dx = 1 - tanh(x)²",)


def test_lecture_neuron_stepper_reads_like_the_lecture():
    c = build("lecture", "neuron")
    st = viz.Stepper(c.trace)
    assert [f.label for f in st] == ["seed", "tanh", "+", "+", "*", "*"]
    assert "n: upstream × local = 1.00 × 0.50 = 0.50" in st.text(1)       # 1 - o² = 0.5
    assert "b: upstream × local = 0.50 × 1.00 = 0.50" in st.text(2)
    last = st.text(5) + st.text(4)
    assert "x1: upstream × local = 0.50 × -3.00 = -1.50" in last
    assert "w1: upstream × local = 0.50 × 2.00 = 1.00" in last
    assert "w2: upstream × local = 0.50 × 0.00 = 0.00" in last


def test_exp_and_division_of_the_lecture_value():
    x = LectureValue(0.5, label="x")
    e = (2 * x).exp()
    o = (e - 1) / (e + 1)                     # tanh(x) written out, as in the lecture
    o.label = "o"
    o.backward()
    st = viz.Stepper(o)
    final = {}
    for s in st.trace:
        for p, d in zip(st.graph.node(s.node).inputs, s.downstream):
            final[p] = final.get(p, 0.0) + d
    assert abs(final[st.graph.lookup[id(x)]] - x.grad) < 1e-12
    assert abs(x.grad - (1 - math.tanh(0.5) ** 2)) < 1e-12
    labels = {n.label for n in st.graph.gates()}
    assert {"exp", "**-1", "*", "+"} <= labels


# ---------------------------------------------------------------- input order, x*x
def test_input_order_comes_from_the_closure():
    a, b = Value(2.0), Value(5.0)
    c = b * a
    d = a + b
    assert [p.data for p in mg.inputs_of(c)] == [5.0, 2.0]
    assert [p.data for p in mg.inputs_of(d)] == [2.0, 5.0]
    sq = a * a
    assert len(sq._prev) == 1 and mg.inputs_of(sq) == (a, a)


def test_without_a_closure_the_data_decides_and_checks():
    a, b = Value(2.0), Value(5.0)
    c = Value(10.0, (a, b), "*")             # built by hand: no _backward closure
    assert sorted(p.data for p in mg.inputs_of(c)) == [2.0, 5.0]
    sq = Value(4.0, (a,), "*")
    assert mg.inputs_of(sq) == (a, a)
    bad = Value(11.0, (a, b), "*")
    with pytest.raises(ValueError, match=r"micrograd adapter: a '\*' node's data 11.0 is not"):
        viz.to_dot(bad)


def test_x_times_x_sends_two_gradients_that_add():
    x = Value(3.0)
    x.label = "x"
    y = x * x
    y.backward()
    g = viz.as_graph(y)
    assert g.node(g.root).inputs == ("n0", "n0")
    assert viz.to_dot(y).count("v0:r:e -> g1") == 2
    st = viz.Stepper(y)
    assert st[1].downstream == (3.0, 3.0)
    assert "x fans out, its gradients add: 3.00 + 3.00 = 6.00 (complete)" in st.text(1)
    assert x.grad == 6.0


def test_stepper_replays_without_touching_grads():
    c = build("micrograd", "addmul")
    leaves = [v for v in mg.topo_order(c.graph, mg.inputs_of)]
    before = [(v.grad, type(v.grad)) for v in leaves]
    st = viz.Stepper(c.graph)
    assert [(v.grad, type(v.grad)) for v in leaves] == before
    assert len(st) == 3


def test_before_backward_gradients_are_not_drawn():
    a, b = Value(2.0), Value(-3.0)
    c = a * b + 1
    dot = viz.to_dot(c)
    assert red(dot) == [] and "-6.00" in green(dot)
    st = viz.Stepper(c)                        # the replay still shows what backward would do
    assert st[1].upstream == 1.0 and a.grad == 0


def test_unknown_op_draws_but_cannot_be_stepped():
    a = Value(2.0)
    s = Value(0.88, (a,), "sigmoid")
    s.grad = 1.0
    dot = viz.to_dot(s)
    assert "sigmoid" in dot
    with pytest.raises(ValueError, match="Stepper: micrograd op 'sigmoid' has no local-derivative rule"):
        viz.Stepper(s)


def test_deep_micrograd_chain_has_no_recursion_error():
    x = Value(0.5)
    h = x
    for _ in range(5000):
        h = h * 1.0001
    dot = viz.to_dot(h, max_nodes=None)
    assert dot.count('class="gate"') == 5000


# ---------------------------------------------------------------- the demo MLP
def demo(n_points=3, seed=1337, reg=True):
    random.seed(seed)
    model = MLP(2, [16, 16, 1])
    pts = [[random.uniform(-1, 1), random.uniform(-1, 1)] for _ in range(n_points)]
    ys = [1.0 if i % 2 else -1.0 for i in range(n_points)]
    inputs = [list(map(Value, row)) for row in pts]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    total = data_loss
    if reg:
        total = total + 1e-4 * sum((p * p for p in model.parameters()))
    model.zero_grad()
    total.backward()
    return model, total


def test_demo_mlp_groups_by_network_layer_and_neuron():
    model, loss = demo()
    g = viz.as_graph(loss, model=model)
    paths = {tuple(name for name, _ in n.group) for n in g.gates()}
    assert ("MLP", "Layer", "Neuron") in paths
    calls = {n.group[0] for n in g.gates() if n.group}
    assert len(calls) == 3                                       # one MLP call per data point
    layers = {n.group[:2] for n in g.gates() if len(n.group) >= 2}
    assert len(layers) == 9
    neurons = {n.group for n in g.gates() if len(n.group) == 3}
    assert len(neurons) == 3 * 33
    per_neuron = {}
    for n in g.gates():
        if len(n.group) == 3:
            per_neuron[n.group] = per_neuron.get(n.group, 0) + 1
    assert set(per_neuron.values()) <= {2 * 2 + 1, 2 * 16 + 1, 2 * 16}   # muls, adds (+ ReLU)


def test_demo_mlp_draws_and_collapses():
    model, loss = demo()
    full = viz.graph.build(loss, collapse=False)
    boxes = viz.graph.build(viz.as_graph(loss, model=model), collapse="Layer")
    assert sum(1 for gt in boxes.gates if gt.collapsed) == 9
    assert boxes.node_count() < full.node_count() / 2
    dot = viz.to_dot(loss, model=model, collapse=True)
    assert dot.count('class="gate group"') == 3
    auto = viz.graph.build(viz.as_graph(loss, model=model), max_nodes=400)
    assert any(gt.collapsed for gt in auto.gates)
    # no model: nothing to collapse, but the size budget must not fail
    plain = viz.to_dot(loss, max_nodes=100)
    assert plain.count('class="gate"') == sum(1 for _ in viz.as_graph(loss).gates())
    one_model, one = demo(n_points=1, reg=False)   # one call: 3 layer boxes and the 337 parameters
    svg = viz.run_dot(viz.to_dot(one, model=one_model, collapse="Layer"), "svg", timeout=120)
    assert svg.count(b'class="node') == viz.to_dot(one, model=one_model, collapse="Layer").count("class=")


def test_demo_mlp_stepper_matches_micrograd_grads():
    model, loss = demo(n_points=2)
    st = viz.Stepper(loss, model=model, collapse="Neuron")
    final = {}
    for s in st.trace:
        for p, d in zip(st.graph.node(s.node).inputs, s.downstream):
            final[p] = final.get(p, 0.0) + d
    for p in model.parameters():
        assert abs(final[st.graph.lookup[id(p)]] - p.grad) < 1e-12
    assert any("[MLP / Layer / Neuron]" in f.heading for f in st)


def test_bad_model_is_a_clear_error():
    x = Value(1.0)
    with pytest.raises(TypeError, match="micrograd adapter: model= must be a micrograd MLP, Layer or Neuron"):
        viz.to_dot(x * 2, model=[1, 2])


def test_hostile_labels_are_escaped():
    a = LectureValue(1.0, label="<script>alert(1)</script>")
    b = LectureValue(2.0, label='"}; a -> b [label="x')
    c = a * b
    c.label = "&amp; \\N"
    c.backward()
    dot = viz.to_dot(c)
    labels = "".join(re.findall(r"label=<(.*?)>\];", dot))
    assert "<script>" not in labels and "&lt;script&gt;" in labels
    assert '"}; a -> b [label="x' not in dot          # quoted strings (tooltips) are escaped too
    svg = viz.run_dot(dot, "svg").decode()
    assert "<script>" not in svg
    page = viz.Stepper(c, title="<b>").to_html()
    assert "<script>alert" not in page

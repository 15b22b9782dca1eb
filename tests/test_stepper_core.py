"""The Stepper's Python side: frames follow the trace, layout is fixed, numbers check."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import graphgrad as gg
import viz
from viz.fmt import fmt_number

from test_viz_helpers import SVG_NS, example


def neuron_stepper(name="f"):
    s = example("02_neuron.py")
    return viz.Stepper(s.trace_for(s.namespace[name])), s


def test_frames_follow_the_trace():
    st, s = neuron_stepper()
    trace = s.trace_for(s.namespace["f"])
    assert len(st) == len(trace) + 1 == 9                 # seed + 8 gates
    assert [st[k].label for k in range(1, 9)] == ["1/x", "+1", "exp", "*-1", "+", "+", "*", "*"]
    for k, step in enumerate(trace, start=1):
        assert st[k].value.label == st[k].label and st[k].upstream == step.upstream
        assert st[k].downstream == tuple(step.downstream[j] for j in st[k].value.positions())


def test_navigation():
    st, _ = neuron_stepper()
    assert st.index == 0 and st.node is st.root
    assert st.next().label == "1/x" and st.next().label == "+1"
    assert st.prev().label == "1/x"
    assert st.goto(-1).label == "*" and st.next().index == 8          # stays at the end
    assert st.goto(0).index == 0 and st.prev().index == 0
    with pytest.raises(IndexError, match="Stepper.goto: frame 9 is out of range; this backward pass has 9 frames"):
        st.goto(9)
    with pytest.raises(TypeError, match="Stepper.goto: the frame index must be an int"):
        st.goto("3")


def test_sigmoid_gate_step_reads_1_times_020():
    st, _ = neuron_stepper("f_fused")
    f = st.goto(1)
    assert f.label == "σ" and f.upstream == 1.0 and abs(f.local[0] - 0.19661193324148185) < 1e-15
    assert "1.00 × 0.20 = 0.20" in st.text()


def test_every_printed_product_checks():
    for name in ("f", "f_fused"):
        st, _ = neuron_stepper(name)
        n = 0
        for k in range(1, len(st)):
            for m in re.finditer(r"= (\S+) × (\S+) = (\S+)", st.text(k)):
                a, b, c = m.groups()
                assert fmt_number(float(a) * float(b)) == c, st.text(k)
                n += 1
        assert n == (12 if name == "f" else 9)


def test_fanout_sums_shown_consistently():
    s = example("03_staged.py")
    st = viz.Stepper(s.trace_for(s.namespace["f"]))
    last = st.text(len(st) - 1)
    m = re.search(r"x fans out, its gradients add: (.*) = (\S+) \(complete\)", last)
    assert m and m.group(2) == "2.06"
    parts = [float(p.replace("−", "-").replace(" ", "")) for p in re.split(r" (?=[+−])", m.group(1))]
    assert len(parts) == 3 and fmt_number(sum(parts)) == "2.06"       # 0.512 − 0.036 + 1.583
    assert "y fans out, its gradients add: 0.01 + 1.58 = 1.59 (complete)" in last


def _positions(svg):
    root = ET.fromstring(svg.encode())
    return [(e.tag, e.get("cx"), e.get("cy"), e.get("points"), e.get("d"))
            for e in root.iter() if e.tag in (SVG_NS + "ellipse", SVG_NS + "polyline", SVG_NS + "path")]


def test_layout_is_identical_in_every_frame_and_gradients_appear_in_order():
    st, _ = neuron_stepper()
    base = _positions(st.frame_svg(0))
    hidden = []
    for k in range(len(st)):
        svg = st.frame_svg(k)
        assert _positions(svg) == base
        root = ET.fromstring(svg.encode())
        reds = [t for t in root.iter(SVG_NS + "text") if t.get("fill") == "#c62828"]
        hidden.append(sum(1 for t in reds if t.get("fill-opacity") == "0"))
        cur = [g for g in root.iter(SVG_NS + "g") if g.get("id") == st[k].node_id][0]
        if k:
            assert any(e.get("fill") == "#fff59d" for e in cur.iter(SVG_NS + "ellipse"))
    assert hidden[0] == 12 and hidden[-1] == 0
    assert all(a >= b for a, b in zip(hidden, hidden[1:]))           # never hides again


def test_tensor_graph_steps():
    s = example("05_vectorized.py")
    st = viz.Stepper(s.trace_for(s.namespace["f"]), fmt=".3g")
    assert [f.label for f in st][1:] == ["sum", "**2", "@"]
    last = st.text(3)
    assert "W: d(A@B)/dA → upstream @ Bᵀ" in last and "(2, 2)" in last
    assert "[[0.088, 0.176] [0.104, 0.208]]" in last


def test_stepper_from_value_keeps_user_gradients():
    x = gg.Value(3.0, requires_grad=True, name="x")
    y = (x * x).exp()
    y.backward(retain_graph=True)
    before = float(x.grad)
    st = viz.Stepper(y)
    assert float(x.grad) == before and len(st) == 3


def test_stepper_errors():
    with pytest.raises(TypeError, match=r"Stepper: expected a backward pass to step through \(a graphgrad Value or BackwardTrace, .*\), got int"):
        viz.Stepper(3)
    with pytest.raises(ValueError, match="Stepper: this Value does not require grad"):
        viz.Stepper(gg.Value(1.0) * 2.0)
    x = gg.Value(1.0, requires_grad=True)
    y = x * 2.0
    y.backward()
    assert len(viz.Stepper(y)) == 2          # after a plain backward: its trace is rebuilt (trace_of)
    import graphgrad.nn.functional as F
    s = gg.Value(np.random.default_rng(0).standard_normal((400, 400)), requires_grad=True)
    loss = F.cross_entropy(s, np.arange(400) % 3)
    loss.backward()                          # 1.28 MB of probabilities: released
    with pytest.raises(gg.BackwardError, match=r"^Stepper: trace_of: backward\(\) released the saved buffers "
                                               r"of 'softmax_cross_entropy'.*retain_graph=True"):
        viz.Stepper(loss)


def test_collapsed_group_highlights_its_box():
    s = example("02_neuron.py")
    st = viz.Stepper(s.trace_for(s.namespace["f"]), collapse="sigmoid")
    box = [g.id for g in st.circuit.gates if g.collapsed][0]
    assert [st[k].node_id for k in range(1, 5)] == [box] * 4
    assert st[5].node_id != box


def test_forward_frames_reveal_values_left_to_right():
    s = example("01_add_mul.py")
    st = viz.Stepper(s.trace_for(s.namespace["f"]), fmt="g", forward=True)
    assert len(st) == 3 + 3                               # inputs, + gate, * gate; seed, 2 steps
    assert [f.phase for f in st] == ["forward"] * 3 + ["backward"] * 3
    assert "q = -2 + 5 = 3" in st.text(1) and "f = 3 * -4 = -12" in st.text(2)
    assert st[3].label == "seed" and st[3].index == 3
    greens = []
    for k in range(len(st)):
        root = ET.fromstring(st.frame_svg(k).encode())
        greens.append(sum(1 for t in root.iter(SVG_NS + "text")
                          if t.get("fill") == "#2e7d32" and t.get("fill-opacity") != "0"))
    assert greens == [3, 4, 5, 5, 5, 5]                   # x y z, then q, then f


def test_text_wraps_tensors_at_a_width_and_keeps_every_number():
    x = gg.Value([[0.5, 1.5, 2.5, 3.5], [4.5, 5.5, 6.5, 7.5]], requires_grad=True, name="x")
    w = gg.Value([[1.25, -2.5, 3.75, -5.0], [6.25, -7.5, 8.75, -10.0]], requires_grad=True, name="w")
    st = viz.Stepper((x * w).sum())
    plain = st.text(2)
    assert max(len(l) for l in plain.splitlines()) > 100                 # the unwrapped line is long
    for width in (40, 60, 25):
        wrapped = st.text(2, width=width)
        assert max(len(l) for l in wrapped.splitlines()) <= width
        assert wrapped.split() == plain.split()                           # only the line breaks moved
    assert "      [6.25, -7.50, 8.75, -10.00]] =" in st.text(2, width=60).splitlines()   # rows stay whole


def test_stepper_and_local_diagram_after_a_plain_backward_as_a_lecturer_types_them():
    """`f.backward()` then `viz.Stepper(f)` / `viz.Diagram(f, local=True)`: no retain_graph,
    no trace=True, and the gradients the user already has are left exactly as they were."""
    import graphgrad.nn as nn
    import graphgrad.nn.functional as F
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = gg.Value(np.random.default_rng(0).standard_normal((5, 3)))
    loss = F.cross_entropy(net(x), np.array([0, 1, 1, 0, 1]))
    loss.backward()
    before = {n: np.copy(p.grad) for n, p in net.named_parameters()}
    st = viz.Stepper(loss)
    assert len(st) == 1 + len(st.trace.steps) and st.trace.steps[0].node == st.trace.graph.root
    last = st.goto(len(st) - 1)
    assert last is not None
    for n, p in net.named_parameters():
        np.testing.assert_array_equal(p.grad, before[n])
    w = net[0].weight
    node = st.trace.graph.node(st.trace.graph.lookup[id(w)])
    np.testing.assert_array_equal(node.grad, w.grad)
    assert "(softmax(s) - onehot(y)) / N" in viz.Diagram(loss, local=True).source
    a, b = gg.Value(2.0, requires_grad=True, name="a"), gg.Value(-3.0, requires_grad=True, name="b")
    f = (a * b).tanh()
    f.backward()
    src = viz.Diagram(f, local=True).source
    assert "×" in src and len(viz.Stepper(f)) == 3

"""Labels fit for a slide (issue 13): index gates, derivative names, scalars, one number format."""
import numpy as np
import pytest

import graphgrad as gg
import viz
from viz.graph import build
from viz.sources import as_graph


def gate_labels(v):
    return [n.label for n in as_graph(v).nodes if not n.is_leaf]


def test_index_gate_shows_its_index():
    x = gg.Value(np.arange(12.0).reshape(3, 4), requires_grad=True, name="x")
    assert gate_labels(x[np.array([0, 2])].sum())[-2] == "[[0, 2]]"
    assert gate_labels(x[1:, np.array([3, 1, 0])].sum())[-2] == "[1:, [3, 1, 0]]"
    assert gate_labels(x[np.arange(3), np.array([0, 3, 1])].sum())[-2] == "[[0, 1, 2], [0, 3, 1]]"
    assert gate_labels(x[np.arange(6) % 3].sum())[-2] == "[idx (6,)]"                  # long: its shape
    assert gate_labels(x[np.array([[0, 1], [2, 0]]), np.array([[1, 1], [2, 3]])].sum())[-2] == \
        "[idx (2, 2), idx (2, 2)]"
    assert gate_labels(x[x.data > 5].sum())[-2] == "[mask (3, 4)]"
    dot = viz.to_dot(x[np.arange(3), np.array([0, 3, 1])].sum())
    assert "array" not in dot and "[[0, 1, 2], [0, 3, 1]]" in dot
    with pytest.raises(gg.ShapeError, match=r"getitem: index .* does not fit shape \(3, 4\)"):
        x[np.array([0, 7])]


def test_derivative_labels_bracket_compound_names():
    x1 = gg.Value(2.0, requires_grad=True, name="x1")
    w1 = gg.Value(-3.0, requires_grad=True, name="w1")
    x2 = gg.Value(0.0, requires_grad=True, name="x2")
    w2 = gg.Value(1.0, requires_grad=True, name="w2")
    n = x1 * w1 + x2 * w2
    n.name = "x1*w1 + x2*w2"
    o = n.tanh()
    o.name = "o"
    st = viz.Stepper(o, fmt=".2f")
    assert "upstream: do/d(x1*w1 + x2*w2) = " in st.text(2)
    assert "upstream: do/do = 1.00" in st.text(1)
    assert st.text(0).splitlines()[1] == "  do/do = 1.00"


def test_a_0d_tensor_says_scalar():
    w = gg.Value(np.array(2.0), requires_grad=True, name="w")
    x = gg.Value(np.array([1.0, 2.0, 3.0]), requires_grad=True, name="x")
    st = viz.Stepper((x * w).sum())
    assert "w: upstream ⊙ local, summed over the broadcast axes → scalar gradient" in st.text(2)
    assert "()" not in st.text(2)
    h = gg.Value(np.array(0.5, dtype=np.float32), requires_grad=True, name="h")
    dot = viz.to_dot((h * h).exp())
    assert ">scalar float32<" in dot and "()" not in dot.replace("d(e^x)/dx", "")


def _numbers(dot):
    import re
    return re.findall(r'<FONT COLOR="#(?:2e7d32|c62828|1565c0)"[^>]*>([^<]*)</FONT>', dot)


def test_one_number_format_per_diagram_unless_asked():
    x = gg.Value(2.0, requires_grad=True, name="x")
    w = gg.Value(3.0, requires_grad=True, name="w")
    f = (x * w).tanh()                       # d tanh = 1 - tanh(6)^2 = 2.5e-05: tiny
    trace = f.backward(trace=True)     # d tanh = 1 - tanh(6)^2 = 2.5e-05: tiny
    auto = _numbers(viz.to_dot(f, local=True))
    assert "6" in auto and "2.46e-05" in auto and "6.00" not in auto         # all .3g
    assert not any("0.000025" in t for t in auto)
    asked = _numbers(viz.to_dot(f, fmt=".2f", local=True))                  # asked: kept as it is
    assert "6.00" in asked and "2.5e-05" in asked
    a, b = gg.Value(2.0, requires_grad=True), gg.Value(3.0, requires_grad=True)
    plain = _numbers(viz.to_dot((a * b).exp()))
    assert "6.00" in plain and "403.43" in plain                           # nothing tiny: .2f
    st = viz.Stepper(trace)
    assert st.fmt == ".3g" and "upstream × local = 1 × 2.46e-05 = 2.46e-05" in st.text(1)
    assert viz.Stepper(trace, fmt=".2f").fmt == ".2f"

"""The gradient graph of a create_graph pass draws and steps like any other graph."""
import numpy as np

import graphgrad as gg
import viz


def gradient_graph():
    x = gg.Value(3.0, requires_grad=True, name="x")
    y = gg.Value(-2.0, requires_grad=True, name="y")
    (dfdx,) = gg.grad(x * x * y, x, create_graph=True)
    dfdx.name = "df/dx"
    return x, y, dfdx


def test_gradient_graph_draws_with_one_cluster_per_gate():
    x, y, dfdx = gradient_graph()
    dfdx.backward()
    dot = viz.to_dot(dfdx, local=True)
    assert "df/dx" in dot and ">x<" in dot and ">y<" in dot
    assert dot.count("label=<∂mul>") == 2
    assert float(x.grad) == -4.0 and float(y.grad) == 6.0       # d²f/dx², d²f/dxdy


def test_gradient_graph_steps_like_any_graph():
    x, y, dfdx = gradient_graph()
    dfdx.backward()
    st = viz.Stepper(dfdx)
    assert len(st) >= 4                  # one frame per gate of the gradient graph (+ the start)
    st.goto(len(st) - 1)
    assert st.downstream is not None     # the last gate hands its gradients to the leaves
    assert "6" in st.text(len(st) - 1)
    page = st.to_html()
    assert "∂mul" in page


def test_hessian_vector_product_graph_renders(tmp_path):
    W = gg.Value(np.array([[0.5, -1.0], [2.0, 0.3]]), requires_grad=True, name="W")
    xin = np.array([1.0, -2.0])
    loss = ((W @ xin).tanh() ** 2).sum()
    (g,) = gg.grad(loss, W, create_graph=True)
    hv = (g * np.ones((2, 2))).sum()
    hv.backward()
    out = viz.render(hv, tmp_path / "hvp.svg")
    assert open(out, encoding="utf-8").read().count("<svg") == 1

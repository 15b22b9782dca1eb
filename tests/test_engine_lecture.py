"""The cs231n lecture-4 examples, with the numbers from the slides and notes."""
import math

import numpy as np
import pytest

import graphgrad as gg


def leaves(**kw):
    return [gg.Value(v, requires_grad=True, name=k) for k, v in kw.items()]


def test_add_mul_circuit_reproduces_slide_numbers():
    x, y, z = leaves(x=-2.0, y=5.0, z=-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert q.item() == 3.0 and f.item() == -12.0
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (-4.0, -4.0, 3.0, -4.0, 1.0)


def test_sigmoid_neuron_expanded_into_gates():
    w0, x0, w1, x1, w2 = leaves(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    dot = w0 * x0 + w1 * x1 + w2
    f = 1.0 / (1 + (-dot).exp())
    trace = f.backward(trace=True)
    assert round(f.item(), 2) == 0.73
    got = [round(float(v.grad), 2) for v in (w0, x0, w1, x1, w2)]
    assert got == [-0.20, 0.39, -0.39, -0.59, 0.20]
    # the notes' code gives these to the last digit
    assert float(x0.grad) == pytest.approx(0.3932238664829637, abs=1e-15)
    assert float(x1.grad) == pytest.approx(-0.5898357997244456, abs=1e-15)
    assert float(w0.grad) == pytest.approx(-0.19661193324148185, abs=1e-15)
    # 8 gates: 2 mul, 2 add, *-1, exp, +1, 1/x; walked output-first
    assert [s.op for s in trace] == ["div", "add", "exp", "neg", "add", "add", "mul", "mul"]
    exp_step = trace[2]
    assert exp_step.upstream == pytest.approx(-0.534447, abs=1e-6)
    assert exp_step.local[0] == pytest.approx(math.exp(-1))
    assert exp_step.downstream[0] == pytest.approx(-0.196612, abs=1e-6)


def test_sigmoid_neuron_with_fused_sigma_gate():
    w0, x0, w1, x1, w2 = leaves(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    f = (w0 * x0 + w1 * x1 + w2).sigmoid()
    trace = f.backward(trace=True)
    sigma = trace[0]
    assert sigma.label == "σ"
    assert sigma.arithmetic(0) == "1.00 × 0.20 = 0.20"
    assert [round(float(v.grad), 2) for v in (w0, x0, w1, x1, w2)] == [-0.20, 0.39, -0.39, -0.59, 0.20]
    assert [s.op for s in trace] == ["sigmoid", "add", "add", "mul", "mul"]


def test_vectorised_squared_norm():
    W = gg.Value([[0.1, 0.5], [-0.3, 0.8]], requires_grad=True, name="W")
    x = gg.Value([0.2, 0.4], requires_grad=True, name="x")
    q = W @ x
    f = (q ** 2).sum()
    f.backward()
    np.testing.assert_allclose(q.numpy(), [0.22, 0.26])
    assert f.item() == pytest.approx(0.116)
    np.testing.assert_allclose(W.grad, [[0.088, 0.176], [0.104, 0.208]])
    np.testing.assert_allclose(x.grad, [-0.112, 0.636])
    np.testing.assert_allclose(q.grad, [0.44, 0.52])


def test_staged_computation_fans_out():
    x, y = leaves(x=3.0, y=-4.0)
    sig = lambda v: 1.0 / (1 + (-v).exp())  # noqa: E731
    num = x + sig(y)
    den = sig(x) + (x + y) ** 2
    f = num / den
    f.backward()
    assert f.item() == pytest.approx(1.545645, abs=1e-6)
    assert float(x.grad) == pytest.approx(2.0595697959, abs=1e-9)
    assert float(y.grad) == pytest.approx(1.5922327518, abs=1e-9)


def test_gate_patterns_add_distributes_max_routes_mul_swaps():
    x, y, z, w = leaves(x=3.0, y=-4.0, z=2.0, w=-1.0)
    f = 2 * (x * y + gg.maximum(z, w))
    f.backward()
    assert f.item() == -20.0
    assert (x.grad, y.grad, z.grad, w.grad) == (-8.0, 6.0, 2.0, 0.0)

"""The gradient-flow overlay: dead-ReLU and saturated-unit counts against a numpy count,
the colours follow the gradients, per-layer counts on the collapsed network, and the
default drawing is untouched."""
import numpy as np
import pytest

import graphgrad as gg
import viz
from graphgrad import nn
from viz.flow import layer_counts, magnitude, unit_health


def _net(seed=0, dead_bias=True):
    rng = np.random.default_rng(seed)
    net = nn.Sequential(nn.Linear(3, 10, rng=seed), nn.ReLU(), nn.Linear(10, 6, rng=seed), nn.Tanh(),
                        nn.Linear(6, 4, rng=seed), nn.Sigmoid())
    if dead_bias:
        net[0].bias.data[:] = rng.choice([-40.0, 0.0], size=10)
        net[2].weight.data[:] *= 30
        net[4].bias.data[:] = [30.0, 0.0, -30.0, 0.0]
    X = rng.standard_normal((25, 3))
    out = net(gg.Value(X)).sum()
    out.backward()
    return net, X, out


def _numpy_counts(net, X):
    pre1 = X @ net[0].weight.numpy() + net[0].bias.numpy()
    h1 = np.maximum(pre1, 0)
    t = np.tanh(h1 @ net[2].weight.numpy() + net[2].bias.numpy())
    s = 1 / (1 + np.exp(-(t @ net[4].weight.numpy() + net[4].bias.numpy())))
    dead = int(sum(np.all(pre1[:, j] <= 0) for j in range(pre1.shape[1])))
    sat_t = int(sum(np.all(np.abs(t[:, j]) > 0.99) for j in range(t.shape[1])))
    sat_s = int(sum(np.all((s[:, j] < 0.01) | (s[:, j] > 0.99)) for j in range(s.shape[1])))
    return dead, sat_t, sat_s


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_match_numpy(seed):
    net, X, out = _net(seed)
    rows = layer_counts(viz.as_graph(out))
    got = {kind: (c, u) for _, kind, c, u in rows}
    dead, sat_t, sat_s = _numpy_counts(net, X)
    assert got["relu"] == (dead, 10) and got["tanh"] == (sat_t, 6) and got["sigmoid"] == (sat_s, 4)
    assert dead > 0 and sat_s >= 1           # the set-up really kills and saturates units


def test_a_unit_negative_for_some_examples_only_is_not_dead():
    x = gg.Value(np.array([[-1.0, -2.0], [3.0, -1.0]]), requires_grad=True)
    (u,) = unit_health(viz.as_graph(gg.relu(x))).values()
    assert u.mask.tolist() == [False, True]


def test_default_drawing_unchanged_and_flow_changes_it():
    _, _, out = _net()
    plain = viz.to_dot(out)
    assert viz.to_dot(out, flow=None) == plain
    coloured = viz.to_dot(out, flow="grad")
    assert coloured != plain and "penwidth=" in coloured and "dead " in coloured


def test_collapsed_network_shows_counts_per_layer():
    net, X, out = _net()
    dead, sat_t, sat_s = _numpy_counts(net, X)
    dot = viz.to_dot(out, flow="grad", collapse=["Linear", "ReLU", "Tanh", "Sigmoid"])
    assert f"dead {dead}/10" in dot and f"saturated {sat_t}/6" in dot and f"saturated {sat_s}/4" in dot
    whole = viz.to_dot(out, flow="ratio", collapse=True)
    assert f"dead {dead}/10" in whole and f"saturated {sat_t + sat_s}/10" in whole


def test_wire_colour_follows_gradient_magnitude():
    a = gg.Value(np.ones(3), requires_grad=True, name="a")
    b = gg.Value(np.ones(3), requires_grad=True, name="b")
    L = (a * 1000.0 + b * 0.001).sum()
    L.backward()
    dot = viz.to_dot(L, flow="grad")
    g = viz.as_graph(L)
    wa = [n.id for n in g.nodes if n.name == "a"][0]
    assert magnitude(g.node(wa), "grad") == pytest.approx(1000.0)
    from viz.graph import build
    c = build(g)
    wb = [n.id for n in g.nodes if n.name == "b"][0]
    edge = {nid: [ln for ln in dot.splitlines() if ln.startswith(f"  {c.wire_of[nid]}:r:e ->")][0] for nid in (wa, wb)}
    assert 'color="#b71c1c"' in edge[wa]       # the largest gradient: the top of the ramp
    assert 'color="#cfd8dc"' in edge[wb]       # the smallest: the bottom


def test_flow_option_validated():
    with pytest.raises(ValueError, match="flow must be None, 'grad' or 'ratio'"):
        viz.Options(flow="grads")

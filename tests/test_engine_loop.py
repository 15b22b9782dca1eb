"""The one backward loop: a gradient arriving at a pending sum is added in place only when
the engine alone holds that sum; an array anyone else holds is never written."""
import numpy as np

import graphgrad as gg

KEPT = []


class KeepGrad(gg.Op):
    """Identity whose backward keeps (and returns) the very array it hands downstream."""

    name = symbol = "keep"

    def forward(self, a):
        return a.copy(), None

    def backward(self, ctx, g):
        out = np.array(g)              # a fresh array: the engine could own it, but we keep it
        KEPT.append(out)
        return (out,)


def test_an_array_an_op_kept_is_not_written_by_a_later_fan_out_sum():
    KEPT.clear()
    x = gg.Value(np.ones(4), requires_grad=True)
    y = gg.apply(KeepGrad(), x) * 3.0 + x * 5.0 + x * 7.0      # three arrivals at x
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(4, 15.0))
    np.testing.assert_array_equal(KEPT[0], np.full(4, 3.0))    # what the op kept is untouched


def test_a_sum_only_the_engine_holds_is_reused_in_place_and_right():
    w = gg.Value(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x = gg.Value(np.ones((4, 2)))
    loss = (x @ w).sum() + (w * w).sum() + (w * 2.0).sum() + (x @ w).sum()
    loss.backward()
    np.testing.assert_allclose(w.grad, 2 * 4 * np.ones((2, 3)) + 2 * np.arange(6.0).reshape(2, 3) + 2.0)


def test_intermediate_grads_and_trace_steps_keep_their_values():
    x = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 2.0
    y = (h * h).sum() + (h * 3.0).sum() + h.sum()
    tr = y.backward(trace=True)
    np.testing.assert_array_equal(h.grad, 2 * np.array([2.0, 4.0]) + 3.0 + 1.0)
    for s in tr:                        # every downstream a step recorded is what it was then
        if s.op == "mul" and s.output is h:
            np.testing.assert_array_equal(s.upstream, h.grad)
    np.testing.assert_array_equal(x.grad, 2 * h.grad)


def test_create_graph_and_plain_passes_run_the_same_loop():
    from graphgrad import autograd, higher
    assert higher.propagate is autograd.propagate
    x = gg.Value(np.array([0.5, -1.0]), requires_grad=True)
    (g,) = gg.grad((x ** 3).sum(), [x], create_graph=True)
    (h,) = gg.grad(g.sum(), [x])
    np.testing.assert_allclose(h, 6 * x.numpy())


class ViewGrad(gg.Op):
    """Identity whose backward hands out a transposed view: of a fresh buffer, or (``keep``)
    of a buffer it also keeps, or one view each of a single buffer for two inputs."""

    name = symbol = "viewgrad"

    def __init__(self, mode):
        self.mode = mode

    def forward(self, *xs):
        return sum(x.copy() for x in xs), None

    def backward(self, ctx, g):
        buf = np.array(g.T)                    # owns its data; g.T of it has g's shape
        if self.mode == "keep":
            KEPT.append(buf)
        if self.mode == "shared":
            return buf.T, buf.T
        return (buf.T,)


def test_a_view_of_a_buffer_no_one_else_holds_is_handed_to_the_leaf_without_a_copy():
    x = gg.Value(np.arange(6.0).reshape(2, 3), requires_grad=True)
    gg.apply(ViewGrad("fresh"), x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))
    assert x.grad.base is not None and x.grad.flags.writeable      # the op's view itself, no copy


def test_a_view_of_a_buffer_an_op_kept_or_two_leaves_share_is_copied():
    KEPT.clear()
    x = gg.Value(np.ones((2, 3)), requires_grad=True)
    gg.apply(ViewGrad("keep"), x).sum().backward()
    x.grad[0, 0] = 100.0
    np.testing.assert_array_equal(KEPT[0], np.ones((3, 2)))           # what the op kept is untouched
    a, b = gg.Value(np.ones((2, 3)), requires_grad=True), gg.Value(np.ones((2, 3)), requires_grad=True)
    gg.apply(ViewGrad("shared"), a, b).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    a.grad[0, 0] = 100.0
    assert b.grad[0, 0] == 1.0


def test_x_times_x_without_a_trace_sends_2xg_once_and_with_one_shows_each_edge(monkeypatch):
    from graphgrad.ops.arithmetic import Mul
    sent = []
    real = Mul.backward
    monkeypatch.setattr(Mul, "backward", lambda self, ctx, g: sent.append(real(self, ctx, g)) or sent[-1])
    w = gg.Value(np.arange(4.0), requires_grad=True)
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, 2 * np.arange(4.0))
    assert sent[-1][1] is None                                  # folded: one product, one edge
    h0 = gg.Value(np.arange(4.0), requires_grad=True)
    h = h0 * 1.0
    tr = (h * h).sum().backward(trace=True)
    step = next(s for s in tr if s.op == "mul" and s.inputs[0] is h)
    np.testing.assert_array_equal(step.downstream[0], np.arange(4.0))    # upstream × h on each edge
    np.testing.assert_array_equal(step.downstream[1], np.arange(4.0))
    np.testing.assert_array_equal(h0.grad, 2 * np.arange(4.0))
    seen = []
    v = gg.Value(np.arange(3.0), requires_grad=True)
    v.register_hook(lambda g: seen.append(g))
    (v * v).sum().backward()
    np.testing.assert_array_equal(seen[0], 2 * np.arange(3.0))


class Twice(gg.Op):
    """f(a, b) = a·b written by a user: backward sends one fresh array along both edges."""

    name = symbol = "twice"

    def forward(self, a, b):
        return a * b, None

    def backward(self, ctx, g):
        ga = g * ctx.inputs[1]
        return ga, ga


def test_one_array_sent_twice_to_one_value_is_doubled_in_place_unless_a_trace_holds_it():
    x = gg.Value(np.arange(4.0), requires_grad=True)
    gg.apply(Twice(), x, x).sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * np.arange(4.0))
    y = gg.Value(np.arange(4.0), requires_grad=True)
    tr = gg.apply(Twice(), y, y).sum().backward(trace=True)
    step = next(s for s in tr if s.op == "twice")
    np.testing.assert_array_equal(step.downstream[0], np.arange(4.0))    # not doubled under it
    np.testing.assert_array_equal(y.grad, 2 * np.arange(4.0))


def test_a_view_an_intermediate_also_holds_as_its_grad_is_copied_for_the_leaf():
    x = gg.Value(np.ones((2, 3)), requires_grad=True)
    u = x + 0.0                                   # add hands its upstream (the view) on as is
    gg.apply(ViewGrad("fresh"), u).sum().backward()
    assert u.grad.base is not None                # the op's view is u's gradient
    assert not np.shares_memory(x.grad, u.grad)
    x.grad[0, 0] = 100.0
    assert u.grad[0, 0] == 1.0

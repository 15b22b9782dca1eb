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

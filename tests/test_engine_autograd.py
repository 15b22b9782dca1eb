"""backward(): accumulation, retain_graph, no_grad, hooks, trace, anomaly mode, deep graphs."""
import gc
import subprocess
import sys
import weakref

import numpy as np
import pytest

import graphgrad as gg


def leaf(v, name=None):
    return gg.Value(v, requires_grad=True, name=name)


def test_fan_out_accumulates():
    x = leaf(3.0)
    f = x * x + x          # df/dx = 2x + 1
    f.backward()
    assert x.grad == 7.0


def test_leaves_accumulate_across_calls_and_zero_grad_resets():
    x = leaf(2.0)
    (x * 3).backward()
    (x * 3).backward()
    assert x.grad == 6.0
    x.zero_grad()
    assert x.grad is None


def test_second_backward_on_freed_graph_raises_clearly():
    x = leaf(2.0)
    y = (x * 3).exp()
    y.backward()
    with pytest.raises(gg.BackwardError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward_and_intermediates_hold_latest():
    x = leaf(2.0)
    q = x * 3
    y = q * q
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == 2 * 36.0          # leaves accumulate
    assert q.grad == 12.0              # intermediates: the latest call's gradient


def test_non_scalar_backward_needs_grad():
    x = leaf(np.ones((2, 3)))
    y = x * 2
    with pytest.raises(gg.BackwardError, match=r"shape \(2, 3\).*grad="):
        y.backward()
    y.backward(grad=np.full((2, 3), 0.5))
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))
    with pytest.raises(gg.BackwardError, match=r"grad has shape \(3,\)"):
        (x * 2).backward(grad=np.ones(3))


def test_backward_without_requires_grad_says_how_to_fix():
    with pytest.raises(gg.BackwardError, match="requires_grad=True"):
        (gg.Value(2.0) * 3).backward()


def test_no_grad_records_nothing():
    x = leaf(2.0)
    with gg.no_grad():
        y = x * 3
        assert not gg.is_grad_enabled()
        with gg.enable_grad():
            z = x * 3
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad and gg.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = leaf(2.0)
    y = (x * 3).detach()
    assert y.is_leaf and not y.requires_grad and y.item() == 6.0
    t = gg.Value(np.ones(2), requires_grad=True)
    d = t.detach()
    d.data[0] = 5.0                       # shares storage, as in PyTorch
    assert t.numpy()[0] == 5.0
    c = gg.Value(t)                       # constructing from a Value copies
    c.data[1] = 7.0
    assert t.numpy()[1] == 1.0


def test_hooks_see_and_may_replace_the_gradient():
    x = leaf(2.0)
    q = x * 3
    seen = []
    q.register_hook(lambda g: seen.append(float(g)))
    h = q.register_hook(lambda g: g * 10)
    (q * q).backward()
    assert seen == [12.0]
    assert x.grad == 360.0
    h.remove()
    x.zero_grad()
    q2 = x * 3
    (q2 * q2).backward()
    assert x.grad == 36.0


def test_intermediate_tensor_grads_do_not_alias_leaf_grads():
    a, b = leaf(np.ones(3)), leaf(np.ones(3))
    (a + b).sum().backward()
    a.grad[0] = 100.0
    assert b.grad[0] == 1.0


def test_trace_records_upstream_local_downstream_and_formulas():
    x, y, z = leaf(-2.0, "x"), leaf(5.0, "y"), leaf(-4.0, "z")
    f = (x + y) * z
    trace = f.backward(trace=True)
    assert len(trace) == 2
    mul, add = trace
    assert (mul.op, mul.label, mul.upstream, mul.local, mul.downstream) == ("mul", "*", 1.0, (-4.0, 3.0), (-4.0, 3.0))
    assert mul.formulas == ("d(x*y)/dx = y", "d(x*y)/dy = x")
    assert (add.upstream, add.local, add.downstream) == (-4.0, (1.0, 1.0), (-4.0, -4.0))
    assert add.arithmetic(0) == "-4.00 × 1.00 = -4.00"
    assert trace.step_for(f) is mul and trace.step_for(x) is None


def test_trace_of_tensor_op_gives_formula_not_values():
    W = leaf(np.ones((2, 2)))
    x = gg.Value(np.ones(2))
    t = (W @ x).sum().backward(trace=True)
    mm = t[1]
    assert mm.op == "matmul" and mm.local is None
    assert mm.downstream[1] is None
    assert "upstream @ Bᵀ" in mm.arithmetic(0)


def test_groups_tag_nodes():
    x = leaf(1.0)
    with gg.group("sigmoid"):
        s = 1 / (1 + (-x).exp())
        with gg.group("inner"):
            t = s * 2
    assert s.group == ("sigmoid",) and t.group == ("sigmoid", "inner")
    assert (x * 2).group == ()


def test_anomaly_mode_names_the_forward_op_shapes_and_line():
    x = leaf(np.array([1.0, -1.0]))
    with gg.detect_anomaly():
        with pytest.raises(gg.AnomalyError) as e:
            x.log()   # the line the message must point at
    msg = str(e.value)
    assert msg.startswith("log: forward produced NaN/Inf")
    assert "(2,)" in msg and "test_engine_autograd.py" in msg and "x.log()" in msg


def test_anomaly_mode_catches_nan_made_in_backward():
    x = leaf(0.0)
    with gg.detect_anomaly():
        y = x.sqrt()          # sqrt(0) = 0 is fine forward, infinite slope backward
        with pytest.raises(gg.AnomalyError, match=r"sqrt: backward produced NaN/Inf.*y = x.sqrt\(\)"):
            y.backward()


def test_without_anomaly_mode_nan_passes_silently():
    y = leaf(-1.0).log()
    assert np.isnan(y.item())


def test_deep_chain_100k_forward_and_backward_under_default_recursion_limit():
    assert sys.getrecursionlimit() <= 1000 or True   # whatever it is, we never recurse
    x0 = leaf(1.0)
    x = x0
    for _ in range(100_000):
        x = x * 1.0001 + 0.0001
    x.backward()
    assert float(x0.grad) == pytest.approx(1.0001 ** 100_000, rel=1e-9)
    del x                 # dropping a 100,000-deep graph must not recurse either


def test_deep_tensor_chain():
    x0 = leaf(np.ones(3))
    x = x0
    for _ in range(100_000):
        x = x + 1.0
    x.sum().backward()
    np.testing.assert_array_equal(x0.grad, np.ones(3))


def test_graph_forms_no_reference_cycles():
    gc.disable()
    try:
        x = leaf(2.0)
        y = (x * 3 + 1).exp()
        ref = weakref.ref(y.inputs[0])
        y.backward(retain_graph=True)
        del y
        assert ref() is None        # freed by reference counting alone
    finally:
        gc.enable()


def test_import_is_light_and_tunes_gc_unless_told_not_to():
    code = ("import sys, gc, graphgrad; "
            "print(sorted(m for m in ('graphviz','matplotlib','networkx','torch','sklearn','tqdm','viz') "
            "if m in sys.modules)); print(gc.get_threshold())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "(2000, 100, 100)"]
    env = {"GRAPHGRAD_GC": "default", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.splitlines()[1] == "(700, 10, 10)"


def test_record_traces_collects_every_backward():
    x = leaf(2.0)
    with gg.record_traces() as traces:
        f = x * 3
        assert f.backward() is None           # the caller still gets what it asked for
        g = x.exp()
        t = g.backward(trace=True)
    assert [tr.output for tr in traces] == [f, g] and traces[1] is t
    assert traces[0][0].op == "mul"
    (x * 2).backward()
    assert len(traces) == 2                   # recording stopped with the block

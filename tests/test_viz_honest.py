"""Honest numbers: what a diagram or a stepper shows never hides non-finite entries, a gradient
a hook changed, data changed after the backward pass, or a ``.grad`` accumulated over passes.
Each test failed before the change it checks (issue 21)."""
import warnings

import numpy as np
import pytest

import viz
from viz.fmt import non_finite_text, tensor_lines


def test_summary_counts_non_finite_entries():
    a = np.array([1.0, 0.5, 1.5, -np.inf, -np.inf, -np.inf, np.nan] + [1.0] * 20)
    lines = tensor_lines(a)
    assert lines == ["mean 1.00", "[0.50, 1.50]", "3 -inf, 1 nan"]
    assert tensor_lines(np.full(20, -np.inf)) == ["20 -inf"]
    assert non_finite_text(np.ones(5)) == ""


def _said(source) -> str:
    return "\n".join(line for f in viz.Stepper(source)._frames for line in f.lines)


def test_graphgrad_hook_that_changes_a_gradient_is_marked_and_narrated():
    import graphgrad as gg
    w = gg.Value(np.array([1.0, -2.0, 3.0]), requires_grad=True, name="w")
    h = w * 3.0
    h.name = "h"
    h.register_hook(lambda g: 2 * g)
    loss = (h * h).sum()
    loss.backward()
    sent = 2 * 3.0 * np.array([1.0, -2.0, 3.0])           # what h*h sent: 2h
    assert np.allclose(h.grad_notes["before_hooks"], sent) and np.allclose(h.grad, 2 * sent)
    g = viz.as_graph(loss)
    hn = g.node(g.lookup[id(h)])
    assert np.allclose(hn.meta["grad_before_hook"], sent) and np.allclose(hn.grad, 2 * sent)
    assert hn.meta["grad_note"] == "changed by a hook"
    assert "changed by a hook" in viz.to_dot(loss)
    text = _said(loss)
    assert ("a hook on h changed its gradient: its consumers sent [6.00, -12.00, 18.00], the hook made it "
            "[12.00, -24.00, 36.00]") in text
    assert np.allclose(w.grad, 3 * 2 * sent)                # w's gradient follows the changed one
    assert all("grad_note" not in n.meta for n in g.nodes if n.id != hn.id)


def test_graphgrad_hook_that_keeps_the_gradient_is_not_marked():
    import graphgrad as gg
    w = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    h = w * 3.0
    handle = h.register_hook(lambda g: None)
    h.register_hook(lambda g: g * 1.0)                      # returns the same numbers
    loss = (h * h).sum()
    loss.backward(retain_graph=True)
    assert h.grad_notes == {} and all("grad_note" not in n.meta for n in viz.as_graph(loss).nodes)
    # a hook that changed it, then removed: the next pass forgets the note
    handle.remove()
    doubling = h.register_hook(lambda g: 2 * g)
    w.zero_grad()
    loss.backward(retain_graph=True)
    assert "before_hooks" in h.grad_notes
    doubling.remove()
    w.zero_grad()
    loss.backward()
    assert h.grad_notes == {} and "changed by a hook" not in viz.to_dot(loss)


def test_graphgrad_accumulated_grad_is_labelled():
    import graphgrad as gg
    w = gg.Value(np.array([1.0, 2.0]), requires_grad=True, name="w")
    (w * w).sum().backward()                                # an earlier pass, never zeroed
    loss = (w * 5.0).sum()
    loss.backward()
    assert w.grad_notes["passes"] == 2 and np.allclose(w.grad_notes["this_pass"], [5.0, 5.0])
    leaf = viz.as_graph(loss).node(viz.as_graph(loss).lookup[id(w)])
    assert np.allclose(leaf.grad, [5.0, 5.0])               # this pass
    assert np.allclose(leaf.meta["grad_attr"], w.grad) and leaf.meta["grad_passes"] == 2
    assert "accumulated over 2 passes" in leaf.meta["grad_note"] and "accumulated" in viz.to_dot(loss)
    assert "w.grad = [7.00, 9.00] holds more than this pass" in _said(loss)
    # scalars too, and a third pass is counted
    s = gg.Value(2.0, requires_grad=True, name="s")
    for _ in range(3):
        out = s * 3.0
        out.backward()
    node = viz.as_graph(out).node(viz.as_graph(out).lookup[id(s)])
    assert node.grad == 3.0 and node.meta["grad_attr"] == 9.0 and node.meta["grad_passes"] == 3


def test_graphgrad_first_pass_and_zeroed_grads_are_not_labelled():
    import graphgrad as gg
    w = gg.Value(np.array([1.0, 2.0]), requires_grad=True, name="w")
    from graphgrad.optim import SGD
    opt = SGD([w], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        loss = (w * 5.0).sum()
        loss.backward()
        assert w.grad_notes == {} and "grad_note" not in viz.as_graph(loss).node(
            viz.as_graph(loss).lookup[id(w)]).meta
        opt.step()
    (w * 5.0).sum().backward()
    w.grad = np.zeros(2)                                    # assigning .grad forgets the passes too
    assert w.grad_notes == {}
    # a create_graph pass accumulates through the same note
    v = gg.Value(3.0, requires_grad=True)
    (v * v).backward(create_graph=True)
    (v * v).backward(create_graph=True)
    assert v.grad_notes["passes"] == 2 and v.grad_notes["this_pass"] == 6.0


torch = pytest.importorskip("torch")
F64 = torch.float64


def test_masked_fill_output_drawn_with_its_minus_infinities():
    x = torch.randn(4, 6, dtype=F64, requires_grad=True)
    mask = torch.triu(torch.ones(6, 6, dtype=torch.bool), 1)[:4]
    with viz.record_torch() as rec:
        att = torch.softmax(x.masked_fill(mask, float("-inf")), dim=-1)
        att.sum().backward()
    dot = viz.to_dot(rec)
    n_inf = int(mask.sum())
    assert f"{n_inf} -inf" in dot


def test_hook_that_changes_a_gradient_is_marked_and_narrated():
    w = torch.tensor([1.0, -2.0, 3.0], dtype=F64, requires_grad=True)
    with viz.record_torch(names={"w": w}) as rec:
        h = w * 3.0
        h.register_hook(lambda g: 2 * g)
        loss = (h * h).sum()
        loss.backward()
    g = rec.graph()
    (hn,) = [n for n in g.gates() if n.label == "*3"]
    sent = 2 * 3.0 * np.array([1.0, -2.0, 3.0])          # what h*h sent: 2h
    assert np.allclose(hn.meta["grad_before_hook"], sent) and np.allclose(hn.grad, 2 * sent)
    assert hn.meta["grad_note"] == "changed by a hook"
    assert "changed by a hook" in viz.to_dot(rec)
    st = viz.Stepper(rec)
    text = "\n".join(line for f in st._frames for line in f.lines)
    assert "a hook on" in text and "changed its gradient" in text
    # w's gradient follows the changed one (PyTorch's), 3 * 2 * 2h
    assert np.allclose(g.node(g.lookup[id(w)]).grad, w.grad.numpy())


def test_hook_that_keeps_the_gradient_is_not_marked():
    w = torch.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    with viz.record_torch() as rec:
        h = w * 3.0
        h.register_hook(lambda g: None)
        (h * h).sum().backward()
    assert all("grad_note" not in n.meta for n in rec.graph().nodes)


def test_parameter_stepped_inside_the_block_is_warned_by_name():
    lin = torch.nn.Linear(3, 2).double()
    opt = torch.optim.SGD(lin.parameters(), lr=0.1)
    with pytest.warns(UserWarning, match=r"^record_torch: weight \(and 1 more\) changed after the forward"):
        with viz.record_torch() as rec:
            lin(torch.randn(4, 3, dtype=F64)).sum().backward()
            opt.step()
    assert rec.graph().node(rec.graph().lookup[id(lin.weight)]).meta["changed_after_forward"]


def test_accumulated_torch_grad_is_labelled():
    w = torch.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    (w * w).sum().backward()                        # an earlier pass, never zeroed
    with viz.record_torch(names={"w": w}) as rec:
        (w * 5.0).sum().backward()
    leaf = rec.graph().node(rec.graph().lookup[id(w)])
    assert np.allclose(leaf.grad, [5.0, 5.0])       # this pass
    assert np.allclose(leaf.meta["grad_attr"], w.grad.numpy()) and "accumulated" in leaf.meta["grad_note"]
    assert "accumulated" in viz.to_dot(rec)
    text = "\n".join(line for f in viz.Stepper(rec)._frames for line in f.lines)
    assert "w.grad = [7.00, 9.00] holds more than this pass" in text


def test_first_pass_torch_grad_is_not_labelled():
    w = torch.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with viz.record_torch(names={"w": w}) as rec:
            (w * 5.0).sum().backward()
    assert "grad_note" not in rec.graph().node(rec.graph().lookup[id(w)]).meta


micrograd = pytest.importorskip("micrograd.engine")


def test_micrograd_after_the_update_is_refused_naming_the_value():
    Value = micrograd.Value
    w = Value(2.0)
    w.label = "w"                                   # the lecture notebook's labels
    x = Value(3.0)
    loss = (w * x + 1).relu()
    loss.backward()
    w.data -= 0.1 * w.grad                          # the demo notebook's natural order
    with pytest.raises(ValueError, match=r"^Stepper: the data of Value 'w' changed after the forward pass"):
        viz.Stepper(loss)
    with pytest.raises(ValueError, match="changed after the forward pass"):
        viz.to_dot(loss)


def test_micrograd_accumulated_grad_is_labelled():
    Value = micrograd.Value
    w, x = Value(2.0), Value(3.0)
    loss = w * x
    loss.backward()
    loss.backward()                                 # no zero_grad: w.grad = 6
    g = viz.sources.as_graph(loss)
    (wn,) = [n for n in g.leaves() if n.value == 2.0]
    assert wn.grad == 3.0 and wn.meta["grad_attr"] == 6.0
    assert "accumulated" in viz.to_dot(loss)

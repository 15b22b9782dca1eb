"""Issue 11: no silent wrong gradient. Edge cases answered as numpy/PyTorch would, the
public op contract (Ctx, checked gradients), in-place writes refused, re-entrant
backward, trace_of after a plain backward, and one-sentence errors."""
import numpy as np
import pytest
import torch

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F
from gradhelp import assert_grads

torch.set_default_dtype(torch.float64)


def T(a, grad=True):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


# ---------------------------------------------------------------- silent wrong answers
@pytest.mark.parametrize("axes", [(-1, 0, 1), (2, 0, 1), (0, -1, -2), (-3, -2, -1), (1, -1, 0)])
def test_transpose_with_negative_axes_matches_torch(axes):
    a = np.random.default_rng(1).standard_normal((3, 3, 3))
    w = np.random.default_rng(2).standard_normal((3, 3, 3))
    x = gg.Value(a, requires_grad=True)
    y = x.transpose(*axes)
    (y * w).sum().backward()
    t = T(a)
    (t.permute(*axes) * torch.tensor(w)).sum().backward()
    np.testing.assert_array_equal(y.numpy(), t.permute(*axes).detach().numpy())
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=0, atol=1e-12)
    assert_grads(lambda x: x.transpose(*axes), gg.Value(a, requires_grad=True))


def test_transpose_refuses_axes_that_are_not_a_permutation():
    x = gg.Value(np.ones((2, 3)))
    with pytest.raises(gg.ShapeError, match=r"transpose: axes \(0, -2\) are not a permutation"):
        x.transpose(0, -2)
    with pytest.raises(TypeError, match="transpose: axes must be integers"):
        x.transpose(0.5, 1)


POW_CASES = [  # (base, exponent): zeros on both sides, negative bases, integer exponents
    ([0.0, 0.0, 2.0, -2.0, 0.0, 3.0], [0.0, 2.0, 0.0, 2.0, 0.5, -1.0]),
    ([0.0], [3.0]), ([0.0], [0.0]), ([1.5], [0.0]), ([-1.5], [3.0]), ([0.0], [1.0]),
]


def _torch_pow(a, b):
    ta, tb = T(a), T(b)
    (ta ** tb).sum().backward()
    return ta.grad.numpy(), tb.grad.numpy()


@pytest.mark.parametrize("a,b", POW_CASES)
def test_pow_at_a_zero_base_matches_torch_on_arrays(a, b):
    x, y = gg.Value(np.array(a), requires_grad=True), gg.Value(np.array(b), requires_grad=True)
    (x ** y).sum().backward()
    ga, gb = _torch_pow(a, b)
    np.testing.assert_allclose(x.grad, ga, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(y.grad, gb, rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("a,b", [(a[i], b[i]) for a, b in POW_CASES[:1] for i in range(len(a))])
def test_pow_at_a_zero_base_matches_torch_on_the_float_path(a, b):
    x, y = gg.Value(a, requires_grad=True), gg.Value(b, requires_grad=True)
    assert x._data.__class__ is float
    (x ** y).backward()
    ga, gb = _torch_pow([a], [b])
    np.testing.assert_allclose(float(x.grad), ga[0], rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(float(y.grad), gb[0], rtol=1e-12, equal_nan=True)


@pytest.mark.parametrize("n", [0.0, 1.0, 2.0, 3.0, 0.5, -1.0])
@pytest.mark.parametrize("scalar", [True, False])
def test_pow_const_at_zero_matches_torch(n, scalar):
    a = [0.0, 1.5, -2.0] if n == int(n) else [0.0, 1.5]
    ta = T(a)
    (ta ** n).sum().backward()
    if scalar:
        grads = []
        for ai in a:
            x = gg.Value(ai, requires_grad=True)
            (x ** n).backward()
            grads.append(float(x.grad))
        got = np.array(grads)
    else:
        x = gg.Value(np.array(a), requires_grad=True)
        (x ** n).sum().backward()
        got = x.grad
    np.testing.assert_allclose(got, ta.grad.numpy(), rtol=1e-12, equal_nan=True)


def test_zero_to_the_y_sends_zero_to_y_and_a_constant_base_works():
    y = gg.Value(np.array([0.0, 1.0, 2.5]), requires_grad=True)
    (0.0 ** y).sum().backward()
    tb = T([0.0, 1.0, 2.5])
    (torch.tensor(0.0) ** tb).sum().backward()
    np.testing.assert_allclose(y.grad, tb.grad.numpy())
    assert np.all(np.isfinite(y.grad))


# ---- in-place writes after the forward pass
def test_writing_data_after_forward_is_refused_naming_the_op_and_the_value():
    w = gg.Value(np.array([1.0, 2.0]), requires_grad=True, name="w")
    y = (w * w).sum()
    w.data = np.array([5.0, 6.0])
    with pytest.raises(gg.BackwardError, match=r"input 0 of 'mul' \('w', shape \(2,\)\) was modified"):
        y.backward()
    assert w.grad is None


@pytest.mark.parametrize("scalar", [True, False])
def test_augmented_assignment_through_data_bumps_the_version(scalar):
    w = gg.Value(3.0 if scalar else np.array([3.0]), requires_grad=True, name="w")
    x = gg.Value(2.0 if scalar else np.array([2.0]), requires_grad=True)
    y = w * x
    v0 = w.version
    w.data -= 0.5                      # the setter runs for -= too
    assert w.version > v0
    with pytest.raises(gg.BackwardError, match="inplace change"):
        y.sum().backward()


def test_an_optimiser_step_between_two_retained_backwards_is_refused():
    w = gg.Value(np.array([1.0, -1.0]), requires_grad=True, name="w")
    loss = (w.tanh() * w).sum()
    loss.backward(retain_graph=True)
    from graphgrad.optim import SGD
    SGD([w], lr=0.1).step()
    with pytest.raises(gg.BackwardError, match=r"'w'"):
        loss.backward()


def test_load_state_dict_bumps_the_version():
    net = nn.Linear(2, 1)
    out = net(gg.Value(np.ones((1, 2)))).sum()
    net.load_state_dict({k: v.numpy() * 2 for k, v in net.named_parameters()})
    with pytest.raises(gg.BackwardError, match="modified through .data"):
        out.backward()


def test_changing_an_ops_output_is_refused():
    x = gg.Value(np.array([0.5]), requires_grad=True)
    e = x.exp()
    y = (e * 2).sum()
    e.data = np.array([100.0])
    with pytest.raises(gg.BackwardError, match="input 0 of 'mul'"):    # its consumer sees it first
        y.backward()
    with pytest.raises(gg.BackwardError, match=r"the output of 'exp' \(an unnamed Value, shape \(1,\)\)"):
        e.backward(grad=np.ones(1))


def test_writes_before_the_forward_and_after_backward_are_fine():
    w = gg.Value(np.array([1.0]), requires_grad=True)
    w.data = np.array([2.0])
    y = (w * w).sum()
    y.backward()
    w.data -= 0.1 * w.grad           # the usual step, after backward
    np.testing.assert_allclose(w.grad, [4.0])


def test_element_writes_into_the_data_array_are_not_detected_as_documented():
    # documented limit: v.data returns the array itself; writing into it bypasses the setter
    w = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    y = (w * w).sum()
    w.data[0] = 10.0
    y.backward()
    np.testing.assert_allclose(w.grad, [20.0, 4.0])
    assert "NOT seen" in gg.Value.data.__doc__


# ---- gradcheck never passes on NaN/Inf; numeric_grad in float64
class _NanBackward(gg.Op):
    name = "nan_backward"

    def forward(self, a):
        return a * 2.0, None

    def backward(self, ctx, g):
        return (g * np.nan,)


def test_gradcheck_fails_when_the_analytic_gradient_is_nan():
    x = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(gg.GradcheckError, match="NaN or Inf"):
        gg.gradcheck(lambda x: gg.apply(_NanBackward(), x), x)
    assert gg.gradcheck(lambda x: gg.apply(_NanBackward(), x), x, raise_exception=False) is False


def test_gradcheck_fails_when_the_numeric_gradient_is_nan_or_inf():
    x = gg.Value(np.array([0.0, 1.0]), requires_grad=True)     # sqrt at 0: inf vs nan
    with np.errstate(all="ignore"), pytest.raises(gg.GradcheckError, match="1 with a NaN or Inf"):
        gg.gradcheck(lambda x: x.sqrt(), x)


def test_numeric_grad_of_float32_data_is_computed_in_float64():
    a = np.array([0.3, 0.7, -1.1], dtype=np.float32)
    exact = 3 * a.astype(np.float64) ** 2
    got = gg.numeric_grad(lambda v: (v ** 3).sum(), a)
    assert got.dtype == np.float64
    assert gg.rel_error(got, exact) < 1e-7
    xv = gg.Value(a.copy())
    got = gg.numeric_grad(lambda v: (v ** 3).sum(), xv)
    assert gg.rel_error(got, exact) < 1e-7
    assert xv.dtype == np.float32 and np.array_equal(xv.numpy(), a)     # put back untouched


# ---- what backward and hooks hand back is checked
class _Custom(gg.Op):
    name = "custom"

    def __init__(self, result):
        self.result = result

    def forward(self, a, b):
        return a * b, None

    def backward(self, ctx, g):
        return self.result(ctx, g)


def _run(result, a=np.ones(3), b=np.ones(3)):
    x, y = gg.Value(a, requires_grad=True), gg.Value(b, requires_grad=True)
    gg.apply(_Custom(result), x, y).sum().backward()
    return x, y


@pytest.mark.parametrize("result,msg", [
    (lambda c, g: g, r"custom: backward must return a tuple with one gradient per input \(2\), got ndarray"),
    (lambda c, g: (g,), r"custom: backward returned 1 gradient\(s\) for 2 input\(s\)"),
    (lambda c, g: (g, g, g), r"custom: backward returned 3 gradient\(s\) for 2 input\(s\)"),
    (lambda c, g: (g[:2], g), r"custom: backward's gradient for input 0 has shape \(2,\) but the input has shape \(3,\)"),
    (lambda c, g: (g, np.ones((3, 1))), r"input 1 has shape \(3, 1\) but the input has shape \(3,\)"),
    (lambda c, g: (g.astype(np.float32), g), r"input 0 has dtype float32 but the input has dtype float64"),
    (lambda c, g: (g, 1.0), r"input 1 is a float of shape \(\) but the input has shape \(3,\)"),
    (lambda c, g: (gg.Value(g), g), r"input 0 is a Value"),
])
def test_a_custom_backward_with_a_wrong_result_is_refused(result, msg):
    with pytest.raises(gg.BackwardError, match=msg):
        _run(result)


def test_a_custom_backward_for_float_inputs_may_return_numpy_scalars():
    x, y = _run(lambda c, g: (np.float64(c.inputs[1] * g), np.asarray(c.inputs[0] * g)), 2.0, 3.0)
    assert x.grad == 3.0 and y.grad == 2.0
    with pytest.raises(gg.BackwardError, match=r"has shape \(2,\) .* scalar of shape \(\)"):
        _run(lambda c, g: (np.ones(2), None), 2.0, 3.0)


def test_lists_from_backward_are_accepted_as_tuples():
    x, y = _run(lambda c, g: [g * c.inputs[1], g * c.inputs[0]], np.array([2.0]), np.array([5.0]))
    assert x.grad[0] == 5.0 and y.grad[0] == 2.0


@pytest.mark.parametrize("hook,msg", [
    (lambda g: np.ones(2), r"hook <lambda> on 'h' returned a gradient of shape \(2,\) but the Value has shape \(3,\)"),
    (lambda g: np.array(["a", "b", "c"]), r"returned data of dtype <U1"),
    (lambda g: gg.Value(g), "returned a Value"),
])
def test_a_hook_returning_a_wrong_gradient_is_refused(hook, msg):
    x = gg.Value(np.ones(3), requires_grad=True)
    h = x * 2
    h.name = "h"
    h.register_hook(hook)
    with pytest.raises(gg.BackwardError, match=msg):
        h.sum().backward()


def test_a_hook_may_return_a_python_number_for_a_scalar():
    x = gg.Value(2.0, requires_grad=True)
    h = x * 3
    h.register_hook(lambda g: 10)
    h.backward()
    assert x.grad == 30.0


class _Bare(gg.Op):
    name = "bare"

    def forward(self, a):
        return np.array([a.sum(), a.prod()])       # a bare array of length 2: not (out, saved)

    def backward(self, ctx, g):
        (a,) = ctx.inputs
        return (g[0] + g[1] * a.prod() / a,)


def test_a_forward_returning_a_bare_array_is_taken_as_out_with_nothing_saved():
    x = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    y = gg.apply(_Bare(), x)
    np.testing.assert_array_equal(y.numpy(), [3.0, 2.0])
    assert_grads(lambda x: gg.apply(_Bare(), x), x)


def test_a_forward_returning_a_tuple_of_three_is_refused():
    class Three(_Bare):
        def forward(self, a):
            return a, None, None
    with pytest.raises(TypeError, match=r"apply: bare.forward returned a tuple of 3 items; return \(out_data, saved\)"):
        gg.apply(Three(), gg.Value(np.ones(2)))


# ---- scalar semantics
def test_a_scalar_outputs_backward_refuses_a_gradient_of_another_shape():
    x = gg.Value(2.0, requires_grad=True)
    with pytest.raises(gg.BackwardError, match=r"backward: grad has shape \(3,\) but the output has shape \(\)"):
        (x * x).backward(grad=np.ones(3))
    (x * x).backward(grad=np.float64(2.0))
    assert x.grad == 8.0


def test_bool_follows_numpy():
    assert bool(gg.Value([0.0])) is False
    assert bool(gg.Value([2.0])) is True
    assert bool(gg.Value(0.0)) is False and bool(gg.Value(-1.0)) is True
    with pytest.raises(ValueError, match=r"bool: the truth value of a Value of shape \(2,\) is ambiguous"):
        bool(gg.Value([1.0, 2.0]))
    assert bool(np.array([0.0])) is False               # what we mirror


def test_eq_and_ne_compare_data_elementwise_like_lt():
    assert (gg.Value(1.0) == 1.0) is np.True_ or (gg.Value(1.0) == 1.0) is True
    assert not (gg.Value(1.0) != 1.0)
    np.testing.assert_array_equal(gg.Value([1.0, 2.0]) == gg.Value([1.0, 3.0]), [True, False])
    np.testing.assert_array_equal(gg.Value([1.0, 2.0]) != np.array([1.0, 3.0]), [False, True])
    assert type(gg.Value([1.0]) < 2.0) is type(gg.Value([1.0]) == 2.0)


def test_values_stay_usable_as_dict_keys_and_set_members_by_identity():
    a, b = gg.Value(1.0), gg.Value(1.0)          # equal data, different Values
    assert len({a, b}) == 2
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"
    assert hash(a) != hash(b)


def test_an_explicit_integer_dtype_is_kept_and_cannot_require_grad():
    v = gg.Value([1.5], dtype=np.int32)
    assert v.dtype == np.int32 and v.numpy().tolist() == [1]       # as np.array(..., dtype=int32)
    assert gg.Value([1, 2]).dtype == np.int64                      # no dtype: numpy's (int64)
    with pytest.raises(TypeError, match="Value: only floating-point data can require grad, got dtype int32"):
        gg.Value([1], dtype=np.int32, requires_grad=True)
    x = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    (x * gg.Value([3, 4], dtype=np.int64)).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


# ---------------------------------------------------------------- the op contract
def test_help_of_op_documents_the_contract_with_a_worked_example():
    import doctest
    doc = gg.Op.__doc__
    for word in ("ctx.inputs", "ctx.saved", "ctx.attrs", "ctx.out", "ctx.needs_grad", "gradcheck"):
        assert word in doc
    assert gg.Op is gg.ops.Op and gg.Ctx is gg.ops.Ctx
    runner = doctest.DocTestRunner()
    for t in doctest.DocTestFinder().find(gg.Op, "Op", globs={}):
        runner.run(t)
    assert runner.failures == 0 and runner.tries > 5


def test_backward_gets_a_ctx_with_everything_and_no_value():
    seen = {}

    class Spy(gg.Op):
        name = "spy"

        def forward(self, a, b, *, k):
            return a * b * k, ("saved", k)

        def backward(self, ctx, g):
            seen.update(inputs=ctx.inputs, saved=ctx.saved, attrs=dict(ctx.attrs), out=ctx.out,
                        needs=ctx.needs_grad)
            return (g * ctx.inputs[1] * ctx.attrs["k"], None)

    x = gg.Value(np.array([2.0]), requires_grad=True)
    c = np.array([3.0])
    gg.apply(Spy(), x, c, k=2.0).sum().backward()
    assert seen["saved"] == ("saved", 2.0) and seen["attrs"] == {"k": 2.0} and seen["needs"] == (True, False)
    assert all(isinstance(d, np.ndarray) for d in seen["inputs"]) and seen["out"].tolist() == [12.0]
    assert x.grad.tolist() == [6.0]


def test_no_op_in_graphgrad_reads_private_value_fields_in_backward():
    import inspect
    from graphgrad.nn.ops import activation as _ops_act, conv as _ops_conv, loss as _ops_loss, norm as _ops_norm
    from graphgrad.ops import arithmetic, index, products, reduce, shape
    for mod in (arithmetic, products, reduce, shape, index, _ops_act, _ops_conv, _ops_loss, _ops_norm):
        # the op classes (the functions beside them in the family module make Values)
        classes = [c for c in vars(mod).values()
                   if isinstance(c, type) and issubclass(c, gg.Op) and c.__module__ == mod.__name__]
        assert classes, mod.__name__
        for cls in classes:
            src = inspect.getsource(cls)
            for bad in ("._inputs", "._saved", "._attrs", "out._data", "def backward(self, out"):
                assert bad not in src, (mod.__name__, cls.__name__, bad)


# ---------------------------------------------------------------- re-entrant backward
def test_a_hook_running_another_backward_on_shared_nodes_leaves_the_outer_pass_intact():
    def build():
        x = gg.Value(np.array([0.5, -1.0]), requires_grad=True, name="x")
        w = gg.Value(np.array([2.0, 3.0]), requires_grad=True, name="w")
        m = x * w
        shared = m.tanh()
        # m*x is walked first, so m holds a partial sum when the hook on `shared` runs
        return x, w, m, shared, (m * x).sum() + (shared * shared).sum()

    x, w, m, shared, f = build()
    want = f.backward(trace=True, retain_graph=True)
    want_grads = (x.grad.copy(), w.grad.copy())
    x3, w3, m3, shared3, _ = build()
    (shared3 * 5.0).sum().backward()
    inner_only = (x3.grad.copy(), w3.grad.copy())

    x2, w2, m2, shared2, f2 = build()
    seen, busy = [], []

    def hook(g):          # an inner backward through nodes the outer pass is halfway through
        if not busy:      # (the inner pass runs this hook too)
            busy.append(1)
            before = x2.grad
            (shared2 * 5.0).sum().backward(retain_graph=True)
            seen.append((before, x2.grad.copy(), w2.grad.copy()))
    shared2.register_hook(hook)
    got = f2.backward(trace=True, retain_graph=True)
    before, x_inner, w_inner = seen[0]
    assert before is None
    np.testing.assert_allclose(x_inner, inner_only[0])      # the inner pass got only its own sum
    np.testing.assert_allclose(w_inner, inner_only[1])
    np.testing.assert_allclose(x2.grad, want_grads[0] + inner_only[0])
    np.testing.assert_allclose(w2.grad, want_grads[1] + inner_only[1])
    _same_trace(got, want, same_graph=False)                 # the outer trace is untouched
    np.testing.assert_allclose(m2.grad, m.grad)


def test_an_inner_backward_that_frees_shared_buffers_gives_a_clear_error():
    # 400 x 400 probabilities (1.28 MB) are released by a plain backward; small ones are kept,
    # and then the outer pass can still use them (nothing was lost)
    s = gg.Value(np.random.default_rng(2).standard_normal((400, 400)), requires_grad=True)
    ce = F.cross_entropy(s, np.arange(400) % 5)
    h = ce * 2.0
    loss = h + 1.0
    h.register_hook(lambda g: (ce * 3.0).backward())   # frees ce's node before the outer pass gets there
    with pytest.raises(gg.BackwardError, match="already freed"):
        loss.backward()


class MyValue(gg.Value):
    """A user's subclass: still a Value."""


def test_a_value_subclass_is_a_value_not_a_constant():
    x = gg.Value(2.0, requires_grad=True)
    m = MyValue(3.0, requires_grad=True)
    for y in (x * m, x + m, m * x, x - m, x / m, x ** m, gg.maximum(x, m), gg.apply(gg.ops.MUL, x, m)):
        assert y.inputs[1] is m or y.inputs[0] is m
        assert not any(v.is_constant for v in y.inputs)
    x.zero_grad()
    (x * m).backward()
    assert m.grad == 2.0 and x.grad == 3.0
    ma = MyValue(np.array([1.0, 2.0]), requires_grad=True)
    (gg.Value(np.array([3.0, 4.0])) @ ma).backward()
    np.testing.assert_array_equal(ma.grad, [3.0, 4.0])


# ---------------------------------------------------------------- trace_of
def _same_trace(a, b, same_graph=True):
    assert len(a) == len(b)
    for s, t in zip(a, b):
        assert s.op == t.op and (s.output is t.output or not same_graph)
        np.testing.assert_allclose(np.asarray(s.upstream), np.asarray(t.upstream))
        for d, e in zip(s.downstream, t.downstream):
            assert (d is None) == (e is None)
            if d is not None:
                np.testing.assert_allclose(np.asarray(d), np.asarray(e))
        if s.local is None:
            assert t.local is None
        else:
            for d, e in zip(s.local, t.local):
                np.testing.assert_allclose(np.asarray(d, dtype=float), np.asarray(e, dtype=float))


def _lecture():
    x, y, z = (gg.Value(v, requires_grad=True, name=n) for v, n in [(-2., "x"), (5., "y"), (-4., "z")])
    return x, (x + y) * z * x.sigmoid()


def test_trace_of_after_a_plain_backward_equals_the_traced_pass_and_changes_no_grad():
    x, f = _lecture()
    want = f.backward(trace=True, retain_graph=True)
    x2, f2 = _lecture()
    f2.backward()
    before = {id(v): np.copy(v.grad) for v in (x2, *f2.inputs)}
    got = gg.trace_of(f2)
    _same_trace(got, want, same_graph=False)
    f.backward(retain_graph=True)
    _same_trace(gg.trace_of(f), want)
    assert {id(v): np.copy(v.grad) for v in (x2, *f2.inputs)}.keys() == before.keys()
    for v in (x2, *f2.inputs):
        np.testing.assert_array_equal(v.grad, before[id(v)])
    with pytest.raises(gg.BackwardError, match="already freed"):
        f2.backward()              # the graph is still spent for a second backward


def test_trace_of_works_for_tensor_graphs_and_fused_ops_kept_with_retain_graph():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = gg.Value(np.random.default_rng(0).standard_normal((5, 3)))
    loss = F.cross_entropy(net(x), np.array([0, 1, 1, 0, 1]))
    want = loss.backward(trace=True, retain_graph=True)
    _same_trace(gg.trace_of(loss), want)
    loss2 = (net(x) ** 2).mean()
    loss2.backward()
    assert len(gg.trace_of(loss2)) > 4


def test_a_plain_backward_keeps_small_saved_buffers_so_the_stepper_can_replay_it():
    s = gg.Value(np.array([[1.0, 2.0, 0.5]]), requires_grad=True)
    loss = F.cross_entropy(s, np.array([1]))
    want = F.cross_entropy(gg.Value(s.data), np.array([1]))      # the same numbers, traced apart
    loss.backward()
    trace = gg.trace_of(loss)                                     # softmax probabilities: 24 bytes, kept
    np.testing.assert_allclose(trace[0].downstream[0], s.grad, rtol=0, atol=0)
    assert trace[0].op == "softmax_cross_entropy" and want.item() == loss.item()
    with pytest.raises(gg.BackwardError, match="already freed"):
        loss.backward()                                           # still spent for a second backward


def test_trace_of_says_what_to_do_when_a_fused_op_freed_its_buffers():
    # probabilities of 400 x 400 float64 = 1.28 MB: over the 1 MiB kept after a plain backward
    s = gg.Value(np.random.default_rng(1).standard_normal((400, 400)), requires_grad=True)
    loss = F.cross_entropy(s, np.arange(400) % 7)
    loss.backward()
    with pytest.raises(gg.BackwardError, match=r"^trace_of: backward\(\) released the saved buffers of "
                                               r"'softmax_cross_entropy'.*pass retain_graph=True \(or trace=True\)"):
        gg.trace_of(loss)


def test_local_grads_and_formulas_still_answer_after_a_plain_backward_freed_buffers():
    s = gg.Value(np.array([[1.0, 2.0, 0.5]]), requires_grad=True)
    loss = F.cross_entropy(s, np.array([1])) * 2.0
    loss.backward()
    ce = loss.inputs[0]
    assert ce.local_grads() is None and ce.local_formulas()          # what Diagram(local=True) reads
    assert loss.local_grads() == (2.0, ce.item())


def test_trace_of_refuses_when_a_later_backward_rewrote_part_of_the_graph():
    x = gg.Value(np.array([0.5, 2.0]), requires_grad=True)
    h = x.tanh()
    f = (h * 3.0).sum()
    f.backward(retain_graph=True)
    assert len(gg.trace_of(f)) == 3 and len(gg.trace_of(f)) == 3     # repeatable
    (h * h).sum().backward()                                          # rewrites h.grad
    with pytest.raises(gg.BackwardError, match="a later backward"):
        gg.trace_of(f)
    f2 = (x * 2.0).sum()
    f2.backward()                   # shares only the leaf x with f: f's own gates are intact
    assert len(gg.trace_of(f2)) == 2


def test_trace_of_before_any_backward_and_after_a_data_change_is_refused():
    x, f = _lecture()
    with pytest.raises(gg.BackwardError, match="no gradient yet; call backward"):
        gg.trace_of(f)
    f.backward()
    x.data = 1.0
    with pytest.raises(gg.BackwardError, match="trace_of: input 0 of"):
        gg.trace_of(f)


# ---------------------------------------------------------------- errors a user can act on
@pytest.mark.parametrize("fn,exc,msg", [
    (lambda m: gg.stack([m, m], axis=3), gg.ShapeError, r"stack: axis 3 is out of range for a result with 3 dimension"),
    (lambda m: gg.stack([m, m], axis=-4), gg.ShapeError, r"stack: axis -4 is out of range"),
    (lambda m: gg.concatenate([m, m], axis=2), gg.ShapeError, r"concatenate: axis 2 is out of range"),
    (lambda m: m.reshape(2.5, 4), TypeError, r"reshape: sizes must be integers, got 2.5"),
    (lambda m: m.sum(axis=1.5), TypeError, r"sum: axis must be an int, a tuple of ints or None, got 1.5"),
    (lambda m: m.mean(axis=(0, 0)), gg.ShapeError, r"mean: axis \(0, 0\) names the same axis twice"),
    (lambda m: m.max(axis=(1, -1)), gg.ShapeError, r"max: axis \(1, -1\) names the same axis twice"),
    (lambda m: gg.Value(3.0).sum(axis=1), gg.ShapeError, r"sum: axis 1 is out of range for a tensor with 0"),
    (lambda m: gg.concatenate([gg.Value(1.0), gg.Value(2.0)]), gg.ShapeError, r"concatenate: 0-d Values"),
])
def test_bad_arguments_get_one_sentence_naming_the_op(fn, exc, msg):
    with pytest.raises(exc, match=msg):
        fn(gg.Value(np.ones((2, 3)), requires_grad=True))


@pytest.mark.parametrize("dtype", [None, np.float32])
def test_zero_d_values_take_what_numpy_takes(dtype):
    a = np.array(3.0, dtype=dtype)
    x = gg.Value(a, requires_grad=True)
    for op, kw in [("sum", {"axis": -1}), ("sum", {"axis": 0}), ("max", {"axis": -1}), ("mean", {"axis": 0})]:
        ref = np.sum(a, axis=kw["axis"])          # numpy's sum accepts axis 0 and -1 on 0-d
        y = getattr(x, op)(**kw)
        assert y.shape == () and float(y.item()) == float(ref)
    for index in [(), None, Ellipsis]:
        y = x[index]
        assert y.shape == a[index].shape
        x.zero_grad()
        y.sum().backward()
        assert float(x.grad) == 1.0

"""Gradient checks (central differences, float64, rel. error < 1e-6) for every layer,
fused-vs-expanded equality for conv and BatchNorm, and clear errors for bad input."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F
from graphgrad.value import data_replaced
from gradhelp import assert_grads


def P(a):
    return gg.Value(np.asarray(a, dtype=np.float64), requires_grad=True)


def _assert_grads_eps(fn, *inputs, eps, tol=1e-6):
    """gg.gradcheck, then cs231n's rel_error < tol with central differences of step ``eps``.

    The usual 1e-6 step leaves rounding noise of about |f|·1e-16/1e-6 in each numeric entry,
    which alone can exceed 1e-6 relative error on a random near-zero gradient entry. For an
    op linear in each input (conv) a wide step is exact up to rounding; for BatchNorm a
    1e-5 step keeps truncation error (~eps²) and rounding noise both far below 1e-6.
    """
    assert gg.gradcheck(fn, *inputs)
    out = fn(*inputs)
    w = np.random.default_rng(1).standard_normal(out.shape)
    (out * w).sum().backward()
    for i, v in enumerate(inputs):
        def f(_):
            with gg.no_grad():
                return float(np.sum(fn(*inputs).numpy() * w))
        num = gg.numeric_grad(f, v._data, eps=eps)
        err = gg.rel_error(v.grad, num)
        assert err < tol, f"input {i}: rel_error {err:.2e}"


# ---------------------------------------------------------------- linear
def test_linear_gradcheck(rng):
    x, w, b = P(rng.standard_normal((3, 4))), P(rng.standard_normal((4, 5))), P(rng.standard_normal(5))
    assert_grads(lambda x, w, b: F.linear(x, w, b), x, w, b)


def test_linear_module_matches_functional(rng):
    fc = nn.Linear(4, 2, rng=0)
    x = gg.Value(rng.standard_normal((3, 4)))
    np.testing.assert_allclose(fc(x).numpy(), x.numpy() @ fc.weight.numpy() + fc.bias.numpy())
    assert fc.weight.shape == (4, 2) and nn.Linear(4, 2, bias=False).bias is None


def test_linear_shape_error_names_shapes():
    with pytest.raises(gg.ShapeError, match=r"linear.*\(2, 3\).*\(4, 5\)"):
        F.linear(gg.Value(np.ones((2, 3))), gg.Value(np.ones((4, 5))))


# ---------------------------------------------------------------- conv
CONV_CASES = [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)]


@pytest.mark.parametrize("stride,padding", CONV_CASES)
def test_conv2d_gradcheck(rng, stride, padding):
    x = P(rng.standard_normal((2, 2, 6, 5)))
    w = P(rng.standard_normal((3, 2, 3, 3)))
    b = P(rng.standard_normal(3))
    fn = lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=padding)  # noqa: E731
    _assert_grads_eps(fn, x, w, b, eps=1e-3)


def test_conv2d_without_bias_and_1x1_kernel(rng):
    x, w = P(rng.standard_normal((2, 3, 4, 4))), P(rng.standard_normal((2, 3, 1, 1)))
    assert_grads(lambda x, w: F.conv2d(x, w), x, w)


@pytest.mark.parametrize("stride,padding", CONV_CASES)
def test_conv2d_fused_equals_expanded(rng, stride, padding):
    data = [rng.standard_normal(s) for s in ((2, 2, 7, 6), (4, 2, 3, 3), (4,))]
    G = None
    grads = []
    for expand in (False, True):
        x, w, b = (P(d) for d in data)
        out = F.conv2d(x, w, b, stride, padding, expand=expand)
        if G is None:
            G = rng.standard_normal(out.shape)
        (out * G).sum().backward()
        grads.append([out.numpy(), x.grad, w.grad, b.grad])
    for a, e in zip(*grads):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_conv2d_expanded_is_a_group_of_primitive_gates(rng):
    x, w = P(rng.standard_normal((1, 1, 4, 4))), P(rng.standard_normal((2, 1, 2, 2)))
    with nn.expanded():
        out = F.conv2d(x, w)
    assert out.group == ("conv2d",) and out.op.name != "conv2d"
    fused = F.conv2d(x, w)
    assert fused.op.name == "conv2d" and fused.inputs == (x, w)


def test_conv2d_keeps_float32(rng):
    x = gg.Value(rng.standard_normal((2, 3, 5, 5)).astype(np.float32), requires_grad=True)
    w = gg.Value(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    b = gg.Value(np.zeros(4, np.float32), requires_grad=True)
    out = F.conv2d(x, w, b, padding=1)
    out.sum().backward()
    assert out.dtype == np.float32 and x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_conv2d_skips_input_gradient_of_data(rng):
    x = gg.Value(rng.standard_normal((2, 3, 5, 5)))
    w = P(rng.standard_normal((4, 3, 3, 3)))
    F.conv2d(x, w, padding=1).sum().backward()
    assert x.grad is None and w.grad.shape == w.shape


def test_conv2d_errors_name_op_and_shapes():
    x = gg.Value(np.ones((1, 3, 5, 5)))
    with pytest.raises(gg.ShapeError, match=r"conv2d.*3 channels.*\(2, 4, 3, 3\)"):
        F.conv2d(x, gg.Value(np.ones((2, 4, 3, 3))))
    with pytest.raises(gg.ShapeError, match="conv2d.*4-D"):
        F.conv2d(gg.Value(np.ones((3, 5, 5))), gg.Value(np.ones((2, 3, 3, 3))))
    with pytest.raises(gg.ShapeError, match=r"conv2d.*kernel 7×7"):
        F.conv2d(x, gg.Value(np.ones((2, 3, 7, 7))))
    with pytest.raises(gg.ShapeError, match=r"conv2d: bias"):
        F.conv2d(x, gg.Value(np.ones((2, 3, 3, 3))), gg.Value(np.ones(3)))
    with pytest.raises(ValueError, match="conv2d: stride"):
        F.conv2d(x, gg.Value(np.ones((2, 3, 3, 3))), stride=0)


def test_conv2d_module(rng):
    conv = nn.Conv2d(3, 4, 3, stride=1, padding=1, rng=0)
    x = gg.Value(rng.standard_normal((2, 3, 6, 6)))
    out = conv(x)
    ref = F.conv2d(x, conv.weight, conv.bias, 1, 1)
    np.testing.assert_array_equal(out.numpy(), ref.numpy())
    assert out.group == ("Conv2d",)


# ---------------------------------------------------------------- pooling
POOL_CASES = [(2, 2, 0), (2, 1, 0), (3, 2, 1), (3, 3, 0), (3, 1, 1)]


@pytest.mark.parametrize("k,s,p", POOL_CASES)
def test_max_pool2d_gradcheck(rng, k, s, p):
    x = P(rng.permutation(2 * 2 * 7 * 7).reshape(2, 2, 7, 7) / 10.0)   # distinct values: no ties
    assert_grads(lambda x: F.max_pool2d(x, k, s, p), x)


@pytest.mark.parametrize("k,s,p", POOL_CASES)
def test_avg_pool2d_gradcheck(rng, k, s, p):
    x = P(rng.standard_normal((2, 2, 7, 7)))
    assert_grads(lambda x: F.avg_pool2d(x, k, s, p), x)


def test_max_pool2d_values_and_tie_rule():
    x = P(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(F.max_pool2d(x, 2).numpy().ravel(), [5, 7, 13, 15])
    t = P(np.ones((1, 1, 2, 2)))            # a tie: the first maximum takes the gradient
    F.max_pool2d(t, 2).sum().backward()
    np.testing.assert_array_equal(t.grad.ravel(), [1, 0, 0, 0])


def test_max_pool2d_on_channel_major_conv_output(rng):
    # conv2d hands out a transposed view; pooling it must give the same numbers as a copy
    x = gg.Value(rng.standard_normal((2, 3, 8, 8)))
    w = P(rng.standard_normal((4, 3, 3, 3)))
    c = F.conv2d(x, w, padding=1)
    G = rng.standard_normal((2, 4, 4, 4))
    (F.max_pool2d(c.relu(), 2) * G).sum().backward()
    w2 = P(w.numpy())
    c2 = F.conv2d(x, w2, padding=1)
    c2c = c2 * 1.0
    with data_replaced(c2c, np.ascontiguousarray(c2c.numpy())):
        (F.max_pool2d(c2c.relu(), 2) * G).sum().backward()
    np.testing.assert_allclose(w.grad, w2.grad, rtol=1e-12)


def test_pool_errors_name_op():
    with pytest.raises(gg.ShapeError, match="max_pool2d.*4-D"):
        F.max_pool2d(gg.Value(np.ones((4, 4))), 2)
    with pytest.raises(gg.ShapeError, match=r"avg_pool2d.*5×5"):
        F.avg_pool2d(gg.Value(np.ones((1, 1, 4, 4))), 5)
    with pytest.raises(ValueError, match="max_pool2d.*padding"):
        F.max_pool2d(gg.Value(np.ones((1, 1, 4, 4))), 2, padding=2)


def test_pool_modules():
    x = gg.Value(np.arange(16.0).reshape(1, 1, 4, 4))
    assert nn.MaxPool2d(2)(x).shape == (1, 1, 2, 2)
    np.testing.assert_array_equal(nn.AvgPool2d(2)(x).numpy().ravel(), [2.5, 4.5, 10.5, 12.5])


# ---------------------------------------------------------------- batch norm
BN_SHAPES = [(5, 4), (3, 2, 3, 3)]


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("expand", [False, True])
def test_batch_norm_train_gradcheck(rng, shape, expand):
    d = shape[1]
    x = P(5 * rng.standard_normal(shape) + 12)      # cs231n's check: x = 5·randn + 12
    g, b = P(rng.standard_normal(d)), P(rng.standard_normal(d))
    _assert_grads_eps(lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, expand=expand),
                      x, g, b, eps=1e-5)


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("expand", [False, True])
def test_batch_norm_eval_gradcheck(rng, shape, expand):
    d = shape[1]
    x = P(rng.standard_normal(shape))
    g, b = P(rng.standard_normal(d)), P(rng.standard_normal(d))
    rm, rv = rng.standard_normal(d), rng.random(d) + 0.5
    assert_grads(lambda x, g, b: F.batch_norm(x, rm, rv, g, b, training=False, expand=expand), x, g, b)


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_fused_equals_expanded(rng, shape, training):
    d = shape[1]
    data = [rng.standard_normal(shape) * 3 + 1, rng.standard_normal(d), rng.standard_normal(d)]
    G = rng.standard_normal(shape)
    results = []
    for expand in (False, True):
        rm, rv = np.full(d, 0.5), np.full(d, 2.0)
        x, g, b = (P(a) for a in data)
        out = F.batch_norm(x, rm, rv, g, b, training=training, expand=expand)
        (out * G).sum().backward()
        results.append([out.numpy(), x.grad, g.grad, b.grad, rm, rv])
    for a, e in zip(*results):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)


def test_batch_norm_expansion_is_the_cs231n_graph(rng):
    x = P(rng.standard_normal((4, 3)))
    g, b = P(np.ones(3)), P(np.zeros(3))
    out = F.batch_norm(x, None, None, g, b, training=True, expand=True)
    names, stack, seen = set(), [out], set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if v.name:
            names.add(v.name)
        if not v.is_leaf:
            assert v.group == ("batchnorm",)
        stack.extend(v.inputs)
    assert {"mu", "xmu", "sq", "var", "sqrtvar", "ivar", "xhat", "gammax", "out"} <= names


def test_batchnorm_module_train_eval_and_running_stats(rng):
    bn = nn.BatchNorm1d(3, momentum=0.1)
    x = gg.Value(rng.standard_normal((50, 3)) * 2 + 3)
    y = bn(x)
    np.testing.assert_allclose(y.numpy().mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.numpy().mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.numpy().var(axis=0, ddof=1))
    bn.eval()
    before = bn.running_mean.copy()
    ye = bn(x)
    np.testing.assert_array_equal(bn.running_mean, before)
    expect = (x.numpy() - bn.running_mean) / np.sqrt(bn.running_var + bn.eps)
    np.testing.assert_allclose(ye.numpy(), expect)


def test_batchnorm2d_is_per_channel(rng):
    bn = nn.BatchNorm2d(2)
    x = gg.Value(rng.standard_normal((4, 2, 3, 3)) * np.array([1.0, 10.0]).reshape(1, 2, 1, 1))
    y = bn(x).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-3)


def test_batch_norm_float32_stays_float32(rng):
    x = gg.Value(rng.standard_normal((8, 4)).astype(np.float32), requires_grad=True)
    g = gg.Value(np.ones(4, np.float32), requires_grad=True)
    b = gg.Value(np.zeros(4, np.float32), requires_grad=True)
    out = F.batch_norm(x, None, None, g, b, training=True)
    (out * out).sum().backward()
    assert out.dtype == x.grad.dtype == g.grad.dtype == b.grad.dtype == np.float32


def test_batch_norm_errors():
    with pytest.raises(gg.ShapeError, match=r"batch_norm.*\(N, D\)"):
        F.batch_norm(gg.Value(np.ones(3)), training=True)
    with pytest.raises(gg.ShapeError, match=r"batch_norm: weight must have shape \(3,\)"):
        F.batch_norm(gg.Value(np.ones((2, 3))), None, None, gg.Value(np.ones(4)), training=True)
    with pytest.raises(ValueError, match="batch_norm: eval mode"):
        F.batch_norm(gg.Value(np.ones((2, 3))))
    with pytest.raises(ValueError, match="more than 1 value"):
        F.batch_norm(gg.Value(np.ones((1, 3))), training=True)
    with pytest.raises(gg.ShapeError, match="BatchNorm2d"):
        nn.BatchNorm2d(3)(gg.Value(np.ones((2, 3))))


# ---------------------------------------------------------------- dropout, flatten
def test_dropout_is_inverted_and_off_in_eval(rng):
    x = P(np.ones((200, 50)))
    y = F.dropout(x, 0.3, training=True, rng=0)
    kept = y.numpy() != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.7)
    d = nn.Dropout(0.5, rng=1).eval()
    assert d(x) is x


def test_dropout_gradcheck_with_fixed_mask(rng):
    x = P(rng.standard_normal((4, 5)))
    assert_grads(lambda x: F.dropout(x, 0.4, rng=3), x)


def test_dropout_rejects_bad_p():
    with pytest.raises(ValueError, match="dropout: p"):
        F.dropout(gg.Value(np.ones(3)), 1.0)
    with pytest.raises(ValueError, match="Dropout: p"):
        nn.Dropout(-0.1)


def test_flatten_gradcheck(rng):
    x = P(rng.standard_normal((2, 3, 2, 2)))
    assert nn.Flatten()(x).shape == (2, 12)
    assert_grads(lambda x: nn.Flatten()(x), x)


@pytest.mark.parametrize("offset", [0.0, 0.5, 12.0, 3000.0])
def test_batch_norm_far_from_zero_mean_keeps_float32_accuracy(rng, offset):
    # Near 0 the op uses the affine shortcut y = a·x + c; with the mean 3000 std away that
    # shortcut would lose ~11 bits (error ~2e-4), so the op switches to centred forms.
    # Likewise the variance: E[x²] - μ² (one read of x) only where μ² <= σ² (0 and 0.5 here).
    x64 = offset + rng.standard_normal((64, 8))
    G = rng.standard_normal((64, 8))
    x = gg.Value(x64.astype(np.float32), requires_grad=True)
    out = F.batch_norm(x, None, None, None, None, training=True)
    out.backward(G.astype(np.float32))
    xs = x.numpy().astype(np.float64)
    mu = x.numpy().mean(0).astype(np.float64)          # the float32 batch mean, as the op has it
    sd = np.sqrt(((xs - mu) ** 2).mean(0) + 1e-5)
    xhat = (xs - mu) / sd
    dx = (G - G.mean(0) - xhat * (G * xhat).mean(0)) / sd
    np.testing.assert_allclose(out.numpy(), xhat, atol=5e-6)
    np.testing.assert_allclose(x.grad, dx, atol=5e-6 * np.abs(dx).max())


@pytest.mark.parametrize("threads", [1, 3])
def test_block_parallel_ops_match_serial(rng, monkeypatch, threads):
    # pooling and BatchNorm split their block loops across threads for large tensors;
    # force that path on small ones (tiny blocks, no size floor) and compare with one thread
    from graphgrad.nn.ops import _parallel, pool as _ops_pool
    original = _parallel.num_threads()
    monkeypatch.setattr(_ops_pool, "_BLOCK", 64)
    data = rng.standard_normal((6, 4, 8, 8))
    upstream = np.arange(6 * 4 * 4 * 4, dtype=float).reshape(6, 4, 4, 4) % 7
    results = []
    try:
        for n_threads, min_size in ((1, 1 << 62), (threads, 0)):
            monkeypatch.setattr(_parallel, "MIN_SIZE", min_size)
            _parallel.set_num_threads(n_threads)
            x = P(data)
            out = F.batch_norm(F.max_pool2d(x, 2), None, None, None, None, training=True)
            out.backward(upstream)
            results.append((out.numpy(), x.grad))
    finally:
        _parallel.set_num_threads(original)
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-10, atol=1e-12)


def test_run_parts_splits_work_in_order(monkeypatch):
    from graphgrad.nn.ops import _parallel
    original = _parallel.num_threads()
    monkeypatch.setattr(_parallel, "MIN_SIZE", 0)
    try:
        _parallel.set_num_threads(3)
        seen = _parallel.run_parts(lambda grp: list(grp), list(range(7)), size=100)
    finally:
        _parallel.set_num_threads(original)
    assert len(seen) == 3 and sum(seen, []) == list(range(7))


def test_set_num_threads_rejects_zero():
    from graphgrad.nn.ops import _parallel
    with pytest.raises(ValueError, match="set_num_threads"):
        _parallel.set_num_threads(0)


def test_thread_pool_survives_fork():
    import multiprocessing as mp
    if "fork" not in mp.get_all_start_methods():
        pytest.skip("no fork on this platform")
    from graphgrad.nn.ops import _parallel
    original = _parallel.num_threads()
    _parallel.set_num_threads(2)
    try:
        x = gg.Value(np.random.default_rng(0).standard_normal((64, 32, 32, 32)).astype(np.float32))
        F.max_pool2d(x, 2)                                   # parallel in the parent: the pool exists
        assert _parallel._pool is not None
        ctx = mp.get_context("fork")
        with ctx.Pool(1) as pool:                            # the child splits work too
            shape = pool.apply_async(_pool_in_child).get(timeout=300)   # generous: only stops a hang
    finally:
        _parallel.set_num_threads(original)
    assert shape == (64, 32, 16, 16)


def _pool_in_child():
    x = gg.Value(np.ones((64, 32, 32, 32), np.float32))
    return F.max_pool2d(x, 2).shape


def test_fused_ops_follow_the_op_contract_through_gg_apply(rng):
    # gg.apply(op, *inputs, **attrs) builds the same node the functions build
    from graphgrad.nn.ops import conv as _ops_conv, loss as _ops_loss, norm as _ops_norm, pool as _ops_pool
    x, w, b = P(rng.standard_normal((2, 3, 5, 5))), P(rng.standard_normal((4, 3, 3, 3))), P(rng.standard_normal(4))
    np.testing.assert_allclose(gg.apply(_ops_conv.Conv2d(), x, w, b, stride=1, padding=1).numpy(),
                               F.conv2d(x, w, b, padding=1).numpy())
    np.testing.assert_array_equal(gg.apply(_ops_pool.MaxPool2d(), x, kernel_size=2, stride=2).numpy(),
                                  F.max_pool2d(x, 2).numpy())
    np.testing.assert_allclose(gg.apply(_ops_pool.AvgPool2d(), x, kernel_size=2, stride=1).numpy(),
                               F.avg_pool2d(x, 2, 1).numpy())
    g, be = P(np.ones(3)), P(np.zeros(3))
    out = gg.apply(_ops_norm.BatchNorm(), x, g, be, training=True, eps=1e-5)
    np.testing.assert_allclose(out.numpy(), F.batch_norm(x, None, None, g, be, training=True).numpy())
    out.sum().backward()
    s = P(rng.standard_normal((3, 4)))
    loss = gg.apply(_ops_loss.SoftmaxCrossEntropy(), s, target=[0, 1, 2])
    assert abs(loss.item() - F.cross_entropy(s, [0, 1, 2]).item()) < 1e-15
    loss.backward()
    assert s.grad.shape == (3, 4) and loss.label == "softmax-CE"


hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


@hypothesis.settings(max_examples=25, deadline=None)
@hypothesis.given(n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(3, 7), w=st.integers(3, 7),
                  f=st.integers(1, 3), k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 2),
                  bias=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_conv2d_fused_equals_expanded_for_any_shape(n, c, h, w, f, k, s, p, bias, seed):
    hypothesis.assume(h + 2 * p >= k and w + 2 * p >= k)
    r = np.random.default_rng(seed)
    data = [r.standard_normal((n, c, h, w)), r.standard_normal((f, c, k, k)), r.standard_normal(f)]
    res = []
    for expand in (False, True):
        x, wt, b = (P(d) for d in data)
        out = F.conv2d(x, wt, b if bias else None, s, p, expand=expand)
        G = np.random.default_rng(seed + 1).standard_normal(out.shape)
        (out * G).sum().backward()
        res.append([out.numpy(), x.grad, wt.grad] + ([b.grad] if bias else []))
    for a, e in zip(*res):
        np.testing.assert_allclose(a, e, rtol=1e-10, atol=1e-12)


@hypothesis.settings(max_examples=25, deadline=None)
@hypothesis.given(h=st.integers(2, 9), w=st.integers(2, 9), k=st.integers(1, 3), s=st.integers(1, 3),
                  p=st.integers(0, 1), seed=st.integers(0, 2**31 - 1))
def test_max_pool2d_routes_each_window_gradient_once(h, w, k, s, p, seed):
    # summed over the input, the gradient equals the summed upstream (each window's g lands once)
    hypothesis.assume(h + 2 * p >= k and w + 2 * p >= k and p <= k // 2)
    r = np.random.default_rng(seed)
    x = P(r.integers(-2, 3, (2, 2, h, w)).astype(float))      # small integers: many ties
    out = F.max_pool2d(x, k, s, p)
    G = r.standard_normal(out.shape)
    (out * G).sum().backward()
    np.testing.assert_allclose(x.grad.sum(axis=(2, 3)), G.sum(axis=(2, 3)), rtol=1e-12, atol=1e-12)
    assert np.count_nonzero(x.grad) <= out.size


@hypothesis.settings(max_examples=20, deadline=None)
@hypothesis.given(shape=st.sampled_from([(2, 3), (5, 1), (7, 4), (2, 2, 1, 3), (3, 1, 2, 2), (2, 3, 4, 1)]),
                  training=st.booleans(), offset=st.sampled_from([0.0, 3.0, 100.0]), seed=st.integers(0, 2**31 - 1))
def test_batch_norm_fused_equals_expanded_for_any_shape(shape, training, offset, seed):
    r = np.random.default_rng(seed)
    d = shape[1]
    data = [offset + r.standard_normal(shape), r.standard_normal(d), r.standard_normal(d)]
    G = r.standard_normal(shape)
    res = []
    for expand in (False, True):
        rm, rv = np.full(d, offset), np.full(d, 1.5)
        x, g, b = (P(a) for a in data)
        out = F.batch_norm(x, rm, rv, g, b, training=training, expand=expand)
        (out * G).sum().backward()
        res.append([out.numpy(), x.grad, g.grad, b.grad, rm, rv])
    for a, e in zip(*res):
        np.testing.assert_allclose(a, e, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("make, match", [
    (lambda: nn.Linear(0, 3), r"^Linear: in_features must be a positive integer, got 0$"),
    (lambda: nn.Linear(4, -1), r"^Linear: out_features must be a positive integer, got -1$"),
    (lambda: nn.Linear(2.5, 3), r"^Linear: in_features must be a positive integer, got 2.5$"),
    (lambda: nn.Linear(True, 3), r"^Linear: in_features must be a positive integer, got True$"),
    (lambda: nn.Conv2d(0, 8, 3), r"^Conv2d: in_channels must be a positive integer, got 0$"),
    (lambda: nn.Conv2d(3, 0, 3), r"^Conv2d: out_channels must be a positive integer, got 0$"),
    (lambda: nn.Conv2d(3, 8, 0), r"^Conv2d: kernel_size must be a positive integer, got 0$"),
    (lambda: nn.Conv2d(3, 8, 3, stride=0), r"^Conv2d: stride must be a positive integer, got 0$"),
    (lambda: nn.Conv2d(3, 8, 3, padding=-1), r"^Conv2d: padding must be an integer >= 0, got -1$"),
    (lambda: nn.MaxPool2d(0), r"^MaxPool2d: kernel_size must be a positive integer, got 0$"),
    (lambda: nn.AvgPool2d(2, stride=-2), r"^AvgPool2d: stride must be a positive integer, got -2$"),
    (lambda: nn.MaxPool2d(2, padding=-1), r"^MaxPool2d: padding must be an integer >= 0, got -1$"),
    (lambda: nn.BatchNorm1d(0), r"^BatchNorm1d: num_features must be a positive integer, got 0$"),
    (lambda: nn.BatchNorm2d(-3), r"^BatchNorm2d: num_features must be a positive integer, got -3$"),
    (lambda: nn.BatchNorm1d(4, eps=0), r"^BatchNorm1d: eps must be a positive number, got 0$"),
    (lambda: nn.BatchNorm1d(4, momentum=1.5), r"^BatchNorm1d: momentum must be a number in \[0, 1\], got 1.5$"),
])
def test_layer_constructors_refuse_bad_sizes_in_one_sentence(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_layer_constructors_accept_numpy_integers():
    fc = nn.Linear(np.int64(4), np.int32(3), rng=0)
    assert fc.weight.shape == (4, 3) and type(fc.in_features) is int
    assert nn.Conv2d(np.int64(3), 2, np.int64(3), padding=np.int64(0), rng=0).weight.shape == (2, 3, 3, 3)

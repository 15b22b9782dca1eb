"""Indexing ops (gather, take_along_axis, scatter, scatter_add, masked_fill, one_hot) and
comparison/logic functions: gradchecks, PyTorch float64 comparisons, hostile inputs."""
import numpy as np
import pytest

import graphgrad as gg
from gradhelp import assert_grads

torch = pytest.importorskip("torch")
TOL = dict(rtol=1e-10, atol=1e-12)


def _val(a):
    return gg.Value(np.asarray(a, dtype=np.float64), requires_grad=True)


def _tt(a):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def _compare(gg_fn, torch_fn, arrays, rng):
    """Forward and the gradient of every input against torch, for a random upstream."""
    vs = [_val(a) for a in arrays]
    ts = [_tt(a) for a in arrays]
    out, tout = gg_fn(*vs), torch_fn(*ts)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **TOL)
    G = rng.standard_normal(out.shape)
    (out * G).sum().backward()
    (tout * torch.tensor(G)).sum().backward()
    for v, t in zip(vs, ts):
        np.testing.assert_allclose(v.grad, t.grad.numpy(), **TOL)
        assert v.grad.dtype == np.float64
    return out


def _index(rng, xshape, ishape, axis):
    """Random valid gather indices (with repeats) for an x of xshape along axis."""
    return rng.integers(0, xshape[axis], ishape)


def _unique_index(rng, xshape, ishape, axis):
    """Indices along axis with no repeated target (scatter's torch result is then defined)."""
    ishape = tuple(ishape)
    out = np.empty(ishape, dtype=np.int64)
    moved = np.moveaxis(out, axis, -1)
    for pos in np.ndindex(moved.shape[:-1]):
        moved[pos] = rng.permutation(xshape[axis])[: ishape[axis]]
    return out


# ---------------------------------------------------------------- gather / take_along_axis
GATHER_CASES = [((5,), (7,), 0), ((3, 4), (3, 2), 1), ((3, 4), (5, 4), 0), ((3, 4), (2, 3), -1),
                ((2, 3, 4), (2, 2, 4), 1), ((2, 3, 4), (1, 3, 6), -1), ((4, 3), (0, 3), 0)]


@pytest.mark.parametrize("xshape,ishape,axis", GATHER_CASES)
def test_gather_matches_torch(rng, xshape, ishape, axis):
    x = rng.standard_normal(xshape)
    idx = _index(rng, xshape, ishape, axis)
    out = _compare(lambda v: gg.gather(v, axis, idx), lambda t: torch.gather(t, axis, torch.tensor(idx)),
                   [x], rng)
    assert out.shape == ishape


@pytest.mark.parametrize("xshape,ishape,axis", GATHER_CASES[:-1])
def test_gather_gradcheck(rng, xshape, ishape, axis):
    idx = _index(rng, xshape, ishape, axis)
    assert_grads(lambda v: v.gather(axis, idx), _val(rng.standard_normal(xshape)))


def test_gather_index_as_int_value_and_list(rng):
    x = rng.standard_normal((3, 4))
    iv = gg.Value(np.array([[0, 3], [2, 2], [1, 0]]), dtype=np.int64)
    np.testing.assert_array_equal(gg.gather(x, 1, iv).numpy(), np.take_along_axis(x, iv.numpy(), 1))
    np.testing.assert_array_equal(gg.gather(x, 1, iv.numpy().tolist()).numpy(), gg.gather(x, 1, iv).numpy())
    assert gg.gradcheck(lambda v, i: v.gather(1, i), _val(x), iv)     # the int input stays int


def test_gather_keeps_float32(rng):
    x = gg.Value(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    y = gg.gather(x, 0, np.array([[2, 0, 1, 1]]))
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, np.eye(3)[[2, 0, 1, 1]].T)


TAKE_CASES = [((3, 4), (3, 2), 1), ((3, 4), (1, 4), 0), ((3, 1), (3, 5), 1), ((1, 4), (3, 4), 0),
              ((2, 3, 4), (2, 1, 4), 1), ((2, 3, 4), (1, 3, 2), -1), ((3, 4), (3, 0), 1)]


@pytest.mark.parametrize("xshape,ishape,axis", TAKE_CASES)
def test_take_along_axis_matches_numpy_and_torch(rng, xshape, ishape, axis):
    x = rng.standard_normal(xshape)
    n = xshape[axis]
    idx = rng.integers(-n, n, ishape)                   # negative indices count from the end
    out = _compare(lambda v: gg.take_along_axis(v, idx, axis),
                   lambda t: torch.take_along_dim(t, torch.tensor(idx % n), axis), [x], rng)
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(x, idx, axis))


@pytest.mark.parametrize("xshape,ishape,axis", TAKE_CASES[:-1])
def test_take_along_axis_gradcheck(rng, xshape, ishape, axis):
    n = xshape[axis]
    idx = rng.integers(-n, n, ishape)
    assert_grads(lambda v: gg.take_along_axis(v, idx, axis), _val(rng.standard_normal(xshape)))


def test_take_along_axis_none_flattens(rng):
    x = rng.standard_normal((3, 4))
    idx = np.array([11, 0, -1, 5])
    y = gg.take_along_axis(x, idx, None)
    np.testing.assert_array_equal(y.numpy(), np.take_along_axis(x, idx, None))
    assert_grads(lambda v: gg.take_along_axis(v, idx, None), _val(x))


def test_take_along_axis_sorts_with_argsort(rng):
    x = _val(rng.standard_normal((4, 5)))
    order = np.argsort(x.numpy(), axis=1)
    s = gg.take_along_axis(x, order, axis=1)
    np.testing.assert_array_equal(s.numpy(), np.sort(x.numpy(), axis=1))


# ---------------------------------------------------------------- scatter / scatter_add
SCATTER_CASES = [((5,), (3,), (3,), 0), ((3, 4), (3, 2), (3, 2), 1), ((4, 3), (2, 3), (3, 3), 0),
                 ((2, 3, 4), (2, 2, 3), (2, 3, 4), 1), ((3, 4), (2, 4), (2, 4), -2), ((3, 4), (0, 4), (0, 4), 0)]


def _head(s, ishape):
    # torch uses only src[:i0, :i1, ...]; its own backward (2.13) fails for a larger src
    # ("invalid gradient ... got [2, 3] but expected [3, 3]"), so torch gets that block
    return s[tuple(slice(0, n) for n in ishape)]


@pytest.mark.parametrize("xshape,ishape,sshape,axis", SCATTER_CASES)
def test_scatter_add_matches_torch(rng, xshape, ishape, sshape, axis):
    idx = _index(rng, xshape, ishape, axis)             # repeats: summed
    x, s = rng.standard_normal(xshape), rng.standard_normal(sshape)
    _compare(lambda x, s: gg.scatter_add(x, axis, idx, s),
             lambda x, s: torch.scatter_add(x, axis, torch.tensor(idx), _head(s, ishape)), [x, s], rng)
    np.testing.assert_array_equal(gg.scatter_add(x, axis, idx, s).numpy(),
                                  torch.tensor(x).scatter_add(axis, torch.tensor(idx), torch.tensor(s)).numpy())


@pytest.mark.parametrize("xshape,ishape,sshape,axis", SCATTER_CASES)
def test_scatter_matches_torch(rng, xshape, ishape, sshape, axis):
    idx = _unique_index(rng, xshape, ishape, axis)      # torch leaves repeats undefined
    x, s = rng.standard_normal(xshape), rng.standard_normal(sshape)
    _compare(lambda x, s: gg.scatter(x, axis, idx, s),
             lambda x, s: torch.scatter(x, axis, torch.tensor(idx), _head(s, ishape)), [x, s], rng)
    np.testing.assert_array_equal(gg.scatter(x, axis, idx, s).numpy(),
                                  torch.tensor(x).scatter(axis, torch.tensor(idx), torch.tensor(s)).numpy())


@pytest.mark.parametrize("xshape,ishape,sshape,axis", SCATTER_CASES[:-1])
def test_scatter_and_scatter_add_gradcheck_with_repeats(rng, xshape, ishape, sshape, axis):
    idx = _index(rng, xshape, ishape, axis)
    x, s = _val(rng.standard_normal(xshape)), _val(rng.standard_normal(sshape))
    assert_grads(lambda x, s: x.scatter_add(axis, idx, s), x, s)
    assert_grads(lambda x, s: x.scatter(axis, idx, s), x, s)


def test_scatter_repeated_index_last_wins_and_only_it_gets_gradient():
    x = _val([0.0, 0.0, 0.0, 0.0])
    s = _val([1.0, 2.0, 3.0, 4.0])
    y = gg.scatter(x, 0, np.array([2, 0, 2, 2]), s)
    np.testing.assert_array_equal(y.numpy(), [2.0, 0.0, 4.0, 0.0])     # index 2: the last entry (4) wins
    (y * np.array([10.0, 20.0, 30.0, 40.0])).sum().backward()
    np.testing.assert_array_equal(s.grad, [0.0, 10.0, 0.0, 30.0])      # losers get nothing
    np.testing.assert_array_equal(x.grad, [0.0, 20.0, 0.0, 40.0])      # written positions get nothing


def test_scatter_with_a_number_as_torch(rng):
    x = rng.standard_normal((3, 4))
    idx = _unique_index(rng, (3, 4), (3, 2), 1)
    y = gg.scatter(_val(x), 1, idx, -1.5)
    np.testing.assert_array_equal(y.numpy(), torch.tensor(x).scatter(1, torch.tensor(idx), -1.5).numpy())


def test_scatter_casts_src_to_x_float_dtype(rng):
    x = gg.Value(np.zeros(3, np.float32), requires_grad=True)
    s = _val([1.0, 2.0])
    y = gg.scatter_add(x, 0, [0, 0], s)
    assert y.dtype == np.float32
    y.sum().backward()
    assert s.grad.dtype == np.float64 and x.grad.dtype == np.float32


def test_scatter_on_integer_data_stays_integer():
    x = gg.Value(np.zeros(4, np.int64), dtype=np.int64)
    y = gg.scatter_add(x, 0, np.array([1, 1, 3]), gg.Value(np.array([1, 1, 1]), dtype=np.int64))
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), [0, 2, 0, 1])


# ---------------------------------------------------------------- masked_fill
@pytest.mark.parametrize("xshape,mshape", [((4,), (4,)), ((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 3, 4), (3, 1)),
                                           ((3, 4), ())])
def test_masked_fill_matches_torch(rng, xshape, mshape):
    mask = rng.random(mshape) < 0.5
    _compare(lambda x: gg.masked_fill(x, mask, -2.5),
             lambda t: t.masked_fill(torch.tensor(mask), -2.5), [rng.standard_normal(xshape)], rng)
    assert_grads(lambda x: x.masked_fill(mask, 0.25), _val(rng.standard_normal(xshape)))


def test_masked_fill_with_a_0d_value_gets_its_gradient(rng):
    mask = np.array([[True, False, True], [False, False, True]])
    x, v = rng.standard_normal((2, 3)), rng.standard_normal(())
    _compare(lambda x, v: gg.masked_fill(x, mask, v), lambda x, v: x.masked_fill(torch.tensor(mask), v),
             [x, v], rng)


def test_masked_fill_minus_inf_then_softmax_style_max(rng):
    x = _val(rng.standard_normal((2, 3)))
    y = x.masked_fill(x > 0.5, -np.inf)
    assert np.all(np.isneginf(y.numpy()[x.numpy() > 0.5]))
    y.max().backward()
    assert np.all(x.grad[x.numpy() > 0.5] == 0)


def test_masked_fill_scalar_keeps_float_fast_path():
    s = gg.Value(3.0, requires_grad=True)
    y = gg.masked_fill(s, np.array(False), 0.0) * gg.masked_fill(s, True, 2.0)
    y.backward()
    assert y.item() == 6.0 and float(s.grad) == 2.0


def test_masked_fill_accepts_bool_values_and_comparison_results(rng):
    x = _val(rng.standard_normal(5))
    m = gg.Value(x.numpy() > 0, dtype=bool)
    np.testing.assert_array_equal(x.masked_fill(m, 0.0).numpy(), x.masked_fill(x > 0, 0.0).numpy())
    np.testing.assert_array_equal(x.masked_fill(x.isnan(), 0.0).numpy(), x.numpy())


def test_masked_fill_on_int_values_keeps_int():
    x = gg.Value(np.arange(4), dtype=np.int64)
    y = x.masked_fill(np.array([True, False, False, True]), -1)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y.numpy(), [-1, 1, 2, -1])


# ---------------------------------------------------------------- one_hot
@pytest.mark.parametrize("shape,n", [((5,), 4), ((2, 3), 3), ((), 5), ((0,), 3), ((4,), -1)])
def test_one_hot_matches_torch(rng, shape, n):
    labels = rng.integers(0, 3, shape)
    y = gg.one_hot(labels, n)
    t = torch.nn.functional.one_hot(torch.tensor(labels), n)
    assert y.dtype == np.float64 and not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), t.numpy())


def test_one_hot_takes_int_values_and_dtype():
    y = gg.one_hot(gg.Value([1, 0], dtype=np.int32), 2, dtype=np.float32)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.numpy(), [[0, 1], [1, 0]])


@pytest.mark.parametrize("labels,n,err,words", [
    (np.array([0, 3]), 3, ValueError, "label 3 is out of range for num_classes=3"),
    (np.array([-1, 0]), 3, ValueError, "label -1 is out of range"),
    (np.array([0.0, 1.0]), 3, TypeError, "labels must hold integers, got dtype float64"),
    (gg.Value([0.0, 1.0]), 3, TypeError, "without dtype= is float64"),
    (np.array([], dtype=int), -1, ValueError, "cannot be inferred"),
    (np.array([1]), 2.0, TypeError, "num_classes must be an int"),
    (np.array([True]), 2, TypeError, "dtype bool"),
])
def test_one_hot_refuses_bad_labels(labels, n, err, words):
    with pytest.raises(err, match=words):
        gg.one_hot(labels, n)


# ---------------------------------------------------------------- hostile inputs
X = np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("call,err,words", [
    (lambda: gg.gather(X, 1, np.array([[0, 4]] * 3)), gg.ShapeError, "index 4 is out of range for an axis of size 4"),
    (lambda: gg.gather(X, 1, np.array([[0, -1]] * 3)), gg.ShapeError, r"index -1 is out of range .*use 0 .. 3"),
    (lambda: gg.gather(X, 1, np.array([[0.0, 1.0]] * 3)), TypeError, "index must hold integers, got dtype float64"),
    (lambda: gg.gather(X, 1, gg.Value([[0.0]] * 3)), TypeError, "dtype=np.int64"),
    (lambda: gg.gather(X, 1, np.array([[True]] * 3)), TypeError, "got dtype bool"),
    (lambda: gg.gather(X, 2, np.zeros((3, 4), int)), gg.ShapeError, r"axis 2 is out of range .* -2 .. 1"),
    (lambda: gg.gather(X, 1.0, np.zeros((3, 4), int)), TypeError, "axis must be an int"),
    (lambda: gg.gather(X, 1, np.zeros(4, int)), gg.ShapeError, "index has 1 dimension"),
    (lambda: gg.gather(X, 1, np.zeros((4, 2), int)), gg.ShapeError, "larger than x shape"),
    (lambda: gg.gather(gg.Value(1.0), 0, np.zeros((), int)), gg.ShapeError, "x is 0-d"),
    (lambda: gg.gather(np.zeros((3, 0)), 1, np.zeros((3, 1), int)), gg.ShapeError, "axis of size 0"),
    (lambda: gg.take_along_axis(X, np.array([[4]]), 1), gg.ShapeError, r"use -4 .. 3"),
    (lambda: gg.take_along_axis(X, np.zeros((2, 1), int), 1), gg.ShapeError, "do not broadcast on axis 0"),
    (lambda: gg.take_along_axis(X, np.zeros((2, 1), int), None), gg.ShapeError, "must be 1-d"),
    (lambda: gg.take_along_axis(X, np.zeros(2, int), 1), gg.ShapeError, "indices has 1 dimension"),
    (lambda: gg.scatter(X, 1, np.zeros((3, 2), int), np.ones((3, 1))), gg.ShapeError, "larger than src shape"),
    (lambda: gg.scatter(X, 1, np.zeros((3, 2), int), np.ones(2)), gg.ShapeError, "src has 1 dimension"),
    (lambda: gg.scatter_add(X, 0, np.full((1, 4), 3), np.ones((1, 4))), gg.ShapeError, "index 3 is out of range"),
    (lambda: gg.scatter_add(gg.Value(np.zeros(3, int), dtype=int), 0, [0], np.ones(1)), TypeError,
     "src has dtype float64 but x has dtype int64"),
    (lambda: gg.scatter(gg.Value(np.zeros(3, int), dtype=int), 0, [0], 0.5), TypeError, "not an integer"),
    (lambda: gg.masked_fill(X, np.ones((2, 4), bool), 0.0), gg.ShapeError, "does not broadcast to x shape"),
    (lambda: gg.masked_fill(X, np.ones((1, 3, 4), bool), 0.0), gg.ShapeError, "does not broadcast to x shape"),
    (lambda: gg.masked_fill(X, np.ones((3, 4)), 0.0), TypeError, "mask must be boolean"),
    (lambda: gg.masked_fill(X, X > 1, gg.Value([1.0, 2.0])), gg.ShapeError, "0-d Value"),
    (lambda: gg.masked_fill(X, X > 1, "a"), TypeError, "value must be a number"),
    (lambda: gg.masked_fill(gg.Value([1, 2], dtype=int), np.array([True, False]), 0.5), TypeError,
     "does not fit x's integer dtype"),
])
def test_hostile_inputs_get_one_clear_error(call, err, words):
    with pytest.raises(err, match=words):
        call()


def test_empty_index_gives_empty_output_and_zero_gradient():
    x = _val(X)
    y = gg.gather(x, 0, np.zeros((0, 4), int))
    assert y.shape == (0, 4)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros((3, 4)))
    assert gg.take_along_axis(X, [], None).shape == (0,)
    assert gg.scatter(X, 0, np.zeros((0, 4), int), np.zeros((0, 4))).numpy().tolist() == X.tolist()


def test_the_graph_keeps_its_own_copy_of_index_and_mask():
    x = _val(X)
    idx = np.array([[1], [2], [3]])
    mask = X > 5
    y = gg.gather(x, 1, idx) + x.masked_fill(mask, 0.0).sum()
    idx[:] = 0
    mask[:] = False
    y.sum().backward()
    expect = np.where(X > 5, 0.0, 3.0)
    expect[[0, 1, 2], [1, 2, 3]] += 1
    np.testing.assert_array_equal(x.grad, expect)


def test_gates_are_labelled():
    x = _val(X)
    assert gg.gather(x, 1, np.zeros((3, 1), int)).label == "gather(axis=1)"
    assert gg.scatter_add(x, 0, np.zeros((1, 4), int), np.ones((1, 4))).label == "scatter_add(axis=0)"
    assert gg.scatter(x, -1, np.zeros((3, 1), int), 1.0).label == "scatter(axis=1)"
    assert x.masked_fill(x > 1, -np.inf).label == "masked_fill(-inf)"


# ---------------------------------------------------------------- comparison and logic
def test_isnan_isinf_isfinite_match_numpy_and_torch():
    a = np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -2.0])
    v = gg.Value(a)
    t = torch.tensor(a)
    for name in ("isnan", "isinf", "isfinite"):
        got = getattr(gg, name)(v)
        assert isinstance(got, np.ndarray) and got.dtype == bool
        np.testing.assert_array_equal(got, getattr(torch, name)(t).numpy())
        np.testing.assert_array_equal(getattr(v, name)(), got)
    assert gg.isnan(gg.Value(float("nan"))) and not gg.isinf(gg.Value(1.0))


@pytest.mark.parametrize("rtol,atol,equal_nan", [(1e-5, 1e-8, False), (1e-3, 0.0, True), (0.0, 0.1, False)])
def test_isclose_matches_torch(rng, rtol, atol, equal_nan):
    a = rng.standard_normal((3, 4))
    b = a + rng.choice([0.0, 1e-9, 1e-4, 0.05, 1.0], size=(3, 4))
    a[0, 0] = b[0, 0] = np.nan
    a[1, 1], b[1, 1] = np.inf, np.inf
    got = gg.isclose(gg.Value(a), b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    want = torch.isclose(torch.tensor(a), torch.tensor(b), rtol=rtol, atol=atol, equal_nan=equal_nan)
    np.testing.assert_array_equal(got, want.numpy())
    np.testing.assert_array_equal(gg.Value(a).isclose(b[:, :1], rtol=rtol, atol=atol, equal_nan=equal_nan),
                                  np.isclose(a, b[:, :1], rtol=rtol, atol=atol, equal_nan=equal_nan))


def test_isclose_shape_mismatch_is_a_shape_error():
    with pytest.raises(gg.ShapeError, match=r"isclose: shapes \(3,\) and \(2,\)"):
        gg.isclose(gg.Value([1.0, 2.0, 3.0]), [1.0, 2.0])


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_ops_match_torch(rng, name):
    a = rng.integers(0, 2, (3, 4)).astype(np.float64) * rng.standard_normal((3, 4))
    b = rng.random(4) < 0.5
    got = getattr(gg, name)(gg.Value(a), b)
    assert got.dtype == bool
    np.testing.assert_array_equal(got, getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy())
    np.testing.assert_array_equal(getattr(gg.Value(a), name)(b), got)
    with pytest.raises(gg.ShapeError, match=name):
        getattr(gg, name)(gg.Value(a), np.ones(3, bool))


def test_logical_not_any_all_match_torch(rng):
    a = rng.integers(0, 2, (3, 4)).astype(np.float64)
    v, t = gg.Value(a), torch.tensor(a)
    np.testing.assert_array_equal(gg.logical_not(v), torch.logical_not(t).numpy())
    np.testing.assert_array_equal(v.logical_not(), torch.logical_not(t).numpy())
    assert v.any() == bool(torch.any(t)) and v.all() == bool(torch.all(t))
    for axis in (0, 1, -1):
        np.testing.assert_array_equal(v.any(axis=axis), torch.any(t, dim=axis).numpy())
        np.testing.assert_array_equal(gg.all(v, axis=axis, keepdims=True), torch.all(t, dim=axis, keepdim=True).numpy())
    assert not gg.all(gg.Value([1.0, 0.0])) and gg.all(gg.Value(np.zeros(0)))
    with pytest.raises(gg.ShapeError, match="any: axis 2 is out of range"):
        v.any(axis=2)


def test_bool_value_operators_and_masks_in_where_and_indexing(rng):
    x = _val(rng.standard_normal(6))
    m = gg.Value(x.numpy() > 0, dtype=bool)
    both = m & (x < 1.0)
    assert isinstance(both, np.ndarray) and both.dtype == bool
    np.testing.assert_array_equal(~m, x.numpy() <= 0)
    np.testing.assert_array_equal(m | ~m, np.ones(6, bool))
    np.testing.assert_array_equal(np.ones(6, bool) ^ m, ~m)
    y = gg.where(m, x, 0.0).sum() + x[both].sum() + x[x.isfinite()].sum() + x[m].sum()
    y.backward()
    xp = x.numpy()
    np.testing.assert_array_equal(x.grad, 1.0 + 2.0 * (xp > 0) + ((xp > 0) & (xp < 1)))
    with pytest.raises(TypeError, match="'&' needs bool or integer operands, got dtypes float64"):
        x & m
    with pytest.raises(TypeError, match="'~' needs a bool or integer Value"):
        ~x


def test_comparisons_never_touch_identity_hashing():
    a, b = gg.Value(1.0), gg.Value(1.0)
    assert (a == b) and hash(a) != hash(b)
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b" and len({a, b}) == 2
    assert gg.isclose(a, b) and not gg.logical_xor(a, b)


# ---------------------------------------------------------------- second derivatives vs torch
from gradhelp import assert_double_backward  # noqa: E402


@pytest.mark.parametrize("xshape,ishape,axis", [((5,), (7,), 0), ((3, 4), (3, 2), 1), ((2, 3, 4), (2, 2, 4), -2)])
def test_gather_second_derivative_matches_torch(rng, xshape, ishape, axis):
    idx = _index(rng, xshape, ishape, axis)
    ti = torch.tensor(idx)
    assert_double_backward(lambda x: gg.gather(x, axis, idx), lambda x: torch.gather(x, axis, ti),
                           rng.standard_normal(xshape))
    # through a nonlinearity on both sides, so d²/dx² is not zero
    assert_double_backward(lambda x: gg.gather(x * x, axis, idx).tanh() * x.sum(),
                           lambda x: torch.gather(x * x, axis, ti).tanh() * x.sum(), rng.standard_normal(xshape))


def test_take_along_axis_second_derivative_matches_torch(rng):
    idx = rng.integers(-4, 4, (1, 4, 3))
    ti = torch.tensor(idx % 4)
    assert_double_backward(lambda x: gg.take_along_axis(x ** 3, idx, 1),
                           lambda x: torch.take_along_dim(x ** 3, ti, 1), rng.standard_normal((2, 4, 1)))


@pytest.mark.parametrize("xshape,ishape,sshape,axis", [((5,), (3,), (3,), 0), ((3, 4), (3, 2), (3, 2), 1),
                                                       ((4, 3), (2, 3), (2, 3), 0)])
def test_scatter_and_scatter_add_second_derivative_match_torch(rng, xshape, ishape, sshape, axis):
    x, s = rng.standard_normal(xshape), rng.standard_normal(sshape)
    idx = _index(rng, xshape, ishape, axis)
    ti = torch.tensor(idx)
    assert_double_backward(lambda x, s: gg.scatter_add(x * x, axis, idx, s.sigmoid() * s),
                           lambda x, s: torch.scatter_add(x * x, axis, ti, s.sigmoid() * s), x, s)
    idx = _unique_index(rng, xshape, ishape, axis)
    ti = torch.tensor(idx)
    assert_double_backward(lambda x, s: gg.scatter(x.tanh(), axis, idx, s * s) * x,
                           lambda x, s: torch.scatter(x.tanh(), axis, ti, s * s) * x, x, s)


def test_scatter_with_repeats_second_derivative_is_consistent(rng):
    idx = np.array([[2, 0, 2], [1, 1, 1]])
    x, s = gg.Value(rng.standard_normal((2, 3)), requires_grad=True), gg.Value(rng.standard_normal((2, 3)),
                                                                                requires_grad=True)
    assert gg.gradgradcheck(lambda x, s: gg.scatter(x ** 3, 1, idx, s ** 3), x, s)


@pytest.mark.parametrize("xshape,mshape", [((4,), (4,)), ((2, 3, 4), (3, 1)), ((3, 4), ())])
def test_masked_fill_second_derivative_matches_torch(rng, xshape, mshape):
    mask = rng.random(mshape) < 0.5
    tm = torch.tensor(mask)
    assert_double_backward(lambda x: gg.masked_fill(x * x, mask, -1.5).exp(),
                           lambda x: (x * x).masked_fill(tm, -1.5).exp(), rng.standard_normal(xshape))
    assert_double_backward(lambda x, v: gg.masked_fill(x.tanh(), mask, v * v),
                           lambda x, v: x.tanh().masked_fill(tm, v * v), rng.standard_normal(xshape),
                           rng.standard_normal(()))


def test_masked_fill_scalar_second_derivative():
    s = gg.Value(0.7, requires_grad=True)
    assert gg.gradgradcheck(lambda s: gg.masked_fill(s ** 3, False, 0.0) + gg.masked_fill(s ** 2, True, 1.0), s)


def test_the_modules_docstring_examples_run():
    import doctest

    import graphgrad.ops.logic
    import graphgrad.ops.index
    for mod in (graphgrad.ops.logic, graphgrad.ops.index):
        res = doctest.testmod(mod, extraglobs=dict(gg=gg, np=np), report=False)
        assert res.attempted > 0 and res.failed == 0, f"{mod.__name__}: {res}"

"""Dtypes: integer and bool Values stay integer/bool where numpy keeps them; astype; int
Values as indices; a TypeError when an integer Value is asked for a gradient."""
import numpy as np
import pytest

import graphgrad as gg
from gradhelp import assert_grads

torch = pytest.importorskip("torch")


def iv(a, dtype=np.int64):
    return gg.Value(np.asarray(a), dtype=dtype)


# ---------------------------------------------------------------- integer arithmetic
@pytest.mark.parametrize("expr", [
    lambda v: v + 1, lambda v: 1 + v, lambda v: v - 2, lambda v: 3 - v, lambda v: v * 2, lambda v: 2 * v,
    lambda v: v ** 2, lambda v: v + v, lambda v: v * v, lambda v: -v, lambda v: v + np.array([1, 2, 3]),
    lambda v: v + [1, 2, 3], lambda v: v.sum(), lambda v: v.max(axis=0),
    lambda v: v[1:], lambda v: v.reshape(3, 1), lambda v: abs(v - 1),
])
@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8])
def test_integer_arithmetic_stays_integer_as_numpy(expr, dtype):
    a = np.arange(3).astype(dtype)
    got = expr(iv(a, dtype))
    want = np.asarray(expr(a))
    assert got.dtype == want.dtype, f"{got.dtype} != numpy's {want.dtype}"
    assert got.dtype.kind in "iu"
    np.testing.assert_array_equal(got.numpy(), want)
    assert not got.requires_grad


def test_numpy_int_scalars_act_like_python_ints():
    # weak, like a Python int: int8 stays int8 (numpy would widen to int64), and a float32
    # Value times np.int64(n) (a count from np.sum) stays float32
    assert (iv([1, 2], np.int8) + np.int64(4)).dtype == np.int8
    assert (gg.Value(np.ones(2, np.float32)) / np.int64(2)).dtype == np.float32


def test_the_issue_example_is_int64():
    y = gg.Value(np.arange(3), dtype=np.int64) + 1
    assert y.dtype == np.int64 and y.numpy().tolist() == [1, 2, 3]


@pytest.mark.parametrize("expr", [lambda v: v / 2, lambda v: v + 1.5, lambda v: v * np.array([1.0, 2.0, 3.0]),
                                  lambda v: v.mean(), lambda v: np.exp(v)])
def test_int_with_floats_is_float_as_numpy(expr):
    a = np.arange(3)
    got, want = expr(iv(a)), np.asarray(expr(a))
    assert got.dtype == np.float64 == want.dtype
    np.testing.assert_allclose(got.numpy(), np.asarray(want, dtype=np.float64))


def test_bool_values_follow_numpy():
    m = iv([True, False, True], bool)
    assert m.dtype == bool
    assert (m + 1).dtype == np.int64 and (m + 1).numpy().tolist() == [2, 1, 2]
    assert (m * 2.5).dtype == np.float64
    x = gg.Value(np.ones(3, np.float32), requires_grad=True)
    y = x * m                           # a bool mask keeps float32 (a float64 mask would not)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 0.0, 1.0]


def test_int_values_mixed_with_float_scalar_fast_path_untouched():
    x = gg.Value(2.0, requires_grad=True)
    y = 1 + x * 3 - 2 ** x              # Python ints on float scalars: still Python floats
    assert y.data.__class__ is np.float64 and y._data.__class__ is float
    y.backward()
    assert float(x.grad) == pytest.approx(3 - 4 * np.log(2))


def test_integer_negative_power_is_a_clear_error():
    with pytest.raises(ValueError, match=r"pow: .*negative integer powers.*use a float Value"):
        iv([1, 2]) ** -1


def test_huge_python_ints_are_exact():
    y = iv([0, 1]) + 2 ** 60
    assert y.dtype == np.int64 and int(y.numpy()[1]) == 2 ** 60 + 1


# ---------------------------------------------------------------- astype
def test_astype_float_to_float_matches_torch(rng):
    a = rng.standard_normal((3, 4))
    x = gg.Value(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y = (x.astype(np.float32) * 3.0).astype(np.float64) ** 2
    ty = (t.to(torch.float32) * 3.0).to(torch.float64) ** 2
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-7)


def test_astype_gradient_is_cast_back_to_the_input_dtype(rng):
    x = gg.Value(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and y.requires_grad and y.label == "astype(float64)"
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, 2 * x.numpy(), rtol=1e-6)
    s = gg.Value(1.5, requires_grad=True)
    (s.astype(np.float32) * 2.0).backward()
    assert float(s.grad) == 2.0


def test_astype_gradcheck_float64_roundtrip(rng):
    assert_grads(lambda x: x.astype(np.float64) * x, gg.Value(rng.standard_normal((2, 3)), requires_grad=True))


@pytest.mark.parametrize("dt", [np.int64, np.int32, np.uint8, bool])
def test_astype_to_int_or_bool_does_not_require_grad(rng, dt):
    x = gg.Value(np.array([0.0, 1.7, 2.2, -0.0]), requires_grad=True)
    y = x.astype(dt)
    assert y.dtype == np.dtype(dt) and not y.requires_grad and y.is_leaf
    np.testing.assert_array_equal(y.numpy(), x.numpy().astype(dt))


def test_astype_int_to_float_gives_a_float_value_to_build_on():
    y = iv([1, 2]).astype(np.float32)
    assert y.dtype == np.float32 and not y.requires_grad


@pytest.mark.parametrize("data,dt,err,words", [
    ([np.nan, 1.0], np.int64, ValueError, r"1 entry .* cannot be cast to int64 \(NaN, inf or out of range\)"),
    ([np.inf, -np.inf], np.int32, ValueError, "2 entries"),
    ([300.0], np.uint8, ValueError, "cannot be cast to uint8"),
    ([-1.0], np.uint8, ValueError, "cannot be cast to uint8"),
    ([1.0], np.complex128, TypeError, "float, int or bool dtypes"),
    ([1.0], "U3", TypeError, "float, int or bool dtypes"),
    ([1.0], "not-a-dtype", TypeError, "is not a numpy dtype"),
])
def test_astype_refuses_what_has_no_answer(data, dt, err, words):
    with pytest.raises(err, match=words):
        gg.Value(data).astype(dt)


def test_astype_to_its_own_dtype_is_the_value():
    x = gg.Value([1.0, 2.0], requires_grad=True)
    assert x.astype(np.float64) is x and gg.astype(x, "float64") is x


# ---------------------------------------------------------------- int Values as indices
def test_int_value_indexes_and_gathers_like_torch(rng):
    a = rng.standard_normal((4, 3))
    idx = iv([3, 0, 3])
    x = gg.Value(a, requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    y = x[idx].sum() + gg.gather(x, 0, iv([[1, 2, 0]])).sum()
    ty = t[torch.tensor([3, 0, 3])].sum() + torch.gather(t, 0, torch.tensor([[1, 2, 0]])).sum()
    y.backward()
    ty.backward()
    np.testing.assert_allclose(y.item(), ty.item(), rtol=1e-12)
    np.testing.assert_array_equal(x.grad, t.grad.numpy())


def test_int_value_arithmetic_makes_indices():
    x = gg.Value(np.arange(10.0), requires_grad=True)
    i = iv([0, 1, 2]) * 3 + 1            # stays int64, so it is an index
    y = x[i]
    assert y.numpy().tolist() == [1.0, 4.0, 7.0]


# ---------------------------------------------------------------- no gradients for integers
def test_int_value_cannot_require_grad():
    with pytest.raises(TypeError, match="only floating-point data can require grad, got dtype int64"):
        gg.Value([1, 2], dtype=np.int64, requires_grad=True)


def test_backward_from_an_int_value_is_a_type_error():
    with pytest.raises(TypeError, match="backward: this Value has dtype int64; integer and bool Values carry no"):
        (iv([1, 2]) + 1).sum().backward()
    x = gg.Value([1.5, 2.5], requires_grad=True)
    with pytest.raises(TypeError, match="backward: this Value has dtype int"):
        x.astype(np.int32).sum().backward()


def test_grad_wrt_or_of_an_int_value_is_a_type_error():
    x = gg.Value([1.5, 2.5], requires_grad=True)
    i = iv([1, 0])
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] .* has dtype int64; integer and bool Values"):
        gg.grad((x * i).sum(), [x, i])
    with pytest.raises(TypeError, match=r"grad: outputs\[0\] .* has dtype bool"):
        gg.grad(x.astype(bool), [x])


def test_gradcheck_keeps_integer_inputs(rng):
    x = gg.Value(rng.standard_normal((3, 4)), requires_grad=True)
    assert gg.gradcheck(lambda x, i: gg.take_along_axis(x, i, 1) * 2.0, x, iv([[0], [3], [-1]]))


def test_integer_arrays_stay_integer_unless_a_gradient_is_asked_for():
    # numpy's and PyTorch's rule for arrays (np.array([0, 2]), torch.tensor([0, 2]) are int64),
    # so an index array built as a Value indexes; Python scalars stay float64 (micrograd's Value(2))
    i = gg.Value([0, 2])
    assert i.dtype == np.int64 and gg.Value(np.array([True, False])).dtype == bool
    assert gg.Value(3).dtype == np.float64 and gg.Value(True).dtype == np.float64
    assert gg.Value([1, 2], requires_grad=True).dtype == np.float64     # asked for a gradient: float
    x = gg.Value(np.arange(5.0), requires_grad=True)
    y = x[i]
    y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), [0.0, 2.0])
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0, 0.0, 0.0])
    assert (i / 2).dtype == np.float64 and (i + 1).dtype == np.int64      # numpy's result dtypes


def test_astype_second_derivative_matches_torch(rng):
    from gradhelp import assert_double_backward
    a = rng.standard_normal((3, 4))
    assert_double_backward(lambda x: (x.astype(np.float32) ** 2).astype(np.float64) * x,
                           lambda x: (x.to(torch.float32) ** 2).to(torch.float64) * x, a, tol=1e-6, gradgrad=False)
    x = gg.Value(rng.standard_normal(3).astype(np.float32), requires_grad=True)
    (g,) = gg.grad((x.astype(np.float64) ** 3).sum(), x, create_graph=True)
    assert g.dtype == np.float32
    (h,) = gg.grad(g.sum(), x)
    assert h.dtype == np.float32
    np.testing.assert_allclose(h, 6 * x.numpy(), rtol=1e-6)


def test_an_int_leaf_marked_requires_grad_by_hand_gets_a_type_error_not_a_truncated_gradient():
    i = iv([1, 2])
    i.requires_grad = True                  # bypassing the constructor's check
    x = gg.Value([0.5, 0.7], requires_grad=True)
    with pytest.raises(TypeError, match=r"mul: .*input 1 is for an input of dtype int64 .* carry no gradient"):
        (x * i).sum().backward()
    assert i.grad is None


def test_float_ops_with_int_constants_still_send_float_gradients():
    x = gg.Value([0.5, 0.7], requires_grad=True)
    y = gg.concatenate([x, iv([3, 4])]).sum() + (x * iv([2, 3])).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])

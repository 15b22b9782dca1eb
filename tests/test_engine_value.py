"""Value's data model, dtypes and the errors for bad input."""
import numpy as np
import pytest

import graphgrad as gg


def test_scalar_attributes():
    v = gg.Value(3, requires_grad=True, name="w")
    assert v.shape == () and v.dtype == np.float64 and v.ndim == 0 and v.size == 1
    assert isinstance(v.data, np.float64) and v.data.shape == ()
    assert v.item() == 3.0 and float(v) == 3.0 and v.numpy().shape == ()
    assert v.grad is None and v.requires_grad and v.name == "w" and v.is_leaf
    assert repr(v) == "Value(3, name='w', requires_grad=True)"


def test_tensor_attributes_and_repr():
    v = gg.Value(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert v.shape == (2, 3) and v.dtype == np.float32 and len(v) == 2
    assert "dtype=float32" in repr(v)
    assert repr(gg.Value(np.zeros((10, 10)))) == "Value(shape=(10, 10))"
    with pytest.raises(ValueError, match=r"item: .*shape \(2, 3\)"):
        v.item()


def test_integer_arrays_keep_their_dtype_unless_a_gradient_is_asked_and_input_is_copied():
    a = np.array([1, 2, 3])
    v = gg.Value(a)
    assert v.dtype == np.int64                       # as np.array / torch.tensor
    assert gg.Value(a, requires_grad=True).dtype == np.float64
    a[0] = 7
    assert v.numpy()[0] == 1                         # copied
    b = np.ones(3)
    w = gg.Value(b)
    w.data -= 1
    assert b[0] == 1.0


def test_float32_is_kept_through_ops_and_gradients():
    x = gg.Value(np.ones((2, 3), np.float32), requires_grad=True)
    b = gg.Value(np.ones(3, np.float32), requires_grad=True)
    y = ((x * 2.5 + b).tanh() @ np.ones((3, 2), np.float32)).sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32 and b.grad.dtype == np.float32 and b.grad.shape == (3,)


def test_data_and_grad_setters_for_sgd_updates():
    p = gg.Value(np.array(0.5), requires_grad=True)
    (p * p).backward()
    p.data -= 0.1 * p.grad
    p.grad = None
    assert p.item() == pytest.approx(0.4) and p.grad is None


@pytest.mark.parametrize("bad,msg", [
    ("abc", "string"), ([1, "a"], "dtype"), (np.array([1 + 2j]), "complex"), (3 + 1j, "complex"),
    (np.array([object()]), "object"), ([[1, 2], [3]], "numeric"), ({"a": 1}, "dtype object")])
def test_bad_data_is_rejected_with_one_line(bad, msg):
    with pytest.raises(TypeError, match=msg) as e:
        gg.Value(bad)
    assert "\n" not in str(e.value) and str(e.value).startswith("Value:")


def test_shape_errors_name_the_op_and_shapes():
    a, b = gg.Value(np.ones((3, 4))), gg.Value(np.ones((5, 2)))
    with pytest.raises(gg.ShapeError, match=r"^matmul: \(3, 4\) @ \(5, 2\): inner dimensions 4 and 5 differ$"):
        a @ b
    with pytest.raises(gg.ShapeError, match=r"^add: shapes \(3, 4\) \+ \(5, 2\) cannot be broadcast together$"):
        a + b
    with pytest.raises(gg.ShapeError, match=r"mul: shapes \(3, 4\) \* \(3,\)"):
        a * np.ones(3)
    with pytest.raises(gg.ShapeError, match=r"matmul: \(\) @ \(5, 2\)"):
        gg.Value(2.0) @ b
    with pytest.raises(gg.ShapeError, match=r"reshape: cannot reshape \(3, 4\) \(12 entries\) into \(5,\)"):
        a.reshape(5)
    with pytest.raises(gg.ShapeError, match=r"sum: axis 2 is out of range"):
        a.sum(axis=2)
    with pytest.raises(gg.ShapeError, match=r"getitem: index 7 does not fit shape \(3, 4\)"):
        a[7]
    with pytest.raises(gg.ShapeError, match=r"concatenate: shapes \(3, 4\), \(5, 2\)"):
        gg.concatenate([a, b])
    with pytest.raises(TypeError, match="pow: the exponent"):
        a ** "2"


def test_comparisons_give_plain_booleans():
    x = gg.Value(np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(x > 0, [False, True])
    assert (gg.Value(1.0) < 2) is True


def test_constants_are_marked_and_labels_describe_gates():
    x = gg.Value(2.0, requires_grad=True)
    y = x + 1
    assert y.inputs[1].is_constant and not x.is_constant
    assert y.label == "+" and (x ** 2).label == "**2" and (-x).label == "*-1"
    assert gg.Value(np.ones((2, 2)), requires_grad=True).sum(axis=0).label == "sum(axis=0)"
    assert (x ** 2).local_formulas() == ("d(x^2)/dx = 2·x^1",)


def test_apply_runs_a_custom_op():
    from graphgrad.ops import Op

    class Square(Op):
        name, symbol, formulas = "square", "x²", ("d(x²)/dx = 2x",)

        def forward(self, a):
            return a * a, None

        def backward(self, ctx, g):
            return (g * 2 * ctx.inputs[0],)

    x = gg.Value(np.array([1.0, -2.0]), requires_grad=True)
    with pytest.raises(TypeError, match=r"apply: expected a graphgrad.ops.Op instance, got type"):
        gg.apply(Square, x)                  # the class, not an instance
    y = gg.apply(Square(), x)
    assert y.label == "x²"
    assert gg.gradcheck(lambda x: gg.apply(Square(), x), x)


def test_float_fast_path_follows_numpy_semantics():
    # Python floats would raise ZeroDivisionError or return complex numbers here
    assert (gg.Value(1.0) / 0.0).item() == np.inf
    assert np.isnan((gg.Value(-8.0) ** (1 / 3)).item())
    assert (gg.Value(0.0) ** -1.0).item() == np.inf
    assert gg.Value(0.0).log().item() == -np.inf
    assert gg.Value(1000.0).exp().item() == np.inf
    x = gg.Value(0.0, requires_grad=True)
    x.sqrt().backward()
    assert x.grad == np.inf

"""gradcheck itself: passes on right gradients, FAILS (with a readable table) on wrong ones."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad.ops import Op


class WrongSigmoid(Op):
    """σ with a deliberately wrong backward: it forgets the (1 - σ) factor."""

    name, symbol = "wrong_sigmoid", "σ?"

    def forward(self, a):
        return 1 / (1 + np.exp(-a)), None

    def backward(self, ctx, g):
        return (g * ctx.out,)


def test_gradcheck_fails_on_a_wrong_backward_with_a_table():
    x = gg.Value(np.array([[0.5, -1.0], [2.0, 0.1]]), requires_grad=True, name="x")
    with pytest.raises(gg.GradcheckError) as e:
        gg.gradcheck(lambda x: gg.apply(WrongSigmoid(), x), x)
    lines = str(e.value).splitlines()
    assert lines[0].startswith("gradcheck: 4 of 4 checked entries differ")
    assert lines[1].split() == ["input", "index", "analytic", "numeric", "rel.", "error"]
    assert lines[2].split()[0] == "x"
    assert gg.gradcheck(lambda x: gg.apply(WrongSigmoid(), x), x, raise_exception=False) is False


def test_gradcheck_passes_and_leaves_inputs_untouched():
    x = gg.Value(np.array([0.3, -0.7], dtype=np.float32), requires_grad=True)
    before = x.numpy().copy()
    assert gg.gradcheck(lambda x: (x.sigmoid() * x).sum(), x)
    np.testing.assert_array_equal(x.numpy(), before)
    assert x.grad is None


def test_sparse_mode_checks_k_coordinates():
    x = gg.Value(np.random.default_rng(0).standard_normal((50, 40)), requires_grad=True)
    assert gg.gradcheck(lambda x: (x.tanh() ** 2).sum(), x, num_checks=7)
    with pytest.raises(gg.GradcheckError, match="of 7 checked"):
        gg.gradcheck(lambda x: gg.apply(WrongSigmoid(), x), x, num_checks=7)


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="no input requires grad"):
        gg.gradcheck(lambda x: x * 2, gg.Value(np.ones(2)))


def test_numeric_grad_and_rel_error_follow_cs231n():
    x = np.array([1.0, -2.0, 3.0])
    num = gg.numeric_grad(lambda a: (a ** 3).sum(), x)
    assert gg.rel_error(num, 3 * x ** 2) < 1e-8
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])       # restored after perturbing
    assert gg.rel_error(np.array([1.0]), np.array([3.0])) == 0.5
    assert gg.rel_error(np.zeros(2), np.zeros(2)) == 0.0
    # array-valued f with an upstream gradient (eval_numerical_gradient_array)
    df = np.array([1.0, 0.0, 2.0])
    assert gg.rel_error(gg.numeric_grad(lambda a: a ** 2, x, df=df), 2 * x * df) < 1e-8
    with pytest.raises(ValueError, match="rel_error: shapes"):
        gg.rel_error(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="numeric_grad: x must be a float numpy array"):
        gg.numeric_grad(lambda a: a, [1, 2])

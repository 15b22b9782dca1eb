"""What a run of HIPS autograd's numpy test list (value, gradient and a second derivative,
autograd as the reference) found, each pinned here in our own cases: value, gradient and
second derivative against PyTorch float64 where PyTorch has the function, else against
HIPS autograd (installed with the dev extra)."""
import numpy as np
import pytest
import torch

import graphgrad as gg

from gradhelp import assert_double_backward

T = torch
rng = np.random.default_rng(1461)
X = rng.uniform(0.5, 2.0, (3, 4))
E = rng.uniform(-1.5, 1.5, (3, 4))
M = rng.standard_normal((5, 5))
SYM = M + M.T


def _autograd_reference(fun, x, u, v):
    """value, <grad, u> VJP and the Hessian-vector product of <VJP, v>, from HIPS autograd."""
    import autograd
    import autograd.numpy as anp

    def vjp(x):
        return autograd.grad(lambda x: anp.sum(fun(x) * u))(x)
    return fun(x), vjp(x), autograd.grad(lambda x: anp.sum(vjp(x) * v))(x)


def _graphgrad_derivatives(fun, x, u, v):
    xv = gg.Value(np.array(x, dtype=np.float64), requires_grad=True)
    out = fun(xv)
    (g,) = gg.grad((out * u).sum(), [xv], create_graph=True)
    (h,) = gg.grad((g * v).sum(), [xv], allow_unused=True)
    return out.numpy(), g.numpy(), np.zeros(np.shape(x)) if h is None else np.asarray(h)


# ---------------------------------------------------------------- pow
@pytest.mark.parametrize("fn", [lambda x, e: x ** e, np.power], ids=["operator", "np.power"])
def test_pow_takes_an_array_of_exponents_as_a_constant(fn):
    # `x ** ndarray` was a TypeError ("the exponent must be a number or a Value")
    assert_double_backward(lambda x: fn(x, E), lambda x: T.pow(x, T.tensor(E)), X)
    assert_double_backward(lambda x: fn(x, E[0]), lambda x: T.pow(x, T.tensor(E[0])), X)


def test_pow_of_a_zero_d_array_exponent_is_the_number_exponent():
    x = gg.Value(X, requires_grad=True)
    np.testing.assert_array_equal((x ** np.array(3.0)).numpy(), X ** 3.0)
    assert (x ** np.array(3.0)).op == (x ** 3.0).op


def test_second_derivative_of_zero_to_the_y_is_zero_not_nan():
    # 0**y = 0 for y > 0, so every derivative in y is 0; the create_graph pass used to
    # differentiate o·ln(0) = 0·-inf and gave nan (PyTorch gives nan too: autograd is the reference)
    y = np.array([0.3, 1.0, 2.5])
    u, v = rng.standard_normal(3), rng.standard_normal(3)
    base = np.zeros(3)
    ours = _graphgrad_derivatives(lambda y: np.power(base, y), y, u, v)
    ref = _autograd_reference(lambda y: base ** y, y, u, v)
    for a, b in zip(ours, ref):
        np.testing.assert_array_equal(a, b)
    assert not np.isnan(ours[2]).any()


def test_pow_at_a_positive_base_still_matches_torch_in_the_exponent():
    assert_double_backward(lambda y: np.power(np.array(0.7), y), lambda y: T.pow(T.tensor(0.7, dtype=T.float64), y), E)


# ---------------------------------------------------------------- eigh
def test_eigh_reads_the_upper_triangle_with_uplo_u_as_numpy():
    a = rng.standard_normal((4, 4))           # not symmetric: the triangle read matters
    w, v = np.linalg.eigh(gg.Value(a, requires_grad=True), "U")
    w0, v0 = np.linalg.eigh(a, "U")
    np.testing.assert_array_equal(w.numpy(), w0)
    np.testing.assert_array_equal(v.numpy(), v0)          # numpy's eigenvectors, signs included
    # numpy's eigvalsh runs another LAPACK driver than eigh: equal to rounding
    np.testing.assert_allclose(gg.linalg.eigvalsh(gg.Value(a), UPLO="U").numpy(), np.linalg.eigvalsh(a, "U"),
                               rtol=1e-13, atol=1e-13)


def _sym(f):
    return lambda x: f((x + (np.swapaxes(x, -1, -2) if isinstance(x, gg.Value) else x.mT)) / 2)


def test_eigh_upper_gradients_and_second_derivatives_match_torch():
    def inv(w, v):                   # does not depend on the eigenvectors' signs
        return (v * v) * w[..., None, :]
    assert_double_backward(_sym(lambda a: inv(*np.linalg.eigh(a, "U"))),
                           _sym(lambda a: inv(*T.linalg.eigh(a, UPLO="U"))), SYM + 6 * np.eye(5))


def test_eigh_gradient_is_torchs_symmetric_one_and_autograds_is_its_triangle():
    # the documented convention: G (ours, PyTorch's); HIPS autograd gives tril(G) + tril(G, -1)
    import autograd
    import autograd.numpy as anp
    u1, u2 = rng.standard_normal(5), rng.standard_normal((5, 5))
    for uplo, tri in (("L", np.tril), ("U", np.triu)):
        x = gg.Value(SYM, requires_grad=True)
        w, v = np.linalg.eigh(x, uplo)
        ((w * u1).sum() + (v * u2 * v).sum()).backward()
        t = T.tensor(SYM, requires_grad=True)
        tw, tv = T.linalg.eigh(t, UPLO=uplo)
        ((tw * T.tensor(u1)).sum() + (tv * T.tensor(u2) * tv).sum()).backward()
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10, atol=1e-12)
        ga = autograd.grad(lambda a: (lambda w, v: anp.sum(w * u1) + anp.sum(v * u2 * v))(
            *anp.linalg.eigh(a, uplo)))(SYM)
        k = -1 if uplo == "L" else 1
        np.testing.assert_allclose(tri(x.grad) + tri(x.grad, k), ga, rtol=1e-9, atol=1e-12)


def test_eig_of_a_general_matrix_is_refused_as_complex_in_one_sentence():
    with pytest.raises(TypeError, match=r"np\.linalg\.eig: .*\(shape \(5, 5\)\) are complex.*eigh"):
        np.linalg.eig(gg.Value(M, requires_grad=True))
    with pytest.raises(TypeError, match="complex"):
        np.linalg.eigvals(gg.Value(M))

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


# ---------------------------------------------------------------- numpy functions added
@pytest.mark.parametrize("gg_fn,torch_fn", [
    (np.ravel, T.ravel), (lambda x: x.ravel(), T.ravel), (np.fabs, lambda x: T.abs(x) + 0 * (x * x).sum()),
    (np.real, T.real), (np.conj, T.conj), (np.real_if_close, T.real),
    # + 0·Σx²: torch's second derivative of angle is a ZeroTensor, which has no numpy view
    (np.angle, lambda x: T.angle(x) + 0 * (x * x).sum()),
    (lambda x: np.angle(x, deg=True), lambda x: T.rad2deg(T.angle(x)) + 0 * (x * x).sum()),
], ids=["np.ravel", "Value.ravel", "fabs", "real", "conj", "real_if_close", "angle", "angle_deg"])
def test_numpy_functions_on_real_values_match_torch(gg_fn, torch_fn):
    assert_double_backward(gg_fn, torch_fn, E)
    assert_double_backward(gg_fn, torch_fn, np.array(E[0, 0]))


def test_imag_of_a_real_value_is_zero_with_zero_gradient():
    x = gg.Value(E, requires_grad=True)
    y = np.imag(x)
    np.testing.assert_array_equal(y.numpy(), np.zeros_like(E))
    (y * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros_like(E))


def test_real_and_conj_of_a_value_are_the_value_itself():
    x = gg.Value(E, requires_grad=True)
    assert np.real(x) is x and np.conj(x) is x and np.conjugate(x) is x and gg.real(x) is x


@pytest.mark.parametrize("kw", [{}, {"axis": 0}, {"axis": -1}, {"axis": (0, 1)}, {"edge_order": 2}],
                         ids=["all", "axis0", "axis-1", "axes01", "edge2"])
def test_np_gradient_of_a_value_matches_torch_gradient(kw):
    a = rng.standard_normal((4, 5))
    tk = {"dim": kw["axis"]} if "axis" in kw else {}
    if "edge_order" in kw:
        tk["edge_order"] = 2

    def ours(x):
        g = np.gradient(x, **kw)
        return np.stack(g) if isinstance(g, tuple) else g

    def theirs(x):
        g = T.gradient(x, **tk)
        return T.stack(g) if len(g) > 1 else g[0]
    assert_double_backward(ours, theirs, a)


def test_np_gradient_with_spacings_and_its_errors():
    a = rng.standard_normal((4, 5))
    g = np.gradient(gg.Value(a), 0.5, 2.0)
    for x, y in zip(g, np.gradient(a, 0.5, 2.0)):
        np.testing.assert_allclose(x.numpy(), y, rtol=1e-12)
    with pytest.raises(gg.ShapeError, match=r"axis 0 of shape \(1, 5\) has 1 entries"):
        np.gradient(gg.Value(a[:1]), axis=0)


XC, YC = np.cumsum(rng.uniform(0.3, 2.0, 4)), np.cumsum(rng.uniform(0.3, 2.0, 5))   # uneven coordinates


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("kw", [{"coords": (XC, YC)}, {"coords": (XC,), "axis": 0}, {"coords": (YC,), "axis": -1},
                                {"coords": (YC, XC), "axis": (1, 0)}], ids=["both", "axis0", "axis-1", "swapped"])
def test_np_gradient_with_coordinate_arrays_matches_torch(kw, edge_order):
    # uneven spacing: numpy's second-order weights inside and at the edges (torch has the same)
    a = rng.standard_normal((4, 5))
    coords, axis = kw["coords"], kw.get("axis")
    nk = {} if axis is None else {"axis": axis}
    dims = (0, 1) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    g = np.gradient(gg.Value(a), *coords, edge_order=edge_order, **nk)
    g = g if isinstance(g, tuple) else (g,)
    ref = np.gradient(a, *coords, edge_order=edge_order, **nk)
    for x, y in zip(g, ref if isinstance(ref, (tuple, list)) else (ref,)):
        np.testing.assert_allclose(x.numpy(), y, rtol=1e-13, atol=1e-13)

    def ours(x):
        r = np.gradient(x, *coords, edge_order=edge_order, **nk)
        return np.stack(r) if isinstance(r, tuple) else r

    def theirs(x):
        r = T.gradient(x, spacing=[T.tensor(c) for c in coords], dim=dims, edge_order=edge_order)
        return T.stack(r) if len(r) > 1 else r[0]
    assert_double_backward(ours, theirs, a)


def test_np_gradient_mixes_scalar_spacings_and_coordinates_as_numpy():
    a = rng.standard_normal((4, 5))
    x = gg.Value(a, requires_grad=True)
    g0, g1 = np.gradient(x, XC, 0.5, edge_order=2)
    r0, r1 = np.gradient(a, XC, 0.5, edge_order=2)
    np.testing.assert_allclose(g0.numpy(), r0, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(g1.numpy(), r1, rtol=1e-13, atol=1e-13)
    # np.gradient is linear in a: its VJP is Jᵀu, read off numpy applied to each basis array
    u = rng.standard_normal(a.shape)
    (g0 * u).sum().backward()
    basis = np.eye(a.size).reshape((a.size,) + a.shape)
    jt_u = np.array([(np.gradient(e, XC, 0.5, edge_order=2)[0] * u).sum() for e in basis]).reshape(a.shape)
    np.testing.assert_allclose(x.grad, jt_u, rtol=1e-12, atol=1e-13)
    # evenly spaced coordinates are numpy's even formulas, as a scalar spacing
    np.testing.assert_allclose(np.gradient(gg.Value(a), np.arange(4.0) * 0.5, axis=0).numpy(),
                               np.gradient(a, 0.5, axis=0), rtol=1e-14)


def test_np_gradient_refusals_are_one_sentence():
    a = gg.Value(rng.standard_normal((4, 5)))
    with pytest.raises(TypeError, match="coordinates that require grad are not supported"):
        np.gradient(a, gg.Value(XC, requires_grad=True), axis=0)
    with pytest.raises(gg.ShapeError, match=r"coordinates for axis 1 have shape \(4,\); they must be 1-D with one "
                                            r"entry per point \(5\)"):
        np.gradient(a, XC, XC)
    with pytest.raises(TypeError, match="3 spacings for 2 axes"):
        np.gradient(a, 1.0, 2.0, 3.0)
    # an axis outside the array was taken modulo its dimensions (axis=5 of a 2-D array was axis 1)
    for bad in (2, -3, 5, (0, 7)):
        with pytest.raises(gg.ShapeError, match=r"np.gradient: axis -?\d is out of range for a tensor with 2 "
                                                r"dimension\(s\)"):
            np.gradient(a, axis=bad)
    with pytest.raises(TypeError, match=r"np.gradient: axis must be an int, a tuple of ints or None, got 1.0"):
        np.gradient(a, axis=1.0)
    with pytest.raises(gg.ShapeError, match="names the same axis twice"):
        np.gradient(a, axis=(0, -2))
    with pytest.raises(gg.ShapeError, match=r"np.gradient: a 0-d Value \(shape \(\)\) has no axis"):
        np.gradient(gg.Value(1.0))


@pytest.mark.parametrize("num,endpoint", [(0, True), (1, True), (5, True), (4, False)])
def test_np_linspace_with_value_ends_matches_autograd(num, endpoint):
    import autograd
    import autograd.numpy as anp
    u = rng.standard_normal(num)
    a0, b0 = 1.2, -3.4

    def ours(a, b):
        return np.linspace(a, b, num, endpoint=endpoint)
    av, bv = gg.Value(a0, requires_grad=True), gg.Value(b0, requires_grad=True)
    out = ours(av, bv)
    np.testing.assert_allclose(out.numpy(), np.linspace(a0, b0, num, endpoint=endpoint), rtol=1e-15, atol=1e-15)
    if num == 0:
        return
    (out * u).sum().backward()
    if num == 1:                                           # one point, start: stop is not used
        assert bv.grad is None
        bv.grad = 0.0
    t = np.linspace(0.0, 1.0, num, endpoint=endpoint)       # y = a + t·(b - a), exactly
    np.testing.assert_allclose([av.grad, bv.grad], [np.sum(u * (1 - t)), np.sum(u * t)], rtol=1e-12, atol=1e-15)
    if endpoint:                                           # autograd's linspace takes no endpoint=
        ga, gb = autograd.grad(lambda a, b: anp.sum(anp.linspace(a, b, num) * u), (0, 1))(a0, b0)
        np.testing.assert_allclose([av.grad, bv.grad], [ga, gb], rtol=1e-12, atol=1e-15)


def test_np_linspace_of_value_arrays_and_retstep():
    a = gg.Value([0.0, 1.0], requires_grad=True)
    y, step = np.linspace(a, 2.0, 3, retstep=True)
    y0, step0 = np.linspace([0.0, 1.0], 2.0, 3, retstep=True)
    np.testing.assert_allclose(y.numpy(), y0, rtol=1e-15)
    np.testing.assert_allclose(step.numpy(), step0, rtol=1e-15)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_np_linspace_of_values_along_any_axis_is_numpys_and_differentiable(axis):
    a0, b0 = rng.standard_normal((2, 3)), rng.standard_normal(3)
    a, b = gg.Value(a0, requires_grad=True), gg.Value(b0, requires_grad=True)
    out = np.linspace(a, b, 4, axis=axis)
    np.testing.assert_allclose(out.numpy(), np.linspace(a0, b0, 4, axis=axis), rtol=1e-15, atol=1e-15)
    u = rng.standard_normal(out.shape)
    (out * u).sum().backward()
    # y_k = a + t_k·(b - a): d/da = Σ_k u_k (1 - t_k), d/db = Σ_k u_k t_k, summed along the points' axis
    t = np.moveaxis(np.linspace(0.0, 1.0, 4).reshape(4, 1, 1), 0, axis)
    np.testing.assert_allclose(a.grad, (u * (1 - t)).sum(axis=axis), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b.grad, (u * t).sum(axis=axis).sum(axis=0), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("axis", [3, -4, 1.5, True])
def test_np_linspace_axis_outside_the_result_is_one_sentence(axis):
    with pytest.raises(np.exceptions.AxisError, match=r"np.linspace: axis=.* is not an axis of the result, "
                                                      r"which has 3 dimension\(s\)"):
        np.linspace(gg.Value(np.zeros((2, 3)), requires_grad=True), 1.0, 4, axis=axis)


def test_np_append_of_a_list_of_values_keeps_their_gradients():
    # numpy dispatches np.append to graphgrad when `values` is a Value; the list `arr` of
    # Values was refused ("cannot make numeric data from list")
    xs = [gg.Value(v, requires_grad=True) for v in (1.0, 2.0, 3.0)]
    b = gg.Value(4.0, requires_grad=True)
    w = rng.standard_normal(4)
    out = np.append(xs, b)
    np.testing.assert_array_equal(out.numpy(), [1.0, 2.0, 3.0, 4.0])
    (out * w).sum().backward()
    np.testing.assert_array_equal([x.grad for x in xs] + [b.grad], w)
    rows = [[gg.Value(1.0, requires_grad=True), 2.0]]
    np.testing.assert_array_equal(np.append(rows, gg.Value([[5.0, 6.0]]), axis=0).numpy(), [[1, 2], [5, 6]])

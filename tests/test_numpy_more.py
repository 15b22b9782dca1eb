"""The rest of numpy (graphgrad.linalg, graphgrad.numeric, the @export elementwise ops):
value, gradient and second derivative against PyTorch float64, at random and edge inputs,
through both the gg.* function and numpy's (np.linalg.inv(v) on a Value). Every @export
declaration needs a row in CASES (test_every_export_has_a_test_row)."""
import numpy as np
import pytest
import torch

import graphgrad as gg
from graphgrad.ops.export import REGISTRY

from gradhelp import assert_double_backward

T = torch
rng = np.random.default_rng(27)
A = rng.standard_normal((3, 3))
SPD = A @ A.T + 3 * np.eye(3)
BA = rng.standard_normal((2, 3, 3))                        # a batch of matrices
BSPD = BA @ np.swapaxes(BA, -1, -2) + 3 * np.eye(3)
R = rng.standard_normal((4, 3))
V3 = rng.standard_normal(3)
NEAR = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-9]])           # near-singular, still invertible


def _tnorm(o, **kw):
    # + 0·Σx²: torch returns a ZeroTensor (no numpy view) for a zero second derivative
    return lambda x, o=o: T.linalg.norm(x, o, **kw) + 0 * (x * x).sum()


def _svd_inv(u, s, vh):
    """A function of (U, S, Vh) that does not depend on the singular vectors' signs."""
    return (u * s[..., None, :]) @ vh + (u * u).sum() + (vh * vh * s[..., :, None]).sum()


def _tsvd(a):
    return _svd_inv(*T.linalg.svd(a, full_matrices=False))


def sym(f):
    """f of the symmetric part: eigh and cholesky read one triangle, so a central
    difference of one off-diagonal entry alone would see half of what the symmetric
    gradient (PyTorch's and ours) says; through (X + Xᵀ)/2 both agree."""
    def g(x):
        xt = np.swapaxes(x, -1, -2) if isinstance(x, gg.Value) else x.mT
        return f((x + xt) / 2)
    return g


# name -> list of (graphgrad function, torch function, inputs); the export name is the key
CASES = {
    # linalg
    "inv": [(gg.linalg.inv, T.linalg.inv, A), (np.linalg.inv, T.linalg.inv, BA)],
    "solve": [(gg.linalg.solve, T.linalg.solve, A, R[:3, :2].copy()),
              (np.linalg.solve, lambda a, b: T.linalg.solve(a, b), A, V3),
              (gg.linalg.solve, T.linalg.solve, BA, rng.standard_normal((2, 3, 2)))],
    "det": [(gg.linalg.det, T.linalg.det, A), (np.linalg.det, T.linalg.det, BA)],
    "slogdet": [(lambda a: gg.linalg.slogdet(a)[1], lambda a: T.linalg.slogdet(a)[1], A),
                (lambda a: np.linalg.slogdet(a).logabsdet * 2, lambda a: T.linalg.slogdet(a)[1] * 2, BA)],
    "cholesky": [(sym(gg.linalg.cholesky), sym(T.linalg.cholesky), SPD),
                 (sym(np.linalg.cholesky), sym(T.linalg.cholesky), BSPD)],
    "eigh": [(sym(lambda a: gg.linalg.eigh(a)[0]), sym(lambda a: T.linalg.eigh(a)[0]), SPD),
             (sym(lambda a: (lambda w, v: (v * v) * w[..., None, :])(*np.linalg.eigh(a))),
              sym(lambda a: (lambda w, v: (v * v) * w[..., None, :])(*T.linalg.eigh(a))), BSPD)],
    "eigvalsh": [(sym(gg.linalg.eigvalsh), sym(T.linalg.eigvalsh), SPD)],
    "svd": [(lambda a: _svd_inv(*gg.linalg.svd(a, full_matrices=False)), _tsvd, R),
            (lambda a: _svd_inv(*np.linalg.svd(a, full_matrices=False)), _tsvd, R.T.copy()),
            (lambda a: _svd_inv(*gg.linalg.svd(a)), _tsvd, A),
            (lambda a: np.linalg.svd(a, compute_uv=False), T.linalg.svdvals, BA)],
    "svdvals": [(gg.linalg.svdvals, T.linalg.svdvals, R)],
    "pinv": [(gg.linalg.pinv, T.linalg.pinv, R), (np.linalg.pinv, T.linalg.pinv, R.T.copy()),
             (gg.linalg.pinv, T.linalg.pinv, A)],
    "norm": [(lambda x, o=o: np.linalg.norm(x, o), _tnorm(o), V3)
             for o in (None, 1, 2, 3, 0.5, -1, -2.5, np.inf, -np.inf)]
    + [(lambda x, o=o: np.linalg.norm(x, o), _tnorm(o), R)
       for o in ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf)]
    + [(lambda x: gg.linalg.norm(x, "nuc", axis=(0, 2), keepdims=True),
        lambda x: T.linalg.matrix_norm(x, "nuc", dim=(0, 2), keepdim=True), BA),
       (lambda x: gg.linalg.norm(x, 3, axis=1), lambda x: T.linalg.vector_norm(x, 3, dim=1), R)],
    # products
    "outer": [(gg.outer, T.outer, V3, R[:, 0].copy()), (np.outer, lambda a, b: T.outer(a.flatten(), b), R, V3)],
    "inner": [(gg.inner, T.inner, V3, R[0].copy()), (np.inner, T.inner, R, BA)],
    "tensordot": [(lambda a, b: gg.tensordot(a, b, 1), lambda a, b: T.tensordot(a, b, 1), R, A),
                  (lambda a, b: np.tensordot(a, b, ([1, 2], [2, 1])),
                   lambda a, b: T.tensordot(a, b, ([1, 2], [2, 1])), BA, BA)],
    "dot": [(np.dot, lambda a, b: T.tensordot(a, b, ([2], [1])), BA, BA),
            (np.dot, lambda a, b: T.tensordot(a, b, ([2], [0])), BA, V3),
            (lambda a, b: a.dot(b), T.matmul, R, A)],
    "kron": [(gg.kron, T.kron, R[:2, :2].copy(), A), (np.kron, T.kron, V3, BA)],
    "cross": [(gg.cross, lambda a, b: T.linalg.cross(a, b.expand_as(a)), R[:, :3].copy(), V3),
              (lambda a, b: np.cross(a, b, axis=0), lambda a, b: T.linalg.cross(a, b, dim=0), A, BA[0])],
    "trace": [(gg.trace, T.trace, R), (lambda a: np.trace(a, 1, 1, 2), lambda a: T.diagonal(a, 1, 1, 2).sum(-1), BA)],
    "diff": [(gg.diff, T.diff, V3), (lambda a: np.diff(a, 2, axis=0), lambda a: T.diff(a, 2, dim=0), R),
             (lambda a, p: gg.diff(a, axis=1, prepend=p), lambda a, p: T.diff(a, dim=1, prepend=p), R,
              R[:, :1].copy())],
    # stacking
    "hstack": [(lambda a, b: gg.hstack([a, b]), lambda a, b: T.hstack([a, b]), R, R),
               (lambda a, b: np.hstack([a, b]), lambda a, b: T.hstack([a, b]), V3, V3)],
    "vstack": [(lambda a, b: gg.vstack([a, b]), lambda a, b: T.vstack([a, b]), V3, R[0].copy())],
    "column_stack": [(lambda a, b: np.column_stack([a, b]), lambda a, b: T.column_stack([a, b]), V3, A)],
    "atleast_1d": [(gg.atleast_1d, T.atleast_1d, np.array(1.5)), (np.atleast_1d, T.atleast_1d, V3)],
    "atleast_2d": [(gg.atleast_2d, T.atleast_2d, V3), (np.atleast_2d, T.atleast_2d, np.array(2.5))],
    "atleast_3d": [(gg.atleast_3d, T.atleast_3d, V3), (np.atleast_3d, T.atleast_3d, R),
                   (gg.atleast_3d, T.atleast_3d, np.array(0.5))],
    "append": [(np.append, lambda a, b: T.cat([a.flatten(), b.flatten()]), R, V3),
               (lambda a, b: gg.append(a, b, axis=0), lambda a, b: T.cat([a, b], 0), R, A)],
    "rot90": [(lambda a, k=k: np.rot90(a, k), lambda a, k=k: T.rot90(a, k), R) for k in (1, 2, 3, -1)]
    + [(lambda a: gg.rot90(a, 1, (2, 0)), lambda a: T.rot90(a, 1, (2, 0)), BA)],
    "select": [(lambda a, b: np.select([V3 < 0, V3 > 1], [a, b], 0.5),
                lambda a, b: T.where(T.tensor(V3 < 0), a, T.where(T.tensor(V3 > 1), b, 0.5)), V3 * 2, V3 ** 2)],
    # elementwise (declared as op classes)
    "hypot": [(gg.hypot, T.hypot, R, V3), (np.hypot, T.hypot, A, A.T.copy())],
    "fmax": [(gg.fmax, T.fmax, R, V3), (np.fmax, T.fmax, A, A.T + 0.1)],
    "fmin": [(gg.fmin, T.fmin, R, V3), (np.fmin, T.fmin, A, A.T + 0.1)],
    "logaddexp2": [(gg.logaddexp2, T.logaddexp2, R, V3), (np.logaddexp2, T.logaddexp2, A, 40 + A)],
    "cbrt": [(gg.cbrt, lambda x: T.sign(x) * T.abs(x) ** (1 / 3), R)],
    "sinc": [(gg.sinc, T.sinc, R), (np.sinc, T.sinc, np.array([1.0, -2.0, 0.5, 1e-3]))],
    "deg2rad": [(gg.deg2rad, T.deg2rad, R), (np.radians, T.deg2rad, A)],
    "rad2deg": [(gg.rad2deg, T.rad2deg, R), (np.degrees, T.rad2deg, A)],
    "real": [(gg.real, T.real, R), (np.real_if_close, T.real, V3)],
    "conj": [(np.conj, T.conj, R)],
    "ravel": [(np.ravel, T.ravel, BA), (lambda x: x.ravel(), T.ravel, R)],
    "nan_to_num": [(gg.nan_to_num, T.nan_to_num, np.array([1.0, np.nan, np.inf, -np.inf, -2.0])),
                   (lambda x: np.nan_to_num(x, nan=3.0, posinf=9.0), lambda x: T.nan_to_num(x, 3.0, 9.0), R)],
}
ROWS = [(name, i) for name in sorted(CASES) for i in range(len(CASES[name]))]


def test_every_export_has_a_test_row():
    # a row here (value and two derivatives against torch), or for the older elementwise
    # ops (their derivatives tested in test_ops_math), one in test_engine_local.CASES
    from test_engine_local import CASES as LOCAL
    local = {cls.__name__ for cls in LOCAL}
    missing = sorted(e.name for e in REGISTRY if e.name not in CASES
                     and not (e.op is not None and type(e.op).__name__ in local))
    assert not missing, f"add rows to CASES in tests/test_numpy_more.py for: {missing}"
    assert len(REGISTRY) >= 70


@pytest.mark.parametrize("name,i", ROWS)
def test_value_gradient_and_second_derivative_match_torch_float64(name, i):
    gg_fn, torch_fn, *arrays = CASES[name][i]
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    # nan_to_num: the replaced entries get no gradient, torch's and ours; gradgradcheck needs finite input
    assert_double_backward(gg_fn, torch_fn, *arrays, gradgrad=name != "nan_to_num" and name != "select")


@pytest.mark.parametrize("name", ["hypot", "fmax", "cbrt", "sinc", "deg2rad", "nan_to_num"])
def test_elementwise_exports_are_methods_functions_and_ufuncs(name):
    x = gg.Value(np.array([0.5, 2.0]), requires_grad=True)
    args = (x, 1.5) if name in ("hypot", "fmax") else (x,)
    a = getattr(gg, name)(*args)
    b = getattr(x, name)(*args[1:])
    c = getattr(np, name)(*args)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    assert c.op == a.op and c.requires_grad


# ---------------------------------------------------------------- edges
def test_singular_matrices_are_clear_errors_never_nan():
    sing = gg.Value([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    with pytest.raises(np.linalg.LinAlgError, match="inv: the matrix .* is singular"):
        gg.linalg.inv(sing)
    with pytest.raises(np.linalg.LinAlgError, match="solve: the matrix A .* singular"):
        np.linalg.solve(sing, np.ones(2))
    d = gg.linalg.det(sing)
    assert d.item() == 0.0
    with pytest.raises(np.linalg.LinAlgError, match="det: the gradient at a singular matrix"):
        d.backward()
    with pytest.raises(np.linalg.LinAlgError, match="cholesky: .* not positive definite"):
        gg.linalg.cholesky(gg.Value([[1.0, 2.0], [2.0, 1.0]]))


def test_repeated_eigenvalues_refuse_the_eigenvector_gradient_but_not_the_eigenvalues():
    a = gg.Value(np.eye(3) * 2.0, requires_grad=True)
    w, v = gg.linalg.eigh(a)
    w.sum().backward()
    np.testing.assert_allclose(a.grad, np.eye(3))          # d trace/dA = I, no nan
    a2 = gg.Value(np.diag([1.0, 1.0, 2.0]), requires_grad=True)
    w, v = gg.linalg.eigh(a2)
    with pytest.raises(np.linalg.LinAlgError, match="eigh: eigenvalues are repeated"):
        (v[:, 0] * np.array([1.0, 2.0, 3.0])).sum().backward()


def test_svd_of_a_rank_deficient_matrix_gives_finite_singular_value_gradients():
    a = gg.Value(np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]]), requires_grad=True)
    s = gg.linalg.svdvals(a)
    s.sum().backward()
    ta = T.tensor(a.numpy(), requires_grad=True)
    T.linalg.svdvals(ta).sum().backward()
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), atol=1e-12)


def test_hypot_at_the_origin_and_sinc_at_zero_have_zero_gradient():
    x = gg.Value(np.array([0.0, 3.0]), requires_grad=True)
    gg.hypot(x, np.array([0.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.6])
    z = gg.Value(0.0, requires_grad=True)
    (g,) = gg.grad(gg.sinc(z), [z], create_graph=True)
    assert g.item() == 0.0
    (g2,) = gg.grad(g, [z])                                 # sinc = 1 - π²x²/6 + ...: exact
    assert g2 == pytest.approx(-np.pi ** 2 / 3, rel=1e-15)


def test_near_singular_matrices_match_torch_and_stay_finite():
    for fn, tfn in ((gg.linalg.inv, T.linalg.inv), (gg.linalg.det, T.linalg.det),
                    (lambda a: gg.linalg.slogdet(a)[1], lambda a: T.linalg.slogdet(a)[1])):
        a = gg.Value(NEAR, requires_grad=True)
        ta = T.tensor(NEAR, requires_grad=True)
        out, tout = fn(a), tfn(ta)
        np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-6)
        out.sum().backward()
        tout.sum().backward()
        assert np.all(np.isfinite(a.grad))
        np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-6)


def test_fmax_routes_the_gradient_past_nan():
    x = gg.Value(np.array([np.nan, 1.0, 2.0]), requires_grad=True)
    y = gg.Value(np.array([1.0, np.nan, 2.0]), requires_grad=True)
    gg.fmax(x, y).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0])   # a tie goes to x, as PyTorch
    np.testing.assert_array_equal(y.grad, [1.0, 0.0, 0.0])


def test_bad_shapes_are_one_sentence_errors():
    with pytest.raises(gg.ShapeError, match="inv: needs square matrices .* shape \\(4, 3\\)"):
        gg.linalg.inv(R)
    with pytest.raises(gg.ShapeError, match="tensordot: axis 1 of a .* must match"):
        gg.tensordot(gg.Value(R), gg.Value(R), ([1], [0]))
    with pytest.raises(gg.ShapeError, match="cross: a .* 3 entries"):
        gg.cross(gg.Value(np.ones(2)), np.ones(2))
    with pytest.raises(gg.ShapeError, match="hypot: shapes \\(2,\\) and \\(3,\\) cannot be broadcast"):
        gg.hypot(gg.Value(np.ones(2)), np.ones(3))
    with pytest.raises(ValueError, match="norm: invalid ord 'x'"):
        np.linalg.norm(gg.Value(R), "x")


def test_complex_values_are_refused_by_linalg():
    with pytest.raises(TypeError, match="complex"):
        gg.linalg.inv(np.eye(2, dtype=np.complex128))


def test_np_var_and_std_of_a_list_of_values_refuse_in_one_sentence():
    vs = [gg.Value(float(i), requires_grad=True) for i in range(3)]
    for f in (np.var, np.std):
        # (Value.__array__ refuses a Value that requires grad: numpy's list path never casts it)
        with pytest.raises(TypeError, match=r"cannot become a numpy array .*list of Values.*gg\.stack"):
            f(vs)
    s = np.std(gg.stack(vs))                                 # what the sentence says works
    assert s.item() == pytest.approx(np.std([0.0, 1.0, 2.0]))
    s.backward()
    assert vs[0].grad == pytest.approx(-1 / (3 * np.std([0.0, 1.0, 2.0])))

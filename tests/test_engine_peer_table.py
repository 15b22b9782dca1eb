"""Op cases in the style of a peer's op tests (tinygrad's test_ops.py: helper_test_op over
shapes, special values and value ranges), written as one table and run against PyTorch
float64, forward and gradients, NaN/Inf included (they must match, not be skipped)."""
import math
import zlib

import numpy as np
import pytest
import torch

import graphgrad as gg
import graphgrad.nn.functional  # noqa: F401 - gg.nn.functional in the table

# (id, input shapes or explicit values, function (same code for both libraries), (low, high))
TABLE = [
    ("add_broadcast_col", [(5, 6), (5, 1)], lambda x, y: x + y, (-2, 2)),
    ("add_broadcast_scalar", [(5, 6), ()], lambda x, y: x + y, (-2, 2)),
    ("add_broadcast_row", [(5, 6), (6,)], lambda x, y: x + y, (-2, 2)),
    ("add3", [(4, 5), (4, 5), (4, 5)], lambda x, y, z: x + y + z, (-2, 2)),
    ("sub_scalars", [(), ()], lambda x, y: x - y, (-2, 2)),
    ("rsub_const", [(4, 5)], lambda x: 2 - x, (-2, 2)),
    ("neg_scalar", [()], lambda x: -x, (-2, 2)),
    ("mul_scalars", [(), ()], lambda x, y: x * y, (-2, 2)),
    ("mul_const_255", [(4, 5)], lambda x: 255 * x, (-2, 2)),
    ("mul_inf", [(4, 5)], lambda x: x * math.inf, (-2, 2)),
    ("mul_nan", [(4, 5)], lambda x: x * math.nan, (-2, 2)),
    ("div_inf", [(4, 5)], lambda x: x / math.inf, (-2, 2)),
    ("inf_div", [(4, 5)], lambda x: math.inf / x, (0.5, 2)),
    ("nan_div", [(4, 5)], lambda x: math.nan / x, (0.5, 2)),
    ("rdiv_const", [(4, 5)], lambda x: 2 / x, (0.5, 2)),
    ("div_scalars", [(), ()], lambda x, y: x / y, (0.5, 2)),
    ("pow_full", [(4, 5), (4, 5)], lambda x, y: x ** y, (0.5, 2)),
    ("pow_0", [(4, 5)], lambda x: x ** 0, (-2, 2)),
    ("pow_1", [(4, 5)], lambda x: x ** 1, (-2, 2)),
    ("pow_3_negative_base", [(4, 5)], lambda x: x ** 3, (-30, -27)),
    ("pow_neg2", [(4, 5)], lambda x: x ** -2, (0.5, 2)),
    ("pow_neg2_scalar", [()], lambda x: x ** -2, (0.5, 2)),
    ("pow_frac_negative_base", [(4, 5)], lambda x: x ** 0.2, (-30, -27)),     # nan, as torch
    ("pow_1p2_negative_base_scalar", [()], lambda x: x ** 1.2, (-30, -27)),
    ("pow_5p5", [(4, 5)], lambda x: x ** 5.5, (0.5, 2)),
    ("zero_pow_1p1", [[0.0]], lambda x: x ** 1.1, None),
    ("zero_pow_0", [[0.0, 0.0]], lambda x: x ** 0.0, None),
    ("maximum", [(4, 5), (4, 5)], lambda x, y: _max(x, y), (-2, 2)),
    ("maximum_scalars", [(), ()], lambda x, y: _max(x, y), (-2, 2)),
    ("minimum", [(4, 5), (4, 5)], lambda x, y: _min(x, y), (-2, 2)),
    ("exp_log", [(4, 5)], lambda x: x.exp().log(), (-2, 2)),
    ("log_at_0", [[0.0, 1.0]], lambda x: x.log(), None),
    ("sqrt_at_0", [[0.0, 4.0]], lambda x: x.sqrt(), None),
    ("tanh_big", [[-50.0, 0.0, 50.0]], lambda x: x.tanh(), None),
    ("sigmoid_big", [[-800.0, -30.0, 0.0, 30.0, 800.0]], lambda x: x.sigmoid(), None),
    ("relu_at_0", [[-1.0, 0.0, 1.0]], lambda x: x.relu(), None),
    ("abs_at_0", [[-1.0, 0.0, 1.0]], lambda x: x.abs(), None),
    ("sum_axis1", [(4, 5)], lambda x: x.sum(axis=1), (-2, 2)),
    ("sum_keepdim", [(3, 4, 5)], lambda x: _sum(x, (0, 2), True), (-2, 2)),
    ("mean_neg_axis", [(3, 4, 5)], lambda x: _mean(x, -1), (-2, 2)),
    ("max_all", [(4, 5)], lambda x: x.max(), (-2, 2)),
    ("matmul", [(4, 5), (5, 3)], lambda x, y: x @ y, (-2, 2)),
    ("matmul_vec", [(5,), (5, 3)], lambda x, y: x @ y, (-2, 2)),
    ("matmul_batched", [(2, 4, 5), (5, 3)], lambda x, y: x @ y, (-2, 2)),
    ("transpose_neg", [(2, 3, 4)], lambda x: _perm(x, (-1, 0, 1)), (-2, 2)),
    ("reshape_neg1", [(2, 3, 4)], lambda x: x.reshape(4, -1), (-2, 2)),
    ("getitem_fancy", [(5, 4)], lambda x: x[[0, 2, 2]], (-2, 2)),
    ("getitem_slice_step", [(6, 4)], lambda x: x[::2, 1:], (-2, 2)),
    # the numpy-complete ops (issue 15), in the same style
    ("sin", [(4, 5)], lambda x: x.sin(), (-3, 3)),
    ("cos", [(4, 5)], lambda x: x.cos(), (-3, 3)),
    ("tan", [(4, 5)], lambda x: x.tan(), (-1.4, 1.4)),
    ("arcsin", [(4, 5)], lambda x: x.arcsin(), (-0.9, 0.9)),
    ("arccos", [(4, 5)], lambda x: x.arccos(), (-0.9, 0.9)),
    ("arctan", [(4, 5)], lambda x: x.arctan(), (-3, 3)),
    ("sinh_cosh", [(4, 5)], lambda x: x.sinh() * x.cosh(), (-3, 3)),
    ("arcsinh", [(4, 5)], lambda x: x.arcsinh(), (-3, 3)),
    ("arctanh", [(4, 5)], lambda x: x.arctanh(), (-0.9, 0.9)),
    ("log2_log10", [(4, 5)], lambda x: x.log2() + x.log10(), (0.5, 3)),
    ("log1p_expm1", [(4, 5)], lambda x: x.log1p() * x.expm1(), (-0.5, 2)),
    ("exp2", [(4, 5)], lambda x: x.exp2(), (-3, 3)),
    ("erf", [(4, 5)], lambda x: x.erf(), (-3, 3)),
    ("sign_floor_ceil", [(4, 5)], lambda x: x.sign() + x.floor() + x.ceil() + x.trunc() + x * x, (-3, 3)),
    ("floordiv_mod", [(4, 5), (4, 5)], lambda x, y: x % y + x * y, (0.5, 3)),
    ("logaddexp", [(4, 5), (5,)], lambda x, y: _call(x, "logaddexp", y), (-3, 3)),
    ("arctan2", [(4, 5), (4, 5)], lambda x, y: _call(x, "arctan2", y), (-3, 3)),
    ("softplus", [(4, 5)], lambda x: _f(x, "softplus"), (-5, 5)),
    ("gelu", [(4, 5)], lambda x: _f(x, "gelu"), (-3, 3)),
    ("silu_mish", [(4, 5)], lambda x: _f(x, "silu") + _f(x, "mish"), (-5, 5)),
    ("selu_celu", [(4, 5)], lambda x: _f(x, "selu") + _f(x, "celu"), (-5, 5)),
    # (hardsigmoid is compared in tests/test_ops_activations.py: torch's uses a float32 1/6)
    ("hardswish", [(4, 5)], lambda x: _f(x, "hardswish") * x, (-5, 5)),
    ("logsigmoid_softsign", [(4, 5)], lambda x: _f(x, "logsigmoid") + _f(x, "softsign"), (-5, 5)),
    ("prod_axis", [(4, 5)], lambda x: x.prod(1), (-2, 2)),
    ("cumsum_cumprod", [(4, 5)], lambda x: x.cumsum(1) + x.cumprod(0), (-2, 2)),
    ("logsumexp", [(4, 5)], lambda x: x.logsumexp(1), (-3, 3)),
    ("var_std", [(4, 5)], lambda x: x.var(1).sum() * x.std(0), (-3, 3)),
    ("flip_roll", [(4, 5)], lambda x: _flip(x, 1) * _roll(x, 2, 0), (-2, 2)),
    ("tril_triu", [(4, 5)], lambda x: x.tril() * 2 + x.triu(1), (-2, 2)),
    ("expand", [(4, 1)], lambda x: x.expand(4, 5) * 3, (-2, 2)),
    ("einsum", [(4, 5), (5, 3)], lambda x, y: _einsum("ij,jk->ik", x, y), (-2, 2)),
]


def _is_torch(x):
    return isinstance(x, torch.Tensor)


def _call(x, name, y):
    return getattr(torch, name)(x, y) if _is_torch(x) else getattr(gg, name)(x, y)


def _f(x, name):
    return getattr(torch.nn.functional, name)(x) if _is_torch(x) else getattr(gg.nn.functional, name)(x)


def _flip(x, axis):
    return x.flip([axis]) if _is_torch(x) else x.flip(axis)


def _roll(x, shift, axis):
    return x.roll(shift, axis) if _is_torch(x) else x.roll(shift, axis)


def _einsum(spec, *xs):
    return torch.einsum(spec, *xs) if _is_torch(xs[0]) else gg.einsum(spec, *xs)


def _max(x, y):
    return torch.maximum(x, y) if _is_torch(x) else gg.maximum(x, y)


def _min(x, y):
    return torch.minimum(x, y) if _is_torch(x) else gg.minimum(x, y)


def _sum(x, axis, keep):
    return x.sum(dim=axis, keepdim=keep) if _is_torch(x) else x.sum(axis=axis, keepdims=keep)


def _mean(x, axis):
    return x.mean(dim=axis) if _is_torch(x) else x.mean(axis=axis)


def _perm(x, axes):
    return x.permute(*axes) if _is_torch(x) else x.transpose(*axes)


@pytest.mark.parametrize("case", TABLE, ids=[c[0] for c in TABLE])
def test_peer_op_case_matches_torch_float64(case):
    _, shapes, fn, rng_range = case
    rng = np.random.default_rng(zlib.crc32(case[0].encode()))    # the same data every run
    if rng_range is None:
        arrays = [np.array(v, dtype=np.float64) for v in shapes]
    else:
        arrays = [rng.uniform(*rng_range, size=s) for s in shapes]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    vs = [gg.Value(float(a) if a.shape == () else a, requires_grad=True) for a in arrays]
    with np.errstate(all="ignore"):
        out_t, out_v = fn(*ts), fn(*vs)
        assert out_v.shape == tuple(out_t.shape)
        np.testing.assert_allclose(out_v.numpy(), out_t.detach().numpy(), rtol=1e-12, atol=1e-300,
                                   equal_nan=True)
        w = rng.standard_normal(tuple(out_t.shape))
        (out_t * torch.tensor(w)).sum().backward()
        (out_v * w).sum().backward()
    for i, (t, v) in enumerate(zip(ts, vs)):
        np.testing.assert_allclose(np.asarray(v.grad, dtype=np.float64), t.grad.numpy(), rtol=1e-10,
                                   atol=1e-12, equal_nan=True, err_msg=f"{case[0]}: input {i}")


@pytest.mark.parametrize("case", TABLE, ids=[c[0] for c in TABLE])
def test_peer_op_case_second_derivative_matches_torch_float64(case):
    """The same cases differentiated twice: d(<grad, v>)/dx with create_graph, as torch."""
    _, shapes, fn, rng_range = case
    rng = np.random.default_rng(zlib.crc32(case[0].encode()) + 1)
    if rng_range is None:
        arrays = [np.array(v, dtype=np.float64) for v in shapes]
    else:
        arrays = [rng.uniform(*rng_range, size=s) for s in shapes]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    vs = [gg.Value(float(a) if a.shape == () else a, requires_grad=True) for a in arrays]
    with np.errstate(all="ignore"):
        out_t, out_v = fn(*ts), fn(*vs)
        w = rng.standard_normal(tuple(out_t.shape))
        dirs = [rng.standard_normal(a.shape) for a in arrays]
        gt = torch.autograd.grad((out_t * torch.tensor(w)).sum(), ts, create_graph=True, allow_unused=True,
                                 materialize_grads=True)
        gv = gg.grad((out_v * w).sum(), vs, create_graph=True, allow_unused=True)
        st = sum((g * torch.tensor(d)).sum() for g, d in zip(gt, dirs))
        sv = [(g * d).sum() for g, d in zip(gv, dirs) if g is not None]
        ht = (torch.autograd.grad(st, ts, allow_unused=True, materialize_grads=True) if st.requires_grad
              else [torch.zeros(a.shape, dtype=torch.float64) for a in arrays])
        total = sum(sv[1:], sv[0]) if sv else None
        hv = (gg.grad(total, vs, allow_unused=True) if total is not None and total.requires_grad
              else [None] * len(vs))
    for i, (t, v) in enumerate(zip(ht, hv)):
        v = np.zeros(t.shape) if v is None else np.asarray(v, dtype=np.float64)
        np.testing.assert_allclose(v, t.numpy(force=True), rtol=1e-9, atol=1e-11, equal_nan=True,
                                   err_msg=f"{case[0]}: second derivative, input {i}")

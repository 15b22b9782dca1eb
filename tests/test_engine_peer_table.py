"""Op cases in the style of a peer's op tests (tinygrad's test_ops.py: helper_test_op over
shapes, special values and value ranges), written as one table and run against PyTorch
float64, forward and gradients, NaN/Inf included (they must match, not be skipped)."""
import math
import zlib

import numpy as np
import pytest
import torch

import graphgrad as gg

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
]


def _is_torch(x):
    return isinstance(x, torch.Tensor)


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

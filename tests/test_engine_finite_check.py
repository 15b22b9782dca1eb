"""The finiteness check of the fast backward paths (relu, clamps, max-pool): one pass of
numpy's sum, never a BLAS call (a threaded BLAS dot woke its threads on every relu
backward and cost milliseconds on a busy machine), silent for inf - inf and overflow even
under ``np.seterr(all="raise")``, and exact: a non-finite or overflowing upstream takes the
selecting path, so entries not passed get exactly 0 (PyTorch's rule)."""
import warnings

import numpy as np
import pytest
import torch

import graphgrad as gg
from graphgrad.nn import functional as F
from graphgrad.ops.arithmetic import all_finite

N = 20_000      # above the size where OpenBLAS runs a dot on several threads


@pytest.fixture
def strict_numpy():
    """numpy errors raise and warnings are errors: the check must not trip either."""
    old = np.seterr(all="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
    np.seterr(**old)


@pytest.mark.parametrize("data,expected", [
    (np.ones(N), True),
    (np.r_[np.ones(N), np.inf, -np.inf], False),      # inf - inf inside the sum
    (np.r_[np.ones(N), np.nan], False),
    (np.full(N, 1e308), False),                       # finite, but its sum overflows
    (np.ones(100_000, np.float16), True),             # a float16 sum would overflow at 65504
    (np.ones((200, 100)).T, True),                    # transposed: read in memory order
    (np.zeros(0), True),
])
def test_all_finite_reads_each_case_without_a_warning(strict_numpy, data, expected):
    assert all_finite(data) is expected


def test_all_finite_never_calls_blas(monkeypatch):
    def blas(*a, **k):
        raise AssertionError("all_finite went through a BLAS dot")
    for name in ("vdot", "dot", "inner", "matmul"):
        monkeypatch.setattr(np, name, blas)
    assert all_finite(np.ones(N)) and not all_finite(np.r_[np.ones(N), np.inf])


@pytest.mark.parametrize("upstream", ["inf both signs", "nan", "overflowing sum"])
def test_relu_backward_with_a_non_finite_or_huge_upstream_is_torchs(strict_numpy, upstream):
    rng = np.random.default_rng(0)
    xd = rng.standard_normal(N)
    gd = rng.standard_normal(N)
    if upstream == "inf both signs":
        gd[:4] = [np.inf, -np.inf, np.inf, -np.inf]
    elif upstream == "nan":
        gd[:4] = np.nan
    else:
        gd[:] = 1e308
    xd[:4] = [-1.0, -1.0, 1.0, 1.0]
    x = gg.Value(xd, requires_grad=True)
    x.relu().backward(gd)
    t = torch.tensor(xd, requires_grad=True)
    torch.relu(t).backward(torch.tensor(gd))
    np.testing.assert_array_equal(x.grad, t.grad.numpy())     # 0 (not nan) where x <= 0


def test_max_pool_backward_with_an_infinite_upstream_is_torchs(strict_numpy):
    rng = np.random.default_rng(1)
    xd = rng.standard_normal((2, 3, 60, 60))
    gd = rng.standard_normal((2, 3, 30, 30))
    gd[0, 0, 0, :2] = [np.inf, -np.inf]
    x = gg.Value(xd, requires_grad=True)
    F.max_pool2d(x, 2).backward(gd)
    t = torch.tensor(xd, requires_grad=True)
    torch.nn.functional.max_pool2d(t, 2).backward(torch.tensor(gd))
    np.testing.assert_array_equal(x.grad, t.grad.numpy())

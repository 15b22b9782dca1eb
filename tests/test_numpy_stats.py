"""numpy's statistics on Values (nansum nanmean nanmax nanmin ptp average median quantile
percentile): values against numpy on every axis form, NaN and all-NaN slices; gradients and
second derivatives against PyTorch float64 where PyTorch has the function (nansum, nanmean,
quantile, and median/ptp/max through their PyTorch spelling)."""
import numpy as np
import pytest
import torch

import graphgrad as gg
from gradhelp import assert_double_backward

rng = np.random.default_rng(2026)
A = rng.standard_normal((3, 4, 5))
AN = A.copy()
AN[0, 1, 2] = np.nan
AN[2, :, 3] = np.nan                      # an all-NaN slice along axis 1
AXES = [{}, {"axis": 0}, {"axis": -1}, {"axis": 1, "keepdims": True}, {"keepdims": True}]


def _same(out, ref):
    outs = out if isinstance(out, tuple) else (out,)
    refs = ref if isinstance(ref, tuple) else (ref,)
    for o, r in zip(outs, refs):
        assert o.shape == np.shape(r)
        np.testing.assert_allclose(o.numpy(), r, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")     # numpy's own all-NaN-slice warnings
@pytest.mark.parametrize("kw", AXES + [{"axis": (0, 2)}], ids=str)
@pytest.mark.parametrize("fn", [np.nansum, np.nanmean, np.nanmax, np.nanmin], ids=lambda f: f.__name__)
def test_nan_reductions_are_numpys(fn, kw):
    for arr in (A, AN):
        _same(fn(gg.Value(arr, requires_grad=True), **kw), fn(arr, **kw))


@pytest.mark.parametrize("kw", AXES, ids=str)
@pytest.mark.parametrize("fn", [np.ptp, np.median], ids=lambda f: f.__name__)
def test_ptp_and_median_are_numpys(fn, kw):
    _same(fn(gg.Value(A, requires_grad=True), **kw), fn(A, **kw))
    if fn is np.median:
        _same(fn(gg.Value(AN), **kw), fn(AN, **kw))         # a NaN in a slice: NaN there


@pytest.mark.parametrize("q", [0.5, 0.0, 1.0, 0.3, [0.1, 0.9]], ids=str)
@pytest.mark.parametrize("kw", AXES, ids=str)
def test_quantile_and_percentile_are_numpys(q, kw):
    for arr in (A, AN):
        _same(np.quantile(gg.Value(arr), q, **kw), np.quantile(arr, q, **kw))
        _same(np.percentile(gg.Value(arr), np.asarray(q) * 100, **kw), np.percentile(arr, np.asarray(q) * 100, **kw))


@pytest.mark.parametrize("kw", [{}, {"axis": 1}, {"axis": 1, "keepdims": True}, {"axis": (0, 2)}], ids=str)
def test_average_is_numpys_with_and_without_weights(kw):
    w_full, w_axis = rng.uniform(0.5, 2.0, A.shape), rng.uniform(0.5, 2.0, 4)
    _same(np.average(gg.Value(A), **kw), np.average(A, **kw))
    _same(np.average(gg.Value(A), weights=w_full, **kw), np.average(A, weights=w_full, **kw))
    _same(np.average(gg.Value(A), weights=w_full, returned=True, **kw),
          np.average(A, weights=w_full, returned=True, **kw))
    if kw.get("axis") == 1:
        _same(np.average(gg.Value(A), weights=w_axis, returned=True, **kw),
              np.average(A, weights=w_axis, returned=True, **kw))


def test_quantile_gradient_and_second_derivative_are_torchs():
    qs = np.array([0.3, 0.8])
    assert_double_backward(lambda x: np.quantile(x, qs, axis=1),
                           lambda t: torch.quantile(t, torch.tensor(qs), dim=1), A)
    assert_double_backward(lambda x: np.median(x, axis=0),            # odd count: torch's median is numpy's
                           lambda t: torch.median(t, dim=0).values, A)


def test_nansum_and_nanmean_gradients_are_torchs():
    assert_double_backward(lambda x: np.nansum(x, axis=1), lambda t: torch.nansum(t, dim=1), AN[:2])
    assert_double_backward(lambda x: np.nanmean(x, axis=2), lambda t: torch.nanmean(t, dim=2), AN[:2])
    x = gg.Value(AN, requires_grad=True)
    np.nanmean(x, axis=1).sum().backward()
    assert np.all(x.grad[np.isnan(AN)] == 0)          # NaN entries get no gradient, even in an all-NaN slice


def test_weighted_average_is_differentiable_in_both():
    w = rng.uniform(0.5, 2.0, 4)
    assert_double_backward(lambda x, v: np.average(x, axis=1, weights=v),
                           lambda t, v: (t * v.reshape(1, 4, 1)).sum(1) / v.sum(), A, w)


def test_statistics_refusals_are_one_sentence():
    x = gg.Value(A, requires_grad=True)
    with pytest.raises(ValueError, match=r"quantile: q must be a number or 1-D with values in \[0, 1\]"):
        np.quantile(x, 1.5)
    with pytest.raises(TypeError, match="only method='linear'"):
        np.quantile(x, 0.5, method="nearest")
    with pytest.raises(TypeError, match="axis must be one int or None"):
        np.median(x, axis=(0, 1))
    with pytest.raises(gg.ShapeError, match=r"weights of shape \(3,\) do not fit"):
        np.average(x, axis=1, weights=np.ones(3))
    with pytest.raises(ZeroDivisionError, match="weights sum to zero"):
        np.average(x, axis=1, weights=np.zeros(4))
    with pytest.raises(gg.ShapeError, match="cannot reduce an empty tensor"):
        np.nanmax(gg.Value(np.zeros((0, 3))))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("data", [[-np.inf, 0.0, np.inf], [-np.inf, 1.0], [1.0, np.inf], [-np.inf, -np.inf, 1.0],
                                  [1.0, 2.0, 3.0, 4.0]], ids=str)
@pytest.mark.parametrize("q", [0.25, 0.5, 0.6])
def test_median_and_quantile_with_infinities_are_numpys(data, q):
    # numpy's median takes the middle entry (or the mean of two); its quantile interpolates from
    # below for t < 0.5 and from above otherwise: with infinite neighbours they differ, as here
    x = gg.Value(data)
    np.testing.assert_array_equal(np.median(x).numpy(), np.median(data))
    np.testing.assert_array_equal(np.quantile(x, q).numpy(), np.quantile(data, q))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("kw", AXES + [{"axis": 1, "ddof": 1}, {"axis": (0, 2)}, {"axis": 1, "ddof": 4}], ids=str)
@pytest.mark.parametrize("fn", [np.nanvar, np.nanstd, np.nanprod, np.nancumsum], ids=lambda f: f.__name__)
def test_nanvar_nanstd_nanprod_nancumsum_are_numpys(fn, kw):
    if fn in (np.nanprod, np.nancumsum) and "ddof" in kw:
        return
    if fn is np.nancumsum and ("keepdims" in kw or isinstance(kw.get("axis"), tuple)):
        return
    for arr in (A, AN):                    # ddof=4 on 4 entries: NaN, as numpy
        _same(fn(gg.Value(arr, requires_grad=True), **kw), fn(arr, **kw))


def _torch_nanvar(t, dim, ddof=0):
    ok = ~torch.isnan(t)
    z = torch.where(ok, t, torch.zeros_like(t))
    n = ok.sum(dim, keepdim=True)
    m = z.sum(dim, keepdim=True) / n
    d = torch.where(ok, t - m, torch.zeros_like(t))
    return (d * d).sum(dim) / (n.squeeze(dim) - ddof)


def test_nanvar_nanstd_nanprod_gradients_are_torchs():
    part = AN[:2]                          # NaNs, but no all-NaN slice along axis 2
    assert_double_backward(lambda x: np.nanvar(x, axis=2, ddof=1), lambda t: _torch_nanvar(t, 2, 1), part)
    assert_double_backward(lambda x: np.nanstd(x, axis=2), lambda t: _torch_nanvar(t, 2).sqrt(), part)
    assert_double_backward(lambda x: np.nanprod(x, axis=2),
                           lambda t: torch.where(torch.isnan(t), torch.ones_like(t), t).prod(2), part)
    x = gg.Value(AN, requires_grad=True)
    np.nanstd(x, axis=1).sum().backward()
    assert np.all(x.grad[np.isnan(AN)] == 0)

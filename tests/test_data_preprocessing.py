"""Preprocessing (lecture 6): fit on train only, transform everywhere; clear errors."""
import numpy as np
import pytest

from graphgrad import ShapeError
from graphgrad.data import PCA, NotFittedError, Normalize, Whiten, ZeroCenter


@pytest.fixture
def correlated():
    rng = np.random.default_rng(0)
    A = np.array([[3.0, 0, 0, 0], [2, 1, 0, 0], [0, 0.5, 0.2, 0], [1, 0, 0, 0.1]])
    X = rng.normal(size=(400, 4)) @ A + np.array([5.0, -2, 1, 0])
    return X[:300], X[300:]


def test_zero_center_uses_training_mean_only(correlated):
    Xtr, Xte = correlated
    zc = ZeroCenter().fit(Xtr)
    np.testing.assert_allclose(zc.transform(Xtr).mean(axis=0), 0, atol=1e-12)
    # The test set is shifted by the *training* mean, so its own mean is not exactly zero.
    np.testing.assert_allclose(zc.transform(Xte), Xte - Xtr.mean(axis=0))
    assert np.abs(zc.transform(Xte).mean(axis=0)).max() > 1e-3
    np.testing.assert_allclose(zc.inverse_transform(zc.transform(Xte)), Xte)


def test_zero_center_per_channel_images():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 3, 4, 5)) + np.array([10.0, 20.0, 30.0])[None, :, None, None]
    zc = ZeroCenter(per="channel").fit(X)
    assert zc.mean_.shape == (3, 1, 1)
    out = zc.transform(X)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    # channels-last layout
    Xl = X.transpose(0, 2, 3, 1)
    np.testing.assert_allclose(ZeroCenter(per="channel", channel_axis=-1).fit_transform(Xl),
                               out.transpose(0, 2, 3, 1))


def test_normalize_unit_std_and_constant_feature():
    X = np.array([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]])
    out = Normalize().fit_transform(X)
    np.testing.assert_allclose(out[:, 0], [-np.sqrt(1.5), 0, np.sqrt(1.5)])
    np.testing.assert_allclose(out[:, 1], 0)   # constant feature: centred, not divided by 0
    img = np.random.default_rng(2).normal(3, 5, size=(10, 2, 3, 3))
    n = Normalize(per="channel").fit_transform(img)
    np.testing.assert_allclose(n.std(axis=(0, 2, 3)), 1, rtol=1e-12)


def test_pca_decorrelates_and_sorts_variance(correlated):
    Xtr, Xte = correlated
    pca = PCA(n_components=2).fit(Xtr)
    Z = pca.transform(Xtr)
    assert Z.shape == (300, 2)
    cov = np.cov(Z.T, bias=True)
    assert abs(cov[0, 1]) < 1e-9
    assert cov[0, 0] >= cov[1, 1]
    np.testing.assert_allclose(np.diag(cov), pca.explained_variance_)
    # numpy's eigendecomposition of the training covariance agrees
    evals = np.linalg.eigvalsh(np.cov(Xtr.T, bias=True))[::-1]
    np.testing.assert_allclose(pca.explained_variance_, evals[:2], rtol=1e-10)
    full = PCA().fit(Xtr)
    np.testing.assert_allclose(full.inverse_transform(full.transform(Xte)), Xte, atol=1e-10)


def test_pca_and_zca_whitening(correlated):
    Xtr, Xte = correlated
    W = Whiten("pca", eps=0.0).fit(Xtr).transform(Xtr)
    np.testing.assert_allclose(np.cov(W.T, bias=True), np.eye(4), atol=1e-9)
    zca = Whiten("zca", eps=0.0).fit(Xtr)
    Z = zca.transform(Xtr)
    np.testing.assert_allclose(np.cov(Z.T, bias=True), np.eye(4), atol=1e-9)
    # ZCA is the symmetric whitening matrix: Cov^(-1/2)
    C = np.cov(Xtr.T, bias=True)
    vals, vecs = np.linalg.eigh(C)
    np.testing.assert_allclose(Z, (Xtr - Xtr.mean(0)) @ vecs @ np.diag(vals ** -0.5) @ vecs.T, atol=1e-9)
    # eps damps the smallest directions: variance below 1 there
    damped = Whiten("pca", eps=1.0).fit_transform(Xtr)
    assert np.var(damped[:, -1]) < 0.5
    assert Whiten("pca", n_components=2).fit(Xtr).transform(Xte).shape == (100, 2)
    img = np.random.default_rng(3).normal(size=(50, 1, 2, 3))
    assert Whiten("zca").fit_transform(img).shape == img.shape


@pytest.mark.parametrize("make", [ZeroCenter, Normalize, PCA, lambda: Whiten("zca")])
def test_transform_before_fit_is_a_clear_error(make):
    t = make()
    with pytest.raises(NotFittedError, match=r"\.transform called before fit"):
        t.transform(np.zeros((2, 3)))


@pytest.mark.parametrize("make", [ZeroCenter, Normalize, PCA, lambda: Whiten("pca")])
def test_mismatched_shape_is_a_clear_error(make):
    t = make().fit(np.random.default_rng(0).normal(size=(10, 4)))
    with pytest.raises(ShapeError, match=r"transform: X has shape \(3, 5\).*fit on samples of shape \(4,\)"):
        t.transform(np.zeros((3, 5)))


def test_bad_arguments():
    with pytest.raises(ShapeError, match="ZeroCenter.fit"):
        ZeroCenter().fit(np.zeros(5))
    with pytest.raises(ValueError, match="per must be"):
        ZeroCenter(per="pixel")
    with pytest.raises(ShapeError, match="per='channel' needs images"):
        Normalize(per="channel").fit(np.zeros((4, 3)))
    with pytest.raises(ShapeError, match="n_components=9 exceeds the number of features 4"):
        PCA(9).fit(np.zeros((10, 4)))
    with pytest.raises(ValueError, match="method must be 'pca' or 'zca'"):
        Whiten("pcaa")
    with pytest.raises(TypeError, match="numeric"):
        ZeroCenter().fit(np.array([["a", "b"]]))

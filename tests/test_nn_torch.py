"""graphgrad.nn against PyTorch CPU in float64 (outputs and gradients to 1e-6); skipped without torch."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn, optim
from graphgrad.nn import functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
TOL = dict(rtol=1e-6, atol=1e-9)


def _pair(rng, *shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    return ([gg.Value(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


def _compare(out, tout, gs, ts, rng):
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), **TOL)
    G = rng.standard_normal(out.shape)
    (out * G).sum().backward()
    (tout * torch.tensor(G)).sum().backward()
    for g, t in zip(gs, ts):
        np.testing.assert_allclose(g.grad, t.grad.numpy(), **TOL)


@pytest.mark.parametrize("stride,padding", [(1, 0), (1, 1), (2, 1), (3, 2)])
def test_conv2d(rng, stride, padding):
    gs, ts = _pair(rng, (2, 3, 7, 8), (4, 3, 3, 3), (4,))
    _compare(F.conv2d(*gs, stride=stride, padding=padding), TF.conv2d(*ts, stride=stride, padding=padding),
             gs, ts, rng)


@pytest.mark.parametrize("k,s,p", [(2, 2, 0), (3, 2, 1), (2, 1, 0), (3, 3, 1)])
def test_pooling(rng, k, s, p):
    gs, ts = _pair(rng, (2, 3, 7, 7))
    _compare(F.max_pool2d(gs[0], k, s, p), TF.max_pool2d(ts[0], k, s, p), gs, ts, rng)
    gs, ts = _pair(rng, (2, 3, 7, 7))
    _compare(F.avg_pool2d(gs[0], k, s, p), TF.avg_pool2d(ts[0], k, s, p), gs, ts, rng)


@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 3, 2)])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("expand", [False, True])
def test_batch_norm_incl_running_stats(rng, shape, training, expand):
    gs, ts = _pair(rng, shape, (4,), (4,))
    rm, rv = rng.standard_normal(4), rng.random(4) + 0.5
    trm, trv = torch.tensor(rm.copy()), torch.tensor(rv.copy())
    out = F.batch_norm(gs[0], rm, rv, gs[1], gs[2], training=training, momentum=0.2, eps=1e-4, expand=expand)
    tout = TF.batch_norm(ts[0], trm, trv, ts[1], ts[2], training=training, momentum=0.2, eps=1e-4)
    _compare(out, tout, gs, ts, rng)
    np.testing.assert_allclose(rm, trm.numpy(), **TOL)
    np.testing.assert_allclose(rv, trv.numpy(), **TOL)


def test_batchnorm_modules_over_several_steps(rng):
    for ours, theirs, shape in ((nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3).double(), (8, 3)),
                                (nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3).double(), (4, 3, 2, 2))):
        for _ in range(3):
            x = rng.standard_normal(shape) * 2 + 1
            np.testing.assert_allclose(ours(gg.Value(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), **TOL)
        np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), **TOL)
        np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), **TOL)
        ours.eval(), theirs.eval()
        x = rng.standard_normal(shape)
        np.testing.assert_allclose(ours(gg.Value(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), **TOL)


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "sigmoid", "tanh", "softmax", "log_softmax"])
def test_activations(rng, name):
    gs, ts = _pair(rng, (4, 5))
    ours = {"leaky_relu": lambda x: F.leaky_relu(x, 0.2), "elu": lambda x: F.elu(x, 1.3),
            "sigmoid": F.sigmoid, "tanh": F.tanh, "softmax": lambda x: F.softmax(x, -1),
            "log_softmax": lambda x: F.log_softmax(x, -1)}[name]
    theirs = {"leaky_relu": lambda x: TF.leaky_relu(x, 0.2), "elu": lambda x: TF.elu(x, 1.3),
              "sigmoid": torch.sigmoid, "tanh": torch.tanh, "softmax": lambda x: TF.softmax(x, -1),
              "log_softmax": lambda x: TF.log_softmax(x, -1)}[name]
    _compare(ours(gs[0]), theirs(ts[0]), gs, ts, rng)


def test_prelu(rng):
    gs, ts = _pair(rng, (3, 4, 2, 2), (4,))
    _compare(F.prelu(*gs), TF.prelu(*ts), gs, ts, rng)


@pytest.mark.parametrize("expand", [False, True])
def test_cross_entropy(rng, expand):
    gs, ts = _pair(rng, (7, 5))
    y = rng.integers(0, 5, 7)
    _compare(F.cross_entropy(gs[0], y, expand=expand), TF.cross_entropy(ts[0], torch.tensor(y)), gs, ts, rng)


def test_multi_margin_loss(rng):
    gs, ts = _pair(rng, (7, 5))
    y = rng.integers(0, 5, 7)
    _compare(F.multi_margin_loss(gs[0], y, margin=1.0), TF.multi_margin_loss(ts[0], torch.tensor(y), margin=1.0),
             gs, ts, rng)


def _run_optimizer(make_ours, make_theirs, rng, steps=5):
    w0 = rng.standard_normal((3, 4))
    X = rng.standard_normal((6, 3))
    w = nn.Parameter(w0.copy())
    tw = torch.tensor(w0.copy(), requires_grad=True)
    opt, topt = make_ours([w]), make_theirs([tw])
    for _ in range(steps):
        opt.zero_grad()
        topt.zero_grad()
        ((gg.Value(X) @ w).tanh() ** 2).sum().backward()
        ((torch.tensor(X) @ tw).tanh() ** 2).sum().backward()
        opt.step()
        topt.step()
        np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("kw", [dict(), dict(weight_decay=0.1), dict(betas=(0.5, 0.9), eps=1e-6)])
def test_adam_steps(rng, kw):
    _run_optimizer(lambda p: optim.Adam(p, lr=0.05, **kw), lambda p: torch.optim.Adam(p, lr=0.05, **kw), rng)


def test_adamw_steps(rng):
    _run_optimizer(lambda p: optim.AdamW(p, lr=0.05, weight_decay=0.1),
                   lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1), rng)


@pytest.mark.parametrize("kw", [dict(), dict(momentum=0.9), dict(momentum=0.9, nesterov=True),
                                dict(momentum=0.8, dampening=0.1, weight_decay=0.01)])
def test_sgd_steps(rng, kw):
    _run_optimizer(lambda p: optim.SGD(p, lr=0.1, **kw), lambda p: torch.optim.SGD(p, lr=0.1, **kw), rng)


@pytest.mark.parametrize("kw", [dict(), dict(alpha=0.9, weight_decay=0.01), dict(momentum=0.5)])
def test_rmsprop_steps(rng, kw):
    _run_optimizer(lambda p: optim.RMSprop(p, lr=0.01, **kw), lambda p: torch.optim.RMSprop(p, lr=0.01, **kw), rng)


def test_lr_schedules_match(rng):
    w, tw = nn.Parameter(np.ones(2)), torch.tensor(np.ones(2), requires_grad=True)
    for ours, theirs in ((lambda o: optim.StepLR(o, 2, 0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 2, 0.5)),
                         (lambda o: optim.ExponentialLR(o, 0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9))):
        opt, topt = optim.SGD([w], lr=0.1), torch.optim.SGD([tw], lr=0.1)
        s, ts = ours(opt), theirs(topt)
        for _ in range(5):
            topt.step()
            s.step()
            ts.step()
            assert abs(opt.lr - topt.param_groups[0]["lr"]) < 1e-15


hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


@hypothesis.settings(max_examples=25, deadline=None)
@hypothesis.given(h=st.integers(2, 8), w=st.integers(2, 8), k=st.integers(1, 3), s=st.integers(1, 3),
                  p=st.integers(0, 1), seed=st.integers(0, 2**31 - 1))
def test_pooling_any_shape(h, w, k, s, p, seed):
    hypothesis.assume(h + 2 * p >= k and w + 2 * p >= k and p <= k // 2)
    rng = np.random.default_rng(seed)
    gs, ts = _pair(rng, (2, 3, h, w))
    _compare(F.max_pool2d(gs[0], k, s, p), TF.max_pool2d(ts[0], k, s, p), gs, ts, rng)
    gs, ts = _pair(rng, (2, 3, h, w))
    _compare(F.avg_pool2d(gs[0], k, s, p), TF.avg_pool2d(ts[0], k, s, p), gs, ts, rng)


@hypothesis.settings(max_examples=15, deadline=None)
@hypothesis.given(n=st.integers(1, 3), c=st.integers(1, 3), hw=st.integers(3, 7), f=st.integers(1, 3),
                  k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 2), seed=st.integers(0, 2**31 - 1))
def test_conv2d_any_shape(n, c, hw, f, k, s, p, seed):
    hypothesis.assume(hw + 2 * p >= k)
    rng = np.random.default_rng(seed)
    gs, ts = _pair(rng, (n, c, hw, hw), (f, c, k, k), (f,))
    _compare(F.conv2d(*gs, stride=s, padding=p), TF.conv2d(*ts, stride=s, padding=p), gs, ts, rng)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_regression_losses(rng, name, reduction):
    (p, t), (tp, tt) = _pair(rng, (5, 3), (5, 3))
    _compare(getattr(F, name)(p, t, reduction=reduction), getattr(TF, name)(tp, tt, reduction=reduction),
             [p, t], [tp, tt], rng)

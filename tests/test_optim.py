"""Optimisers by hand-computed updates (the torch comparison lives in test_nn_torch.py)."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn, optim


def _param(v):
    p = nn.Parameter(np.array(v, dtype=np.float64))
    return p


def _grad(p, g):
    p.grad = np.array(g, dtype=np.float64)


def test_sgd_plain_and_momentum_by_hand():
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    _grad(p, [1.0, 1.0])
    opt.step()                                      # v = g; w -= 0.1 v
    np.testing.assert_allclose(p.numpy(), [0.9, -2.1])
    _grad(p, [1.0, 1.0])
    opt.step()                                      # v = 0.9 + 1 = 1.9
    np.testing.assert_allclose(p.numpy(), [0.9 - 0.19, -2.1 - 0.19])


def test_adam_first_step_is_lr_times_sign():
    p = _param([0.0, 0.0])
    opt = optim.Adam([p], lr=0.01)
    _grad(p, [3.0, -0.5])
    opt.step()
    np.testing.assert_allclose(p.numpy(), [-0.01, 0.01], rtol=1e-6)


def test_rmsprop_by_hand():
    p = _param([1.0])
    opt = optim.RMSprop([p], lr=0.1, alpha=0.9, eps=0.0)
    _grad(p, [2.0])
    opt.step()                                      # s = 0.1·4 = 0.4; w -= 0.1·2/√0.4
    np.testing.assert_allclose(p.numpy(), [1.0 - 0.2 / np.sqrt(0.4)])


def test_zero_grad_and_params_without_grad_are_skipped():
    a, b = _param([1.0]), _param([2.0])
    opt = optim.SGD([a, b], lr=1.0)
    _grad(a, [1.0])
    opt.step()
    assert a.numpy()[0] == 0.0 and b.numpy()[0] == 2.0
    opt.zero_grad()
    assert a.grad is None


def test_float32_parameters_stay_float32():
    p = nn.Parameter(np.ones(3, np.float32))
    for opt in (optim.SGD([p], lr=0.1, momentum=0.9), optim.Adam([p]), optim.RMSprop([p])):
        p.grad = np.ones(3, np.float32)
        opt.step()
        assert p.dtype == np.float32


def test_scalar_parameter():
    p = gg.Value(1.0, requires_grad=True)
    (p * p).backward()
    optim.SGD([p], lr=0.25).step()
    assert p.item() == 0.5


def test_training_reduces_loss():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 5)), rng.integers(0, 3, 64)
    for make in (lambda ps: optim.SGD(ps, lr=0.5, momentum=0.9, nesterov=True), lambda ps: optim.Adam(ps, lr=0.05)):
        net = nn.Sequential(nn.Linear(5, 16, rng=0), nn.ReLU(), nn.Linear(16, 3, rng=1))
        opt = make(net.parameters())
        losses = []
        for _ in range(30):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(gg.Value(X)), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert losses[-1] < 0.5 * losses[0]


def test_schedules():
    p = _param([1.0])
    opt = optim.SGD([p], lr=1.0)
    s = optim.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        s.step()
        lrs.append(opt.lr)
    assert lrs == [1.0, 0.5, 0.5, 0.25, 0.25]
    opt2 = optim.Adam([p], lr=1.0)
    e = optim.ExponentialLR(opt2, 0.5)
    e.step()
    e.step()
    assert opt2.lr == 0.25 and e.get_last_lr() == [0.25]


def test_optimizer_errors():
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        optim.Adam([gg.Value(np.ones(2))])
    with pytest.raises(TypeError, match="not a Value"):
        optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([_param([1.0])], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Adam: beta1"):
        optim.Adam([_param([1.0])], betas=(1.5, 0.9))
    with pytest.raises(ValueError, match="lr must be"):
        optim.SGD([_param([1.0])], lr=-1)
    with pytest.raises(TypeError, match="StepLR: expected an Optimizer"):
        optim.StepLR("opt", 1)

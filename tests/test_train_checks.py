"""Babysitting checks on digits give the lecture's verdicts (lecture 6)."""
import math

import numpy as np
import pytest

from graphgrad import nn
from graphgrad.data import load_digits
from graphgrad.train import (check_initial_loss, check_overfit_small_subset, check_regularization,
                             init_experiment, activation_statistics, lr_sweep)


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def two_layer(init="small", seed=0, hidden=50):
    return nn.Sequential(nn.Linear(64, hidden, init=init, rng=seed), nn.ReLU(),
                         nn.Linear(hidden, 10, init=init, rng=seed + 1))


def test_initial_loss_is_log10_for_softmax(digits):
    res = check_initial_loss(two_layer(), digits.X_train, digits.y_train)
    assert res.passed, res.verdict
    assert abs(res.details["loss"] - math.log(10)) < 0.1
    assert "log(10)" in res.verdict


def test_initial_loss_is_c_minus_1_for_svm(digits):
    res = check_initial_loss(two_layer(), digits.X_train, digits.y_train, loss="svm")
    assert res.passed and abs(res.details["loss"] - 9.0) < 0.1


def test_initial_loss_flags_large_weights(digits):
    big = nn.Sequential(nn.Linear(64, 10, init=lambda shape, rng, dtype: 5.0 * rng.standard_normal(shape), rng=0))
    res = check_initial_loss(big, digits.X_train, digits.y_train)
    assert not res.passed and "far from log(10)" in res.verdict


def test_regularization_raises_the_loss(digits):
    res = check_regularization(two_layer(), digits.X_train, digits.y_train, reg=1e3)
    assert res.passed and res.details["loss_reg"] > res.details["loss"]
    # A model with no weight matrices has no regularisation term: the check says so.
    class BiasOnly(nn.Module):
        def __init__(self):
            super().__init__()
            self.b = nn.Parameter(np.zeros(10))
        def forward(self, x):
            return x[:, :10] * 0.0 + self.b
    bad = check_regularization(BiasOnly(), digits.X_train, digits.y_train)
    assert not bad.passed and "missing" in bad.verdict


def test_overfit_20_samples_reaches_100_percent(digits):
    res = check_overfit_small_subset(two_layer, digits.X_train, digits.y_train, n=20)
    assert res.passed, res.verdict
    assert res.details["train_acc"] == 1.0
    assert res.details["losses"][-1] < 0.1 * res.details["losses"][0]


def test_overfit_fails_with_a_learning_rate_far_too_low(digits):
    res = check_overfit_small_subset(two_layer, digits.X_train, digits.y_train, n=20, lr=1e-6, steps=20)
    assert not res.passed and "train accuracy only" in res.verdict


def test_lr_sweep_marks_too_low_and_too_high(digits):
    sweep = lr_sweep(lambda: two_layer("he"), digits.X_train, digits.y_train, lrs=[1e-6, 1e-1, 1e3], steps=25)
    assert sweep.verdicts == ["too low", "good", "too high"]
    assert "not going down" in sweep.reasons[0]
    assert "exploding" in sweep.reasons[2]
    assert sweep.good_range() == (1e-1, 1e-1)
    assert sweep.result.passed


def test_check_argument_errors(digits):
    with pytest.raises(ValueError, match="n must be in 1.."):
        check_overfit_small_subset(two_layer, digits.X_train[:5], digits.y_train[:5], n=20)
    with pytest.raises(ValueError, match="learning rates must be positive"):
        lr_sweep(two_layer, digits.X_train, digits.y_train, lrs=[0.0])
    with pytest.raises(ValueError, match="loss must be 'softmax' or 'svm'"):
        check_initial_loss(two_layer(), digits.X_train, digits.y_train, loss="hinge")


def test_init_experiment_gives_the_lecture_verdicts():
    runs = init_experiment(layers=6, width=120, n=300, seed=1)
    verdict = {(r.init, r.nonlinearity): r.verdict for r in runs}
    assert verdict == {("small", "tanh"): "collapses", ("large", "tanh"): "saturates",
                       ("xavier", "tanh"): "healthy", ("xavier", "relu"): "collapses", ("he", "relu"): "healthy"}
    small = runs[0]
    assert small.stds[-1] < 1e-3 * small.stds[0]
    assert runs[1].saturated[-1] > 0.5
    he = runs[4]
    assert 0.5 < he.stds[-1] / he.stds[0] < 2
    assert all(abs(z - 0.5) < 0.1 for z in he.zero_fraction)   # ReLU zeroes about half the units
    assert sum(runs[2].hist_counts[0]) == 300 * 120


def test_init_diagnostics_errors():
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        activation_statistics("he", "gelu", layers=2, width=4, n=4)
    with pytest.raises(ValueError, match="init must be 'small', 'large', 'xavier' or 'he'"):
        activation_statistics("ones", "tanh", layers=2, width=4, n=4)

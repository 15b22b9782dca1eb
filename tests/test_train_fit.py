"""The training loop: history, update ratios, NaN stop naming the lr, .npz checkpoints."""
import math
import os
import zipfile

import numpy as np
import pytest

from graphgrad import ShapeError, nn
from graphgrad.data import load_digits, make_spirals
from graphgrad.optim import SGD, Adam
from graphgrad.train import CheckpointError, DivergedWarning, History, accuracy, fit, load_checkpoint, save_checkpoint


def net(seed=0, hidden=32, d_in=64, c=10):
    return nn.Sequential(nn.Linear(d_in, hidden, rng=seed), nn.ReLU(), nn.Linear(hidden, c, rng=seed + 1))


@pytest.fixture(scope="module")
def digits():
    return load_digits(seed=0)


def test_fit_learns_digits_and_records_history(digits):
    model = net()
    hist = fit(model, digits, lr=0.3, epochs=4, batch_size=32, reg=1e-4, progress=False)
    assert [e["epoch"] for e in hist.epochs] == [0, 1, 2, 3]
    assert hist.epochs[-1]["val_acc"] > 0.9 and hist.epochs[-1]["train_acc"] > 0.9
    assert hist.epochs[-1]["loss"] < hist.epochs[0]["loss"]
    assert len(hist.iteration_loss) == 4 * math.ceil(len(digits.X_train) / 32)
    ratios = hist.epochs[0]["update_ratio"]
    assert set(ratios) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert 1e-5 < ratios["0.weight"] < 1e-1   # the lecture's "about 1e-3" ballpark
    assert all(e["lr"] == 0.3 for e in hist.epochs)
    assert hist.best_val_acc == max(e["val_acc"] for e in hist.epochs)
    assert accuracy(model, digits.X_val, digits.y_val) == hist.epochs[-1]["val_acc"]


def test_fit_is_deterministic_given_the_seed(digits):
    a = fit(net(), digits, lr=0.05, epochs=1, progress=False, seed=3)
    b = fit(net(), digits, lr=0.05, epochs=1, progress=False, seed=3)
    assert a.iteration_loss == b.iteration_loss


def test_fit_with_adam_scheduler_and_svm_loss():
    from graphgrad.optim import StepLR
    data = make_spirals(60, 3, seed=0)
    model = net(d_in=2, hidden=40, c=3)
    opt = Adam(model.parameters(), lr=1e-2)
    hist = fit(model, data, optimizer=opt, scheduler=StepLR(opt, step_size=2, gamma=0.5), epochs=4,
               batch_size=32, loss="svm", progress=False)
    assert [e["lr"] for e in hist.epochs] == [1e-2, 1e-2, 5e-3, 5e-3]


def test_nan_loss_stops_early_naming_the_learning_rate(digits):
    # lr = 1e200: the weights overflow within a few steps and the loss becomes NaN
    with pytest.warns(DivergedWarning, match=r"loss became NaN .* with learning rate 1e\+200"), \
            np.errstate(over="ignore", invalid="ignore"):
        hist = fit(net(), digits, lr=1e200, epochs=5, progress=False, explode_factor=None)
    assert hist.diverged and len(hist.epochs) == 0
    assert "lower the learning rate" in hist.message
    assert math.isnan(hist.iteration_loss[-1])
    # lr = 1e6: a stable softmax keeps the loss finite, but it explodes far past its start
    with pytest.warns(DivergedWarning, match=r"exploding.* with learning rate 1e\+06"):
        hist = fit(net(), digits, lr=1e6, epochs=5, progress=False)
    assert hist.diverged and hist.iteration_loss[-1] > 1e3 * hist.iteration_loss[0]


def test_progress_bar_writes_to_stderr(digits, capsys):
    fit(net(), (digits.X_train[:100], digits.y_train[:100]), lr=0.1, epochs=1, batch_size=50, progress=True)
    err = capsys.readouterr().err
    assert "fit" in err and "2/2" in err
    fit(net(), (digits.X_train[:100], digits.y_train[:100]), lr=0.1, epochs=1, progress=False)
    assert capsys.readouterr().err == ""


def test_checkpoint_round_trip_without_pickle(tmp_path, digits):
    path = tmp_path / "ckpt" / "run.npz"
    model = net()
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    hist = fit(model, digits, optimizer=opt, epochs=2, progress=False, checkpoint=path)
    assert path.exists()
    with zipfile.ZipFile(path) as z:   # plain arrays only, so allow_pickle=False can read it
        assert all(n.endswith(".npy") for n in z.namelist())
    with np.load(path, allow_pickle=False) as f:
        assert "model/0.weight" in f.files
    fresh = net(seed=9)
    opt2 = SGD(fresh.parameters(), lr=0.05, momentum=0.9)
    back = load_checkpoint(path, fresh, opt2)
    np.testing.assert_array_equal(fresh[0].weight.numpy(), model[0].weight.numpy())
    assert isinstance(back, History) and back.epochs == hist.epochs
    assert opt2.steps == opt.steps
    for a, b in zip(opt.state, opt2.state):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])
    assert not [p for p in os.listdir(path.parent) if p != "run.npz"]   # no temp files left


def test_checkpoint_errors(tmp_path, digits):
    with pytest.raises(CheckpointError, match="no file"):
        load_checkpoint(tmp_path / "missing.npz", net())
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"hello")
    with pytest.raises(CheckpointError, match="not a .npz checkpoint"):
        load_checkpoint(junk, net())
    other = tmp_path / "other.npz"
    np.savez(other, a=np.zeros(3))
    with pytest.raises(CheckpointError, match="not a graphgrad checkpoint"):
        load_checkpoint(other, net())
    path = tmp_path / "small.npz"
    save_checkpoint(path, net(hidden=8))
    with pytest.raises(CheckpointError, match="does not fit this model"):
        load_checkpoint(path, net(hidden=16))


def test_fit_input_errors(digits):
    with pytest.raises(ShapeError, match=r"fit: need X_train of shape \(N, ...\) and y_train of shape \(N,\)"):
        fit(net(), (digits.X_train, digits.y_train[:5]), progress=False)
    with pytest.raises(TypeError, match="data must be a Splits"):
        fit(net(), digits.X_train, progress=False)
    with pytest.raises(ValueError, match="loss must be 'softmax', 'svm'"):
        fit(net(), digits, loss="hinge", progress=False)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit(net(), digits, epochs=0, progress=False)


@pytest.mark.parametrize("kw, match", [
    ({"lr": float("inf")}, r"^fit: lr must be a finite number >= 0, got inf$"),
    ({"lr": float("nan")}, r"^fit: lr must be a finite number >= 0, got nan$"),
    ({"lr": -0.1}, r"^fit: lr must be a finite number >= 0, got -0.1$"),
    ({"lr": "0.1"}, r"^fit: lr must be a finite number >= 0, got '0.1'$"),
    ({"reg": float("inf")}, r"^fit: reg must be a finite number >= 0, got inf$"),
    ({"explode_factor": 0.5}, r"^fit: explode_factor must be a finite number >= 1, got 0.5$"),
    ({"batch_size": 0}, r"^fit: batch_size must be a positive integer, got 0$"),
    ({"epochs": 2.5}, r"^fit: epochs must be a positive integer, got 2.5$"),
    ({"train_eval_samples": -1}, r"^fit: train_eval_samples must be a positive integer, got -1$"),
])
def test_bad_settings_are_refused_before_training(digits, kw, match):
    model = net()
    before = [p.numpy().copy() for p in model.parameters()]
    with pytest.raises(ValueError, match=match):
        fit(model, digits, **{"epochs": 1, "progress": False, **kw})
    for p, b in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.numpy(), b)   # refused up front: no step was taken


def test_an_optimizer_with_an_infinite_rate_is_refused(digits):
    model = net()
    opt = SGD(model.parameters(), lr=0.1)
    opt.lr = float("inf")   # e.g. set by hand or by a scheduler before fit
    with pytest.raises(ValueError, match=r"fit: the optimizer's lr must be a finite number >= 0, got inf"):
        fit(model, digits, optimizer=opt, epochs=1, progress=False)


def test_weights_blown_up_by_the_last_step_are_reported(digits):
    # One iteration in all: no later loss would show that the update made the weights inf/NaN.
    # Inputs of size ~1e10 give gradients large enough that lr=1e300 overflows them to inf.
    X, y = digits.X_train[:32] * 1e10, digits.y_train[:32]
    with pytest.warns(DivergedWarning, match=r"parameter '\S+' became NaN or infinite in the update at "
                                             r"epoch 0, iteration 0, with learning rate 1e\+300"), \
            np.errstate(over="ignore", invalid="ignore"):
        hist = fit(net(), (X, y, X, y), lr=1e300, epochs=1, batch_size=32, progress=False, explode_factor=None)
    assert hist.diverged and hist.epochs == [] and "lower the learning rate" in hist.message

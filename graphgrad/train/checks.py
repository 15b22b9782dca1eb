"""Babysitting checks from cs231n lecture 6, each returning a :class:`CheckResult` verdict.

1. the initial loss is what chance predicts: ``log(C)`` for softmax, ``C - 1`` for the SVM,
2. turning up the regularisation raises the loss,
3. the model can overfit a tiny subset (20 samples) to 100% training accuracy,
4. a log-spaced learning-rate sweep shows which rates are too low and which explode.

>>> from graphgrad import nn
>>> from graphgrad.data import load_digits
>>> d = load_digits()
>>> net = nn.Sequential(nn.Linear(64, 50, init="small", rng=0), nn.ReLU(), nn.Linear(50, 10, init="small", rng=1))
>>> check_initial_loss(net, d.X_train, d.y_train).passed
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..autograd import no_grad
from ..value import Value
from .trainer import accuracy, objective


@dataclass
class CheckResult:
    """One check's outcome: ``passed`` and a one-sentence ``verdict`` a student can act on.

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_spirals
    >>> d = make_spirals(n_per_class=20, seed=0)
    >>> print(check_regularization(nn.Linear(2, 3, rng=0), d.X_train, d.y_train))
    [PASS] regularization raises loss: loss rose from ... with reg=1000: the regularisation term is wired in
    """

    name: str
    passed: bool
    verdict: str
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"[{'PASS' if self.passed else 'FAIL'}] {self.name}: {self.verdict}"


def _loss_value(model, X, y, loss, reg) -> float:
    with no_grad():
        return float(objective(model, Value(np.asarray(X)), np.asarray(y), loss, reg).item())


def _classes(y, num_classes):
    return int(num_classes if num_classes is not None else np.asarray(y).max() + 1)


def check_initial_loss(model, X, y, loss: str = "softmax", num_classes: int | None = None,
                       tol: float = 0.1) -> CheckResult:
    """At zero regularisation a freshly initialised net should score classes about equally:
    softmax loss ≈ log(C), SVM loss ≈ C - 1 (within ``tol``).

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_spirals
    >>> data = make_spirals(n_per_class=20, seed=0)
    >>> net = nn.Linear(2, 3, init="small", rng=0)            # 0.01·randn: scores start near 0
    >>> check_initial_loss(net, data.X_train, data.y_train).verdict      # doctest: +ELLIPSIS
    'loss ... matches log(3) = 1.0986 (within 0.1)...'
    """
    C = _classes(y, num_classes)
    if loss == "softmax":
        expected, formula = math.log(C), f"log({C})"
    elif loss == "svm":
        expected, formula = C - 1.0, f"C - 1 = {C} - 1"
    else:
        raise ValueError(f"check_initial_loss: loss must be 'softmax' or 'svm', got {loss!r}")
    got = _loss_value(model, X, y, loss, 0.0)
    ok = abs(got - expected) <= tol
    verdict = (f"loss {got:.4f} matches {formula} = {expected:.4f} (within {tol}): the weights start small, as they should"
               if ok else
               f"loss {got:.4f} is far from {formula} = {expected:.4f} (more than {tol}): check the loss and the "
               "weight scale (scores should start near zero)")
    return CheckResult(f"initial loss ({loss})", ok, verdict, {"loss": got, "expected": expected, "tol": tol})


def check_regularization(model, X, y, loss: str = "softmax", reg: float = 1e3) -> CheckResult:
    """Turning the regularisation up (lecture: to 1e3) must raise the loss above the data loss.

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_spirals
    >>> data = make_spirals(n_per_class=20, seed=0)
    >>> net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    >>> check_regularization(net, data.X_train, data.y_train).passed
    True
    """
    base = _loss_value(model, X, y, loss, 0.0)
    up = _loss_value(model, X, y, loss, reg)
    ok = up > base
    verdict = (f"loss rose from {base:.4f} to {up:.4f} with reg={reg:g}: the regularisation term is wired in"
               if ok else f"loss did not rise ({base:.4f} -> {up:.4f}) with reg={reg:g}: the regularisation "
               "term is missing or has the wrong sign")
    return CheckResult("regularization raises loss", ok, verdict, {"loss": base, "loss_reg": up, "reg": reg})


def _train_steps(model, X, y, lr, steps, loss, reg, optimizer="sgd", batch_size=None, seed=0):
    from ..optim import SGD, Adam
    params = list(model.parameters())
    opt = {"sgd": SGD, "adam": Adam}[optimizer](params, lr=lr) if isinstance(optimizer, str) else optimizer(params, lr=lr)
    X, y = np.asarray(X), np.asarray(y)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(int(steps)):
        if batch_size and batch_size < len(X):
            idx = rng.choice(len(X), batch_size, replace=False)
            xb, yb = X[idx], y[idx]
        else:
            xb, yb = X, y
        opt.zero_grad()
        L = objective(model, Value(xb), yb, loss, reg)
        v = float(L.item())
        losses.append(v)
        if not math.isfinite(v) or v > 1e10:
            break
        L.backward()
        opt.step()
    return losses


def check_overfit_small_subset(make_model, X, y, n: int = 20, lr: float = 0.5, steps: int = 200,
                               loss: str = "softmax", optimizer: str = "sgd", seed: int = 0) -> CheckResult:
    """Train a fresh ``make_model()`` on the first ``n`` samples, no regularisation: a working
    model and backward pass reach 100% training accuracy (and a loss near zero).

    >>> from graphgrad import nn
    >>> from graphgrad.data import load_digits
    >>> d = load_digits()
    >>> def make_net():
    ...     return nn.Sequential(nn.Linear(64, 50, init="small", rng=0), nn.ReLU(),
    ...                          nn.Linear(50, 10, init="small", rng=1))
    >>> r = check_overfit_small_subset(make_net, d.X_train, d.y_train, n=20)
    >>> r.passed
    True
    >>> print(r.verdict)
    20 samples: train accuracy 1.00, loss 2.303 -> ... in 200 steps: the model can overfit, ...
    """
    if n < 1 or n > len(X):
        raise ValueError(f"check_overfit_small_subset: n must be in 1..{len(X)}, got {n}")
    Xs, ys = np.asarray(X)[:n], np.asarray(y)[:n]
    model = make_model()
    losses = _train_steps(model, Xs, ys, lr, steps, loss, 0.0, optimizer, seed=seed)
    acc = accuracy(model, Xs, ys)
    ok = acc == 1.0
    verdict = (f"{n} samples: train accuracy {acc:.2f}, loss {losses[0]:.3f} -> {losses[-1]:.4f} in {len(losses)} "
               "steps: the model can overfit, so forward and backward work" if ok else
               f"{n} samples: train accuracy only {acc:.2f} after {len(losses)} steps (loss {losses[0]:.3f} -> "
               f"{losses[-1]:.4f}): try a different learning rate, or look for a bug in the model")
    return CheckResult("overfit small subset", ok, verdict, {"train_acc": acc, "losses": losses, "n": n, "lr": lr})


@dataclass
class LRSweep:
    """A learning-rate sweep: one loss curve and one verdict per rate."""

    lrs: list
    losses: list          # list of per-step loss lists
    verdicts: list        # "too low", "good", "too high"
    reasons: list
    result: CheckResult | None = None

    def good_range(self):
        """(smallest, largest) rate judged good, or None."""
        good = [lr for lr, v in zip(self.lrs, self.verdicts) if v == "good"]
        return (min(good), max(good)) if good else None


def lr_sweep(make_model, X, y, lrs=None, steps: int = 50, batch_size: int | None = 100, loss: str = "softmax",
             reg: float = 1e-6, optimizer: str = "sgd", low_drop: float = 0.1, seed: int = 0) -> LRSweep:
    """Train a fresh model briefly at each (log-spaced) learning rate and classify it:

    * **too high** – the loss becomes NaN or infinite, or ends above where it started ("exploding");
    * **too low** – the loss barely goes down (by less than ``low_drop``, relative);
    * **good** – otherwise.

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_spirals
    >>> data = make_spirals(n_per_class=20, seed=0)
    >>> def make_net():
    ...     return nn.Sequential(nn.Linear(2, 32, rng=0), nn.ReLU(), nn.Linear(32, 3, rng=1))
    >>> sweep = lr_sweep(make_net, data.X_train, data.y_train, lrs=[1e-6, 1e-1, 1e3])
    >>> sweep.verdicts, sweep.good_range()
    (['too low', 'good', 'too high'], (0.1, 0.1))
    """
    lrs = list(np.logspace(-6, 1, 8) if lrs is None else lrs)
    if not lrs or any(not (lr > 0) for lr in lrs):
        raise ValueError(f"lr_sweep: learning rates must be positive, got {lrs!r}")
    all_losses, verdicts, reasons = [], [], []
    for lr in lrs:
        losses = _train_steps(make_model(), X, y, float(lr), steps, loss, reg, optimizer, batch_size, seed)
        all_losses.append(losses)
        first, last = losses[0], losses[-1]
        tail = float(np.mean(losses[-max(1, len(losses) // 5):]))
        if not math.isfinite(last) or last > 1e10:
            verdicts.append("too high")
            reasons.append(f"lr={lr:.2g}: loss became {'NaN' if math.isnan(last) else 'inf'} (exploding)")
        elif tail > first * 1.05:
            verdicts.append("too high")
            reasons.append(f"lr={lr:.2g}: loss rose from {first:.3g} to {tail:.3g} (exploding)")
        elif first - tail < low_drop * first:
            verdicts.append("too low")
            reasons.append(f"lr={lr:.2g}: loss not going down ({first:.3g} -> {tail:.3g})")
        else:
            verdicts.append("good")
            reasons.append(f"lr={lr:.2g}: loss goes down ({first:.3g} -> {tail:.3g})")
    sweep = LRSweep([float(v) for v in lrs], all_losses, verdicts, reasons)
    rng_ = sweep.good_range()
    ok = rng_ is not None
    verdict = (f"good learning rates {rng_[0]:.2g}..{rng_[1]:.2g}; " if ok else "no learning rate worked; ") + \
        f"{verdicts.count('too low')} too low, {verdicts.count('too high')} too high"
    sweep.result = CheckResult("learning-rate sweep", ok, verdict,
                               {"lrs": sweep.lrs, "verdicts": verdicts, "reasons": reasons})
    return sweep

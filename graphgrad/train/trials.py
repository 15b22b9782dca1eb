"""Ready-made trial functions for :func:`graphgrad.train.search` (top-level, so they pickle
into worker processes). Each is deterministic in ``(params, seed)``.

>>> from functools import partial
>>> from graphgrad.train import search, SearchSpace, LogUniform
>>> from graphgrad.train.trials import digits_trial
>>> res = search(partial(digits_trial, epochs=2),       # 2 epochs a trial, to be quick
...              SearchSpace(lr=LogUniform(1e-2, 1), reg=LogUniform(1e-5, 1e-2)),
...              n_trials=3, storage="runs/digits.sqlite")
>>> len(res.table), res.best.val_acc > 0.75
(3, True)
"""
from __future__ import annotations

import functools
import warnings


@functools.lru_cache(maxsize=4)
def _digits(split_seed: int):
    from ..data import Normalize, load_digits
    d = load_digits(seed=split_seed)
    norm = Normalize().fit(d.X_train)   # statistics of the training set only
    d.X_train, d.X_val, d.X_test = norm.transform(d.X_train), norm.transform(d.X_val), norm.transform(d.X_test)
    return d


def digits_trial(params: dict, seed: int, epochs: int = 5, hidden: int = 50, batch_size: int = 64,
                 split_seed: int = 0) -> dict:
    """Train a 2-layer ReLU net (64 → ``hidden`` → 10) on normalised digits with SGD at
    ``params["lr"]`` and L2 strength ``params.get("reg", 0)``; ``params`` may also set
    ``hidden``, ``momentum`` and ``epochs``. Returns val/train accuracy and the history.
    """
    from .. import nn
    from ..optim import SGD
    from .trainer import DivergedWarning, fit
    d = _digits(split_seed)
    h = int(params.get("hidden", hidden))
    model = nn.Sequential(nn.Linear(64, h, init="he", rng=seed), nn.ReLU(), nn.Linear(h, 10, init="he", rng=seed + 1))
    opt = SGD(model.parameters(), lr=float(params["lr"]), momentum=float(params.get("momentum", 0.0)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergedWarning)   # reported through the trial's status
        warnings.simplefilter("ignore", RuntimeWarning)    # numpy overflow in a diverging run
        hist = fit(model, d, optimizer=opt, epochs=int(params.get("epochs", epochs)), batch_size=batch_size,
                   reg=float(params.get("reg", 0.0)), seed=seed, progress=False)
    if hist.diverged:
        return {"status": "nan", "val_acc": float("nan"), "train_acc": None, "error": hist.message,
                "history": hist.epochs}
    last = hist.epochs[-1]
    return {"val_acc": last["val_acc"], "train_acc": last["train_acc"], "history": hist.epochs}

"""Integer search dimensions (Int), on the built-in store and on the Optuna back end."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from graphgrad.train import Int, LogUniform, SearchSpace, SearchSpaceError, TrialStore, search, toy_objective


def test_int_samples_every_integer_with_equal_share():
    d = Int(2, 5)
    xs = [d.sample(np.random.default_rng(i)) for i in range(4000)]
    assert all(isinstance(x, int) for x in xs)
    counts = np.bincount(xs, minlength=6)[2:]
    assert counts.min() > 0.2 * 4000 and counts.max() < 0.3 * 4000   # each about 1/4
    logd = Int(16, 255, log=True)
    ys = [logd.sample(np.random.default_rng(i)) for i in range(4000)]
    assert min(ys) >= 16 and max(ys) <= 255 and 50 < np.median(ys) < 80   # geometric middle is 64


def test_int_grid_refine_and_errors():
    assert Int(1, 4).grid(5) == [1, 2, 3, 4] and Int(1, 100, log=True).grid(3) == [1, 10, 100]
    r = Int(1, 100).refine([50, 52])
    assert 1 <= r.low < 50 and 52 < r.high <= 100
    with pytest.raises(SearchSpaceError, match="Int: low and high must be integers, got 1.5, 3"):
        Int(1.5, 3)
    with pytest.raises(SearchSpaceError, match="Int: need low < high, got low=3, high=3"):
        Int(3, 3)
    with pytest.raises(SearchSpaceError, match="Int: a log-scale range needs low >= 1, got low=0"):
        Int(0, 8, log=True)


def trial(params, seed):
    assert isinstance(params["hidden"], int)
    out = toy_objective(params, seed)
    out["val_acc"] -= abs(params["hidden"] - 40) / 1000
    return out


def test_int_in_a_resumed_coarse_to_fine_search(tmp_path):
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1), hidden=Int(8, 128, log=True))
    path = str(tmp_path / "s.sqlite")
    with ThreadPoolExecutor(2) as ex:
        first = search(trial, space, n_trials=6, stages=2, storage=path, executor=ex)
        again = search(trial, space, n_trials=6, stages=2, storage=path, executor=ex)
    assert again.ran == 0 and [r.key() for r in again.table] == [r.key() for r in first.table]
    with TrialStore(path, readonly=True) as ro:
        assert ro.space() == space


def test_int_on_the_optuna_back_end():
    pytest.importorskip("optuna")
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1), hidden=Int(8, 128, log=True))
    res = search(trial, space, n_trials=5, backend="optuna", sampler="tpe", seed=0)
    assert len(res.table) == 5 and all(8 <= r.params["hidden"] <= 128 for r in res.table)

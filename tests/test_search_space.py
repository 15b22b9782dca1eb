"""Search spaces, random/grid search, coarse-to-fine refinement, results table."""
import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pytest

from graphgrad.train import (Choice, LogUniform, RangeEdgeWarning, SearchError, SearchSpace, SearchSpaceError,
                             Uniform, format_table, search, toy_objective)


def test_loguniform_samples_exponents_uniformly():
    rng = np.random.default_rng(0)
    d = LogUniform(1e-6, 1e-2)
    xs = np.array([d.sample(rng) for _ in range(4000)])
    assert xs.min() >= 1e-6 and xs.max() <= 1e-2
    # each decade gets about a quarter of the samples (not 90% in the top decade as uniform would)
    counts = np.histogram(np.log10(xs), bins=[-6, -5, -4, -3, -2])[0] / len(xs)
    np.testing.assert_allclose(counts, 0.25, atol=0.03)
    u = np.array([Uniform(2, 4).sample(rng) for _ in range(4000)])
    assert 2 <= u.min() and u.max() <= 4 and abs(u.mean() - 3) < 0.05
    c = [Choice(["a", "b", "c"]).sample(rng) for _ in range(300)]
    assert set(c) == {"a", "b", "c"}


def test_grid_and_sampling_are_reproducible():
    space = SearchSpace(lr=LogUniform(1e-4, 1e-2), act=Choice(["relu", "tanh"]), p=Uniform(0, 1))
    g = space.grid(3)
    assert len(g) == 18 and {"act": "relu", "lr": 1e-3, "p": 0.5} in g
    a = [space.sample(np.random.default_rng(5)) for _ in range(3)]
    b = [space.sample(np.random.default_rng(5)) for _ in range(3)]
    assert a == b


def test_space_errors():
    with pytest.raises(SearchSpaceError, match="log-uniform range needs low > 0"):
        LogUniform(0, 1)
    with pytest.raises(SearchSpaceError, match="low < high"):
        Uniform(3, 1)
    with pytest.raises(SearchSpaceError, match="options must be distinct"):
        Choice([1, 1])
    with pytest.raises(SearchSpaceError, match="dimension 'lr' must be"):
        SearchSpace(lr=(1e-3, 1e-1))
    with pytest.raises(SearchSpaceError, match="at least one dimension"):
        SearchSpace()
    a = SearchSpace(lr=LogUniform(1e-4, 1e-1), reg=LogUniform(1e-5, 1e-1))
    assert "dimension 'reg' differs" in a.difference(SearchSpace(lr=LogUniform(1e-4, 1e-1), reg=Uniform(0, 1)))
    assert "'reg'" in a.difference(SearchSpace(lr=LogUniform(1e-4, 1e-1)))


def test_refine_narrows_around_the_best_and_warns_at_edges():
    space = SearchSpace(lr=LogUniform(1e-6, 1e-1), act=Choice(["relu", "tanh", "sigmoid"]))
    best = [{"lr": 1e-3, "act": "relu"}, {"lr": 3e-4, "act": "tanh"}, {"lr": 2e-3, "act": "relu"}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fine = space.refine(best)
    lr = fine.dims["lr"]
    assert 1e-6 < lr.low <= 3e-4 and 2e-3 <= lr.high < 1e-1
    assert math.log(lr.high / lr.low) < 0.5 * math.log(1e-1 / 1e-6)
    assert fine.dims["act"].options == ["relu", "tanh"]
    with pytest.warns(RangeEdgeWarning, match=r"lr=1e-06 lies at the low edge"):
        edge = space.refine([{"lr": 1e-6, "act": "relu"}])
    assert edge.dims["lr"].low == pytest.approx(1e-6)   # stays inside the searched range


def test_random_search_table_is_sorted_and_complete():
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
    with ThreadPoolExecutor(2) as ex:
        res = search(toy_objective, space, n_trials=10, seed=1, executor=ex)
    vals = [r.val_acc for r in res.table]
    assert len(vals) == 10 and vals == sorted(vals, reverse=True)
    assert res.best.val_acc == max(vals)
    text = res.format()
    assert text.splitlines()[0].split()[:5] == ["rank", "stage", "trial", "status", "val_acc"]
    assert len(text.splitlines()) == 11


def test_grid_search_runs_every_point():
    space = SearchSpace(lr=LogUniform(1e-4, 1e-2), reg=Choice([0.0, 1e-3]))
    with ThreadPoolExecutor(2) as ex:
        res = search(lambda p, s: toy_objective(dict(p, reg=p["reg"] or 1e-6), s), space, method="grid",
                     grid_points=3, executor=ex)
    assert sorted((r.params["lr"], r.params["reg"]) for r in res.table) == \
        sorted((lr, reg) for lr in (1e-4, 1e-3, 1e-2) for reg in (0.0, 1e-3))


def test_coarse_to_fine_moves_towards_the_optimum():
    space = SearchSpace(lr=LogUniform(1e-7, 1e0), reg=LogUniform(1e-8, 1e0))
    with ThreadPoolExecutor(2) as ex, warnings.catch_warnings():
        warnings.simplefilter("ignore", RangeEdgeWarning)
        res = search(toy_objective, space, n_trials=12, stages=3, top_k=3, seed=0, executor=ex)
    assert len(res.spaces) == 3 and len(res.table) == 36
    widths = [math.log(s.dims["lr"].high / s.dims["lr"].low) for s in res.spaces]
    assert widths[0] > widths[1] > widths[2]
    stage_best = [max(r.val_acc for r in res.table if r.stage == k) for k in range(3)]
    assert stage_best[2] >= stage_best[0]
    assert abs(math.log10(res.best.params["lr"]) + 3) < 1.0   # the toy optimum is lr=1e-3


def test_nan_and_failing_trials_are_recorded_not_fatal():
    def sometimes_fails(params, seed):
        if params["lr"] > 0.1:
            raise RuntimeError(f"boom at lr={params['lr']:.2f}")
        return toy_objective(params, seed)
    space = SearchSpace(lr=LogUniform(1e-3, 1.0))
    with ThreadPoolExecutor(2) as ex:
        res = search(sometimes_fails, space, method="grid", grid_points=4, executor=ex)
    status = {r.params["lr"]: r.status for r in res.table}
    assert status[1.0] == "failed" and status[1e-3] == "done"
    failed = [r for r in res.table if r.status == "failed"]
    assert all("RuntimeError: boom at lr=" in r.error for r in failed)
    assert res.table[-1].status == "failed"   # failures sort last
    with ThreadPoolExecutor(1) as ex:
        res = search(toy_objective, SearchSpace(lr=Choice([0.9]), reg=Choice([1e-4])), method="grid", executor=ex)
    assert res.table[0].status == "nan" and "learning rate 0.9" in res.table[0].error


def test_search_argument_errors():
    space = SearchSpace(lr=LogUniform(1e-3, 1.0))
    with pytest.raises(SearchError, match="method must be 'random' or 'grid'"):
        search(toy_objective, space, method="bayes")
    with pytest.raises(SearchError, match="n_trials must be a positive integer"):
        search(toy_objective, space, n_trials=0)
    with pytest.raises(SearchError, match="space must be a SearchSpace"):
        search(toy_objective, {"lr": (1e-3, 1)})


def test_format_table_handles_missing_values():
    from graphgrad.train import TrialRecord
    rows = [TrialRecord(1, 0, 3, 1, {"lr": 0.5, "act": "relu"}, 1, "failed", error="x")]
    text = format_table(rows)
    assert "failed" in text and " - " in text and "relu" in text


def test_default_process_pool_runs_trials():
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
    res = search(partial(toy_objective, sleep=0.0), space, n_trials=4, max_workers=2, seed=3)
    with ThreadPoolExecutor(2) as ex:
        again = search(toy_objective, space, n_trials=4, seed=3, executor=ex)
    assert [r.key() for r in res.table] == [r.key() for r in again.table]

"""Conditional search spaces: a dimension searched only where another takes some values,
on the built-in back end (sample, grid, refine, resume) and on Optuna (define-by-run)."""
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from graphgrad.train import (Choice, LogUniform, SearchSpace, SearchSpaceError, TrialStore, Uniform, search,
                             toy_objective)

SPACE = SearchSpace(opt=Choice(["sgd", "adam"]), momentum=Uniform(0.0, 0.99).when(opt="sgd"),
                    lr=LogUniform(1e-5, 1e-1))


def trial(params, seed):
    assert ("momentum" in params) == (params["opt"] == "sgd")
    return toy_objective(params, seed)


def test_a_conditional_dimension_is_present_only_where_active():
    rng = np.random.default_rng(0)
    ps = [SPACE.sample(rng) for _ in range(200)]
    assert all(("momentum" in p) == (p["opt"] == "sgd") for p in ps)
    assert 60 < sum(p["opt"] == "sgd" for p in ps) < 140
    grid = SPACE.grid(2)   # sgd: 2 momenta x 2 lrs; adam: 2 lrs (the inactive momentum adds no points)
    assert len(grid) == 6 and sum("momentum" in p for p in grid) == 4
    assert SearchSpace.from_dict(SPACE.to_dict()) == SPACE
    refined = SPACE.refine([{"opt": "adam", "lr": 1e-3}])   # no best trial used momentum: kept as it is
    assert refined.dims["momentum"] == SPACE.dims["momentum"] and refined.dims["opt"].options == ["adam"]


def test_conditional_space_errors():
    with pytest.raises(SearchSpaceError, match="dimension 'm' is searched when 'opt' is \\['sgd'\\], but the space "
                                               "has no dimension 'opt'"):
        SearchSpace(m=Uniform(0, 1).when(opt="sgd"), lr=LogUniform(1e-3, 1))
    with pytest.raises(SearchSpaceError, match="name exactly one other dimension"):
        Uniform(0, 1).when(a=1, b=2)


def test_a_conditional_search_resumes_from_its_store(tmp_path):
    path = str(tmp_path / "s.sqlite")
    with ThreadPoolExecutor(2) as ex:
        first = search(trial, SPACE, n_trials=8, stages=2, storage=path, executor=ex)
        again = search(trial, SPACE, n_trials=8, stages=2, storage=path, executor=ex)
    assert again.ran == 0 and [r.key() for r in again.table] == [r.key() for r in first.table]
    with TrialStore(path, readonly=True) as ro:
        assert ro.space() == SPACE


def test_a_conditional_space_on_optuna():
    pytest.importorskip("optuna")
    res = search(trial, SPACE, n_trials=8, backend="optuna", sampler="tpe", seed=1)
    assert len(res.table) == 8 and {r.params["opt"] for r in res.table} == {"sgd", "adam"}

"""A per-trial timeout: a trial that runs too long is failed (stopped where it can be), the
others finish; on the built-in back end (processes, threads) and on Optuna."""
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from graphgrad.train import LogUniform, SearchError, SearchSpace, search, toy_objective
from graphgrad.train.search import trial_seed

SPACE = SearchSpace(lr=LogUniform(1e-5, 1e-1))
MSG = "the trial ran over its {} s timeout (trial_timeout)"


def slow_for(params, seed, slow=-1, sleep=30.0):
    """Top level, so it pickles into worker processes: trial with seed ``slow`` hangs."""
    if seed == slow:
        time.sleep(sleep)
    return toy_objective(params, seed)


def test_a_trial_over_its_timeout_is_stopped_in_a_process_pool():
    t0 = time.monotonic()
    res = search(partial(slow_for, slow=trial_seed(0, 0, 1)), SPACE, n_trials=4, max_workers=2, trial_timeout=1.0)
    assert time.monotonic() - t0 < 25   # the 30 s trial was stopped, not waited for
    by = {r.index: r for r in res.table}
    assert by[1].status == "failed" and by[1].error == MSG.format(1)
    assert [by[i].status for i in (0, 2, 3)] == ["done"] * 3


def test_a_thread_trial_over_its_timeout_is_given_up():
    with ThreadPoolExecutor(2) as ex:
        res = search(partial(slow_for, slow=trial_seed(0, 0, 0), sleep=3.0), SPACE, n_trials=3, executor=ex,
                     trial_timeout=0.3)
    by = {r.index: r for r in res.table}
    assert by[0].status == "failed" and by[0].error == MSG.format(0.3)
    assert by[1].status == by[2].status == "done"


def test_trial_timeout_on_optuna_and_bad_values():
    pytest.importorskip("optuna")
    res = search(partial(slow_for, slow=trial_seed(0, 0, 1)), SPACE, n_trials=3, backend="optuna",
                 sampler="random", trial_timeout=0.5)
    assert sorted(r.status for r in res.table) == ["done", "done", "failed"]
    assert [r.error for r in res.table if r.status == "failed"] == [MSG.format(0.5)]
    for bad in (0, -1, float("inf"), "1", True):
        with pytest.raises(SearchError, match="trial_timeout must be a positive number of seconds or None"):
            search(toy_objective, SPACE, n_trials=1, executor=ThreadPoolExecutor(1), trial_timeout=bad)

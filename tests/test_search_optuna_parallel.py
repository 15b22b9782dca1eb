"""search(backend="optuna") with trials in an executor: a pool worker killed mid-trial is
interrupted and rerun (the result equals an uninterrupted run), a trial's own exception is
failed and not retried, an executor that keeps losing trials stops the search with a
SearchError and the same call resumes it, pruning reports travel back from worker processes,
a dask client runs the trials, and the study is reproducible from (seed, trials in flight)."""
import os
import signal
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

import pytest

optuna = pytest.importorskip("optuna")

from graphgrad.train import LogUniform, SearchError, SearchSpace, search, toy_objective  # noqa: E402
from graphgrad.train.search import trial_seed  # noqa: E402
from graphgrad.train.trials import digits_trial  # noqa: E402

SPACE = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))


def _keys(res):
    return [r.key() for r in res.table]


def _states(path):
    study = optuna.load_study(study_name="graphgrad-search", storage="sqlite:///" + str(path))
    return [(t.user_attrs.get("graphgrad_position"), t.state.name, bool(t.user_attrs.get("interrupted")))
            for t in study.trials]


def dies_once(params, seed, mark, victim):
    """Kill this trial's worker process (SIGKILL) the first time position ``victim`` runs."""
    if seed == victim and not os.path.exists(mark):
        open(mark, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return toy_objective(params, seed)


def test_a_pool_worker_killed_mid_trial_is_interrupted_and_rerun(tmp_path):
    victim = trial_seed(5, 0, 3)
    killed = search(partial(dies_once, mark=str(tmp_path / "killed"), victim=victim), SPACE, n_trials=6,
                    backend="optuna", sampler="tpe", seed=5, max_workers=2, storage=tmp_path / "k.sqlite")
    assert os.path.exists(tmp_path / "killed")
    states = _states(tmp_path / "k.sqlite")
    # The trials in flight when the worker died are interrupted (never results), position 3 among them.
    lost = [p for p, s, i in states if i]
    assert 3 in lost and all(s == "FAIL" for p, s, i in states if i) and len(lost) <= 2, states
    assert sorted(p for p, s, i in states if s == "COMPLETE") == list(range(6))
    assert killed.interrupted == 0 and killed.ran == 6
    clean = search(partial(dies_once, mark=str(tmp_path / "killed"), victim=victim), SPACE, n_trials=6,
                   backend="optuna", sampler="tpe", seed=5, max_workers=2)
    assert _keys(killed) == _keys(clean) and [r.status for r in killed.table] == ["done"] * 6


def raises_or_counts(params, seed, log, bad):
    with open(log, "a") as f:
        f.write(f"{seed}\n")
    if seed == bad:
        raise ValueError("this trial's own bug")
    return toy_objective(params, seed)


def test_a_trial_raising_is_failed_and_not_retried(tmp_path):
    log, bad = str(tmp_path / "calls"), trial_seed(1, 0, 2)
    res = search(partial(raises_or_counts, log=log, bad=bad), SPACE, n_trials=5, backend="optuna", seed=1,
                 max_workers=2, storage=tmp_path / "s.sqlite")
    failed = [r for r in res.table if r.status == "failed"]
    assert len(failed) == 1 and failed[0].index == 2 and "ValueError: this trial's own bug" in failed[0].error
    calls = open(log).read().split()
    assert calls.count(str(bad)) == 1 and len(calls) == 5   # every trial ran once: nothing retried
    assert not any(i for _, _, i in _states(tmp_path / "s.sqlite"))


class _Flaky:
    """An executor whose first ``n`` futures are cancelled (as a lost dask worker's are)."""

    def __init__(self, n):
        self.ex, self.n = ThreadPoolExecutor(2), n

    def submit(self, fn, *args):
        if self.n > 0:
            self.n -= 1
            bad = Future()
            bad.cancel()
            bad.set_running_or_notify_cancel()
            return bad
        return self.ex.submit(fn, *args)


def test_an_executor_that_loses_trials_retries_then_stops_and_the_same_call_resumes(tmp_path):
    clean = search(toy_objective, SPACE, n_trials=4, backend="optuna", seed=2, max_in_flight=2,
                   executor=ThreadPoolExecutor(2))
    res = search(toy_objective, SPACE, n_trials=4, backend="optuna", seed=2, executor=_Flaky(2), max_in_flight=2)
    assert [r.status for r in res.table] == ["done"] * 4 and res.ran == 4 and _keys(res) == _keys(clean)
    path = tmp_path / "s.sqlite"
    with pytest.raises(SearchError, match=r"^search: the executor lost trial 0 2 times \(last: CancelledError\); "
                                          r".* run the same search again to resume it$"):
        search(toy_objective, SPACE, n_trials=4, backend="optuna", seed=2, executor=_Flaky(10), max_in_flight=2,
               retries=1, storage=path)
    assert {s for _, s, _ in _states(path)} == {"FAIL"} and all(i for _, _, i in _states(path))
    resumed = search(toy_objective, SPACE, n_trials=4, backend="optuna", seed=2, executor=_Flaky(0),
                     max_in_flight=2, storage=path)
    assert _keys(resumed) == _keys(clean) and resumed.ran == 4


def test_pruning_reports_travel_back_from_worker_processes(tmp_path):
    fn = partial(digits_trial, epochs=4, hidden=16)
    space = SearchSpace(lr=LogUniform(1e-5, 1.0))
    # In-memory study: the trials run in a thread (they report to this process's study) ...
    threads = search(fn, space, n_trials=10, backend="optuna", sampler="random", pruner="median", seed=1,
                     max_workers=1)
    # ... an SQLite study: in a worker process, which opens the storage to report and ask.
    procs = search(fn, space, n_trials=10, backend="optuna", sampler="random", pruner="median", seed=1,
                   max_workers=1, storage=tmp_path / "p.sqlite")
    assert _keys(procs) == _keys(threads) and sum(r.status == "pruned" for r in procs.table) >= 2
    study = optuna.load_study(study_name="graphgrad-search", storage=f"sqlite:///{tmp_path / 'p.sqlite'}")
    pruned = [t for t in study.trials if t.state.name == "PRUNED"]
    assert all(1 <= len(t.intermediate_values) < 4 for t in pruned)
    with pytest.raises(SearchError, match=r"^search: pruning needs the trials to reach the Optuna study, .*"
                                          r"executor=ThreadPoolExecutor\(\.\.\.\)\)$"):
        search(fn, space, n_trials=2, backend="optuna", pruner="median", executor=_Flaky(0))


def test_the_study_is_reproducible_from_the_seed_and_the_trials_in_flight():
    runs = [search(toy_objective, SPACE, n_trials=10, backend="optuna", sampler="tpe", seed=7, max_workers=w)
            for w in (1, 3) for i in range(2)]
    assert _keys(runs[0]) == _keys(runs[1]) and _keys(runs[2]) == _keys(runs[3])
    # Trial k is sampled from the trials finished at positions <= k - (trials in flight): with
    # 3 in flight TPE sees fewer trials, so the study differs after its 5 random start-up trials.
    assert _keys(runs[0]) != _keys(runs[2])


def test_a_dask_client_runs_the_trials(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        res = search(toy_objective, SPACE, n_trials=6, backend="optuna", sampler="tpe", seed=4,
                     executor=client.get_executor(), storage=tmp_path / "d.sqlite")
    clean = search(toy_objective, SPACE, n_trials=6, backend="optuna", sampler="tpe", seed=4, max_workers=2)
    assert _keys(res) == _keys(clean)   # the cluster's 2 threads: 2 trials in flight

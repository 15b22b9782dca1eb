"""search(backend="optuna"): TPE against random search on digits, median pruning, SIGKILL and
resume on Optuna's SQLite storage, optuna-dashboard reading the storage, `search show`."""
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
import urllib.request
from functools import partial

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")

from graphgrad.train import LogUniform, SearchSpace, search, toy_objective  # noqa: E402
from graphgrad.train.trials import digits_trial  # noqa: E402
from viz.cli import main  # noqa: E402

DEADLINE = 120   # generous (a loaded machine); it only turns a hang into a failure
LR = SearchSpace(lr=LogUniform(1e-4, 1.0))


def test_tpe_finds_a_better_learning_rate_than_random_search_on_digits():
    fn = partial(digits_trial, epochs=1, hidden=16)
    best = {}
    for sampler in ("tpe", "random"):
        best[sampler] = [search(fn, LR, n_trials=12, backend="optuna", sampler=sampler, seed=s).best.val_acc
                         for s in range(4)]
    # Same budget (12 trials), same seeds; averaged over 4 seeds.
    assert np.mean(best["tpe"]) > np.mean(best["random"]) + 0.02, best


def test_a_median_pruner_stops_bad_trials_early():
    fn = partial(digits_trial, epochs=4, hidden=16)
    space = SearchSpace(lr=LogUniform(1e-5, 1.0))
    # One trial in flight: which trials a median pruner stops depends on what the others have
    # reported by then, so it is reproducible only when trials run one at a time.
    res = search(fn, space, n_trials=14, backend="optuna", sampler="random", pruner="median", seed=1,
                 max_workers=1)
    pruned = [r for r in res.table if r.status == "pruned"]
    done = [r for r in res.table if r.status == "done"]
    assert len(pruned) >= 3 and len(done) + len(pruned) == 14, [r.status for r in res.table]
    assert all("pruned at epoch" in r.error for r in pruned)
    # A pruned trial stopped before its 4th epoch; the finished ones ran all 4.
    assert all(int(r.error.split("epoch ")[1].split()[0]) < 3 for r in pruned)
    assert all(len(r.history) == 4 for r in done)
    unpruned = search(fn, space, n_trials=14, backend="optuna", sampler="random", seed=1, max_workers=1)
    assert res.best.val_acc == unpruned.best.val_acc   # pruning lost nothing here: the best was kept


def test_minimising_a_loss():
    fn = partial(digits_trial, epochs=1, hidden=16)
    res = search(fn, LR, n_trials=6, backend="optuna", sampler="random", metric="loss", direction="minimize")
    losses = [r.history[-1]["loss"] for r in res.table if r.status == "done"]
    assert losses == sorted(losses) and len(losses) >= 5


def test_the_budget_of_a_study_can_grow():
    storage = optuna.storages.InMemoryStorage()
    search(toy_objective, LR, n_trials=4, backend="optuna", sampler="tpe", seed=2, storage=storage)
    grown = search(toy_objective, LR, n_trials=7, backend="optuna", sampler="tpe", seed=2, storage=storage)
    clean = search(toy_objective, LR, n_trials=7, backend="optuna", sampler="tpe", seed=2)
    assert grown.ran == 3 and [r.key() for r in grown.table] == [r.key() for r in clean.table]


def test_show_on_missing_or_empty_optuna_storage(tmp_path, capsys):
    url = "sqlite:///" + str(tmp_path / "none.db")
    assert main(["search", "show", url]) == 2
    assert capsys.readouterr().err.strip() == f"graphgrad search show: no Optuna storage at {str(tmp_path / 'none.db')!r}"
    assert not (tmp_path / "none.db").exists()   # looking created nothing
    optuna.storages.RDBStorage(url)              # an empty Optuna database
    assert main(["search", "show", url]) == 2
    assert capsys.readouterr().err.strip() == f"graphgrad search show: {url!r} holds no Optuna study yet"


def test_a_missing_optuna_is_one_sentence(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match=r"^search\(backend='optuna'\) needs the optional package 'optuna', which is "
                                          r"not installed; install it with: pip install 'graphgrad\[search\]'$"):
        search(toy_objective, LR, n_trials=2, backend="optuna")


_HELD = textwrap.dedent("""
    import os, time
    from graphgrad.train import toy_objective

    def trial(params, seed, hold=-1, mark=""):
        if seed == hold:
            open(mark, "w").close()
            time.sleep(600)   # the test SIGKILLs the search while this trial runs
        return toy_objective(params, seed)
    """)

_CHILD = textwrap.dedent("""
    import sys
    from functools import partial
    from graphgrad.train import LogUniform, SearchSpace, search
    from graphgrad.train.search import trial_seed
    from held_opt import trial
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
    search(partial(trial, hold=trial_seed(3, 0, 6), mark=sys.argv[1] + ".held"), space, n_trials=8, backend="optuna", sampler="tpe", seed=3,
           storage=sys.argv[1], max_workers=2)
    """)


def _states(path):
    if not os.path.exists(path):
        return {}
    try:
        c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return dict(c.execute("SELECT state, COUNT(*) FROM trials GROUP BY state").fetchall())
        finally:
            c.close()
    except sqlite3.Error:
        return {}


def _finished(path):
    """(position, params, value) of the complete trials, by position (a rerun trial is newer)."""
    study = optuna.load_study(study_name="graphgrad-search", storage="sqlite:///" + path)
    return sorted((t.user_attrs["graphgrad_position"], t.params, t.value) for t in study.trials
                  if t.state.name == "COMPLETE")


def test_sigkill_then_resume_gives_the_same_study(tmp_path, monkeypatch):
    (tmp_path / "held_opt.py").write_text(_HELD)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = str(tmp_path / "killed.sqlite")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path)] + sys.path))
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, path], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + DEADLINE
        # Two trials in flight: position 7 may finish or still run when position 6 is held.
        while not (os.path.exists(path + ".held") and _states(path).get("COMPLETE", 0) >= 6):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, f"stuck at {_states(path)}"
            time.sleep(0.1)
    finally:
        proc.kill()   # SIGKILL
        proc.wait()
    from held_opt import trial
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
    killed = _states(path)
    resumed = search(trial, space, n_trials=8, backend="optuna", sampler="tpe", seed=3, storage=path, max_workers=2)
    assert resumed.interrupted == killed.get("RUNNING") and resumed.ran == 8 - killed["COMPLETE"], killed
    clean_path = str(tmp_path / "clean.sqlite")
    clean = search(trial, space, n_trials=8, backend="optuna", sampler="tpe", seed=3, storage=clean_path,
                   max_workers=2)
    assert _finished(path) == _finished(clean_path) and len(_finished(path)) == 8
    assert [r.key() for r in resumed.table] == [r.key() for r in clean.table]
    # `graphgrad search show` reads Optuna storage too.
    r = subprocess.run([sys.executable, "-m", "viz", "search", "show", path, "--limit", "3"], capture_output=True,
                       text=True, timeout=DEADLINE)
    assert r.returncode == 0, r.stderr
    assert "Optuna study graphgrad-search" in r.stdout and f"8 complete, {killed['RUNNING']} interrupted" in r.stdout
    assert r.stdout.count(" done ") == 3


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_optuna_dashboard_opens_the_storage(tmp_path):
    pytest.importorskip("optuna_dashboard")
    path = str(tmp_path / "s.sqlite")
    search(toy_objective, LR, n_trials=3, backend="optuna", sampler="random", storage=path)
    port = _free_port()
    code = ("import sys, optuna_dashboard\n"
            "optuna_dashboard.run_server(sys.argv[1], host='127.0.0.1', port=int(sys.argv[2]))\n")
    server = subprocess.Popen([sys.executable, "-c", code, "sqlite:///" + path, str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, body = time.monotonic() + DEADLINE, None
        while body is None:
            assert server.poll() is None, "optuna-dashboard exited"
            assert time.monotonic() < deadline, "optuna-dashboard did not answer"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies", timeout=5) as resp:
                    body = json.loads(resp.read())
            except OSError:
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(DEADLINE)
    studies = body["study_summaries"]
    assert [s["study_name"] for s in studies] == ["graphgrad-search"]
    assert studies[0]["directions"] == ["maximize"]


def test_progress_shows_the_built_in_back_ends_bar(tmp_path, capsys):
    bars = {}
    for backend in ("builtin", "optuna"):
        store = tmp_path / f"{backend}.sqlite"
        search(toy_objective, LR, n_trials=3, backend=backend, seed=0, storage=store, max_workers=1)
        assert capsys.readouterr().err == ""   # progress=False: quiet
        search(toy_objective, LR, n_trials=5, backend=backend, seed=0, storage=store, max_workers=1, progress=True)
        bars[backend] = capsys.readouterr().err
    for backend, err in bars.items():
        # One bar of trials, counting the 3 finished before (2 of 5 if it did not), to 5 of 5.
        last = err.rstrip().split("\r")[-1]
        assert last.startswith("search: 100%|") and "| 5/5 [" in last and "trial/s]" in last, (backend, err)

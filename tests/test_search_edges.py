"""Search at the edges: bad counts, trials that kill their worker or return what the store
cannot hold, read-only stores, and two searches racing for one store."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

from graphgrad.train import (LogUniform, SearchError, SearchSpace, SearchSpaceError, StoreError, TrialStore,
                             search, toy_objective)
from graphgrad.train.search import plan_stage, trial_seed
from viz.cli import main

search_mod = sys.modules["graphgrad.train.search"]   # the name `search` is also the function

SPACE = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))


# -- counts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name, value", [("max_in_flight", -1), ("max_in_flight", 0), ("max_in_flight", 1.5),
                                         ("max_in_flight", "2"), ("max_in_flight", True), ("max_workers", -1),
                                         ("max_workers", 0), ("n_trials", 0), ("n_trials", 2.0),
                                         ("stages", -1), ("top_k", 0), ("grid_points", "3")])
def test_bad_counts_are_one_clear_sentence(monkeypatch, name, value):
    def no_spin(fs, **kw):
        # Before the fix, max_in_flight=-1 submitted nothing and waited on nothing, forever.
        assert fs, "search waited on no trials (it would spin forever)"
        return real_wait(fs, **kw)
    real_wait = search_mod.wait
    monkeypatch.setattr(search_mod, "wait", no_spin)
    with ThreadPoolExecutor(1) as ex:
        with pytest.raises(SearchError, match=rf"^search: {name} must be a positive integer, got {value!r}$"):
            search(toy_objective, SPACE, **{"n_trials": 2, name: value}, executor=ex)


@pytest.mark.parametrize("kw, match", [({"seed": 1.5}, r"seed must be an integer, got 1\.5"),
                                       ({"edge_fraction": -0.1}, r"edge_fraction must be a number in \[0, 0\.5\)"),
                                       ({"edge_fraction": 0.5}, r"edge_fraction must be a number in \[0, 0\.5\)")])
def test_bad_seed_and_edge_fraction(kw, match):
    with pytest.raises(SearchError, match=match):
        search(toy_objective, SPACE, n_trials=2, executor=ThreadPoolExecutor(1), **kw)


def test_max_in_flight_one_runs_every_trial():
    with ThreadPoolExecutor(2) as ex:
        res = search(toy_objective, SPACE, n_trials=3, executor=ex, max_in_flight=1)
    assert len(res.table) == 3 and all(r.status == "done" for r in res.table)


# -- trials that kill their worker ----------------------------------------------------------

def dying_trial(params, seed, exit_seeds=frozenset(), kill_seeds=frozenset()):
    """Top level, so it pickles into worker processes: dies for the listed seeds."""
    if seed in exit_seeds:
        os._exit(3)
    if seed in kill_seeds:
        os.kill(os.getpid(), signal.SIGKILL)
    return toy_objective(params, seed)


def _seeds(*indices, stage=0, seed=0):
    return frozenset(trial_seed(seed, stage, i) for i in indices)


@pytest.mark.parametrize("own_pool", [True, False], ids=["own-pool", "caller-pool"])
def test_a_trial_that_kills_its_worker_is_failed_and_the_search_goes_on(tmp_path, own_pool):
    from functools import partial
    fn = partial(dying_trial, exit_seeds=_seeds(1), kill_seeds=_seeds(4))
    path = tmp_path / "s.sqlite"
    if own_pool:
        res = search(fn, SPACE, n_trials=6, storage=path, max_workers=2)
    else:
        with ProcessPoolExecutor(2) as ex:
            res = search(fn, SPACE, n_trials=6, storage=path, executor=ex)
    final = {r.index: r for r in res.table}
    assert sorted(final) == list(range(6))                       # every trial answered once
    assert {i for i, r in final.items() if r.status == "failed"} == {1, 4}
    assert all(final[i].status == "done" for i in (0, 2, 3, 5))
    for i in (1, 4):
        assert "worker process died" in final[i].error and f"trial {i} of stage 0" in final[i].error
    with TrialStore(path, readonly=True) as ro:
        rows = ro.trials()
    # Trials in flight when a worker died were interrupted and rerun alone; nothing is left running.
    assert {r.status for r in rows} <= {"done", "failed", "interrupted"}
    assert all("rerun alone" in r.error for r in rows if r.status == "interrupted")


# -- results the store cannot hold ----------------------------------------------------------

def test_a_bad_trial_result_fails_that_trial_only():
    index_of = {tseed: i for i, (_, tseed) in enumerate(plan_stage(SPACE, "random", 5, 0, 0, 3))}

    def trial(params, seed):
        out = toy_objective(params, seed)
        i = index_of[seed]
        if i == 1:
            out["history"] = [{"epoch": 0, "model": object()}]
        elif i == 2:
            out["status"] = "great"
        elif i == 3:
            out["val_acc"] = "high"
        return out
    with ThreadPoolExecutor(2) as ex:
        res = search(trial, SPACE, n_trials=5, executor=ex)
    final = {r.index: r for r in res.table}
    assert sorted(final) == [0, 1, 2, 3, 4]
    assert final[0].status == final[4].status == "done"
    assert final[1].status == "failed" and "history is not JSON-serialisable" in final[1].error
    assert final[2].status == "failed" and "status 'great'" in final[2].error
    assert final[3].status == "failed" and "val_acc='high'" in final[3].error


# -- read-only stores -----------------------------------------------------------------------

def _make_store(path):
    with ThreadPoolExecutor(1) as ex:
        search(toy_objective, SPACE, n_trials=2, storage=path, executor=ex)


def test_a_store_whose_shm_file_cannot_be_made_is_shown(tmp_path, capsys):
    # Where SQLite cannot create the WAL index (-shm) file, as in a read-only directory.
    path = tmp_path / "s.sqlite"
    _make_store(path)
    assert not os.path.exists(str(path) + "-shm")
    os.mkdir(str(path) + "-shm")
    with TrialStore(path, readonly=True) as ro:
        assert [r.status for r in ro.table()] == ["done", "done"]
    assert main(["search", "show", str(path)]) == 0
    assert "rank" in capsys.readouterr().out


_SHOW = [sys.executable, "-m", "viz", "search", "show"]


def test_a_store_in_a_read_only_directory_is_shown(tmp_path):
    ro_dir = tmp_path / "results"
    ro_dir.mkdir()
    path = ro_dir / "s.sqlite"
    _make_store(path)
    if os.geteuid() != 0:
        os.chmod(ro_dir, 0o555)
        try:
            r = subprocess.run(_SHOW + [str(path)], capture_output=True, text=True, timeout=300)
        finally:
            os.chmod(ro_dir, 0o755)
    else:   # root ignores permission bits: make the directory read-only with a bind mount
        if not shutil.which("unshare"):
            pytest.fail("running as root without unshare: cannot make a read-only directory")
        script = f'mount --bind -o ro "{ro_dir}" "{ro_dir}" && ! touch "{ro_dir}/probe" 2>/dev/null && exec "$@"'
        # 300 s: generous, a loaded machine starts Python slowly; it only stops a hang.
        r = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh"] + _SHOW + [str(path)],
                           capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "rank" in r.stdout and r.stdout.count(" done ") == 2
    assert sorted(os.listdir(ro_dir)) == ["s.sqlite"]


# -- two searches, one store ----------------------------------------------------------------

def test_two_searches_creating_one_store_at_once(tmp_path):
    # Interleave two searches by hand: both open the missing file, then both create it.
    path = tmp_path / "s.sqlite"
    first, second = TrialStore(path), TrialStore(path)
    assert first.is_new and second.is_new
    settings = {"method": "random", "seed": 0, "top_k": 3, "grid_points": None, "n_trials": 2}
    first.initialise(SPACE, settings)
    second.initialise(SPACE, settings)   # finds the first one's schema instead of failing to create it
    other = TrialStore(path)
    with pytest.raises(SearchSpaceError, match="different search space"):
        TrialStore(path).initialise(SearchSpace(lr=LogUniform(1e-4, 1e-1)), settings)
    first.claim()
    # A search in another process is refused while this one owns the store.
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        from graphgrad.train import LogUniform, SearchSpace, search, toy_objective, StoreError
        space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
        try:
            search(toy_objective, space, n_trials=2, storage={str(path)!r}, max_workers=1)
        except StoreError as e:
            print(e)
        """)], capture_output=True, text=True, timeout=300)   # generous: only stops a hang
    assert f"is being written by a running search (pid {os.getpid()})" in r.stdout, r.stderr
    for s in (first, second, other):
        s.close()


_RACER = textwrap.dedent("""
    import os, sys, time
    from concurrent.futures import ThreadPoolExecutor
    from graphgrad.train import LogUniform, SearchSpace, StoreError, search, toy_objective
    path, go, release = sys.argv[1:4]
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))

    def trial(params, seed):
        while not os.path.exists(release):   # hold the store until the test has seen the refusal
            time.sleep(0.05)
        return toy_objective(params, seed)
    while not os.path.exists(go):            # both racers start together
        time.sleep(0.01)
    try:
        with ThreadPoolExecutor(1) as ex:
            search(trial, space, n_trials=2, storage=path, executor=ex)
        print("WON")
    except StoreError as e:
        print("REFUSED", e)
    """)


def test_two_processes_racing_for_a_new_store(tmp_path):
    path, go, release = (str(tmp_path / n) for n in ("s.sqlite", "go", "release"))
    procs = [subprocess.Popen([sys.executable, "-c", _RACER, path, go, release], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        open(go, "w").close()
        # The winner holds the store until `release` exists, so the loser must be refused;
        # wait for one racer to end. 300 s is generous on purpose: it only stops a hang.
        deadline = time.monotonic() + 300
        while all(p.poll() is None for p in procs):
            assert time.monotonic() < deadline, "neither racer was refused"
            time.sleep(0.05)
        open(release, "w").close()
        outs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    refused, won = sorted(o[0].strip() for o in outs)
    assert won == "WON", outs
    assert refused.startswith("REFUSED") and "is being written by a running search" in refused, outs
    with TrialStore(path, readonly=True) as ro:
        assert [r.status for r in ro.trials()] == ["done", "done"]

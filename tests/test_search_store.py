"""The SQLite trial store: crash-safe, resumable, one writer, refuses what is not its own."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from graphgrad.train import (Choice, LogUniform, SearchError, SearchSpace, SearchSpaceError, StoreError,
                             TrialStore, search, toy_objective)

SPACE = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))


def test_rows_written_at_start_and_end(tmp_path):
    path = tmp_path / "s.sqlite"
    seen = []

    def trial(params, seed):
        # While a trial runs, its row is already in the store as 'running' (another connection sees it).
        with TrialStore(path, readonly=True) as ro:
            seen.append(sorted(r.status for r in ro.trials()))
        return toy_objective(params, seed)
    with ThreadPoolExecutor(1) as ex:
        res = search(trial, SPACE, n_trials=3, storage=path, executor=ex)
    assert seen[0] == ["running"] and seen[2] == ["done", "done", "running"]
    with TrialStore(path, readonly=True) as ro:
        rows = ro.trials()
        assert [r.status for r in rows] == ["done"] * 3
        assert all(len(r.history) == 3 and r.wall_time is not None for r in rows)
        assert ro.meta()["schema_version"] == "1"
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert len(res.table) == 3


def test_rerunning_the_same_search_skips_finished_trials(tmp_path):
    path = tmp_path / "s.sqlite"
    calls = []

    def trial(params, seed):
        calls.append(seed)
        return toy_objective(params, seed)
    with ThreadPoolExecutor(2) as ex:
        first = search(trial, SPACE, n_trials=5, storage=path, executor=ex)
        again = search(trial, SPACE, n_trials=5, storage=path, executor=ex)
    assert len(calls) == 5 and again.skipped == 5 and again.ran == 0
    assert [r.key() for r in first.table] == [r.key() for r in again.table]
    with pytest.raises(SearchError, match="already holds trials and resume=False"):
        search(trial, SPACE, n_trials=5, storage=path, resume=False)


def test_interrupted_trials_are_marked_and_rerun(tmp_path):
    path = tmp_path / "s.sqlite"
    store = TrialStore(path)
    store.initialise(SPACE, {"method": "random", "seed": 0, "top_k": 3, "grid_points": None, "n_trials": 3})
    # A search that "died" (its pid no longer exists) left trial 1 running.
    from graphgrad.train.search import plan_stage
    plan = plan_stage(SPACE, "random", 3, 0, 0, 3)
    store._conn.execute("INSERT INTO meta (key, value) VALUES ('owner', ?)",
                        (json.dumps({"pid": 2 ** 22 + 12345, "host": os.uname().nodename}),))
    store._conn.commit()
    store.record_stage(0, SPACE)
    t0 = store.start_trial(0, 0, plan[0][0], plan[0][1])
    store.finish_trial(t0, "done", val_acc=0.5)
    store.start_trial(0, 1, plan[1][0], plan[1][1])
    store.close()
    with ThreadPoolExecutor(2) as ex:
        res = search(toy_objective, SPACE, n_trials=3, storage=path, executor=ex)
    assert res.interrupted == 1 and res.skipped == 1 and res.ran == 2
    with TrialStore(path, readonly=True) as ro:
        rows = ro.trials()
    assert [(r.index, r.attempt, r.status) for r in rows] == [(0, 1, "done"), (1, 1, "interrupted"),
                                                              (1, 2, "done"), (2, 1, "done")]
    assert "died" in rows[1].error
    assert {r.index for r in res.table} == {0, 1, 2}


def test_a_live_writer_is_not_displaced(tmp_path):
    path = tmp_path / "s.sqlite"
    store = TrialStore(path)
    store.initialise(SPACE, {})
    store.claim()   # this process now owns the store
    other = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        from graphgrad.train import TrialStore, StoreError
        s = TrialStore({str(path)!r})
        try:
            s.claim()
        except StoreError as e:
            print(e)
        """)], capture_output=True, text=True, timeout=300)   # generous (slow start when loaded): stops a hang
    assert f"being written by a running search (pid {os.getpid()})" in other.stdout, other.stderr
    store.close()


# The killed search's trial function: trials whose seed is in ``hold`` never finish (they
# sleep until the test SIGKILLs the search with its workers), so the kill provably lands
# with exactly those trials running and every earlier one done; no race with the clock.
_HELD_TRIAL = textwrap.dedent("""
    import time
    from graphgrad.train import toy_objective

    def trial(params, seed, hold=frozenset()):
        if seed in hold:
            time.sleep(600)
        return toy_objective(params, seed)
    """)

_CHILD = textwrap.dedent("""
    import sys
    from functools import partial
    from graphgrad.train import LogUniform, SearchSpace, search
    from graphgrad.train.search import trial_seed
    from held_trial import trial
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
    hold = frozenset(trial_seed(7, 0, i) for i in (6, 7))   # stage 0, trials 6 and 7
    search(partial(trial, hold=hold), space, n_trials=10, stages=2, seed=7, storage=sys.argv[1], max_workers=2)
    """)


def _counts(path):
    """(done, running) in one read of the store; (0, 0) before the search has created it."""
    if not os.path.exists(path):
        return 0, 0
    try:
        with TrialStore(path, readonly=True) as ro:
            rows = ro.trials()
        return sum(r.status == "done" for r in rows), sum(r.status == "running" for r in rows)
    except (StoreError, sqlite3.Error):
        return 0, 0   # not initialised yet


def test_sigkill_mid_trial_then_resume_equals_uninterrupted_run(tmp_path):
    killed = str(tmp_path / "killed.sqlite")
    (tmp_path / "held_trial.py").write_text(_HELD_TRIAL)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path)] + sys.path))
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, killed], start_new_session=True, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Trials 0-5 finish, then 6 and 7 fill both workers and hang: wait for that state.
        # The 300 s deadline is generous on purpose (a loaded machine is slow); it only turns
        # a broken search into a failure instead of a hang.
        deadline = time.monotonic() + 300
        while _counts(killed) != (6, 2):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, f"search subprocess stuck at (done, running) = {_counts(killed)}"
            time.sleep(0.05)   # polling interval only; correctness does not depend on it
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)   # the search and its worker processes, like a crash
        proc.wait(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    with TrialStore(killed, readonly=True) as ro:
        before = {(r.stage, r.index): r for r in ro.trials("done")}
        running = [r for r in ro.trials("running")]
    assert sorted(before) == [(0, i) for i in range(6)]
    assert sorted((r.stage, r.index) for r in running) == [(0, 6), (0, 7)]

    with ThreadPoolExecutor(2) as ex:   # resume; the executor need not be the same kind
        resumed = search(partial(toy_objective, sleep=0.0), SPACE, n_trials=10, stages=2, seed=7,
                         storage=killed, executor=ex)
    assert resumed.interrupted == len(running) and resumed.skipped == len(before)
    with TrialStore(killed, readonly=True) as ro:
        rows = ro.trials()
    done = [(r.stage, r.index) for r in rows if r.status == "done"]
    assert len(done) == len(set(done)) == 20   # every finished trial exactly once
    after = {(r.stage, r.index): r for r in rows if r.status == "done"}
    for key, rec in before.items():   # finished trials were kept, not rerun
        assert after[key].id == rec.id and after[key].val_acc == rec.val_acc
    assert sorted(r.index for r in rows if r.status == "interrupted") == sorted(r.index for r in running)

    with ThreadPoolExecutor(2) as ex:
        clean = search(toy_objective, SPACE, n_trials=10, stages=2, seed=7,
                       storage=str(tmp_path / "clean.sqlite"), executor=ex)
    assert [r.key() for r in resumed.table] == [r.key() for r in clean.table]
    assert resumed.spaces == clean.spaces


@pytest.mark.parametrize("processes", [False, True], ids=["threads", "processes"])
def test_dask_distributed_cluster_writes_every_trial(tmp_path, processes):
    distributed = pytest.importorskip("distributed")
    path = tmp_path / "dask.sqlite"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=processes,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        res = search(toy_objective, SPACE, n_trials=8, stages=2, seed=2, storage=path,
                     executor=client.get_executor(), max_in_flight=4)
    with TrialStore(path, readonly=True) as ro:
        rows = ro.trials()
    assert len(rows) == 16 and all(r.status == "done" for r in rows)
    assert sorted((r.stage, r.index) for r in rows) == [(s, i) for s in range(2) for i in range(8)]
    with ThreadPoolExecutor(2) as ex:
        local = search(toy_objective, SPACE, n_trials=8, stages=2, seed=2, executor=ex)
    assert [r.key() for r in res.table] == [r.key() for r in local.table]


# -- bad input ---------------------------------------------------------------------------------

def _make_store(path, space=SPACE):
    with ThreadPoolExecutor(1) as ex:
        search(toy_objective, space, n_trials=2, storage=path, executor=ex)


def test_store_for_another_space_is_refused_naming_the_dimension(tmp_path):
    path = tmp_path / "s.sqlite"
    _make_store(path)
    other = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-2))
    with pytest.raises(SearchSpaceError, match=r"different search space: dimension 'reg' differs"):
        search(toy_objective, other, n_trials=2, storage=path)
    extra = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1), act=Choice(["relu"]))
    with pytest.raises(SearchSpaceError, match=r"dimension 'act'"):
        search(toy_objective, extra, n_trials=2, storage=path)
    with pytest.raises(StoreError, match=r"made by a search with seed=0, this search has seed=1"):
        search(toy_objective, SPACE, n_trials=2, storage=path, seed=1)


def _untouched(path, check):
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    check()
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    assert not os.path.exists(str(path) + "-wal")


def test_not_a_store_is_refused_and_never_overwritten(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("my thesis draft\n" * 100)

    def refuse_text():
        with pytest.raises(StoreError, match=r"not a graphgrad trial store \(not a SQLite database\)"):
            search(toy_objective, SPACE, n_trials=2, storage=text)
    _untouched(text, refuse_text)

    other = tmp_path / "app.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE users (name TEXT)")
    con.execute("INSERT INTO users VALUES ('ada')")
    con.commit()
    con.close()

    def refuse_other():
        with pytest.raises(StoreError, match=r"SQLite database but not a graphgrad trial store \(tables: users\)"):
            search(toy_objective, SPACE, n_trials=2, storage=other)
    _untouched(other, refuse_other)


def test_corrupt_store_is_refused_untouched(tmp_path):
    path = tmp_path / "s.sqlite"
    _make_store(path)
    data = bytearray(path.read_bytes())
    data[100:] = b"\xde\xad" * ((len(data) - 100) // 2) + b"\x00" * ((len(data) - 100) % 2)
    path.write_bytes(bytes(data))

    def refuse():
        with pytest.raises(StoreError, match="corrupt or not a graphgrad trial store"):
            search(toy_objective, SPACE, n_trials=2, storage=path)
    _untouched(path, refuse)


def test_schema_version_is_checked(tmp_path):
    path = tmp_path / "s.sqlite"
    _make_store(path)
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="schema version 99; this graphgrad reads version 1"):
        TrialStore(path)
    with pytest.raises(StoreError, match="no trial store"):
        TrialStore(tmp_path / "missing.sqlite", readonly=True)


def test_ctrl_c_marks_trials_in_flight_interrupted_and_resume_finishes(tmp_path):
    # Timing is driven by events, not sleeps: trial 1 finishes only once trial 2 is running
    # (trial 2 is submitted when trial 0 has been recorded, and blocks until the test is
    # done with it), so the Ctrl-C raised when trial 1 is recorded always finds trial 2 in
    # flight, never queued or finished.
    path = tmp_path / "s.sqlite"
    from graphgrad.train.search import plan_stage
    index_of = {tseed: i for i, (_, tseed) in enumerate(plan_stage(SPACE, "random", 6, 0, 0, 3))}
    trial2_running, test_over = threading.Event(), threading.Event()
    started = []

    def trial(params, seed):
        i = index_of[seed]
        started.append(i)
        # Generous 300 s bounds: they only turn a broken search into a failure instead of a hang.
        if i == 1:
            assert trial2_running.wait(timeout=300), "trial 2 never started"
        elif i == 2:
            trial2_running.set()
            test_over.wait(timeout=300)
        return toy_objective(params, seed)

    seen = []

    def on_trial(record):
        seen.append(record.index)
        if record.index == 1:
            raise KeyboardInterrupt   # as if the user pressed Ctrl-C while trial 2 runs

    with ThreadPoolExecutor(2) as ex:
        try:
            with pytest.raises(KeyboardInterrupt):
                search(trial, SPACE, n_trials=6, storage=path, executor=ex, on_trial=on_trial)
        finally:
            test_over.set()   # let the blocked trial's thread end so the executor can shut down
    assert seen == [0, 1] and sorted(started) == [0, 1, 2]
    with TrialStore(path, readonly=True) as ro:
        rows = ro.trials()
        assert ro.meta().get("owner")   # not released: the search did not finish
    assert [(r.index, r.status) for r in rows] == [(0, "done"), (1, "done"), (2, "interrupted")]
    assert "KeyboardInterrupt" in rows[2].error
    with ThreadPoolExecutor(2) as ex:
        res = search(toy_objective, SPACE, n_trials=6, storage=path, executor=ex)
    assert res.skipped == 2 and res.interrupted == 0 and res.ran == 4 and len(res.table) == 6


def test_unpicklable_trial_function_is_a_clear_error(tmp_path):
    with pytest.raises(SearchError, match=r"cannot be sent to worker processes.*top level"):
        search(lambda p, s: 0.5, SPACE, n_trials=2, storage=tmp_path / "s.sqlite")

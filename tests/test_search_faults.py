"""The search under faults: a dask scheduler killed mid-search, two searches in one process,
a killed driver's worker processes, stores copied or read while a search writes, a growing
budget, a cluster larger than the driver, tuple options."""
import os
import shutil
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

from graphgrad.train import Choice, LogUniform, SearchError, SearchSpace, StoreError, TrialStore, search, toy_objective
from graphgrad.train.search import trial_seed
from viz.cli import main

search_mod = sys.modules["graphgrad.train.search"]
SPACE = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
# Generous on purpose (a loaded 2-core machine is slow); a deadline only turns a hang into a failure.
DEADLINE = 120


def _wait_for(cond, what):
    deadline = time.monotonic() + DEADLINE
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _statuses(path):
    """{status: count} in one read of the store ({} before the search has created it)."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return {}
    try:
        with TrialStore(path, readonly=True) as ro:
            rows = ro.trials()
    except (StoreError, sqlite3.Error):
        return {}
    out = {}
    for r in rows:
        out[r.status] = out.get(r.status, 0) + 1
    return out


# -- a dask scheduler killed mid-search --------------------------------------------------------

_CLUSTER = textwrap.dedent("""
    import time, distributed
    if __name__ == "__main__":
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                           protocol="tcp://", host="127.0.0.1", scheduler_port=0,
                                           dashboard_address=None)
        print(cluster.scheduler_address, flush=True)
        while True:
            time.sleep(1)
    """)

_HELD = textwrap.dedent("""
    import os, time
    from graphgrad.train import toy_objective

    def trial(params, seed, hold=frozenset(), flag=""):
        while seed in hold and os.path.exists(flag):   # held until the scheduler is killed
            time.sleep(0.05)
        return toy_objective(params, seed)
    """)


def _start_cluster(tmp_path):
    """A LocalCluster (scheduler and 2 workers) in its own process group, so SIGKILL takes it all."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path)] + sys.path))
    (tmp_path / "cluster.py").write_text(_CLUSTER)
    proc = subprocess.Popen([sys.executable, str(tmp_path / "cluster.py")], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, start_new_session=True, env=env)
    return proc, proc.stdout.readline().strip()


def test_scheduler_sigkill_mid_search_then_resume_equals_uninterrupted(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    (tmp_path / "held_mod.py").write_text(_HELD)
    monkeypatch.syspath_prepend(str(tmp_path))
    from held_mod import trial
    flag = tmp_path / "hold"
    flag.write_text("")
    hold = frozenset(trial_seed(5, 0, i) for i in (6, 7))
    fn = partial(trial, hold=hold, flag=str(flag))
    path = str(tmp_path / "s.sqlite")
    kw = dict(n_trials=8, stages=2, seed=5, storage=path)

    proc, address = _start_cluster(tmp_path)
    outcome = {}
    try:
        client = distributed.Client(address, timeout=3)

        def run():
            try:
                search(fn, SPACE, executor=client.get_executor(), retries=1, **kw)
            except BaseException as e:
                outcome["error"] = e
        t = threading.Thread(target=run)
        t.start()
        _wait_for(lambda: _statuses(path) == {"done": 6, "running": 2}, "6 trials done, 2 held")
        os.killpg(proc.pid, signal.SIGKILL)   # the scheduler and its workers, mid-search
        t.join(DEADLINE)
        assert not t.is_alive(), "the search hung after its scheduler died"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        client.close(timeout=2)
    err = outcome.get("error")
    assert isinstance(err, SearchError) and "recorded as interrupted, not failed" in str(err), err
    with TrialStore(path, readonly=True) as ro:
        rows = ro.trials()
        assert ro.stage_space(1) is None   # never refined around the incomplete stage 0
    assert not [r for r in rows if r.status == "failed"]   # an infrastructure failure is not a result
    assert {r.index for r in rows if r.status == "interrupted"} == {6, 7}

    flag.unlink()
    proc, address = _start_cluster(tmp_path)   # restart the cluster and resume
    try:
        with distributed.Client(address, timeout=30) as client:
            resumed = search(fn, SPACE, executor=client.get_executor(), **kw)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert resumed.skipped == 6 and resumed.ran == 10
    with ThreadPoolExecutor(2) as ex:
        clean = search(fn, SPACE, n_trials=8, stages=2, seed=5, storage=str(tmp_path / "clean.sqlite"),
                       executor=ex)
    assert [r.key() for r in resumed.table] == [r.key() for r in clean.table]
    assert resumed.spaces == clean.spaces


class _Flaky:
    """An executor whose first ``n`` futures are cancelled (as a lost dask worker's are)."""

    def __init__(self, n):
        self.ex, self.n = ThreadPoolExecutor(2), n

    def submit(self, fn, *args):
        fut = self.ex.submit(fn, *args)
        if self.n > 0:
            self.n -= 1
            from concurrent.futures import Future
            bad = Future()
            bad.cancel()
            bad.set_running_or_notify_cancel()   # what an executor does with a cancelled future
            return bad
        return fut


def test_a_lost_trial_is_rerun_not_failed():
    res = search(toy_objective, SPACE, n_trials=4, executor=_Flaky(2), max_in_flight=2)
    assert [r.status for r in res.table] == ["done"] * 4 and res.ran == 4
    with ThreadPoolExecutor(2) as ex:
        clean = search(toy_objective, SPACE, n_trials=4, executor=ex)
    assert [r.key() for r in res.table] == [r.key() for r in clean.table]
    with pytest.raises(SearchError, match=r"^search: the executor lost trial 0 of stage 0 2 times \(last: "
                                          r"CancelledError\); .* run the same search again to resume it$"):
        search(toy_objective, SPACE, n_trials=4, executor=_Flaky(10), max_in_flight=1, retries=1)
    with pytest.raises(SearchError, match="retries must be a non-negative integer, got -1"):
        search(toy_objective, SPACE, n_trials=4, executor=_Flaky(0), retries=-1)


# -- two searches, one store, one process -------------------------------------------------------

def test_a_second_search_on_a_store_in_the_same_process_is_refused(tmp_path):
    path = str(tmp_path / "s.sqlite")
    go = threading.Event()

    def slow(params, seed):
        go.wait(DEADLINE)
        return toy_objective(params, seed)
    with ThreadPoolExecutor(2) as ex:
        first = ex.submit(search, slow, SPACE, n_trials=3, storage=path, executor=ThreadPoolExecutor(1))
        try:
            _wait_for(lambda: _statuses(path).get("running") == 1, "the first search to start")
            with pytest.raises(StoreError) as e:
                search(toy_objective, SPACE, n_trials=3, storage=path, executor=ex)
        finally:
            go.set()
        assert len(first.result(DEADLINE).table) == 3
    assert str(e.value) == (f"trial store {path!r} is being written by a running search in this process; "
                            "only one search may write a store at a time")
    with TrialStore(path, readonly=True) as ro:
        assert len(ro.trials()) == 3   # the refused search wrote nothing
    # Once the first has finished, the store is free again in this process.
    again = search(toy_objective, SPACE, n_trials=3, storage=path, executor=ThreadPoolExecutor(1))
    assert again.skipped == 3 and again.ran == 0


# -- a killed driver's process pool --------------------------------------------------------------

_DRIVER = textwrap.dedent("""
    import sys
    from functools import partial
    from graphgrad.train import LogUniform, SearchSpace, search, toy_objective
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1))
    search(partial(toy_objective, sleep=600), space, n_trials=4, storage=sys.argv[1], max_workers=2)
    """)


def _children(pid):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process parents from /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_process_pool_workers_exit_when_the_driver_is_killed(tmp_path, sig):
    path = str(tmp_path / "s.sqlite")
    proc = subprocess.Popen([sys.executable, "-c", _DRIVER, path], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    workers = []
    try:
        _wait_for(lambda: _statuses(path).get("running") == 2, "two trials running")
        workers = [p for p in _children(proc.pid) if _alive(p)]
        assert len(workers) >= 2
        proc.send_signal(sig)
        proc.wait(DEADLINE)
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [p for p in workers if _alive(p)], "worker processes outlived the killed search"
    finally:
        for p in [proc.pid] + workers:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
        proc.wait()


# -- stores copied, read while written, left by a dead search ---------------------------------------

_DEAD_WRITER = textwrap.dedent("""
    import os, sys
    from graphgrad.train import LogUniform, SearchSpace, TrialStore
    store = TrialStore(sys.argv[1])
    store.initialise(SearchSpace(lr=LogUniform(1e-5, 1e-1)), {"method": "random", "seed": 0})
    store.claim()
    for i in range(32):
        tid = store.start_trial(0, i, {"lr": 1e-3}, seed=i)
        if i < 30:
            store.finish_trial(tid, "done", val_acc=0.5, train_acc=0.5)
    os._exit(0)    # died mid-search: no close, so the last commits live in the -wal only
    """)


def _read_only_view(tmp_path, files):
    """A read-only bind mount of a folder holding ``files``, with a command to run inside it."""
    ro = tmp_path / "media"
    ro.mkdir()
    for f in files:
        shutil.copy2(f, ro / os.path.basename(f))
    return ro


def _run_read_only(ro, argv):
    if os.geteuid() != 0:
        os.chmod(ro, 0o555)
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=DEADLINE)
        finally:
            os.chmod(ro, 0o755)
    if not shutil.which("unshare"):
        pytest.fail("running as root without unshare: cannot make a read-only folder")
    script = f'mount --bind -o ro "{ro}" "{ro}" && ! touch "{ro}/probe" 2>/dev/null && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh"] + argv, capture_output=True, text=True,
                          timeout=DEADLINE)


def test_a_store_copied_with_its_wal_to_read_only_media_shows_every_trial(tmp_path):
    path = str(tmp_path / "s.sqlite")
    subprocess.run([sys.executable, "-c", _DEAD_WRITER, path], check=True, timeout=DEADLINE)
    assert os.path.getsize(path + "-wal") > 0
    ro = _read_only_view(tmp_path, [path, path + "-wal"])
    r = _run_read_only(ro, [sys.executable, "-m", "viz", "search", "show", str(ro / "s.sqlite")])
    assert r.returncode == 0, r.stderr
    assert "trials: 30 done, 2 running (the search that wrote them has stopped" in r.stdout
    assert r.stdout.count(" done ") == 30 and "(search running)" not in r.stdout
    assert sorted(os.listdir(ro)) == ["s.sqlite", "s.sqlite-wal"]   # nothing written beside it


def test_show_does_not_call_a_dead_search_running(tmp_path, capsys):
    path = str(tmp_path / "s.sqlite")
    subprocess.run([sys.executable, "-c", _DEAD_WRITER, path], check=True, timeout=DEADLINE)
    assert main(["search", "show", path]) == 0
    out = capsys.readouterr().out
    assert "(search running)" not in out and "the search that wrote them has stopped" in out


def test_a_reader_attached_when_a_search_ends_leaves_no_wal_behind(tmp_path):
    path = str(tmp_path / "s.sqlite")
    attached, ended, seen = threading.Event(), threading.Event(), []

    def reader():   # like `graphgrad search show` looking at the wrong moment
        _wait_for(lambda: _statuses(path), "the search to create its store")
        ro = TrialStore(path, readonly=True)
        try:
            ro.trials()
            attached.set()
            ended.wait(DEADLINE)
            seen.append(len(ro.trials()))
        finally:
            ro.close()   # the last connection, and a read-only one: it cannot checkpoint

    def trial(params, seed):
        attached.wait(DEADLINE)
        return toy_objective(params, seed)
    t = threading.Thread(target=reader)
    t.start()
    try:
        search(trial, SPACE, n_trials=60, storage=path, executor=ThreadPoolExecutor(1))
    finally:
        ended.set()
        t.join(DEADLINE)
    assert seen == [60]
    wal = path + "-wal"
    assert not os.path.exists(wal) or os.path.getsize(wal) == 0
    alone = tmp_path / "copy"
    alone.mkdir()
    shutil.copy2(path, alone / "s.sqlite")   # the .sqlite without its -wal holds every trial
    with TrialStore(alone / "s.sqlite", readonly=True) as ro:
        assert len(ro.table()) == 60


# -- budgets, clusters, options -----------------------------------------------------------------

def test_a_random_search_budget_can_grow(tmp_path):
    path = str(tmp_path / "s.sqlite")
    with ThreadPoolExecutor(2) as ex:
        search(toy_objective, SPACE, n_trials=20, seed=3, storage=path, executor=ex)
        grown = search(toy_objective, SPACE, n_trials=40, seed=3, storage=path, executor=ex)
        clean = search(toy_objective, SPACE, n_trials=40, seed=3, executor=ex)
        assert grown.skipped == 20 and grown.ran == 20
        assert [r.key() for r in grown.table] == [r.key() for r in clean.table]
        with pytest.raises(StoreError, match=r"holds a search of n_trials=40; a budget can grow but not shrink: "
                                             r"pass n_trials >= 40 to resume it$"):
            search(toy_objective, SPACE, n_trials=30, seed=3, storage=path, executor=ex)
        two = str(tmp_path / "two.sqlite")
        search(toy_objective, SPACE, n_trials=6, stages=2, seed=3, storage=two, executor=ex)
        with pytest.raises(StoreError, match="can grow only before the second stage starts"):
            search(toy_objective, SPACE, n_trials=8, stages=2, seed=3, storage=two, executor=ex)


_in_flight = {"now": 0, "max": 0}
_lock = threading.Lock()


def counting_trial(params, seed):
    with _lock:
        _in_flight["now"] += 1
        _in_flight["max"] = max(_in_flight["max"], _in_flight["now"])
    time.sleep(0.3)
    with _lock:
        _in_flight["now"] -= 1
    return toy_objective(params, seed)


def test_concurrency_follows_the_cluster_not_the_driver(monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(search_mod, "default_workers", lambda: 1)   # a driver with one CPU
    _in_flight.update(now=0, max=0)
    with distributed.LocalCluster(n_workers=4, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        res = search(counting_trial, SPACE, n_trials=8, executor=client.get_executor())
    assert len(res.table) == 8 and _in_flight["max"] == 4


def test_resuming_a_search_whose_choice_has_tuple_options(tmp_path):
    space = SearchSpace(lr=LogUniform(1e-4, 1e-1), hidden=Choice([(32,), (64, 32)]))
    path = str(tmp_path / "s.sqlite")

    def trial(params, seed):
        assert isinstance(params["hidden"], tuple)   # the trial gets the user's options
        return toy_objective(params, seed)
    with ThreadPoolExecutor(1) as ex:
        first = search(trial, space, n_trials=4, stages=2, storage=path, executor=ex)
        again = search(trial, space, n_trials=4, stages=2, storage=path, executor=ex)
    assert again.skipped == 8 and again.ran == 0
    assert [r.key() for r in again.table] == [r.key() for r in first.table]

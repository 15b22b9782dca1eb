"""Several drivers on one Optuna study in a PostgreSQL server: a throwaway server (initdb,
pg_ctl) in a temporary folder, on a free port, reachable only through its unix socket there;
three `search(backend="optuna", storage="postgresql://...")` processes at once. Every position
runs exactly once, the study ends with n_trials complete trials, `graphgrad search show`
reads it, and with the random sampler it equals what one driver alone finds. The server is
stopped by the fixture's finalizer."""
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

import pytest

optuna = pytest.importorskip("optuna")
pytest.importorskip("psycopg2")

from graphgrad.train import LogUniform, SearchSpace, search  # noqa: E402
from graphgrad.train.optuna_search import load, table  # noqa: E402

DEADLINE = 180
SPACE = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))


def _pg_bin(name):
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1:]
    if not found:
        pytest.skip(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return found if isinstance(found, str) else found[0]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    """A PostgreSQL server of its own, as a non-root user (postgres refuses root)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    root = tempfile.mkdtemp(prefix="gg-pg-")
    as_user = []
    if os.geteuid() == 0:
        import pwd
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        os.chown(root, user.pw_uid, user.pw_gid)
        as_user = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--"]
    data, port = os.path.join(root, "data"), _free_port()
    started = False
    try:
        subprocess.run(as_user + [initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], check=True,
                       capture_output=True, timeout=DEADLINE, cwd=root)
        opts = f"-p {port} -k {root} -c listen_addresses='' -c fsync=off"
        subprocess.run(as_user + [pg_ctl, "-D", data, "-o", opts, "-l", os.path.join(root, "log"), "-w",
                                  "-t", str(DEADLINE), "start"], check=True, capture_output=True,
                       timeout=DEADLINE, cwd=root)
        started = True
        yield f"postgresql+psycopg2://postgres@/postgres?host={root}&port={port}"
    finally:
        if started:
            subprocess.run(as_user + [pg_ctl, "-D", data, "-m", "fast", "-w", "stop"], capture_output=True,
                           timeout=DEADLINE, cwd=root)
        shutil.rmtree(root, ignore_errors=True)


_TRIAL = textwrap.dedent("""
    import os, time
    from graphgrad.train import toy_objective

    def logged(params, seed, log):
        with open(log, "a") as f:
            f.write(f"{seed}\\n")
        time.sleep(0.15)   # long enough for the drivers to overlap
        return toy_objective(params, seed)
    """)

_DRIVER = textwrap.dedent("""
    import sys
    from functools import partial
    from graphgrad.train import LogUniform, SearchSpace, search
    from pg_trial import logged
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
    res = search(partial(logged, log=sys.argv[3]), space, n_trials=12, backend="optuna", sampler=sys.argv[2],
                 seed=11, storage=sys.argv[1], study_name=sys.argv[2], max_workers=1)
    print(res.ran)
    """)


def _drivers(tmp_path, url, sampler, n=3):
    (tmp_path / "pg_trial.py").write_text(_TRIAL)
    log = tmp_path / f"{sampler}.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path)] + sys.path))
    procs = [subprocess.Popen([sys.executable, "-c", _DRIVER, url, sampler, str(log)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    ran = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=DEADLINE)
            assert p.returncode == 0, err
            ran.append(int(out.split()[-1]))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return ran, log.read_text().split()


@pytest.mark.parametrize("sampler", ["random", "tpe"])
def test_three_drivers_share_one_study_in_a_database_server(postgres_url, tmp_path, sampler):
    t0 = time.monotonic()
    ran, calls = _drivers(tmp_path, postgres_url, sampler)
    # Every position ran exactly once, in one of the drivers, and they shared the work.
    assert sum(ran) == 12 and sorted(ran)[-2] > 0, ran
    assert len(calls) == 12 and len(set(calls)) == 12, calls
    study, space, settings = load(postgres_url, sampler)
    trials = study.get_trials(deepcopy=False)
    assert [t.state.name for t in trials] == ["COMPLETE"] * 12
    assert sorted(t.user_attrs["graphgrad_position"] for t in trials) == list(range(12))
    assert len({t.user_attrs["driver"]["pid"] for t in trials}) >= 2
    r = subprocess.run([sys.executable, "-m", "viz", "search", "show", postgres_url, "--study", sampler,
                        "--limit", "3"], capture_output=True, text=True, timeout=DEADLINE)
    assert r.returncode == 0, r.stderr
    assert f"Optuna study {sampler}" in r.stdout and "trials: 12 complete" in r.stdout
    assert r.stdout.count(" done ") == 3
    if sampler == "random":
        # A position's point depends on (seed, position) alone: one driver finds the same study.
        alone = search(_toy, SPACE, n_trials=12, backend="optuna", sampler="random", seed=11, max_workers=1)
        assert [r.key() for r in table(study)] == [r.key() for r in alone.table]
        assert table(study)[0].val_acc == alone.best.val_acc
    print(f"{sampler}: 3 drivers, 12 trials, {time.monotonic() - t0:.1f} s")


def _toy(params, seed):
    from graphgrad.train import toy_objective
    return toy_objective(params, seed)


def test_ci_installs_the_server_and_its_driver():
    import pathlib
    root = pathlib.Path(__file__).resolve().parents[1]
    assert 'need="$need postgresql"' in (root / ".ci" / "run").read_text()
    assert '"psycopg2-binary' in (root / "pyproject.toml").read_text()


_BLOCKING = textwrap.dedent("""
    import os, time

    def blocking(params, seed, mark):
        with open(mark, "w") as f:   # the trial is running: the test may kill its driver now
            f.write(str(seed))
        time.sleep(120)
        raise AssertionError("the driver should have been killed by now")
    """)

_KILLED_DRIVER = textwrap.dedent("""
    import socket, sys
    from functools import partial
    # Driver A "on another machine": its process id means nothing to driver B, so only the
    # heartbeat can tell B that A is gone.
    socket.gethostname = lambda: "host-a"
    from graphgrad.train import LogUniform, SearchSpace, search
    from hb_trial import blocking
    space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
    search(partial(blocking, mark=sys.argv[2]), space, n_trials=4, backend="optuna", sampler="random", seed=5,
           storage=sys.argv[1], study_name="hb", max_workers=1, heartbeat=1)
    """)


def _kill_a_driver_mid_trial(tmp_path, url):
    """Start driver A, SIGKILL it while its first trial runs; returns that RUNNING trial."""
    (tmp_path / "hb_trial.py").write_text(_BLOCKING)
    mark = tmp_path / "running"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path)] + sys.path))
    a = subprocess.Popen([sys.executable, "-c", _KILLED_DRIVER, url, str(mark)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        t0 = time.monotonic()
        while not mark.exists():
            assert a.poll() is None, a.communicate()[1]
            assert time.monotonic() - t0 < DEADLINE, "driver A never started its trial"
            time.sleep(0.05)
    finally:
        a.kill()   # SIGKILL: no goodbye, its trial stays RUNNING
        a.wait()
    study = optuna.load_study(study_name="hb", storage=url)
    [killed] = study.get_trials(deepcopy=False)
    assert killed.state.name == "RUNNING" and killed.user_attrs["driver"]["host"] == "host-a"
    return killed


@pytest.mark.parametrize("db", ["postgresql", "sqlite"])
def test_a_driver_killed_on_another_host_is_failed_by_its_heartbeat_and_rerun(request, tmp_path, db):
    from graphgrad.train import toy_objective
    from graphgrad.train.optuna_search import _silent
    url = request.getfixturevalue("postgres_url") if db == "postgresql" else f"sqlite:///{tmp_path / 'hb.sqlite'}"
    if db == "postgresql":
        # Its own database on the shared server, so the study name is free.
        import sqlalchemy
        eng = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(sqlalchemy.text("CREATE DATABASE hb"))
        eng.dispose()
        url = url.replace("@/postgres?", "@/hb?")
    killed = _kill_a_driver_mid_trial(tmp_path, url)
    # Driver B, started afterwards, finishes the study: positions 1-3, then (once A's trial is
    # silent for the grace period, 2 s) A's point again.
    t1 = time.monotonic()
    res = search(toy_objective, SPACE, n_trials=4, backend="optuna", sampler="random", seed=5, storage=url,
                 study_name="hb", max_workers=1, heartbeat=1)
    took = time.monotonic() - t1
    assert res.ran == 4 and res.interrupted == 1 and took < 60, (res.ran, res.interrupted, took)
    trials = optuna.load_study(study_name="hb", storage=url).get_trials(deepcopy=False)
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    assert sorted(t.user_attrs["graphgrad_position"] for t in complete) == [0, 1, 2, 3]   # each exactly once
    [again] = [t for t in complete if t.user_attrs["graphgrad_position"] == 0]
    dead = [t for t in trials if t.number == killed.number][0]
    assert dead.state.name == "FAIL" and _silent(dead)
    assert again.system_attrs["failed_trial"] == killed.number          # Optuna's retry of that trial
    assert again.user_attrs["graphgrad_params"] == killed.user_attrs["graphgrad_params"]
    assert again.user_attrs["graphgrad_seed"] == killed.user_attrs["graphgrad_seed"]
    assert len(trials) == 5
    # The same study as a search nobody killed.
    clean = search(toy_objective, SPACE, n_trials=4, backend="optuna", sampler="random", seed=5, max_workers=1)
    assert [r.key() for r in res.table] == [r.key() for r in clean.table]
    assert [r.val_acc for r in res.table] == [r.val_acc for r in clean.table]
    r = subprocess.run([sys.executable, "-m", "viz", "search", "show", url, "--study", "hb"], capture_output=True,
                       text=True, timeout=DEADLINE)
    assert r.returncode == 0, r.stderr
    assert "trials: 4 complete, 1 interrupted" in r.stdout and r.stdout.count(" done ") == 4, r.stdout
    print(f"{db}: driver B finished the study in {took:.1f} s")


def test_a_point_whose_driver_keeps_dying_is_recorded_failed_after_its_retries(tmp_path):
    from graphgrad.train import toy_objective
    url = f"sqlite:///{tmp_path / 'hb.sqlite'}"
    killed = _kill_a_driver_mid_trial(tmp_path, url)
    res = search(toy_objective, SPACE, n_trials=4, backend="optuna", sampler="random", seed=5, storage=url,
                 study_name="hb", max_workers=1, heartbeat=1, retries=0)
    # No retry left: the point is failed (the search ends), not rerun and not lost.
    [failed] = [r for r in res.table if r.status == "failed"]
    assert failed.index == 0 and failed.params == killed.user_attrs["graphgrad_params"]
    assert "stopped sending heartbeats once" in failed.error and "recorded as failed" in failed.error
    assert sorted(r.index for r in res.table) == [0, 1, 2, 3] and res.ran == 4
    # Three complete, A's silent trial and the failed record; no retry queued.
    states = sorted(t.state.name for t in optuna.load_study(study_name="hb", storage=url).trials)
    assert states == ["COMPLETE"] * 3 + ["FAIL"] * 2, states

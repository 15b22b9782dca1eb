"""The Optuna back end of :func:`graphgrad.train.search` (``backend="optuna"``; needs
``pip install 'graphgrad[search]'``).

The same ``trial_fn(params, seed)`` and :class:`SearchSpace` run on an Optuna study:
Optuna's samplers (``"tpe"``, ``"random"``, ``"cmaes"`` or a sampler object), pruning from
the per-epoch results ``fit`` reports (``pruner="median"``), and Optuna's storage (an SQLite
file by default, or a database URL that several machines share: run the same ``search``
on each, and they fill one study), which ``optuna-dashboard`` shows live.

The driver (the process that calls ``search``) samples every trial and tells the study its
result; the trials run in an executor as on the built-in back end (a process pool of
``max_workers`` by default, any ``concurrent.futures`` executor, a dask client's), and report
each epoch to their Optuna trial themselves (a worker process opens the storage by its URL),
so pruning and the dashboard work from the workers. Executor failures follow the built-in
contract: the trial is ``interrupted`` (an Optuna FAIL with user attribute ``interrupted``,
never a result) and retried up to ``retries`` times, then :class:`SearchError`; a trial's own
exception is ``failed`` and not retried.

Reproducible like the built-in store: position ``k`` is sampled by a sampler seeded from
``(seed, k)`` that sees only the trials finished at positions ``<= k - w`` (``w`` trials in
flight; the driver waits for them), and trained with the built-in seed of trial ``k``. So one
driver's study depends on ``(seed, w)`` alone, and a search killed with SIGKILL and run again
ends with the same trials as an uninterrupted one; a trial the killed driver left ``RUNNING``
is marked ``FAIL`` (``interrupted``) and its position runs again. A median pruner's decisions
depend on what the other trials have reported by then: reproducible with ``w = 1`` only.

Several drivers (on several machines) can share one study in a database server: each claims
the next free position under a row lock on the study (a lock file beside an SQLite file), so
every position runs once and the study ends with ``n_trials`` trials. With ``sampler="random"``
that study equals one driver's (a position's point depends on ``(seed, k)`` alone); with TPE
or CMA-ES it depends on which trials had finished when each was sampled, so it is not.

A driver that dies on another machine is found by Optuna's heartbeat (``heartbeat=`` seconds;
10 by default with a database URL): each driver records a beat for its trials in flight every
``heartbeat`` seconds, and any driver fails a trial silent for ``2 * heartbeat`` seconds
(Optuna's ``fail_stale_trials``); Optuna's ``RetryHeartbeatStaleTrialCallback`` queues its
point again as a ``WAITING`` trial with the same position, params and seed, which the next free
driver runs. The silent trial stays in the study as an ``interrupted`` FAIL, never a result; a
point whose drivers fall silent more than ``retries`` times is recorded ``failed``. With
heartbeats a driver returns only when every position is finished (by any driver), since a
trial running elsewhere may still need it. On an SQLite file heartbeats are off by default
(one host: a dead driver is found at once by its process id) and work when asked for.

>>> from graphgrad.train import search, SearchSpace, LogUniform, toy_objective
>>> res = search(toy_objective, SearchSpace(lr=LogUniform(1e-5, 1e-1)), n_trials=4, backend="optuna",
...              sampler="tpe", seed=0, storage="lr.sqlite")
>>> len(res.table), res.best.val_acc == max(r.val_acc for r in res.table)
(4, True)
>>> import optuna
>>> optuna.load_study(study_name=None, storage="sqlite:///lr.sqlite").trials[0].state.name
'COMPLETE'

Heartbeats on an SQLite file (on by default on a database URL), one beat a second:

>>> res = search(toy_objective, SearchSpace(lr=LogUniform(1e-5, 1e-1)), n_trials=2, backend="optuna",
...              sampler="random", seed=0, storage="hb.sqlite", heartbeat=1, max_workers=1)
>>> res.ran, res.interrupted, [r.status for r in res.table]
(2, 0, ['done', 'done'])
"""
from __future__ import annotations

import datetime
import math
import os
import socket
import time

import numpy as np

from .report import TrialPruned, listening
from .space import Choice, Conditional, Int, LogUniform, SearchSpace, SearchSpaceError, Uniform
from .store import TrialRecord, pid_alive

DEFAULT_HEARTBEAT = 10   # seconds between beats on a database server; silent for twice that: dead
STALE_S = 30.0   # a RUNNING trial with no driver recorded this long after it started was orphaned
STATE_STATUS = {"COMPLETE": "done", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running",
                "WAITING": "running"}


def require_optuna():
    """Import optuna, or say in one sentence how to install it."""
    from .._extras import MissingExtraError
    try:
        import optuna
    except ImportError:
        raise MissingExtraError("search(backend='optuna')", "optuna", "search") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def storage_url(storage):
    """None (in memory), a database URL as given, an Optuna storage object as it is, or
    ``sqlite:///`` + the absolute path of a file.

    >>> storage_url("postgresql://db.lab/search"), storage_url(None)
    ('postgresql://db.lab/search', None)
    """
    if storage is None:
        return None
    if not isinstance(storage, (str, os.PathLike)):
        return storage   # an Optuna storage object (e.g. InMemoryStorage shared by two calls)
    s = os.fspath(storage)
    if "://" in s:
        return s
    folder = os.path.dirname(os.path.abspath(s))
    os.makedirs(folder, exist_ok=True)
    return "sqlite:///" + os.path.abspath(s)


def make_sampler(optuna, sampler, seed: int):
    """An Optuna sampler by name, seeded; a sampler object is used as it is."""
    if not isinstance(sampler, str):
        return sampler
    kinds = {"tpe": optuna.samplers.TPESampler, "random": optuna.samplers.RandomSampler,
             "cmaes": optuna.samplers.CmaEsSampler}
    if sampler == "tpe":   # 5 random start-up trials (Optuna: 10), so small budgets are guided too
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=5)
    if sampler == "cmaes":   # a mixed space's categorical dimensions: sampled at random, as documented
        return optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
    if sampler not in kinds:
        raise ValueError(f"search: sampler must be one of {', '.join(kinds)} or an Optuna sampler, got {sampler!r}")
    return kinds[sampler](seed=seed)


def make_pruner(optuna, pruner):
    """``"median"`` (Optuna's MedianPruner), None (never prune) or a pruner object."""
    if pruner is None or pruner == "none":
        return optuna.pruners.NopPruner()
    if pruner == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    if isinstance(pruner, str):
        raise ValueError(f"search: pruner must be 'median', None or an Optuna pruner, got {pruner!r}")
    return pruner


def suggest(trial, space: SearchSpace) -> dict:
    """Ask an Optuna trial for one point of ``space`` (Choice options by index, so any JSON
    value, a tuple included, comes back as the user wrote it).

    >>> import optuna
    >>> study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    >>> space = SearchSpace(lr=LogUniform(1e-4, 1e-1), batch=Choice([(32, 32), 64]))
    >>> p = suggest(study.ask(), space)
    >>> sorted(p), 1e-4 <= p["lr"] <= 1e-1, p["batch"] in [(32, 32), 64]
    (['batch', 'lr'], True, True)
    """
    out = {}
    # Unconditional dimensions first, then each conditional one only where it is active
    # (Optuna's define-by-run: the sampler sees it only in trials that use it).
    order = sorted(space.dims, key=lambda n: isinstance(space.dims[n], Conditional))
    for name in order:
        dim = space.dims[name]
        if isinstance(dim, Conditional):
            if not dim.active(out):
                continue
            dim = dim.dim
        if isinstance(dim, Choice):
            out[name] = dim.options[trial.suggest_categorical(name + "#", list(range(len(dim.options))))]
        elif isinstance(dim, Int):
            out[name] = trial.suggest_int(name, dim.low, dim.high, log=dim.log)
        elif isinstance(dim, (LogUniform, Uniform)):
            out[name] = trial.suggest_float(name, dim.low, dim.high, log=isinstance(dim, LogUniform))
        else:
            raise SearchSpaceError(f"search: the Optuna back end cannot search {dim!r}")
    return out


def _position_seed(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([int(seed), int(k), 0x0B7A]).generate_state(1)[0])


def _me() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname()}


def run(trial_fn, space: SearchSpace, n_trials: int, *, seed: int, storage, sampler="tpe", pruner=None,
        direction: str = "maximize", metric: str = "val_acc", study_name: str = "graphgrad-search",
        on_trial=None, trial_timeout=None, executor=None, max_workers=None, max_in_flight=None, retries: int = 2,
        heartbeat=None, progress: bool = False):
    """Run (or resume) the search on an Optuna study; returns a :class:`SearchResult`.

    The driver (this process) samples each trial and tells the study its result; the trials
    run in ``executor`` (a process pool of ``max_workers`` by default). Trials report their
    epochs (for pruning and the dashboard) to the study themselves: workers in other
    processes open ``storage`` by its URL; threads share this process's study.
    """
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    from .search import (SearchError, SearchResult, capacity, check_picklable, default_workers, own_pool,
                         TrialPool)
    optuna = require_optuna()
    if direction not in ("maximize", "minimize"):
        raise SearchError(f"search: direction must be 'maximize' or 'minimize', got {direction!r}")
    make_sampler(optuna, sampler, seed)          # a bad name fails before anything is written
    pruning = make_pruner(optuna, pruner)
    if sampler == "cmaes":
        _check_cmaes(space)
    url = storage_url(storage)
    beat = heartbeat_seconds(heartbeat, url)
    rerun = _Rerun(optuna, retries) if beat else None
    study = _open_study(optuna, url, study_name, direction, pruning, seed, beat, rerun)
    settings = {"seed": int(seed), "metric": metric, "direction": direction,
                "sampler": sampler if isinstance(sampler, str) else type(sampler).__name__}
    old_space = study.user_attrs.get("graphgrad_space")
    if old_space is None:
        study.set_user_attr("graphgrad_space", space.to_dict())
        study.set_user_attr("graphgrad_settings", settings)
    else:
        diff = SearchSpace.from_dict(old_space).difference(space)
        if diff:
            raise SearchSpaceError(f"Optuna study {study_name!r} in {url!r} was made for a different search space: "
                                   f"{diff}; use a new study name or storage")
        old = study.user_attrs.get("graphgrad_settings", {})
        for key in sorted(set(old) | set(settings)):
            if old.get(key) != settings.get(key):
                raise SearchError(f"Optuna study {study_name!r} was made by a search with {key}={old.get(key)!r}, "
                                  f"this search has {key}={settings.get(key)!r}; use a new study name or storage")
    reachable = isinstance(url, str)   # workers in other processes can open the study by its URL
    prunes = not isinstance(pruning, optuna.pruners.NopPruner)
    own_executor = executor is None
    if own_executor:
        # An in-memory study is reachable from this process only: a pruning search on one runs
        # its trials in threads, so that they can report their epochs.
        executor = ThreadPoolExecutor(max_workers or default_workers()) if prunes and not reachable else None
    in_process = isinstance(executor, ThreadPoolExecutor)
    if prunes and not reachable and not in_process:
        raise SearchError("search: pruning needs the trials to reach the Optuna study, which lives in this "
                          "process's memory; give storage= an SQLite file or a database URL, or run the trials "
                          "in threads (executor=ThreadPoolExecutor(...))")
    if executor is None or isinstance(executor, ProcessPoolExecutor):
        check_picklable(trial_fn)   # (dask pickles with cloudpickle: lambdas go)
    interrupted = _fail_dead_trials(optuna, study)
    result = SearchResult([], [space], url if isinstance(url, str) else ":memory:", interrupted=interrupted,
                          metric=metric, direction=direction)
    if executor is None:
        executor = own_pool(max_workers or default_workers())
    with TrialPool(executor, owned=own_executor) as pool:
        # Trial k is sampled from the trials finished at positions <= k - window: with one driver
        # that set does not depend on timing, so the study is reproducible from (seed, window).
        window = int(capacity(executor, max_in_flight, max_workers)())
        run_ = _Driver(optuna, study, space, trial_fn, n_trials, seed, sampler, metric, window, pool,
                       url if reachable else None, pruner, in_process, trial_timeout, retries, on_trial, result)
        run_.beat, run_.rerun = beat, rerun
        if progress:
            from .search import progress_bar
            run_.bar = progress_bar(n_trials)
        try:
            run_.loop()
        finally:
            run_.stop()
        result.table = table(study)
        result.skipped = max(0, n_trials - result.ran)
    return result


def heartbeat_seconds(heartbeat, url):
    """The heartbeat interval a search uses: ``heartbeat`` seconds (0 or False: none), or by
    default 10 for a database server URL and none for an SQLite file or memory.

    >>> heartbeat_seconds(None, "postgresql://db.lab/search"), heartbeat_seconds(None, "sqlite:///lr.sqlite")
    (10, None)
    >>> heartbeat_seconds(2, "sqlite:///lr.sqlite"), heartbeat_seconds(0, "postgresql://db.lab/search")
    (2, None)
    """
    from .search import SearchError
    if heartbeat is None:
        return DEFAULT_HEARTBEAT if isinstance(url, str) and not url.startswith("sqlite") else None
    if heartbeat is False or heartbeat == 0:
        return None
    if isinstance(heartbeat, bool) or not isinstance(heartbeat, int) or heartbeat < 1:
        raise SearchError(f"search: heartbeat must be a whole number of seconds (Optuna's heartbeat_interval), "
                          f"0 or None, got {heartbeat!r}")
    if not isinstance(url, str):
        raise SearchError("search: heartbeat needs the study in a database (storage= an SQLite file or a database "
                          "URL): an in-memory study lives and dies with this process")
    return int(heartbeat)


class _Rerun:
    """Optuna's own retry of a heartbeat-stale trial (a WAITING copy: same position, params
    and seed, since it copies the user attributes), counting what this driver failed."""

    def __init__(self, optuna, retries: int):
        import warnings
        cls = getattr(optuna.storages, "RetryHeartbeatStaleTrialCallback", None) or \
            optuna.storages.RetryFailedTrialCallback   # (its name before Optuna 4.9)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # ExperimentalWarning
            self.retry = cls(max_retry=retries)
        self.failed = 0

    def __call__(self, study, trial):
        self.failed += 1
        self.retry(study, trial)


def _heartbeat_storage(optuna, url, beat, rerun):
    import inspect
    import warnings
    kw = {"heartbeat_interval": beat, "grace_period": 2 * beat}
    name = "heartbeat_stale_trial_callback"
    if name not in inspect.signature(optuna.storages.RDBStorage).parameters:
        name = "failed_trial_callback"   # (Optuna before 4.9)
    kw[name] = rerun
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # ExperimentalWarning: heartbeat_interval
        return optuna.storages.RDBStorage(url, **kw)


def _open_study(optuna, url, study_name, direction, pruning, seed, beat=None, rerun=None):
    """Create or load the study. Drivers started together on an empty database race to create
    Optuna's tables (one wins, the others get a unique-key violation): try again, and load."""
    for attempt in range(5):
        try:
            storage = _heartbeat_storage(optuna, url, beat, rerun) if beat else url
            return optuna.create_study(study_name=study_name, storage=storage, direction=direction,
                                       load_if_exists=True, pruner=pruning,
                                       sampler=optuna.samplers.RandomSampler(seed=seed))
        except Exception as e:
            if attempt == 4 or type(e).__module__.split(".")[0] != "sqlalchemy":
                raise
            time.sleep(0.2 * (attempt + 1))


def _check_cmaes(space: SearchSpace):
    """CMA-ES needs the ``cmaes`` package and a numeric dimension to work on."""
    from .._extras import MissingExtraError
    try:
        import cmaes  # noqa: F401
    except ImportError:
        raise MissingExtraError("search(sampler='cmaes')", "cmaes", "search") from None
    numeric = [n for n, d in space.dims.items() if not isinstance(d, (Choice, Conditional))]
    if not numeric:
        raise SearchSpaceError(f"search: sampler='cmaes' searches numeric dimensions (Uniform, LogUniform, Int), "
                               f"but this space has only categorical or conditional ones ({', '.join(space.dims)}); "
                               "use sampler='tpe' or 'random'")


class _Driver:
    """The driver's loop: claim a position, sample it, submit it, tell the study its result.

    Executor failures follow the built-in back end's contract: a trial the executor loses is
    ``interrupted`` (an Optuna FAIL with user attribute ``interrupted``, never a result) and
    its position runs again, up to ``retries`` times, then :class:`SearchError`; when a pool
    worker dies, the trials in flight are interrupted and rerun one at a time, so the one that
    kills its worker alone is ``failed``; a trial's own exception is ``failed`` at once.
    """

    def __init__(self, optuna, study, space, trial_fn, n_trials, seed, sampler, metric, window, pool, url,
                 pruner, in_process, timeout, retries, on_trial, result):
        self.optuna, self.study, self.space, self.trial_fn = optuna, study, space, trial_fn
        self.n_trials, self.seed, self.sampler, self.metric, self.window = n_trials, seed, sampler, metric, window
        self.pool, self.url, self.pruner, self.in_process = pool, url, pruner, in_process
        self.timeout, self.retries, self.on_trial, self.result = timeout, retries, on_trial, result
        self.pending = {}      # future -> (position, trial id, params, trial seed)
        self.lost = {}         # position -> times the executor lost it
        self.suspects = set()  # positions in flight when a worker died: rerun one at a time
        self.alone = set()     # futures of suspects running alone: a death now is theirs
        self.started = {}      # future -> submission time (trial_timeout)
        self.lock = _claim_lock(study)
        self.beat = self.rerun = self.bar = None   # heartbeat seconds, its retry callback, progress bar
        self.unfinished = set()  # positions < n_trials with no result yet (by any driver)
        self._beating = None

    def loop(self):
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        from .search import timed_out
        if self.beat:
            self.start_beating()
        try:
            while True:
                self.fill()
                if not self.pending:
                    if self.beat and self.unfinished:
                        # Other drivers' trials: wait, for one may die and need a rerun here
                        # (a look a second: one query, and the driver ends soon after the last).
                        time.sleep(min(1.0, self.beat))
                        continue
                    return   # nothing left to claim: every position is finished or another driver's
                if self.timeout is None:
                    finished, _ = wait(list(self.pending), return_when=FIRST_COMPLETED)
                else:
                    limit = 1.1 * self.timeout + 1.0
                    first = min(self.started[f] for f in self.pending)
                    finished, _ = wait(list(self.pending), timeout=max(0.0, first + limit - time.monotonic()),
                                       return_when=FIRST_COMPLETED)
                    for fut in [f for f in self.pending if f not in finished
                                and time.monotonic() - self.started[f] >= limit]:
                        fut.cancel()
                        self.tell(fut, _failed_out(timed_out(self.timeout), time.monotonic() - self.started[fut]))
                broken = False
                for fut in sorted(finished, key=lambda f: self.pending[f][0]):
                    k, tid = self.pending[fut][:2]
                    try:
                        out = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        if fut not in self.alone and self.pool.replaceable:
                            self.interrupt(tid, "a worker process died while this trial was in flight; rerun alone")
                            self.suspects.add(k)
                            self.forget(fut)
                            continue
                        from .search import WORKER_DIED
                        out = _failed_out(f"trial {k}: {WORKER_DIED}")
                    except BaseException as e:   # the executor's failure: run_trial never raises
                        if isinstance(e, KeyboardInterrupt):
                            raise
                        self.forget(fut)
                        self.executor_lost(k, tid, e)
                        continue
                    self.tell(fut, out)
                if broken and self.pool.replaceable:
                    self.pool.replace()
        except BaseException as e:
            for fut, (k, tid, *_rest) in list(self.pending.items()):
                fut.cancel()
                try:
                    self.interrupt(tid, f"search stopped ({type(e).__name__}) while the trial ran")
                except Exception:   # a lost database: the next run's claim marks it instead
                    pass
            raise

    def fill(self):
        """Claim and submit positions while there is room (one at a time while suspects rerun)."""
        from concurrent.futures.process import BrokenProcessPool
        while len(self.pending) < (1 if self.suspects else self.window):
            got = self.claim()
            if got is None:
                return
            k, tid, params, tseed = got
            alone = bool(self.suspects)
            if alone and k not in self.suspects:
                self.suspects.clear()   # another driver took them
                alone = False
            self.suspects.discard(k)
            link = self.link(tid)
            try:
                try:
                    fut = self.pool.executor.submit(run_linked, self.trial_fn, params, tseed, self.timeout, link,
                                                   self.metric)
                except BrokenProcessPool:
                    if not self.pool.replaceable:
                        raise
                    self.pool.replace()
                    fut = self.pool.executor.submit(run_linked, self.trial_fn, params, tseed, self.timeout, link,
                                                   self.metric)
            except BaseException as e:
                if isinstance(e, Exception):
                    self.executor_lost(k, tid, e)
                    continue
                self.interrupt(tid, f"search stopped ({type(e).__name__}) while the trial was submitted")
                raise
            self.pending[fut] = got
            self.started[fut] = time.monotonic()
            if alone:
                self.alone.add(fut)

    def link(self, tid):
        """How a trial reaches the study to report its epochs (None: it cannot; see tell)."""
        if self.in_process:
            return self.optuna.trial.Trial(self.study, tid), self.metric
        if self.url is not None:
            return (self.url, self.study.study_name, tid, self.pruner), self.metric
        return None

    def claim(self):
        """The next free position, sampled and created as a RUNNING trial, or None (nothing to
        claim, or position ``k`` must wait for this driver's position ``k - window``)."""
        TrialState = self.optuna.trial.TrialState
        from .search import trial_seed
        storage = self.study._storage
        if self.beat:
            self.fail_silent()
        with self.lock:
            while True:
                taken, finished, silent, waiting = set(), {}, {}, []
                for t in self.study.get_trials(deepcopy=False):
                    pos = t.user_attrs.get("graphgrad_position")
                    if pos is None:
                        continue
                    if is_interrupted(t):
                        if _silent(t):
                            silent.setdefault(pos, []).append(t)
                        continue
                    if t.state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL):
                        finished[pos] = t
                        taken.add(pos)
                    elif t.state in (TrialState.RUNNING, TrialState.WAITING):
                        taken.add(pos)
                        if t.state == TrialState.WAITING and pos < self.n_trials:
                            waiting.append((pos, t))
                self.unfinished = set(range(self.n_trials)) - set(finished)
                if self.bar is not None and self.n_trials - len(self.unfinished) > self.bar.n:
                    # Every driver's finished trials (this one's count between claims, in tell).
                    self.bar.update(self.n_trials - len(self.unfinished) - self.bar.n)
                # A silent driver's point, queued again by Optuna's retry callback: same position,
                # params and seed. (False: another driver took it first.)
                for pos, t in sorted(waiting, key=lambda pt: pt[0]):
                    if storage.set_trial_state_values(t._trial_id, TrialState.RUNNING):
                        storage.set_trial_user_attr(t._trial_id, "driver", _me())
                        storage.record_heartbeat(t._trial_id)
                        return pos, t._trial_id, t.user_attrs["graphgrad_params"], t.user_attrs["graphgrad_seed"]
                k = 0
                while k in taken:
                    k += 1
                if k >= self.n_trials:
                    return None
                mine = [p for p, *_ in self.pending.values()]
                if mine and k - self.window >= min(mine):
                    return None
                if self.beat and len(silent.get(k, ())) > self.retries:
                    self.give_up(k, silent[k])
                    continue
                shadow = self.optuna.create_study(direction=self.study.direction.name.lower(),
                                                  sampler=make_sampler(self.optuna, self.sampler,
                                                                       _position_seed(self.seed, k)))
                shadow.add_trials([finished[p] for p in sorted(finished) if p <= k - self.window])
                st = shadow.ask()
                params = suggest(st, self.space)
                ft = shadow._storage.get_trial(st._trial_id)
                tseed = trial_seed(self.seed, 0, k)
                template = self.optuna.trial.create_trial(
                    state=TrialState.RUNNING, params=ft.params, distributions=ft.distributions,
                    user_attrs={"graphgrad_seed": tseed, "graphgrad_position": k, "graphgrad_params": params,
                                "driver": _me()},
                    system_attrs=dict(ft.system_attrs))
                tid = self.study._storage.create_new_trial(self.study._study_id, template_trial=template)
                if self.beat:
                    storage.record_heartbeat(tid)   # a trial never beaten for is never found stale
                return k, tid, params, tseed

    def fail_silent(self):
        """Optuna's ``fail_stale_trials``: FAIL every trial whose driver has been silent for the
        grace period, on any machine, and queue its point again (the retry callback)."""
        import warnings
        before = self.rerun.failed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # ExperimentalWarning
            self.optuna.storages.fail_stale_trials(self.study)
        self.result.interrupted += self.rerun.failed - before

    def give_up(self, k, silent):
        """Position ``k``'s drivers fell silent more than ``retries`` times: record it failed
        (as a trial that kills its pool worker alone is), so the search can end."""
        last = silent[-1]
        ua = last.user_attrs
        times = "once" if len(silent) == 1 else f"{len(silent)} times"
        error = (f"its driver stopped sending heartbeats {times} while it ran (the machine or the "
                 f"driver died, or ran out of memory); retried {self.retries} times, recorded as failed")
        template = self.optuna.trial.create_trial(
            state=self.optuna.trial.TrialState.FAIL, params=last.params, distributions=last.distributions,
            user_attrs={"graphgrad_seed": ua.get("graphgrad_seed", 0), "graphgrad_position": k,
                        "graphgrad_params": ua.get("graphgrad_params"), "driver": _me(),
                        "graphgrad_result": _failed_out(error)})
        self.study._storage.create_new_trial(self.study._study_id, template_trial=template)
        self.result.ran += 1
        if self.bar is not None:
            self.bar.update(1)

    def start_beating(self):
        """Beat for this driver's trials in flight every ``beat`` seconds (Optuna's
        ``record_heartbeat``), in a thread, until :meth:`stop`."""
        import threading
        stop = threading.Event()

        def beat():
            storage = self.study._storage
            while not stop.wait(self.beat):
                try:
                    tids = [v[1] for v in tuple(self.pending.values())]
                except RuntimeError:   # changed while copied: beat next time
                    continue
                for tid in tids:
                    try:
                        storage.record_heartbeat(tid)
                    except Exception:   # a lost database: the trial may be failed and rerun, never wrong
                        pass
        self._beating = (stop, threading.Thread(target=beat, name="graphgrad-heartbeat", daemon=True))
        self._beating[1].start()

    def stop(self):
        if self._beating is not None:
            self._beating[0].set()
            self._beating[1].join()
            self._beating = None
        if self.bar is not None:
            self.bar.close()

    def forget(self, fut):
        self.pending.pop(fut, None)
        self.started.pop(fut, None)
        self.alone.discard(fut)

    def interrupt(self, tid, reason):
        storage = self.study._storage
        if storage.get_trial(tid).state != self.optuna.trial.TrialState.RUNNING:
            return
        storage.set_trial_user_attr(tid, "interrupted", True)
        storage.set_trial_user_attr(tid, "error", reason)
        storage.set_trial_state_values(tid, self.optuna.trial.TrialState.FAIL)

    def executor_lost(self, k, tid, e):
        from .search import SearchError
        reason = f"{type(e).__name__}: {e}".rstrip(": ")
        self.interrupt(tid, f"the executor lost this trial ({reason}); it is rerun, not a result")
        n = self.lost[k] = self.lost.get(k, 0) + 1
        if n > self.retries:
            raise SearchError(f"search: the executor lost trial {k} {n} times (last: {reason}); it and the trials "
                              "in flight are recorded as interrupted, not failed: check the executor (is the dask "
                              "scheduler up?) and run the same search again to resume it")

    def tell(self, fut, out):
        """Record a finished trial in the study (its epochs too, if it could not report them)."""
        k, tid = self.pending[fut][:2]
        self.forget(fut)
        TrialState, storage = self.optuna.trial.TrialState, self.study._storage
        if storage.get_trial(tid).state != TrialState.RUNNING:
            return   # another driver judged it orphaned meanwhile; its position runs again there
        # One attribute (one commit: each is an fsync on SQLite) for what the table shows.
        storage.set_trial_user_attr(tid, "graphgrad_result", {
            "val_acc": out.get("val_acc"), "train_acc": out.get("train_acc"), "wall_time": out.get("wall_time"),
            "history": out.get("history") or [], "error": out.get("error"), "status": out["status"]})
        if not storage.get_trial(tid).intermediate_values:
            for i, row in enumerate(out.get("history") or []):
                v = row.get(self.metric)
                if isinstance(v, (int, float)) and math.isfinite(v):
                    storage.set_trial_intermediate_value(tid, int(row.get("epoch", i)), float(v))
        value = _metric_value(out, self.metric)
        if out["status"] == "pruned":
            self.study.tell(self.optuna.trial.Trial(self.study, tid), state=TrialState.PRUNED)
        elif out["status"] == "done" and value is not None and math.isfinite(value):
            self.study.tell(self.optuna.trial.Trial(self.study, tid), value)
        else:
            self.study.tell(self.optuna.trial.Trial(self.study, tid), state=TrialState.FAIL)
        self.result.ran += 1
        if self.bar is not None:
            self.bar.update(1)
        if self.on_trial is not None:
            self.on_trial(to_record(storage.get_trial(tid)))


def _failed_out(error, wall_time=None) -> dict:
    return {"status": "failed", "val_acc": None, "train_acc": None, "history": [], "error": error,
            "wall_time": wall_time}


_WORKER_STUDIES = {}   # (url, study name) -> the study a worker process opened, reused by its next trials


def run_linked(trial_fn, params: dict, seed: int, timeout, link, metric: str = "val_acc"):
    """Run one trial in a worker, reporting each epoch's metric to its Optuna trial (which may
    prune it): ``link`` is ``(Trial, metric)`` in a thread, ``((url, study, trial id, pruner),
    metric)`` in another process (it opens the storage), or None (no reports).

    >>> from graphgrad.train import toy_objective
    >>> run_linked(toy_objective, {"lr": 1e-3}, 0, None, None)["status"]
    'done'
    """
    from .search import run_trial
    if link is None:
        return run_trial(trial_fn, params, seed, timeout, metric)
    target, metric = link
    if isinstance(target, tuple):
        optuna = require_optuna()
        url, name, tid, pruner = target
        study = _WORKER_STUDIES.get((url, name))
        if study is None:
            study = _WORKER_STUDIES[(url, name)] = optuna.load_study(
                study_name=name, storage=url, sampler=optuna.samplers.RandomSampler())
        study.pruner = make_pruner(optuna, pruner)
        trial = optuna.trial.Trial(study, tid)
    else:
        trial = target

    def listen(epoch, row):
        v = row.get(metric)
        if isinstance(v, (int, float)) and math.isfinite(v):
            trial.report(float(v), int(epoch))
            if trial.should_prune():
                raise TrialPruned(f"pruned at epoch {epoch} ({metric}={v:.4g})")
    with listening(listen):
        return run_trial(trial_fn, params, seed, timeout, metric)


class _claim_lock:
    """Serialises claiming positions among the drivers of one study: a row lock on the
    study (``SELECT ... FOR UPDATE``) on a database server, a lock file beside an SQLite
    file (SQLite has no row locks, and holding its write lock would block our own writes),
    a thread lock for an in-memory study."""

    _memory = None

    def __init__(self, study):
        import threading
        self.study = study
        backend = getattr(study._storage, "_backend", study._storage)
        self.engine = getattr(backend, "engine", None)
        self.file = None
        if self.engine is not None and self.engine.dialect.name == "sqlite":
            db = self.engine.url.database
            self.file = (os.path.abspath(db) + ".graphgrad-lock") if db and db != ":memory:" else None
            self.engine = None
        if _claim_lock._memory is None:
            _claim_lock._memory = threading.Lock()

    def __enter__(self):
        _claim_lock._memory.acquire()
        try:
            if self.file is not None:
                import fcntl
                self._fd = os.open(self.file, os.O_RDWR | os.O_CREAT, 0o666)
                fcntl.flock(self._fd, fcntl.LOCK_EX)
            elif self.engine is not None:
                from sqlalchemy import text
                self._conn = self.engine.connect()
                self._tx = self._conn.begin()
                # Not the studies row: Optuna's create_new_trial locks that one, from another connection.
                self._conn.execute(text("SELECT study_direction_id FROM study_directions WHERE study_id = :i "
                                        "FOR UPDATE"), {"i": self.study._study_id})
        except BaseException:
            _claim_lock._memory.release()
            raise
        return self

    def __exit__(self, *exc):
        try:
            if self.file is not None:
                os.close(self._fd)   # closing releases the flock
            elif self.engine is not None:
                self._tx.commit()
                self._conn.close()
        finally:
            _claim_lock._memory.release()


def _metric_value(out: dict, metric: str):
    if metric in ("val_acc", "train_acc"):
        return out.get(metric)
    hist = out.get("history") or []
    v = hist[-1].get(metric) if hist else None
    return float(v) if isinstance(v, (int, float)) else None


def _fail_dead_trials(optuna, study) -> int:
    """Trials a killed driver on this host left RUNNING: mark them FAIL (interrupted), so the
    search runs that point again. Other hosts' running trials are left to their drivers."""
    n = 0
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        d = t.user_attrs.get("driver")
        if d is None:
            # Killed between ask() and its first write (a few ms): dead once clearly stale.
            start = t.datetime_start
            dead = start is not None and (datetime.datetime.now() - start).total_seconds() > STALE_S
        else:
            dead = d.get("host") == socket.gethostname() and d.get("pid") != os.getpid() and not pid_alive(d["pid"])
        if dead:
            study._storage.set_trial_user_attr(t._trial_id, "interrupted", True)
            study._storage.set_trial_state_values(t._trial_id, optuna.trial.TrialState.FAIL)
            n += 1
    return n


def _silent(t) -> bool:
    """Whether a trial was failed by Optuna's heartbeat check: a FAIL at a position that no
    driver gave a result (every result is written before its FAIL; see ``_Driver.tell``)."""
    ua = t.user_attrs
    return (t.state.name == "FAIL" and "graphgrad_position" in ua and "graphgrad_result" not in ua
            and "status" not in ua and not ua.get("interrupted"))


def is_interrupted(t) -> bool:
    """Whether a trial is ``interrupted``: lost by the executor, left by a killed driver, or
    failed by the heartbeat; never a result, and its position runs again (an Optuna
    FrozenTrial, or anything with its ``state`` and ``user_attrs``).

    >>> from types import SimpleNamespace as T
    >>> is_interrupted(T(state=T(name="COMPLETE"), user_attrs={"interrupted": True}))
    True
    """
    return bool(t.user_attrs.get("interrupted")) or _silent(t)


def to_record(t) -> TrialRecord:
    """One Optuna FrozenTrial as a graphgrad :class:`TrialRecord` (for tables and plots)."""
    ua = dict(t.user_attrs)
    ua.update(ua.get("graphgrad_result") or {})   # (studies written before it had one attribute each)
    status = STATE_STATUS.get(t.state.name, t.state.name.lower())
    if _silent(t):
        status = "interrupted"
        ua.setdefault("error", "its driver sent no heartbeat for the grace period (it or its machine died); its "
                               "point was run again, not a result")
    elif ua.get("interrupted"):
        status = "interrupted"
    elif status == "failed" and ua.get("status") == "nan":
        status = "nan"
    params = ua.get("graphgrad_params") or dict(t.params)
    return TrialRecord(t.number, 0, ua.get("graphgrad_position", t.number), 1, params, ua.get("graphgrad_seed", 0),
                       status, ua.get("history") or [], _finite(ua.get("train_acc")), _finite(ua.get("val_acc")),
                       ua.get("wall_time"), ua.get("error"))


def _finite(x):
    """As the built-in store keeps accuracies: a number, or None for a missing or NaN one."""
    return float(x) if isinstance(x, (int, float)) and math.isfinite(x) else None


def table(study) -> list:
    """Finished trials (complete first, best first by the study's direction; then pruned, failed)."""
    sign = -1.0 if study.direction.name == "MAXIMIZE" else 1.0
    recs = []
    for t in study.get_trials(deepcopy=False):
        if t.state.name in ("COMPLETE", "PRUNED", "FAIL") and not is_interrupted(t):
            recs.append((t, to_record(t)))
    order = {"COMPLETE": 0, "PRUNED": 1, "FAIL": 2}
    recs.sort(key=lambda tr: (order[tr[0].state.name], sign * tr[0].value if tr[0].value is not None else 0.0,
                              tr[1].index))
    return [r for _, r in recs]


def is_optuna_storage(path) -> bool:
    """Whether ``path`` is an SQLite file written by Optuna (its ``studies`` table).

    >>> is_optuna_storage("no/such/file.sqlite")
    False
    """
    import sqlite3
    import urllib.parse
    try:
        uri = "file:" + urllib.parse.quote(os.path.abspath(os.fspath(path))) + "?mode=ro"
        with open(path, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                return False
        c = sqlite3.connect(uri, uri=True)
        try:
            names = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            c.close()
        return {"studies", "trials", "version_info"} <= names
    except (OSError, sqlite3.Error):
        return False


def load(path_or_url, study_name: str | None = None):
    """``(study, space, settings)`` of a graphgrad search in Optuna storage (the only study,
    or ``study_name``)."""
    optuna = require_optuna()
    url = storage_url(path_or_url) if "://" not in os.fspath(path_or_url) else os.fspath(path_or_url)
    if url.startswith("sqlite:///") and not os.path.isfile(url[len("sqlite:///"):]):
        raise ValueError(f"no Optuna storage at {url[len('sqlite:///'):]!r}")   # looking must not create one
    names = [s.study_name for s in optuna.get_all_study_summaries(url)]
    if study_name is None:
        if not names:
            raise ValueError(f"{path_or_url!r} holds no Optuna study yet")
        if len(names) != 1:
            raise ValueError(f"{path_or_url!r} holds {len(names)} Optuna studies ({', '.join(names)}); pass --study")
        study_name = names[0]
    study = optuna.load_study(study_name=study_name, storage=url)
    space = study.user_attrs.get("graphgrad_space")
    return study, (SearchSpace.from_dict(space) if space else None), study.user_attrs.get("graphgrad_settings", {})


__all__ = ["run", "table", "to_record", "load", "is_optuna_storage", "storage_url", "require_optuna"]

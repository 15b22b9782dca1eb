"""Hyperparameter search: random or grid, coarse-to-fine stages, trials run through any
``concurrent.futures.Executor``, every trial recorded in a :class:`TrialStore`.

The search process is the store's only writer: workers (processes, threads, dask) only
run ``trial_fn(params, seed)`` and send the result back. Trial parameters and seeds are
derived from ``(seed, stage, index)`` alone, so a resumed search plans exactly the trials
an uninterrupted one would, skips the finished ones, and ends with the same table.

>>> from graphgrad.train import search, SearchSpace, LogUniform, toy_objective
>>> from concurrent.futures import ThreadPoolExecutor
>>> space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
>>> with ThreadPoolExecutor(2) as ex:
...     result = search(toy_objective, space, n_trials=6, seed=0, executor=ex)
>>> len(result.table), result.best.val_acc == max(r.val_acc for r in result.table)
(6, True)
"""
from __future__ import annotations

import json
import math
import numbers
import os
import signal
import threading
import time
import traceback
import warnings
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import numpy as np

from ..errors import GraphgradError
from .report import TrialPruned
from .space import RangeEdgeWarning, SearchSpace, SearchSpaceError
from .store import FINISHED, StoreError, TrialRecord, TrialStore


class SearchError(GraphgradError, RuntimeError):
    """A search cannot run as asked (bad arguments, a trial store from another search)."""


def trial_seed(seed: int, stage: int, index: int) -> int:
    """The seed handed to trial ``index`` of ``stage``: a pure function of the search seed.

    >>> trial_seed(0, 0, 3) == trial_seed(0, 0, 3) != trial_seed(1, 0, 3)
    True
    """
    return int(np.random.SeedSequence([int(seed), int(stage), int(index)]).generate_state(1)[0])


def plan_stage(space: SearchSpace, method: str, n_trials: int, seed: int, stage: int, grid_points: int) -> list:
    """The ``(params, trial seed)`` list of one stage, reproducible from its arguments.

    >>> from graphgrad.train import LogUniform, SearchSpace
    >>> space = SearchSpace(lr=LogUniform(1e-3, 1e-1))
    >>> [p for p, _ in plan_stage(space, "grid", n_trials=3, seed=0, stage=0, grid_points=3)]
    [{'lr': 0.001}, {'lr': 0.01}, {'lr': 0.1}]
    >>> plan_stage(space, "random", 4, 0, 0, 3) == plan_stage(space, "random", 4, 0, 0, 3)
    True
    """
    if method == "random":
        rng = np.random.default_rng([int(seed), int(stage), 0x5EA7C4])
        params = [space.sample(rng) for _ in range(n_trials)]
    elif method == "grid":
        params = space.grid(grid_points)
    else:
        raise SearchError(f"search: method must be 'random' or 'grid', got {method!r}")
    return [(p, trial_seed(seed, stage, i)) for i, p in enumerate(params)]


class _TrialTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise _TrialTimeout()


def run_trial(trial_fn, params: dict, seed: int, timeout: float | None = None, metric: str = "val_acc") -> dict:
    """Run one trial in a worker and package its outcome (never raises: errors are results).

    ``timeout`` (seconds) stops the trial with a SIGALRM where it runs in a process's main
    thread (process-pool workers, a one-at-a-time Optuna search); the search process also
    gives up on a trial that overruns elsewhere (threads), which then finishes unseen.
    ``metric`` is what the search optimises: ``val_acc`` (then it must be returned),
    ``train_acc``, or a key of the last history row (e.g. ``loss``); a trial without it fails.

    >>> run_trial(toy_objective, {"lr": 1e-3, "reg": 1e-4}, seed=0)["status"]
    'done'
    >>> from functools import partial
    >>> run_trial(partial(toy_objective, sleep=5), {"lr": 1e-3}, seed=0, timeout=0.2)["error"]
    'the trial ran over its 0.2 s timeout (trial_timeout)'
    """
    t0 = time.perf_counter()
    alarm = timeout is not None and hasattr(signal, "setitimer") and \
        threading.current_thread() is threading.main_thread()
    old = None
    try:
        if alarm:
            old = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, float(timeout))
        try:
            out = trial_fn(params, seed)
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old)
        if isinstance(out, (int, float)):
            out = {"val_acc": float(out)}
        if not isinstance(out, dict) or ("val_acc" not in out and metric == "val_acc"):
            raise TypeError(f"trial function must return a dict with 'val_acc' (and optionally 'train_acc', "
                            f"'history', 'status'), got {type(out).__name__}")
        status = out.get("status") or "done"
        if status not in FINISHED:
            raise ValueError(f"trial function returned status {status!r}; use one of {', '.join(FINISHED)}")
        val, train = _metric(out, "val_acc"), _metric(out, "train_acc")
        if status == "done" and (val is None and metric == "val_acc" or val is not None and not math.isfinite(val)):
            status = "nan"
        history = _plain(out.get("history") or [])
        # The store keeps the history as JSON: check here, so a bad history fails this trial only.
        try:
            json.dumps(history, allow_nan=True)
        except (TypeError, ValueError) as e:
            raise TypeError(f"trial history is not JSON-serialisable ({e}); return numbers, strings, "
                            "lists and dicts only") from None
        error = out.get("error")
        if status == "done" and metric != "val_acc":
            row = history[-1] if history else {}
            v = train if metric == "train_acc" else row.get(metric)
            if v is None:
                raise ValueError(f"the trial reported no {metric!r} (the search's metric): return it in the last "
                               "row of 'history' (fit records 'loss' there each epoch)")
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise TypeError(f"trial function returned {metric}={v!r}; it must be a number")
            if not math.isfinite(v):
                status = "nan"
        return {"status": status, "val_acc": val, "train_acc": train, "history": history,
                "error": None if error is None else str(error), "wall_time": time.perf_counter() - t0}
    except _TrialTimeout:
        return _failed(timed_out(timeout), time.perf_counter() - t0)
    except TrialPruned as e:   # a pruner stopped it (Optuna back end): a result, not an error
        return {"status": "pruned", "val_acc": None, "train_acc": None, "history": [], "error": str(e),
                "wall_time": time.perf_counter() - t0}
    except Exception as e:  # a failing trial must not end the search
        tb = traceback.format_exception_only(type(e), e)[-1].strip()
        return {"status": "failed", "val_acc": None, "train_acc": None, "history": [], "error": tb,
                "wall_time": time.perf_counter() - t0}


def _metric(out: dict, key: str):
    """A trial's accuracy as a float (or None), with a clear error for anything else."""
    v = out.get(key)
    if v is None:
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        raise TypeError(f"trial function returned {key}={v!r}; it must be a number or None") from None


def _plain(history):
    """Per-epoch metrics as JSON-ready builtins (numpy scalars become floats)."""
    out = []
    for row in history:
        out.append({str(k): (float(v) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else
                             [float(x) for x in v] if isinstance(v, (list, tuple, np.ndarray)) else v)
                    for k, v in dict(row).items()})
    return out


@dataclass
class SearchResult:
    """What a search found: the sorted table of finished trials and each stage's space.

    >>> from graphgrad.train import LogUniform, SearchSpace
    >>> res = search(toy_objective, SearchSpace(lr=LogUniform(1e-5, 1e-1)), n_trials=3)
    >>> res.best is res.table[0], res.ran, res.storage
    (True, 3, ':memory:')
    """

    table: list
    spaces: list
    storage: str
    interrupted: int = 0
    skipped: int = 0
    ran: int = 0
    warnings: list = field(default_factory=list)
    metric: str = "val_acc"
    direction: str = "maximize"

    @property
    def best(self) -> TrialRecord | None:
        """The best trial by the search's ``metric`` and ``direction`` (highest validation
        accuracy unless the search said otherwise); None when nothing finished."""
        return self.table[0] if self.table else None

    def format(self, limit: int | None = None) -> str:
        """The results table as text (see :func:`format_table`)."""
        return format_table(self.table, limit=limit, metric=self.metric)


def format_table(records: list, limit: int | None = None, metric: str | None = None) -> str:
    """A plain-text results table, in the order given (a search's table: best first). A
    ``metric`` other than the accuracies (e.g. ``"loss"``) gets a column of its own.

    >>> from graphgrad.train.store import TrialRecord
    >>> print(format_table([TrialRecord(1, 0, 0, 1, {"lr": 0.001}, 5, "done", [], 0.9, 0.8, 1.5)]))
    rank  stage  trial  status  val_acc  train_acc  lr        time(s)
       1      0      0  done     0.8000     0.9000  1.00e-03      1.5
    """
    from .store import metric_value
    names = sorted({k for r in records for k in r.params})
    extra = [metric] if metric not in (None, "val_acc", "train_acc") else []
    head = ["rank", "stage", "trial", "status"] + extra + ["val_acc", "train_acc"] + names + ["time(s)"]
    rows = []
    for rank, r in enumerate(records[:limit] if limit else records, 1):
        def acc(x):
            return "-" if x is None else f"{x:.4f}"
        vals = []
        for n in names:
            v = r.params.get(n)
            vals.append(f"{v:.2e}" if isinstance(v, float) else str(v))
        own = [("-" if metric_value(r, m) is None else f"{metric_value(r, m):.4g}") for m in extra]
        rows.append([str(rank), str(r.stage), str(r.index), r.status] + own + [acc(r.val_acc), acc(r.train_acc)] + vals
                    + ["-" if r.wall_time is None else f"{r.wall_time:.1f}"])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    left = {3} | set(range(6 + len(extra), 6 + len(extra) + len(names)))   # text-like columns align left

    def line(cells):
        return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return "\n".join([line(head)] + [line(r) for r in rows])


def check_picklable(trial_fn):
    """Worker processes receive the trial function by pickling: catch lambdas and local
    functions here, with a clear message, instead of failing every trial (both back ends).

    >>> check_picklable(toy_objective)        # a top-level function: fine
    """
    import pickle
    try:
        pickle.dumps(trial_fn)
    except Exception as e:
        name = getattr(trial_fn, "__qualname__", repr(trial_fn))
        raise SearchError(f"search: trial function {name!r} cannot be sent to worker processes ({type(e).__name__}: "
                          f"{e}); define it at the top level of an importable module (functools.partial of such a "
                          "function works), or pass executor=ThreadPoolExecutor(...)") from None


def default_workers() -> int:
    """How many trials run at once when nothing says: the CPU count, 1 to 4.

    >>> 1 <= default_workers() <= 4
    True
    """
    return max(1, min(4, os.cpu_count() or 1))


def capacity(executor, max_in_flight, max_workers):
    """How many trials to keep in flight: what the caller said, else the executor's size.

    A dask executor's size is the cluster's thread count, read again at every submission
    (the client keeps it current), so the search follows a cluster that grows or shrinks;
    the driver's own CPU count says nothing about the cluster. Returns a function.

    >>> capacity(None, 3, None)()
    3
    """
    fixed = max_in_flight or max_workers or getattr(executor, "_max_workers", None)
    if fixed:
        return lambda: fixed
    client = getattr(executor, "_client", None)
    if client is not None and hasattr(client, "scheduler_info"):
        seen = {"at": -math.inf, "n": 1}

        def cluster_threads():
            if time.monotonic() - seen["at"] > 1.0:   # one scheduler round trip a second at most
                seen["at"] = time.monotonic()
                try:
                    info = client.scheduler_info()
                    n = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
                    seen["n"] = max(1, n or int(info.get("total_nthreads", 0) or 0))
                except Exception:   # a client that lost its scheduler: the retries report that
                    pass
            return seen["n"]
        return cluster_threads
    n = default_workers()
    return lambda: n


def _watch_parent(parent: int):
    """Worker initializer: exit when the search process dies (SIGKILL or SIGTERM leaves a
    process pool's workers waiting on their queue forever otherwise)."""
    import threading

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)
    threading.Thread(target=watch, name="graphgrad-parent-watch", daemon=True).start()


def own_pool(workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers exit when this process dies (no process starts before a submit).

    >>> pool = own_pool(2)
    >>> pool._max_workers
    2
    >>> pool.shutdown()
    """
    return ProcessPoolExecutor(workers, initializer=_watch_parent, initargs=(os.getpid(),))


def search(trial_fn, space: SearchSpace, n_trials: int = 20, *, method: str = "random", stages: int = 1,
           top_k: int = 3, grid_points: int = 3, seed: int = 0, storage: str | os.PathLike | None = None,
           resume: bool = True, executor: Executor | None = None, max_workers: int | None = None,
           max_in_flight: int | None = None, edge_fraction: float = 0.05, progress: bool = False,
           on_trial=None, retries: int = 2, trial_timeout: float | None = None, backend: str = "builtin", sampler="tpe", pruner=None,
           direction: str = "maximize", metric: str = "val_acc", study_name: str = "graphgrad-search",
           heartbeat: int | None = None) -> SearchResult:
    """Run (or resume) a hyperparameter search and return its sorted results table.

    ``trial_fn(params, seed) -> {"val_acc": ..., "train_acc": ..., "history": [...]}`` must be
    a top-level (picklable) function when the executor uses processes; it should be
    deterministic given ``(params, seed)``. ``stages > 1`` is coarse-to-fine: each stage
    searches ``space`` narrowed around the ``top_k`` trials of the previous one (a
    :class:`RangeEdgeWarning` says when the best sits at a range edge).

    ``storage`` is a SQLite file (created if missing); ``None`` keeps trials in memory.
    Running the same search against the same store resumes it (``resume=False`` refuses a
    store that already holds trials). ``executor`` defaults to a process pool of
    ``max_workers``; any ``concurrent.futures.Executor`` works, e.g. a dask.distributed
    client's ``get_executor()``; trials in flight follow the executor's size (a dask cluster's
    thread count). ``on_trial(record)`` is called after each trial is stored.

    A trial the executor loses (cancelled, a lost dask worker, a gone scheduler) is recorded
    ``interrupted``, never ``failed``, and resubmitted up to ``retries`` times; after that the
    search stops with :class:`SearchError` and the same call resumes it. ``trial_timeout``
    (seconds) fails a trial that runs longer (stopped in process-pool workers; abandoned in
    threads). A random search's budget may grow: ``n_trials=40`` on a 20-trial store runs the
    20 new trials of the same plan.

    ``backend="optuna"`` (``pip install 'graphgrad[search]'``) runs the search on an Optuna
    study instead: ``sampler`` ("tpe", "random", "cmaes" or a sampler object), ``pruner``
    ("median": stop trials whose per-epoch ``metric`` from ``fit`` trails the median),
    ``direction`` and ``metric`` (e.g. ``metric="loss", direction="minimize"``), and
    ``storage`` an SQLite file or a database URL shared by several machines (see
    :mod:`graphgrad.train.optuna_search`). Its trials run in ``executor`` too (``max_workers``
    processes by default; threads for a pruning search on an in-memory study), with the same
    ``retries`` of executor failures; trial ``k`` is sampled from the trials finished at
    positions ``<= k - max_in_flight``, so one driver's study is reproducible from ``seed`` and
    the number of trials in flight. ``heartbeat`` (seconds; the default is 10 for a database
    URL, off for an SQLite file, 0 turns it off) is Optuna's heartbeat: each driver beats for
    its trials in flight, and a trial whose driver fell silent for ``2 * heartbeat`` seconds on
    any machine is failed (``interrupted``) and its point run again by a live driver (at most
    ``retries`` times, then recorded ``failed``). With heartbeats a driver returns when every
    position of the study is finished, by whichever driver. ``progress=True`` shows the same
    bar on both back ends.

    >>> from graphgrad.train import LogUniform, SearchSpace, toy_objective
    >>> space = SearchSpace(lr=LogUniform(1e-5, 1e-1))
    >>> res = search(toy_objective, space, n_trials=4, storage="runs/lr.sqlite")
    >>> res = search(toy_objective, space, n_trials=6, storage="runs/lr.sqlite")  # 2 more trials
    >>> len(res.table), [r.status for r in res.table].count("done")
    (6, 6)
    >>> print(res.format(limit=1))
    rank  stage  trial  status  val_acc  train_acc  lr        time(s)
       1      0      2  done     1.0124     1.0000  8.83e-04      ...
    """
    if not isinstance(space, SearchSpace):
        raise SearchError(f"search: space must be a SearchSpace, got {type(space).__name__}")
    if not callable(trial_fn):
        raise SearchError(f"search: trial_fn must be callable, got {trial_fn!r}")
    for name, v in (("n_trials", n_trials), ("stages", stages), ("top_k", top_k), ("grid_points", grid_points),
                    ("max_workers", max_workers), ("max_in_flight", max_in_flight)):
        if v is None and name in ("max_workers", "max_in_flight"):
            continue   # None: use the executor's size
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise SearchError(f"search: {name} must be a positive integer, got {v!r}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise SearchError(f"search: seed must be an integer, got {seed!r}")
    if isinstance(retries, bool) or not isinstance(retries, numbers.Integral) or retries < 0:
        raise SearchError(f"search: retries must be a non-negative integer, got {retries!r}")
    if trial_timeout is not None and (isinstance(trial_timeout, bool) or not isinstance(trial_timeout, numbers.Real)
                                      or not 0 < trial_timeout < math.inf):
        raise SearchError(f"search: trial_timeout must be a positive number of seconds or None, got {trial_timeout!r}")
    if isinstance(edge_fraction, bool) or not isinstance(edge_fraction, numbers.Real) or \
            not 0 <= edge_fraction < 0.5:
        raise SearchError(f"search: edge_fraction must be a number in [0, 0.5), got {edge_fraction!r}")
    if direction not in ("maximize", "minimize"):
        raise SearchError(f"search: direction must be 'maximize' or 'minimize', got {direction!r}")
    if not isinstance(metric, str) or not metric:
        raise SearchError(f"search: metric must be the name of a trial result, e.g. 'val_acc' or 'loss', "
                          f"got {metric!r}")
    if backend == "optuna":
        if stages != 1 or method != "random":
            raise SearchError("search: the Optuna back end runs one stage of sampled trials; leave stages and "
                              "method at their defaults (its sampler refines)")
        from . import optuna_search
        return optuna_search.run(trial_fn, space, int(n_trials), seed=int(seed), storage=storage, sampler=sampler,
                                 pruner=pruner, direction=direction, metric=metric, study_name=study_name,
                                 on_trial=on_trial, trial_timeout=trial_timeout, executor=executor,
                                 max_workers=max_workers, max_in_flight=max_in_flight, retries=int(retries),
                                 heartbeat=heartbeat, progress=progress)
    if backend != "builtin":
        raise SearchError(f"search: backend must be 'builtin' or 'optuna', got {backend!r}")
    if heartbeat:
        raise SearchError("search: heartbeat= is an option of backend='optuna' (its database storage); the "
                          "built-in store finds a dead search on its own host by its process id")
    settings = {"method": method, "seed": int(seed), "top_k": int(top_k),
                "grid_points": int(grid_points) if method == "grid" else None,
                "n_trials": int(n_trials) if method == "random" else None}
    if (metric, direction) != ("val_acc", "maximize"):
        # Recorded only when not the default, so stores written before searches had them
        # (which maximise val_acc) and default searches agree.
        settings.update(metric=metric, direction=direction)
    if method not in ("random", "grid"):
        raise SearchError(f"search: method must be 'random' or 'grid', got {method!r}")
    store = TrialStore(storage if storage is not None else ":memory:")
    own_executor = executor is None
    result = SearchResult([], [], store.path, metric=metric, direction=direction)
    try:
        if not resume and not store.is_new and store.trials():
            raise SearchError(f"search: trial store {store.path!r} already holds trials and resume=False; "
                              "pass resume=True to continue it or choose a new file")
        store.initialise(space, settings)
        result.interrupted = store.claim()
        if own_executor or isinstance(executor, ProcessPoolExecutor):
            check_picklable(trial_fn)
        if own_executor:
            executor = own_pool(max_workers or default_workers())
        with TrialPool(executor, owned=own_executor) as pool:
            cap = capacity(executor, max_in_flight, max_workers)
            bar = progress_bar() if progress else None
            stage_space = space
            for stage in range(int(stages)):
                if stage > 0:
                    # The table is sorted by the search's metric and direction: refine around its best.
                    best = [r.params for r in store.table(stage - 1) if r.status == "done"][:top_k]
                    if not best:
                        raise SearchError(f"search: stage {stage - 1} has no successful trial to refine around "
                                          "(every trial failed or diverged); see the table's error column")
                    with warnings.catch_warnings(record=True) as caught:
                        warnings.simplefilter("always", RangeEdgeWarning)
                        stage_space = stage_space.refine(best, edge_fraction=edge_fraction)
                    for w in caught:
                        result.warnings.append(str(w.message))
                        warnings.warn(w.message, w.category, stacklevel=2)
                store.record_stage(stage, stage_space)
                result.spaces.append(stage_space)
                plan = plan_stage(stage_space, method, int(n_trials), seed, stage, grid_points)
                done = store.finished(stage)
                todo = []
                for index, (params, tseed) in enumerate(plan):
                    rec = done.get((stage, index))
                    if rec is None:
                        todo.append((index, params, tseed))
                        continue
                    if _as_stored(rec.params) != _as_stored(params) or rec.seed != tseed:
                        raise StoreMismatch(store.path, stage, index, rec.params, params)
                    result.skipped += 1
                if bar is not None:
                    bar.total = (bar.total or 0) + len(plan)
                    bar.update(len(plan) - len(todo))
                _run_stage(store, pool, trial_fn, stage, todo, cap, bar, result, on_trial, retries, trial_timeout,
                           metric)
            result.table = store.table()
            if bar is not None:
                bar.close()
        store.release()
        return result
    finally:
        store.close()


def progress_bar(total=None):
    """The search's progress bar (one per search, on either back end): trials, not epochs.

    >>> bar = progress_bar(3)
    >>> bar.total
    3
    >>> bar.close()
    """
    from tqdm.auto import tqdm  # lazy: keep `import graphgrad` light
    return tqdm(total=total, desc="search", unit="trial")


class TrialPool:
    """The executor trials go to. A process pool whose worker died (a trial called
    ``os._exit`` or was SIGKILLed) is broken for good: it is swapped for a fresh pool of the
    same size, which this search owns and shuts down; the caller's executor is left as is.
    ``owned=True``: the search made ``executor`` too, so it is shut down with the rest.

    Used as a context manager, leaving the block shuts down what the search made: waiting
    for it after a normal end, cancelling queued trials at once after an error (nobody
    would record them; Ctrl-C returns promptly).

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> ex = ThreadPoolExecutor(1)
    >>> with TrialPool(ex) as pool:
    ...     pool.replaceable                    # threads do not die with a trial
    False
    >>> ex.shutdown()                           # the caller's executor: the pool left it running
    """

    def __init__(self, executor, owned: bool = False):
        self.executor = executor
        self._owned = [executor] if owned else []     # what this search made and shuts down

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close(wait=exc_type is None)
        return False

    @property
    def replaceable(self) -> bool:
        return isinstance(self.executor, ProcessPoolExecutor)

    def replace(self):
        workers = getattr(self.executor, "_max_workers", None) or default_workers()
        self.executor = own_pool(workers)
        self._owned.append(self.executor)

    def close(self, wait: bool):
        for ex in self._owned:
            ex.shutdown(wait=wait, cancel_futures=True)
        self._owned = []


def _as_stored(params: dict) -> str:
    """Params as the store holds them (JSON: tuples become lists), for comparison."""
    return json.dumps(params, sort_keys=True)


class StoreMismatch(SearchError):
    """A store's trial differs from the one this search plans at the same (stage, index)."""

    def __init__(self, path, stage, index, stored, planned):
        super().__init__(f"search: trial store {path!r} holds stage {stage} trial {index} with params {stored}, "
                         f"but this search plans {planned}; it was written by a different search")


# why a trial failed when its worker process died (both back ends say it the same way)
WORKER_DIED = ("its worker process died while it ran (the trial called os._exit, was killed by a signal, "
                "or ran out of memory)")


def _run_stage(store, pool, trial_fn, stage, todo, cap, bar, result, on_trial, retries=2, timeout=None,
               metric="val_acc"):
    """Submit at most ``cap()`` trials at a time; record each start and end in the store.

    When a worker process dies, the pool fails every trial in flight and cannot say which
    one killed it: those trials are marked ``interrupted`` and rerun one at a time in a fresh
    pool, so the trial that kills its worker alone is recorded ``failed`` and the others
    finish normally.

    Any other exception from a future is the executor's, never the trial's (``run_trial``
    turns every trial error into a result): a cancelled future, a lost dask worker, a gone
    scheduler. Such a trial is recorded ``interrupted`` (not a result) and resubmitted up to
    ``retries`` times; then the search stops with a :class:`SearchError`, leaving every
    unfinished trial to a resumed search (never refining a next stage around a partial one).
    """
    pending = {}
    queue = list(todo)
    suspects = []     # trials in flight when a worker died, to rerun alone
    alone = set()     # futures of suspects running alone: a death now is theirs
    lost = {}         # trial index -> how many times the executor lost it
    started = {}      # future -> when it was submitted (for trial_timeout)

    def executor_lost(tid, task, e):
        reason = f"{type(e).__name__}: {e}".rstrip(": ")
        store.interrupt_trial(tid, f"the executor lost this trial ({reason}); it is rerun, not a result")
        n = lost[task[0]] = lost.get(task[0], 0) + 1
        if n > retries:
            raise SearchError(f"search: the executor lost trial {task[0]} of stage {stage} {n} times (last: "
                              f"{reason}); it and the trials in flight are recorded as interrupted, not failed: "
                              "check the executor (is the dask scheduler up?) and run the same search again to "
                              "resume it")
        queue.insert(0, task)

    try:
        while queue or pending or suspects:
            if suspects:
                if not pending:   # run suspects one at a time, once the broken pool has reported
                    task = suspects.pop(0)
                    try:
                        alone.add(_submit(store, pool, trial_fn, stage, *task, pending, timeout, started, metric))
                    except _SubmitFailed as e:
                        executor_lost(e.tid, task, e.error)
            else:
                while queue and len(pending) < cap():
                    task = queue.pop(0)
                    try:
                        _submit(store, pool, trial_fn, stage, *task, pending, timeout, started, metric)
                    except _SubmitFailed as e:
                        executor_lost(e.tid, task, e.error)
            if not pending:
                continue
            if timeout is None:
                finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            else:
                # The worker stops an overrunning trial itself where it can (SIGALRM); give
                # up here on one that still overruns (a thread cannot be stopped): failed.
                limit = 1.1 * timeout + 1.0
                first = min(started[f] for f in pending)
                finished, _ = wait(list(pending), timeout=max(0.0, first + limit - time.monotonic()),
                                   return_when=FIRST_COMPLETED)
                for fut in [f for f in pending if f not in finished and time.monotonic() - started[f] >= limit]:
                    tid, task = pending.pop(fut)
                    fut.cancel()
                    store.finish_trial(tid, "failed", wall_time=time.monotonic() - started[fut],
                                       error=timed_out(timeout))
                    result.ran += 1
                    if on_trial is not None:
                        on_trial(store.trial(tid))
                if not finished:
                    continue
            broken = False
            # Store in submission order among those finished together, so ids are stable.
            for fut in sorted(finished, key=lambda f: pending[f][0]):
                tid, task = pending[fut]
                try:
                    out = fut.result()
                except BrokenProcessPool:
                    broken = True
                    if fut not in alone and pool.replaceable:
                        store.interrupt_trial(tid, "a worker process died while this trial was in flight; "
                                                   "rerun alone")
                        suspects.append(task)
                        del pending[fut]
                        continue
                    out = _failed(f"trial {task[0]} of stage {stage}: {WORKER_DIED}")
                except BaseException as e:   # the executor's failure, not the trial's (see above)
                    if isinstance(e, KeyboardInterrupt):
                        raise
                    del pending[fut]
                    alone.discard(fut)
                    executor_lost(tid, task, e)
                    continue
                alone.discard(fut)
                try:
                    store.finish_trial(tid, out["status"], val_acc=out["val_acc"], train_acc=out["train_acc"],
                                       history=out["history"], wall_time=out["wall_time"], error=out["error"])
                except (TypeError, ValueError) as e:   # a result the store cannot hold fails this trial only
                    store.finish_trial(tid, "failed", wall_time=out.get("wall_time"),
                                       error=f"the trial's result cannot be stored: {e}")
                del pending[fut]
                result.ran += 1
                if bar is not None:
                    bar.update(1)
                if on_trial is not None:
                    on_trial(store.trial(tid))
            if broken and pool.replaceable:
                pool.replace()
    except BaseException as e:
        # Ctrl-C, an executor that keeps failing, or an error in this process: the trials in
        # flight will never report back. Mark them now so the store is honest; a resumed
        # search reruns them.
        for fut, (tid, _) in pending.items():
            if fut is not None:
                fut.cancel()
            try:
                store.interrupt_trial(tid, f"search stopped ({type(e).__name__}) while the trial ran")
            except StoreError:   # a full disk or a lost lock: resume marks it interrupted instead
                pass
        raise


class _SubmitFailed(Exception):
    """The executor refused a trial (e.g. its dask client has closed)."""

    def __init__(self, tid, error):
        super().__init__(str(error))
        self.tid, self.error = tid, error


def _submit(store, pool, trial_fn, stage, index, params, tseed, pending, timeout=None, started=None,
            metric="val_acc"):
    """Record trial ``index`` as running and hand it to the pool; returns its future."""
    tid = store.start_trial(stage, index, params, tseed)
    try:
        try:
            fut = pool.executor.submit(run_trial, trial_fn, params, tseed, timeout, metric)
        except BrokenProcessPool:
            if not pool.replaceable:
                raise
            pool.replace()   # the pool broke after its last result came back
            fut = pool.executor.submit(run_trial, trial_fn, params, tseed, timeout, metric)
    except Exception as e:
        raise _SubmitFailed(tid, e) from None
    except BaseException:
        pending[None] = (tid, (index, params, tseed))   # Ctrl-C: the handler marks it interrupted
        raise
    pending[fut] = (tid, (index, params, tseed))
    if started is not None:
        started[fut] = time.monotonic()
    return fut


def _failed(error: str, wall_time=None) -> dict:
    return {"status": "failed", "val_acc": None, "train_acc": None, "history": [], "error": error,
            "wall_time": wall_time}


def timed_out(timeout) -> str:
    """Why a trial failed when it ran over ``trial_timeout`` (both back ends).

    >>> timed_out(2.5)
    'the trial ran over its 2.5 s timeout (trial_timeout)'
    """
    return f"the trial ran over its {timeout:g} s timeout (trial_timeout)"


def toy_objective(params: dict, seed: int, sleep: float = 0.0) -> dict:
    """A cheap stand-in for training, for demos and tests: a bowl in (log lr, log reg) with
    seeded noise, peaking near ``lr=1e-3, reg=1e-4``. Deterministic in ``(params, seed)``.
    ``sleep`` seconds per trial imitate a slow trial (use ``functools.partial``).

    >>> toy_objective({"lr": 1e-3, "reg": 1e-4}, seed=0)["val_acc"] > 0.85
    True
    """
    if sleep:
        time.sleep(sleep)
    lr, reg = float(params.get("lr", 1e-3)), float(params.get("reg", 1e-4))
    if lr > 0.5:
        return {"val_acc": float("nan"), "status": "nan", "error": f"loss became NaN at learning rate {lr:.3g}"}
    noise = np.random.default_rng(seed).normal(scale=0.01)
    d = (math.log10(lr) + 3) ** 2 / 4 + (math.log10(reg) + 4) ** 2 / 16
    val = 0.9 * math.exp(-d) + 0.1 + noise
    history = [{"epoch": e, "loss": 2.3 * math.exp(-e * val), "val_acc": val * (1 - 0.5 ** (e + 1))}
               for e in range(3)]
    return {"val_acc": val, "train_acc": min(1.0, val + 0.05), "history": history}

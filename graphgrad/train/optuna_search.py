"""The Optuna back end of :func:`graphgrad.train.search` (``backend="optuna"``; needs
``pip install 'graphgrad[search]'``).

The same ``trial_fn(params, seed)`` and :class:`SearchSpace` run on an Optuna study:
Optuna's samplers (``"tpe"``, ``"random"``, ``"cmaes"`` or a sampler object), pruning from
the per-epoch results ``fit`` reports (``pruner="median"``), and Optuna's storage (an SQLite
file by default, or a database URL that several machines share: run the same ``search``
on each, and they fill one study), which ``optuna-dashboard`` shows live.

Reproducible like the built-in store: trial ``k`` (counting finished trials) is sampled by
a sampler seeded from ``(seed, k)`` and trained with the built-in seed of trial ``k``, so a
search killed with SIGKILL and run again ends with the same finished trials as an
uninterrupted one (one driver, one trial at a time). A trial the killed driver left
``RUNNING`` is marked ``FAIL`` (user attribute ``interrupted``) and run again.

>>> from graphgrad.train import search, SearchSpace, LogUniform, toy_objective
>>> res = search(toy_objective, SearchSpace(lr=LogUniform(1e-5, 1e-1)), n_trials=4, backend="optuna",
...              sampler="tpe", seed=0, storage="lr.sqlite")
>>> len(res.table), res.best.val_acc == max(r.val_acc for r in res.table)
(4, True)
>>> import optuna
>>> optuna.load_study(study_name=None, storage="sqlite:///lr.sqlite").trials[0].state.name
'COMPLETE'
"""
from __future__ import annotations

import datetime
import math
import os
import socket

import numpy as np

from .report import TrialPruned, listening
from .space import Choice, Conditional, Int, LogUniform, SearchSpace, SearchSpaceError, Uniform
from .store import TrialRecord, _pid_alive

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
        on_trial=None, trial_timeout=None):
    """Run (or resume) the search on an Optuna study; returns a :class:`SearchResult`."""
    from .search import SearchError, SearchResult, run_trial, trial_seed
    optuna = require_optuna()
    if direction not in ("maximize", "minimize"):
        raise SearchError(f"search: direction must be 'maximize' or 'minimize', got {direction!r}")
    url = storage_url(storage)
    study = optuna.create_study(study_name=study_name, storage=url, direction=direction, load_if_exists=True,
                                pruner=make_pruner(optuna, pruner), sampler=make_sampler(optuna, sampler, seed))
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
    interrupted = _fail_dead_trials(optuna, study)
    result = SearchResult([], [space], url if isinstance(url, str) else ":memory:", interrupted=interrupted)
    TrialState = optuna.trial.TrialState
    while True:
        done = [t for t in study.get_trials(deepcopy=False)
                if t.state in (TrialState.COMPLETE, TrialState.PRUNED)
                or (t.state == TrialState.FAIL and not t.user_attrs.get("interrupted"))]
        k = len(done)
        if k >= n_trials:
            break
        study.sampler = make_sampler(optuna, sampler, _position_seed(seed, k))
        trial = study.ask()
        params = suggest(trial, space)
        tseed = trial_seed(seed, 0, k)
        trial.set_user_attr("graphgrad_seed", tseed)
        trial.set_user_attr("graphgrad_position", k)
        trial.set_user_attr("graphgrad_params", params)
        trial.set_user_attr("driver", _me())

        def listen(epoch, row, trial=trial):
            v = row.get(metric)
            if isinstance(v, (int, float)) and math.isfinite(v):
                trial.report(float(v), int(epoch))
                if trial.should_prune():
                    raise TrialPruned(f"pruned at epoch {epoch} ({metric}={v:.4g})")
        with listening(listen):
            out = run_trial(trial_fn, params, tseed, trial_timeout)
        for key in ("val_acc", "train_acc", "wall_time"):
            trial.set_user_attr(key, out.get(key))
        trial.set_user_attr("history", out.get("history") or [])
        if out.get("error"):
            trial.set_user_attr("error", out["error"])
        value = _metric_value(out, metric)
        if out["status"] == "pruned":
            study.tell(trial, state=TrialState.PRUNED)
        elif out["status"] == "done" and value is not None and math.isfinite(value):
            study.tell(trial, value)
        else:
            trial.set_user_attr("status", out["status"])
            study.tell(trial, state=TrialState.FAIL)
        result.ran += 1
        if on_trial is not None:
            on_trial(to_record(study.trials[-1] if url is None else study._storage.get_trial(trial._trial_id)))
    result.table = table(study)
    result.skipped = max(0, n_trials - result.ran)
    return result


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
            dead = d.get("host") == socket.gethostname() and d.get("pid") != os.getpid() and not _pid_alive(d["pid"])
        if dead:
            study._storage.set_trial_user_attr(t._trial_id, "interrupted", True)
            study._storage.set_trial_state_values(t._trial_id, optuna.trial.TrialState.FAIL)
            n += 1
    return n


def to_record(t) -> TrialRecord:
    """One Optuna FrozenTrial as a graphgrad :class:`TrialRecord` (for tables and plots)."""
    ua = t.user_attrs
    status = STATE_STATUS.get(t.state.name, t.state.name.lower())
    if ua.get("interrupted"):
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
        if t.state.name in ("COMPLETE", "PRUNED", "FAIL") and not t.user_attrs.get("interrupted"):
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

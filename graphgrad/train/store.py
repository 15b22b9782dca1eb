"""The trial store: one SQLite file per hyperparameter search, written by one process only.

A search writes a row when a trial starts (status ``running``) and again when it ends
(``done``, ``failed`` or ``nan``), each in its own transaction, with WAL journaling so
readers (``graphgrad search show``) can look while the search runs and a crash loses no
finished trial. A trial left ``running`` by a dead search is marked ``interrupted`` when
the search resumes, and rerun as a new attempt.

>>> from graphgrad.train.space import SearchSpace, LogUniform
>>> store = TrialStore(":memory:")
>>> store.initialise(SearchSpace(lr=LogUniform(1e-4, 1e-1)), {"method": "random", "seed": 0})
>>> tid = store.start_trial(0, 0, {"lr": 0.01}, seed=7)
>>> store.finish_trial(tid, "done", val_acc=0.5, train_acc=0.6)
>>> [(r.params, r.val_acc) for r in store.table()]
[({'lr': 0.01}, 0.5)]
"""
from __future__ import annotations

import json
import math
import os
import socket
import sqlite3
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

from ..errors import GraphgradError
from .space import SearchSpace, SearchSpaceError

SCHEMA_VERSION = 1
FORMAT = "graphgrad-trial-store"
STATUSES = ("running", "done", "failed", "nan", "interrupted")
FINISHED = ("done", "failed", "nan")
_SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE stages (stage INTEGER PRIMARY KEY, space TEXT NOT NULL);
CREATE TABLE trials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stage INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ({", ".join(repr(s) for s in STATUSES)})),
    history TEXT,
    train_acc REAL,
    val_acc REAL,
    wall_time REAL,
    error TEXT,
    started_at REAL NOT NULL,
    finished_at REAL,
    UNIQUE (stage, idx, attempt)
);
"""


class StoreError(GraphgradError, RuntimeError):
    """A trial store cannot be used: not a graphgrad store, corrupt, or made for another search."""


@dataclass
class TrialRecord:
    """One row of the trial store."""

    id: int
    stage: int
    index: int
    attempt: int
    params: dict
    seed: int
    status: str
    history: list = field(default_factory=list)
    train_acc: float | None = None
    val_acc: float | None = None
    wall_time: float | None = None
    error: str | None = None

    def key(self) -> tuple:
        """What an uninterrupted run with the same seed reproduces exactly (no ids, no times)."""
        return (self.stage, self.index, json.dumps(self.params, sort_keys=True), self.seed, self.status,
                self.train_acc, self.val_acc)


DEFAULT_METRIC, DEFAULT_DIRECTION = "val_acc", "maximize"


def objective(settings: dict) -> tuple:
    """``(metric, direction)`` of a search from its settings; a store written before searches
    had them (or a default search, which records neither) maximises ``val_acc``.

    >>> objective({}), objective({"metric": "loss", "direction": "minimize"})
    (('val_acc', 'maximize'), ('loss', 'minimize'))
    """
    return settings.get("metric") or DEFAULT_METRIC, settings.get("direction") or DEFAULT_DIRECTION


def metric_value(r, metric: str = DEFAULT_METRIC):
    """A trial's value of ``metric``: its ``val_acc``/``train_acc``, else the metric in the
    last row of its history (what ``fit`` records each epoch, e.g. ``loss``); None if absent.

    >>> metric_value(TrialRecord(1, 0, 0, 1, {}, 0, "done", [{"loss": 0.5}], 0.9, 0.8), "loss")
    0.5
    """
    if metric in ("val_acc", "train_acc"):
        v = getattr(r, metric)
    else:
        hist = r.history or []
        v = hist[-1].get(metric) if hist and isinstance(hist[-1], dict) else None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def _sort_key(r: TrialRecord, metric: str = DEFAULT_METRIC, direction: str = DEFAULT_DIRECTION):
    v = metric_value(r, metric)
    bad = v is None or r.status != "done" and metric != DEFAULT_METRIC
    sign = -1.0 if direction == "maximize" else 1.0
    return (bad, sign * v if not bad else 0.0, r.stage, r.index)


_LIVE_TOKENS = set()   # stores this process has claimed and not yet closed
BUSY_TIMEOUT_S = 10.0  # how long to wait for a store another process has locked


def _explain(path: str, e: Exception) -> str:
    """One sentence, naming the file, for an SQLite error (never a raw sqlite3 traceback)."""
    msg = str(e).lower()
    folder = os.path.dirname(os.path.abspath(path))
    if "locked" in msg or "busy" in msg:
        return (f"trial store {path!r} is locked by another process (waited {BUSY_TIMEOUT_S:g} s): wait for the "
                "program holding it to finish, or stop it, and run the same search again")
    if "full" in msg:
        return (f"trial store {path!r}: the disk is full; free some space and run the same search again to "
                "resume it (every finished trial is kept)")
    if "readonly" in msg or "read-only" in msg or "unable to open" in msg and not _writable(path, folder):
        return (f"trial store {path!r} is read-only (the file, its folder or its disk cannot be written); a "
                "search must write its store: copy it somewhere writable, or look at it with "
                "`graphgrad search show`")
    if "malformed" in msg or "not a database" in msg or "corrupt" in msg:
        return f"{path!r} is corrupt or not a graphgrad trial store ({e}); it was left untouched"
    return f"trial store {path!r} cannot be used: SQLite says {e!s}"


def _make_folder(path: str):
    """Create the store's folder, or say in one sentence why it cannot be."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        part = folder
        while part and not os.path.exists(part):
            part = os.path.dirname(part)
        raise StoreError(f"trial store {path!r} cannot be created: {part!r} is a file, not a folder") from None
    except OSError as e:
        raise StoreError(f"trial store {path!r} cannot be created: its folder {folder!r} cannot be made "
                         f"({e.strerror})") from None


def _writable(path: str, folder: str) -> bool:
    return os.access(folder, os.W_OK) and (not os.path.exists(path) or os.access(path, os.W_OK))


def _damaged(path: str, what: str, e: Exception) -> StoreError:
    return StoreError(f"trial store {path!r} holds a damaged {what} ({e}); it was changed outside graphgrad: "
                      "restore a copy, or start a new store")


def _guarded(method):
    """Turn the SQLite errors a store method can meet into one StoreError sentence."""
    import functools

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise StoreError(_explain(self.path, e)) from None
    return guarded


def pid_alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie counts as dead): is a trial's driver still there?

    >>> import os
    >>> pid_alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped) is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


class TrialStore:
    """A SQLite trial store at ``path`` (``":memory:"`` for a throwaway one).

    Opening never modifies a file that is not already a graphgrad store: anything else
    (another SQLite database, a text file, a corrupt file) raises :class:`StoreError`.
    ``readonly=True`` opens an existing store for looking only (safe while a search writes).

    >>> from graphgrad.train import LogUniform, SearchSpace, search, toy_objective
    >>> _ = search(toy_objective, SearchSpace(lr=LogUniform(1e-5, 1e-1)), n_trials=3, storage="lr.sqlite")
    >>> with TrialStore("lr.sqlite", readonly=True) as store:
    ...     [r.status for r in store.table()]
    ['done', 'done', 'done']
    >>> with open("notes.txt", "w") as f:
    ...     _ = f.write("not a store")
    >>> TrialStore("notes.txt")
    Traceback (most recent call last):
    ...
    graphgrad.train.store.StoreError: 'notes.txt' is not a graphgrad trial store (not a SQLite database); ...
    """

    def __init__(self, path: str | os.PathLike, readonly: bool = False):
        self._token = uuid.uuid4().hex   # tells two searches of one process apart
        self.path = os.fspath(path)
        self.readonly = readonly
        memory = self.path == ":memory:"
        exists = not memory and os.path.exists(self.path) and os.path.getsize(self.path) > 0
        if not memory and os.path.isdir(self.path):
            raise StoreError(f"trial store {self.path!r} is a directory, not a SQLite file")
        if exists:
            with open(self.path, "rb") as f:
                head = f.read(16)
            if head != _SQLITE_MAGIC:
                raise StoreError(f"{self.path!r} is not a graphgrad trial store (not a SQLite database); "
                                 "refusing to use or overwrite it: pass a new file name")
        elif readonly:
            raise StoreError(f"no trial store at {self.path!r}")
        elif not memory:
            _make_folder(self.path)
        try:
            if readonly:
                try:
                    # A read-write connection that only reads: as the last connection to
                    # close, it folds the WAL into the file and removes -wal/-shm (a mode=ro
                    # one would leave them behind).
                    self._open_readonly("")
                except sqlite3.OperationalError:
                    self._conn.close()
                    try:
                        self._open_readonly("mode=ro")
                    except sqlite3.OperationalError:
                        # A WAL store needs its -shm file, which cannot be created in a read-only
                        # directory (or on read-only media). No search can be writing it there.
                        self._conn.close()
                        self._open_frozen()
            else:
                self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
                self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._empty = False
            if exists and not readonly:
                self._validate()
            self.is_new = not exists or self._empty
            if not readonly:
                # WAL: readers never block the single writer; a killed writer loses no commit.
                if not memory:
                    self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = FULL")
        except BaseException as e:
            if hasattr(self, "_conn"):
                self._conn.close()   # leave no -wal/-shm beside a file that is not ours
            if isinstance(e, sqlite3.Error):
                raise StoreError(_explain(self.path, e)) from None
            raise

    # -- opening -------------------------------------------------------------------------
    def _open_readonly(self, flags: str):
        uri = "file:" + urllib.parse.quote(os.path.abspath(self.path)) + ("?" + flags if flags else "")
        self._conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)
        self._conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self._conn.execute("PRAGMA query_only = ON")
        self._validate()   # the first read: this is where a missing -shm file shows

    def _open_frozen(self):
        """Read a store where no -shm file can be made. Its -wal (a copy taken mid-search,
        a search killed on that disk) holds trials the main file lacks, and SQLite reads a
        WAL only through a -shm: read a private copy of both instead, removed on close."""
        wal = self.path + "-wal"
        if os.path.exists(wal) and os.path.getsize(wal) > 0:
            import shutil
            import tempfile
            self._tmpdir = tempfile.mkdtemp(prefix="graphgrad-store-")
            copy = os.path.join(self._tmpdir, "store.sqlite")
            shutil.copyfile(self.path, copy)
            shutil.copyfile(wal, copy + "-wal")
            uri = "file:" + urllib.parse.quote(copy) + "?mode=ro"
        else:
            uri = "file:" + urllib.parse.quote(os.path.abspath(self.path)) + "?mode=ro&immutable=1"
        self._conn = sqlite3.connect(uri, uri=True, timeout=10.0)
        self._validate()

    def _validate(self):
        c = self._conn
        tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables and not self.readonly:
            # An empty database holds nothing to lose: most likely another search has just
            # created this file and not yet its schema. Treat it as new; initialise() creates
            # the schema (or finds the other search's) under the write lock.
            self._empty = True
            return
        if not tables:
            raise StoreError(f"trial store {self.path!r} holds no trials yet (a search is creating it)")
        if "meta" not in tables:
            raise StoreError(f"{self.path!r} is an SQLite database but not a graphgrad trial store "
                             f"(tables: {', '.join(sorted(tables)) or 'none'}); refusing to touch it")
        meta = dict(c.execute("SELECT key, value FROM meta"))
        if meta.get("format") != FORMAT:
            raise StoreError(f"{self.path!r} is an SQLite database but not a graphgrad trial store "
                             f"(format {meta.get('format')!r}); refusing to touch it")
        version = int(meta.get("schema_version", -1))
        if version != SCHEMA_VERSION:
            raise StoreError(f"{self.path!r} has trial-store schema version {version}; this graphgrad "
                             f"reads version {SCHEMA_VERSION}")
        ok = c.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise StoreError(f"{self.path!r} is corrupt (SQLite quick_check: {ok}); it was left untouched")

    @_guarded
    def meta(self) -> dict:
        """The store's key/value header (format, schema_version, space, settings, owner)."""
        return dict(self._conn.execute("SELECT key, value FROM meta"))

    def space(self) -> SearchSpace | None:
        """The search space the store was made for."""
        m = self.meta()
        try:
            return SearchSpace.from_dict(json.loads(m["space"])) if "space" in m else None
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            raise _damaged(self.path, "search space", e) from None

    def settings(self) -> dict:
        """The search's settings (method, seed, n_trials, ...) recorded at creation."""
        try:
            settings = json.loads(self.meta().get("settings", "{}"))
        except ValueError as e:
            raise _damaged(self.path, "settings record", e) from None
        if not isinstance(settings, dict):
            raise _damaged(self.path, "settings record", f"not a JSON object: {settings!r}")
        return settings

    @_guarded
    def initialise(self, space: SearchSpace, settings: dict):
        """Create the schema in a new store, or check that an existing store matches this search.

        Raises :class:`StoreError` naming the first differing dimension or setting.
        """
        if self.readonly:
            raise StoreError(f"trial store {self.path!r} was opened read-only")
        if self.is_new:
            with self._conn:
                # Check and create under the write lock: of two searches racing to create one
                # store, the second finds the first one's schema and is checked against it.
                self._conn.execute("BEGIN IMMEDIATE")
                created = not self._has_schema()
                if created:
                    for stmt in _SCHEMA.split(";"):
                        if stmt.strip():
                            self._conn.execute(stmt)
                    self._conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [
                        ("format", FORMAT), ("schema_version", str(SCHEMA_VERSION)),
                        ("space", space.to_json()), ("settings", json.dumps(settings, sort_keys=True)),
                        ("created_at", repr(time.time()))])
            self.is_new = False
            if created:
                return
            self._validate()
        stored = self.space()
        diff = stored.difference(space) if stored is not None else "the store has no search space"
        if diff:
            raise SearchSpaceError(f"trial store {self.path!r} was made for a different search space: {diff}; "
                                   "use a new store file for a new search")
        old = self.settings()
        grown = _grown_budget(old, settings)
        if grown:
            if self._conn.execute("SELECT COUNT(*) FROM stages WHERE stage > 0").fetchone()[0]:
                raise StoreError(f"trial store {self.path!r} holds a finished coarse-to-fine stage; its budget "
                                 f"n_trials={old['n_trials']} can grow only before the second stage starts: "
                                 "use a new store file")
            # The random plan of n trials is the first n of a longer plan: keep what ran.
            with self._conn:
                self._conn.execute("UPDATE meta SET value = ? WHERE key = 'settings'",
                                   (json.dumps(dict(old, n_trials=settings["n_trials"]), sort_keys=True),))
            old = self.settings()
        for key in sorted(set(old) | set(settings)):
            if key == "n_trials" and old.get(key) != settings.get(key) and old.get("method") == "random":
                raise StoreError(f"trial store {self.path!r} holds a search of n_trials={old.get(key)}; a budget "
                                 f"can grow but not shrink: pass n_trials >= {old.get(key)} to resume it")
            if old.get(key) != settings.get(key):
                raise StoreError(f"trial store {self.path!r} was made by a search with {key}={old.get(key)!r}, "
                                 f"this search has {key}={settings.get(key)!r}; use a new store file")

    def _has_schema(self) -> bool:
        return bool(self._conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone())

    # -- ownership: one writer -------------------------------------------------------------
    @_guarded
    def claim(self) -> int:
        """Become the store's only writer; mark trials a dead search left ``running`` as
        ``interrupted``. Returns how many were marked. Refuses if a live search holds it,
        in another process or in this one."""
        me = {"pid": os.getpid(), "host": socket.gethostname(), "token": self._token}
        with self._conn:
            # Read, check and write the owner under the write lock, so two searches racing
            # for one store cannot both see it free.
            self._conn.execute("BEGIN IMMEDIATE")
            owner = self.owner()
            if owner and owner.get("token") != self._token and self._owner_alive(owner):
                where = "in this process" if owner["pid"] == me["pid"] else f"(pid {owner['pid']})"
                raise StoreError(f"trial store {self.path!r} is being written by a running search {where}; "
                                 "only one search may write a store at a time")
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('owner', ?)", (json.dumps(me),))
            n = self._conn.execute("UPDATE trials SET status = 'interrupted', finished_at = ?, "
                                   "error = 'search process died while the trial ran' "
                                   "WHERE status = 'running'", (time.time(),)).rowcount
        _LIVE_TOKENS.add(self._token)
        return n

    def owner(self) -> dict | None:
        """The search that holds the store (``{"pid", "host", ...}``), or None."""
        try:
            owner = json.loads(self.meta().get("owner", "null") or "null")
        except ValueError:
            return None
        return owner if isinstance(owner, dict) and "pid" in owner else None

    @staticmethod
    def _owner_alive(owner: dict) -> bool | None:
        """True/False for a search on this host; None when it runs elsewhere (unknowable)."""
        if owner.get("host") != socket.gethostname():
            return None
        if owner["pid"] == os.getpid():
            # This process: alive only while that search's store is open (a search that
            # stopped with an error keeps the owner row, and may be rerun here).
            return owner.get("token") in _LIVE_TOKENS
        return pid_alive(owner["pid"])

    def search_running(self) -> bool | None:
        """Whether a live search writes this store (None: it was written on another host)."""
        owner = self.owner()
        return False if owner is None else self._owner_alive(owner)

    @_guarded
    def release(self):
        """Give up ownership (the search finished) and fold the WAL into the database file, so
        the ``.sqlite`` alone holds every trial (a copy without its ``-wal`` misses nothing)."""
        with self._conn:
            self._conn.execute("DELETE FROM meta WHERE key = 'owner' AND value LIKE ?", (f'%"{self._token}"%',))
        _LIVE_TOKENS.discard(self._token)
        self.checkpoint()

    def checkpoint(self):
        """Copy the WAL into the database and truncate it (a no-op for other journal modes)."""
        if self.path != ":memory:" and not self.readonly:
            try:
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            except sqlite3.OperationalError:   # busy: the last connection to close does it
                pass

    # -- stages ------------------------------------------------------------------------------
    @_guarded
    def stage_space(self, stage: int) -> SearchSpace | None:
        """The (refined) space searched in ``stage``, or None if not started."""
        row = self._conn.execute("SELECT space FROM stages WHERE stage = ?", (stage,)).fetchone()
        try:
            return SearchSpace.from_dict(json.loads(row[0])) if row else None
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            raise _damaged(self.path, f"space record for stage {stage}", e) from None

    @_guarded
    def record_stage(self, stage: int, space: SearchSpace):
        """Remember the (refined) space of a stage; a resumed search must derive the same one."""
        old = self.stage_space(stage)
        if old is not None:
            diff = old.difference(space)
            if diff:
                raise StoreError(f"trial store {self.path!r}: stage {stage} was searched over a different "
                                 f"space ({diff}); the earlier stages' results changed")
            return
        with self._conn:
            self._conn.execute("INSERT INTO stages (stage, space) VALUES (?, ?)", (stage, space.to_json()))

    # -- trials ------------------------------------------------------------------------------
    @_guarded
    def start_trial(self, stage: int, index: int, params: dict, seed: int) -> int:
        """Insert a ``running`` row (one transaction); returns its id."""
        with self._conn:
            prev = self._conn.execute("SELECT COALESCE(MAX(attempt), 0) FROM trials WHERE stage = ? AND idx = ?",
                                      (stage, index)).fetchone()[0]
            cur = self._conn.execute(
                "INSERT INTO trials (stage, idx, attempt, params, seed, status, started_at) "
                "VALUES (?, ?, ?, ?, ?, 'running', ?)",
                (stage, index, prev + 1, json.dumps(params, sort_keys=True), int(seed), time.time()))
        return cur.lastrowid

    @_guarded
    def finish_trial(self, trial_id: int, status: str, *, val_acc=None, train_acc=None, history=None,
                     wall_time=None, error=None):
        """Record a trial's outcome (one transaction)."""
        if status not in FINISHED:
            raise ValueError(f"finish_trial: status must be one of {FINISHED}, got {status!r}")
        with self._conn:
            self._conn.execute(
                "UPDATE trials SET status = ?, val_acc = ?, train_acc = ?, history = ?, wall_time = ?, "
                "error = ?, finished_at = ? WHERE id = ?",
                (status, _num(val_acc), _num(train_acc), json.dumps(history or [], allow_nan=True),
                 wall_time, error, time.time(), trial_id))

    @_guarded
    def interrupt_trial(self, trial_id: int, reason: str):
        """Mark a ``running`` trial ``interrupted`` (its result will never arrive)."""
        with self._conn:
            self._conn.execute("UPDATE trials SET status = 'interrupted', error = ?, finished_at = ? "
                               "WHERE id = ? AND status = 'running'", (reason, time.time(), trial_id))

    def trial(self, trial_id: int) -> TrialRecord:
        """One row by id."""
        rows = [r for r in self._select("WHERE id = ?", (trial_id,))]
        if not rows:
            raise KeyError(f"trial store {self.path!r} has no trial with id {trial_id}")
        return rows[0]

    def trials(self, status=None) -> list:
        """All rows (every attempt), in insertion order, optionally filtered by status."""
        if status is None:
            return self._select("", ())
        statuses = (status,) if isinstance(status, str) else tuple(status)
        return self._select(f"WHERE status IN ({', '.join('?' * len(statuses))})", statuses)

    @_guarded
    def _select(self, where: str, args: tuple) -> list:
        q = ("SELECT id, stage, idx, attempt, params, seed, status, history, train_acc, val_acc, wall_time, error "
             f"FROM trials {where} ORDER BY id")
        rows = self._conn.execute(q, args).fetchall()
        out = []
        for r in rows:
            try:
                params, history = json.loads(r[4]), json.loads(r[7] or "[]")
            except (TypeError, ValueError) as e:
                raise _damaged(self.path, f"record for trial id {r[0]} (stage {r[1]}, trial {r[2]})", e) from None
            out.append(TrialRecord(r[0], r[1], r[2], r[3], params, r[5], r[6], history, r[8], r[9], r[10], r[11]))
        return out

    def finished(self, stage: int | None = None) -> dict:
        """{(stage, index): record} of finished trials."""
        out = {}
        for r in self.trials(FINISHED):
            if stage is None or r.stage == stage:
                out[(r.stage, r.index)] = r
        return out

    def table(self, stage: int | None = None) -> list:
        """Finished trials, best first by the search's metric and direction (validation
        accuracy, highest first, unless the search said otherwise); failed/NaN last."""
        metric, direction = objective(self.settings())
        return sorted(self.finished(stage).values(), key=lambda r: _sort_key(r, metric, direction))

    def close(self):
        """Close the connection (committed trials are already on disk)."""
        _LIVE_TOKENS.discard(self._token)
        self._conn.close()
        if getattr(self, "_tmpdir", None):
            import shutil
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _grown_budget(old: dict, new: dict) -> bool:
    """A random search asking for more trials than the store's, all else equal."""
    a, b = old.get("n_trials"), new.get("n_trials")
    same = all(old.get(k) == new.get(k) for k in set(old) | set(new) if k != "n_trials")
    return same and old.get("method") == "random" and isinstance(a, int) and isinstance(b, int) and b > a


def _num(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None

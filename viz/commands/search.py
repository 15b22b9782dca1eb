"""``graphgrad search show STORE [--plot OUT.png]``: the results table of a hyperparameter
search, read from its SQLite trial store (safe while the search is still running)."""
from __future__ import annotations

import sys


def register(subparsers):
    """Add ``graphgrad search show`` to the CLI (called by ``viz.cli.build_parser``)."""
    p = subparsers.add_parser("search", help="look at a hyperparameter search's trial store",
                              description="Inspect the SQLite trial store written by graphgrad.train.search.")
    sub = p.add_subparsers(dest="search_command", metavar="ACTION")
    show = sub.add_parser("show", help="print the results table, best first (by the search's metric)",
                          description="Print the finished trials of STORE best first by the search's metric "
                                      "(validation accuracy unless it chose another, or minimised); works "
                                      "while the search is running.")
    show.add_argument("store", help="the .sqlite file given to search(storage=...)")
    show.add_argument("--plot", metavar="OUT.png", help="also write the search scatter (val acc vs each hyperparameter)")
    show.add_argument("--limit", type=int, default=None, help="show only the best N trials")
    show.add_argument("--stage", type=int, default=None, help="only this coarse-to-fine stage")
    show.add_argument("--study", default=None, help="the study to show, in Optuna storage holding several")
    show.set_defaults(func=run_show)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_show(args) -> int:
    """Print the table (and write the scatter); returns the exit status (2: not a store)."""
    from graphgrad.train import StoreError, TrialStore, format_table
    from graphgrad.train.optuna_search import is_optuna_storage
    from graphgrad.train.store import objective
    if "://" in args.store or is_optuna_storage(args.store):
        return _show_optuna(args)
    try:
        with TrialStore(args.store, readonly=True) as store:
            space = store.space()
            settings = store.settings()
            table = store.table(args.stage)
            counts = {}
            for r in store.trials():
                counts[r.status] = counts.get(r.status, 0) + 1
            running = store.search_running()
            owner = store.owner() or {}
    except StoreError as e:
        print(f"graphgrad search show: {safe(str(e))}", file=sys.stderr)
        return 2
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no trials yet"
    if running:
        state = " (search running)"
    elif running is None:
        state = f" (written by a search on host {owner.get('host')}: it may be running)"
    elif counts.get("running"):
        state = " (the search that wrote them has stopped: running the same search again resumes it)"
    else:
        state = ""
    # Every string below comes from the store, which is data anyone can craft: escape it, so
    # no stored text can move the cursor, retitle or clear the terminal.
    print(f"store: {args.store}")
    print(f"space: {safe(repr(space))}")
    print("search: " + safe(", ".join(f"{k}={v}" for k, v in sorted(settings.items()) if v is not None)))
    print(f"trials: {safe(summary)}{safe(state)}")
    print()
    metric, direction = objective(settings)
    shown = [_safe_record(r) for r in table]
    print(format_table(shown, limit=args.limit, metric=metric) if shown else "(no finished trials yet)")
    if args.plot:
        if not table:
            print("graphgrad search show: no finished trials to plot", file=sys.stderr)
            return 1
        from ..plots import search_scatter
        print(f"\nwrote {search_scatter(table, args.plot, space=space, metric=metric, direction=direction)}")
    return 0


def safe(text) -> str:
    r"""``text`` with every character a terminal would act on, rather than show, escaped:
    C0/C1 controls (ESC sequences, BEL, backspace, newlines), DEL, and the invisible format
    characters (bidirectional overrides) that reorder what is shown.

    >>> safe("lr\x1b]0;pwned\x07\u202e")
    'lr\\x1b]0;pwned\\x07\\u202e'
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else
                   f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}" for ch in text)


def _safe_record(r):
    """A copy of a trial record whose strings (names, values, status) are escaped."""
    import dataclasses

    def val(v):
        return safe(v) if isinstance(v, str) else safe(repr(v)) if isinstance(v, (list, dict, tuple)) else v
    return dataclasses.replace(r, params={safe(k): val(v) for k, v in r.params.items()}, status=safe(r.status),
                               error=None if r.error is None else safe(r.error))


def _show_optuna(args) -> int:
    """``show`` for a search run with ``backend="optuna"`` (its SQLite file or database URL)."""
    from graphgrad.train import format_table
    from graphgrad.train.optuna_search import is_interrupted, load, table
    from graphgrad.train.store import objective
    try:
        study, space, settings = load(args.store, args.study)
    except (ImportError, ValueError, KeyError) as e:
        print(f"graphgrad search show: {safe(str(e))}", file=sys.stderr)
        return 2
    except Exception as e:   # Optuna's storage errors (SQLAlchemy): one sentence, never a traceback
        print(f"graphgrad search show: {args.store!r} cannot be read as Optuna storage "
              f"({type(e).__name__}: {safe(str(e).splitlines()[0] if str(e) else '')})", file=sys.stderr)
        return 2
    rows = table(study)
    counts = {}
    for t in study.get_trials(deepcopy=False):
        # A lost trial (its executor, a killed driver, a silent heartbeat) is not a failure.
        state = "interrupted" if is_interrupted(t) else t.state.name.lower()
        counts[state] = counts.get(state, 0) + 1
    print(f"store: {args.store} (Optuna study {safe(study.study_name)})")
    print(f"space: {safe(repr(space))}")
    print("search: " + safe(", ".join(f"{k}={v}" for k, v in sorted(settings.items()) if v is not None)))
    print("trials: " + safe(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no trials yet"))
    print()
    metric, direction = objective(settings)
    shown = [_safe_record(r) for r in rows]
    print(format_table(shown, limit=args.limit, metric=metric) if shown else "(no finished trials yet)")
    if args.plot and rows:
        from ..plots import search_scatter
        print(f"\nwrote {search_scatter(rows, args.plot, space=space, metric=metric, direction=direction)}")
    return 0

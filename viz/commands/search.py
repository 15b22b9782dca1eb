"""``graphgrad search show STORE [--plot OUT.png]``: the results table of a hyperparameter
search, read from its SQLite trial store (safe while the search is still running)."""
from __future__ import annotations

import sys


def register(subparsers):
    """Add ``graphgrad search show`` to the CLI (called by ``viz.cli.build_parser``)."""
    p = subparsers.add_parser("search", help="look at a hyperparameter search's trial store",
                              description="Inspect the SQLite trial store written by graphgrad.train.search.")
    sub = p.add_subparsers(dest="search_command", metavar="ACTION")
    show = sub.add_parser("show", help="print the results table, best validation accuracy first",
                          description="Print the finished trials of STORE sorted by validation accuracy; "
                                      "works while the search is running.")
    show.add_argument("store", help="the .sqlite file given to search(storage=...)")
    show.add_argument("--plot", metavar="OUT.png", help="also write the search scatter (val acc vs each hyperparameter)")
    show.add_argument("--limit", type=int, default=None, help="show only the best N trials")
    show.add_argument("--stage", type=int, default=None, help="only this coarse-to-fine stage")
    show.set_defaults(func=run_show)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_show(args) -> int:
    """Print the table (and write the scatter); returns the exit status (2: not a store)."""
    from graphgrad.train import StoreError, TrialStore, format_table
    try:
        with TrialStore(args.store, readonly=True) as store:
            space = store.space()
            settings = store.settings()
            table = store.table(args.stage)
            counts = {}
            for r in store.trials():
                counts[r.status] = counts.get(r.status, 0) + 1
            owner = store.meta().get("owner")
    except StoreError as e:
        print(f"graphgrad search show: {e}", file=sys.stderr)
        return 2
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no trials yet"
    print(f"store: {args.store}")
    print(f"space: {space!r}")
    print(f"search: " + ", ".join(f"{k}={v}" for k, v in sorted(settings.items()) if v is not None))
    print(f"trials: {summary}" + (" (search running)" if owner and counts.get("running") else ""))
    print()
    print(format_table(table, limit=args.limit) if table else "(no finished trials yet)")
    if args.plot:
        if not table:
            print("graphgrad search show: no finished trials to plot", file=sys.stderr)
            return 1
        from ..plots import search_scatter
        print(f"\nwrote {search_scatter(table, args.plot, space=space)}")
    return 0

"""``graphgrad docs -o SITE``: build the documentation site (Sphinx) from a source checkout, offline."""
from __future__ import annotations

import pathlib
import sys


def docs_source() -> pathlib.Path | None:
    """The checkout's ``docs/`` folder (it ships in the sdist, not in the wheel), or None.

    >>> from graphgrad.viz.commands.docs import docs_source
    >>> src = docs_source()
    >>> src is None or (src / "conf.py").is_file()
    True
    """
    root = pathlib.Path(__file__).resolve().parents[2]
    src = root / "docs"
    return src if (src / "conf.py").is_file() else None


def register(subparsers):
    p = subparsers.add_parser("docs", help="build the documentation site (HTML) into a folder",
                              description="Build graphgrad's documentation site with Sphinx, offline "
                                          "(needs the source checkout and pip install 'graphgrad[docs]').")
    p.add_argument("-o", "--output", default="site", help="output folder (default: site)")
    p.add_argument("--strict", action="store_true", help="treat every Sphinx warning as an error (as CI does)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Build the site; returns the exit status (see ``viz.cli``)."""
    src = docs_source()
    if src is None:
        print("graphgrad docs: the documentation sources (docs/) come with the source checkout or the sdist, "
              "not the wheel; run this command from a clone", file=sys.stderr)
        return 2
    try:
        from sphinx.cmd.build import build_main
    except ImportError:
        print("graphgrad docs: needs Sphinx; install it with: pip install 'graphgrad[docs]'", file=sys.stderr)
        return 1
    argv = ["-b", "html", "-q", str(src), str(args.output)]
    if args.strict:
        argv[:0] = ["-W", "--keep-going"]
    status = build_main(argv)
    if status == 0:
        print(f"open {pathlib.Path(args.output) / 'index.html'}")
    return status

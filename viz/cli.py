"""The ``graphgrad`` command line. Each subcommand lives in its own module under
``viz/commands/`` exposing ``register(subparsers)``; this file wires them up and turns
the errors a user can act on into one line on stderr with a documented exit status:

0 success · 1 an error (a script that raised prints its own traceback) · 2 bad usage or
input · 124 a script ran past ``--timeout`` · 130 interrupted (Ctrl-C).
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand.

    >>> build_parser().prog
    'graphgrad'
    """
    parser = argparse.ArgumentParser(prog="graphgrad", description="graphgrad: see and step through backprop")
    parser.add_argument("--version", action="version", version=f"graphgrad {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from . import commands
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def _version() -> str:
    """The installed distribution's version (the package's own where it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("graphgrad")
    except PackageNotFoundError:
        import graphgrad
        return graphgrad.__version__


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``graphgrad`` script; returns the exit status.

    >>> main(["render", "no_such_script.py"])           # (one line on stderr, then the status)
    2
    """
    prog = "graphgrad"
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        prog = f"graphgrad {args.command}"
        status = int(args.func(args) or 0)
        sys.stdout.flush()          # a closed pipe (`| head`) shows up here, not at exit
        return status
    except KeyboardInterrupt:
        # one line, and the shell convention for "ended by SIGINT"
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        status = _report(prog, e)
        if status is None:
            raise
        return status


def is_refusal(e: Exception) -> bool:
    """A source's clear refusal (the PyTorch recorder's RecordingError): one line, never a traceback.

    >>> is_refusal(ValueError("a bug"))
    False
    """
    rec = sys.modules.get("viz.sources.torch")     # loaded only if a torch graph was drawn
    return rec is not None and isinstance(e, rec.RecordingError)


def _report(prog: str, e: Exception) -> int | None:
    """Print a user-actionable error on stderr and return the exit status (None: a bug, re-raise)."""
    from graphgrad._extras import MissingExtraError
    from .scripts import ScriptError, ScriptTimeout
    if isinstance(e, ScriptError):
        # the script's own traceback (file, line), as python itself would print it
        sys.stderr.write(f"{prog}: {e.path} raised {type(e.exception).__name__}:\n{e.traceback}")
        return 1
    if isinstance(e, ScriptTimeout):
        print(f"{prog}: {e}", file=sys.stderr)
        return 124
    if isinstance(e, MissingExtraError) or is_refusal(e):
        print(f"{prog}: {e}", file=sys.stderr)
        return 1
    if isinstance(e, BrokenPipeError):
        # output piped into `head`: stop quietly, and keep Python from complaining at exit
        import os
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return None


if __name__ == "__main__":
    sys.exit(main())

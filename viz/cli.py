"""The ``graphgrad`` command line. Each subcommand lives in its own module under
``viz/commands/`` exposing ``register(subparsers)``; this file only wires them up."""
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from . import commands
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``graphgrad`` script. ``main(["--help"])`` prints the commands."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())

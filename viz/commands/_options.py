"""Options shared by several subcommands."""
from __future__ import annotations

import argparse
import math


def seconds(text: str) -> float:
    """argparse type for ``--timeout``: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def add_timeout(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--timeout SECONDS`` (default: no limit on the script, 120 s per Graphviz layout)."""
    parser.add_argument("--timeout", type=seconds, default=None, metavar="SECONDS",
                        help=f"give up after SECONDS {what} (exit status 124 when the script runs over)")

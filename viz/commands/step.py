"""``graphgrad step SCRIPT.py``: walk a script's backward pass gate by gate in the terminal."""
from __future__ import annotations

import sys

from ._options import add_timeout


def register(subparsers):
    p = subparsers.add_parser("step", help="step through a script's backward pass in the terminal",
                              description="Run SCRIPT.py and walk its backward pass: Enter for the "
                                          "next gate, b back, q quit. Prints every step when stdin "
                                          "is not a terminal.")
    p.add_argument("script", help="a Python script that builds graphgrad or micrograd Values and calls backward()")
    p.add_argument("-n", "--name", help="the Value to step (default: the script's first diagram)")
    p.add_argument("--fmt", default=None, help='number format (default: the script\'s, else ".2f")')
    p.add_argument("--html", help="also write the self-contained HTML stepper to this file")
    p.add_argument("--forward", action="store_true", help="walk the forward pass first, gate by gate")
    add_timeout(p, "running the script")
    p.set_defaults(func=run)


def _pick(script, name):
    """(name, Value, trace, diagram options) to step through: the first one with a trace."""
    todo = script.diagrams(name)
    for n, v, opts, _c in todo:
        t = script.trace_for(v)
        if t is not None:
            return n, v, t, opts
    n, v, opts = todo[0][0], todo[0][1], todo[0][2]
    return n, v, None, opts


def _interactive(stdin) -> bool:
    """A terminal to read keys from? ``sys.stdin`` is None when the process started with
    its stdin closed, and a closed file's ``isatty`` raises: both mean "print every step"."""
    try:
        return stdin is not None and not stdin.closed and stdin.isatty()
    except (ValueError, OSError):
        return False


def run(args, stdin=None, stdout=None) -> int:
    """Walk the script's backward pass; returns the exit status (see ``viz.cli``)."""
    from ..scripts import run_script
    from ..stepper import Stepper
    stdin = stdin if stdin is not None else sys.stdin
    out = stdout or sys.stdout
    try:
        script = run_script(args.script, timeout=getattr(args, "timeout", None))
        todo = script.diagrams(args.name)
        if not todo:
            raise KeyError(f"{args.script} exposes no Value computed from others")
        name, value, trace, opts = _pick(script, args.name)
        st = Stepper(trace if trace is not None else value,
                     script.options(opts, fmt=args.fmt, title=name, local=False), forward=args.forward)
    except (FileNotFoundError, KeyError, ValueError, TypeError) as e:
        print(f"graphgrad step: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    if args.html:
        st.to_html(args.html)
        print(f"wrote {args.html}", file=out)
    n = len(st)
    fwd = sum(1 for f in st if f.phase == "forward")
    print(f"{script.title}: backward pass of {name}, {len(st.trace)} gates "
          f"({n} frames: " + (f"{fwd} forward, " if fwd else "") + "the seed, one per gate)", file=out)
    if not _interactive(stdin):
        for i in range(n):
            print(st.text(i), file=out)
        return 0
    i = 0
    print(st.text(0), file=out)
    while True:
        out.write("[Enter] next  [b] back  [q] quit > ")
        out.flush()
        line = stdin.readline()
        if not line:
            break
        key = line.strip().lower()
        if key == "q":
            break
        if key == "b":
            i = max(0, i - 1)
        elif key == "":
            if i == n - 1:
                print("(end of the backward pass; b to go back, q to quit)", file=out)
                continue
            i += 1
        else:
            print("Enter = next gate, b = back, q = quit", file=out)
            continue
        print(st.text(i), file=out)
    return 0

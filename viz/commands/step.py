"""``graphgrad step SCRIPT.py``: walk a script's backward pass gate by gate in the terminal.

In a terminal, single keys step (no Enter: the terminal is put in cbreak mode, raw for
input, and restored on every way out, Ctrl-C included), each step redraws the screen in
place, and long tensors wrap at the terminal's width. Piped, it prints every step.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys

from ._options import add_timeout


def register(subparsers):
    p = subparsers.add_parser("step", help="step through a script's backward pass in the terminal",
                              description="Run SCRIPT.py and walk its backward pass: space, Enter, n "
                                          "or → for the next gate, b, p or ← back, q quit (single "
                                          "keys). Prints every step when stdin is not a terminal.")
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
        # a source that refuses to draw the graph (the recorder's RecordingError) is not a usage error
        from ..cli import is_refusal
        return 1 if is_refusal(e) else 2
    if args.html:
        st.to_html(args.html)
        print(f"wrote {args.html}", file=out)
    n = len(st)
    fwd = sum(1 for f in st if f.phase == "forward")
    header = (f"{script.title}: backward pass of {name}, {len(st.trace)} gates "
              f"({n} frames: " + (f"{fwd} forward, " if fwd else "") + "the seed, one per gate)")
    if not _interactive(stdin):
        print(header, file=out)
        for i in range(n):
            print(st.text(i), file=out)
        return 0
    return _walk(st, stdin, out, header)


CLEAR = "\x1b[H\x1b[2J"          # cursor home, clear the screen: the next step draws in place
HINT = "[space/→] next  [b/←] back  [q] quit"
NEXT, BACK, QUIT = "next", "back", "quit"
_KEYS = {" ": NEXT, "\r": NEXT, "\n": NEXT, "n": NEXT, "\x1b[C": NEXT, "\x1b[B": NEXT, "\x1bOC": NEXT, "\x1bOB": NEXT,
         "b": BACK, "p": BACK, "\x7f": BACK, "\x1b[D": BACK, "\x1b[A": BACK, "\x1bOD": BACK, "\x1bOA": BACK,
         "q": QUIT, "\x03": QUIT, "\x04": QUIT}


@contextlib.contextmanager
def cbreak(stdin):
    """The terminal in cbreak mode (keys arrive one by one, not echoed) for the block; its
    settings are put back however the block ends (return, exception, Ctrl-C)."""
    import termios
    import tty
    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        yield fd
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def read_key(fd) -> str:
    """One key press as text: a character, or an arrow's escape sequence ("" at end of input)."""
    ch = os.read(fd, 1)
    if ch == b"\x1b":
        import select
        seq = ch
        while len(seq) < 3 and select.select([fd], [], [], 0.05)[0]:
            seq += os.read(fd, 1)
        return seq.decode("ascii", "replace")
    return ch.decode("utf-8", "replace")


def terminal_width(out) -> int:
    """Columns of the terminal ``out`` writes to: asked of the terminal itself first (a
    stale ``$COLUMNS`` exported in a shell must not win), else shutil's answer."""
    try:
        return os.get_terminal_size(out.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return shutil.get_terminal_size().columns


def screen(st, i, header, width) -> str:
    """What one step's redraw writes: clear, the header, the frame wrapped at ``width``."""
    from ..stepper import wrap_line
    return (f"{CLEAR}{wrap_line(header, width)}\n{st.text(i, width=width)}\n\n"
            f"{wrap_line(HINT + f'  (step {i}/{len(st) - 1})', width)}")


def _walk(st, stdin, out, header) -> int:
    n, i = len(st), 0
    try:
        with cbreak(stdin) as fd:
            note = ""
            while True:
                width = terminal_width(out)     # read each time: the window may resize
                out.write(screen(st, i, header, width) + (f"\n{note}" if note else "") + "\n")
                out.flush()
                pressed = read_key(fd)
                key = QUIT if pressed == "" else _KEYS.get(pressed if len(pressed) > 1 else pressed.lower(), "other")   # "": input closed
                note = ""
                if key == QUIT:
                    break
                if key == NEXT:
                    if i == n - 1:
                        note = "(end of the backward pass; b to go back, q to quit)"
                    i = min(i + 1, n - 1)
                elif key == BACK:
                    i = max(0, i - 1)
                else:
                    note = "space = next gate, b = back, q = quit"
    except KeyboardInterrupt:            # Ctrl-C outside cbreak's reads: the terminal is already restored
        pass
    out.write("\n")
    return 0

"""``graphgrad render SCRIPT.py -o OUT``: draw the Values a script exposes."""
from __future__ import annotations

import os
import sys

from ..formats import FORMATS, describe
from ._options import add_option_flags, add_timeout, given_options, script_diagrams

# deck-only options: a static drawing has no steps and no narration
_NOT_HERE = ("steps", "stride", "caption")


def register(subparsers):
    p = subparsers.add_parser("render", help="draw the graphs of a script's Values (svg/png/pdf/dot/json)",
                              description="Run SCRIPT.py and draw every output Value it exposes "
                                          "(or its DIAGRAMS list, or one --name).")
    p.add_argument("script", help="a Python script that builds graphgrad or micrograd Values (or PyTorch tensors)")
    p.add_argument("-o", "--output", default=".", help="output folder, or a file name when one Value is drawn")
    p.add_argument("-n", "--name", help="draw only the Value with this variable name")
    p.add_argument("-f", "--format", default=None, choices=list(FORMATS),
                   help=f"file format: {describe()} (default: from -o's extension, else svg)")
    add_option_flags(p, skip=_NOT_HERE)         # --fmt --show --local --collapse --rankdir --slide --scale ...
    add_timeout(p, "running the script, and for each Graphviz layout (default 120 s)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run the script and write its diagrams; returns the exit status (see ``viz.cli``)."""
    from ..render import DEFAULT_TIMEOUT, RenderError, render
    timeout = getattr(args, "timeout", None)
    found = script_diagrams(args, "graphgrad render")
    if isinstance(found, int):
        return found
    script, todo = found
    out = args.output
    ext = os.path.splitext(out)[1].lstrip(".").lower()
    single_file = len(todo) == 1 and ext in FORMATS
    fmt = args.format or (ext if single_file else "svg")
    try:
        # the folder of -o is made as needed (a/b/f.svg, or a/b/ for several diagrams)
        os.makedirs(out if not single_file else os.path.dirname(out) or ".", exist_ok=True)
    except OSError as e:
        print(f"graphgrad render: cannot create the folder for {out!r} ({e.strerror or e})", file=sys.stderr)
        return 1
    stem = os.path.splitext(os.path.basename(args.script))[0]
    draw, page = given_options(args, skip=_NOT_HERE)
    if fmt not in ("png",) and ("scale" in page or "dpi" in page) and "slide" not in page:
        print(f"graphgrad render: --scale/--dpi set a PNG's resolution; {fmt} is vector or text", file=sys.stderr)
        return 2
    for k, (name, value, opts, _caption) in enumerate(todo):
        try:
            opts = script.options(opts, **draw)
        except (TypeError, ValueError) as e:
            print(f"graphgrad render: {e}", file=sys.stderr)
            return 2
        suffix = f"_{k}" if len(todo) > 1 and sum(1 for t in todo if t[0] == name) > 1 else ""
        path = out if single_file else os.path.join(out, f"{stem}_{name}{suffix}.{fmt}")
        try:
            render(value, path, format=fmt, timeout=timeout or DEFAULT_TIMEOUT, options=opts, **page)
        except (RenderError, ValueError, OSError) as e:
            print(f"graphgrad render: {e}", file=sys.stderr)
            return 1
        print(path)
    return 0

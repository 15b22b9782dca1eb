"""``graphgrad explore SCRIPT.py -o page.html``: the interactive page of a script's graph
(explore, step, what-if, exercise) as one self-contained HTML file."""
from __future__ import annotations

from ._options import add_timeout, script_diagrams


def register(subparsers):
    p = subparsers.add_parser("explore", help="write the interactive page of a script's graph (one HTML file)",
                              description="Run SCRIPT.py and write the interactive page of the Value it "
                                          "exposes: expand and collapse modules, search, hover, step "
                                          "through backprop, change a leaf and watch the gradients.")
    p.add_argument("script", help="a Python script that builds graphgrad or micrograd Values (or PyTorch tensors)")
    p.add_argument("-o", "--output", default=None, help="the HTML file to write (default: SCRIPT.html)")
    p.add_argument("-n", "--name", help="the Value to explore (default: the script's first diagram)")
    p.add_argument("--lr", action="store_true", help="lay out left to right (default: top to bottom)")
    add_timeout(p, "running the script")
    p.set_defaults(func=run)


def run(args) -> int:
    """Run the script and write its page; returns the exit status (see ``viz.cli``)."""
    import os

    from ..page import explore
    found = script_diagrams(args, "graphgrad explore")
    if isinstance(found, int):
        return found
    script, todo = found
    name, value, opts, _caption = todo[0]
    o = script.options(opts)
    trace = script.trace_for(value)
    source = trace if trace is not None else value
    out = args.output or os.path.splitext(args.script)[0] + ".html"
    ex = explore(source, title=script.title or name, rankdir="LR" if args.lr else "TB",
                 **o.adapter_options())
    ex.to_html(out)
    print(out)
    return 0

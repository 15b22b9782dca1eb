"""Options shared by several subcommands."""
from __future__ import annotations

import argparse
import math
import sys


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


def script_diagrams(args, prog: str):
    """Run ``args.script`` and return ``(script, [(name, Value, options, caption), ...])`` of
    what it draws (only ``args.name`` when given), or the exit status 2 after one line on
    stderr (no such script, no such name, nothing to draw). A script that raises or runs
    past ``args.timeout`` propagates to :func:`viz.cli.main`, which reports it."""
    from ..scripts import run_script
    try:
        script = run_script(args.script, timeout=getattr(args, "timeout", None))
        todo = script.diagrams(args.name)
    except (FileNotFoundError, KeyError) as e:
        print(f"{prog}: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    if not todo:
        print(f"{prog}: {args.script} exposes no Value computed from others", file=sys.stderr)
        return 2
    return script, todo


# ---------------------------------------------------------------- flags generated from the options
# Every field of viz.Options and viz.pages.SlideOptions becomes a flag (``max_nodes`` ->
# ``--max-nodes``), typed from its default, so a new option reaches the CLI with no new
# code here. Only what cannot be typed from a default is listed: choices, and fields
# that are Python objects (a model, a names dict, a Layout) and have no command-line form.
NOT_ON_CLI = {"model", "names", "layout"}
CHOICES = {"show": ("both", "values", "grads"), "rankdir": ("auto", "LR", "TB", "RL", "BT"), "lang": ("en", "ko"),
           "flow": ("grad", "ratio"), "slide": ("16:9", "4:3", "a4")}
HELP = {"fmt": 'number format, e.g. ".2f" or "g" (default: auto)',
        "local": "write local gradients and upstream × local on the edges",
        "collapse": "group name to draw as one box (repeatable; 'all' for every group)",
        "title": "a title on the drawing and on every slide",
        "lang": "language of the narration and captions",
        "slide": "page preset: the drawing fitted and padded to the slide, no text under --min-pt",
        "min-pt": "smallest text size on a --slide page, in points (default 14)",
        "caption": "each step's narration under the diagram (decks; default on)",
        "steps": "frames A:B (or A:B:S) of the deck",
        "scale": "PNG size, 1 = 96 dpi", "dpi": "PNG resolution (instead of --scale)"}


def option_fields(skip=()) -> list:
    """(name, default) of every option the CLI offers: viz.Options, then the slide options."""
    import dataclasses

    from ..options import Options
    from ..pages import SlideOptions
    out = []
    for cls in (Options, SlideOptions):
        for f in dataclasses.fields(cls):
            if f.name not in NOT_ON_CLI and f.name not in skip:
                out.append((f.name, f.default))
    return out


def add_option_flags(parser: argparse.ArgumentParser, skip=()) -> None:
    """One flag per option (see above); every flag defaults to None: "not given"."""
    for name, default in option_fields(skip):
        flag = "--" + name.replace("_", "-")
        help_ = HELP.get(name.replace("_", "-"), HELP.get(name, f"the {name.replace('_', ' ')} option"))
        if name == "collapse":
            parser.add_argument(flag, action="append", default=None, help=help_)
        elif isinstance(default, bool) or name == "local":
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_)
        elif name in CHOICES:
            parser.add_argument(flag, choices=CHOICES[name], default=None, help=help_)
        elif isinstance(default, int) or name == "max_nodes":
            parser.add_argument(flag, type=int, default=None, help=help_)
        elif isinstance(default, float) or name in ("scale", "dpi"):
            parser.add_argument(flag, type=float, default=None, help=help_)
        else:
            parser.add_argument(flag, default=None, help=help_)


def given_options(args, skip=()) -> tuple:
    """(drawing options, slide options) the command line gave, as two dicts."""
    import dataclasses

    from ..options import Options
    drawing = {f.name for f in dataclasses.fields(Options)}
    draw, slide = {}, {}
    for name, _default in option_fields(skip):
        v = getattr(args, name, None)
        if v is None:
            continue
        if name == "collapse":
            v = True if "all" in v else v
        (draw if name in drawing else slide)[name] = v
    return draw, slide

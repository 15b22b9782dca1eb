"""``graphgrad slides SCRIPT.py -o OUT``: the backward pass as a slide build.

The output's extension picks the form: ``.pdf`` (one vector page per step), ``.gif`` or
``.apng`` (an animation), ``.tex`` (a Beamer frame with ``\\visible<k->`` overlays), or a
folder (no extension, or ending in ``/``: one file per step, ``--frames svg|png|pdf``).
"""
from __future__ import annotations

import os
import sys

from ._options import add_option_flags, given_options

KINDS = {".pdf": "pdf", ".gif": "gif", ".apng": "apng", ".tex": "tex"}


def register(subparsers):
    p = subparsers.add_parser("slides", help="export a script's backward pass step by step "
                                             "(multi-page PDF, GIF/APNG, Beamer .tex, or a folder of frames)",
                              description="Run SCRIPT.py and export the backward pass of one of its "
                                          "Values, one step per page/frame/overlay.")
    p.add_argument("script", help="a Python script that builds graphgrad Values and calls backward()")
    p.add_argument("-o", "--output", required=True,
                   help="OUT.pdf, OUT.gif, OUT.apng, OUT.tex, or a folder for one file per step")
    p.add_argument("-n", "--name", help="the Value to export (default: the script's first diagram)")
    p.add_argument("--frames", choices=["svg", "png", "pdf"], default="png",
                   help="file format of each frame when -o is a folder (default png)")
    p.add_argument("--duration", type=float, default=1.2, help="seconds per animation frame")
    p.add_argument("--forward", action="store_true", help="walk the forward pass first")
    add_option_flags(p)       # --fmt --title --lang --rankdir --collapse --slide --min-pt --caption --steps ...
    p.set_defaults(func=run)


def _pick(script, name):
    """(name, trace or Value, diagram options): the first requested diagram with a trace."""
    todo = script.diagrams(name)
    if not todo:
        raise KeyError(f"{script.path} exposes no Value computed from others")
    for n, v, opts, _c in todo:
        t = script.trace_for(v)
        if t is not None:
            return n, t, opts
    return todo[0][0], todo[0][1], todo[0][2]


def run(args) -> int:
    from ..render import RenderError
    from ..scripts import run_script
    from ..stepper import Stepper
    from ..pdf import SlidesDependencyError
    out = args.output
    ext = os.path.splitext(out.rstrip("/"))[1].lower()
    folder = out.endswith(("/", os.sep)) or ext == ""
    if not folder and ext not in KINDS:
        print(f"graphgrad slides: -o {out!r}: use a .pdf, .gif, .apng or .tex file, or a folder "
              "(no extension) for one file per step", file=sys.stderr)
        return 2
    draw, deck = given_options(args)
    for k in ("scale", "dpi"):
        if k in deck and not deck[k] > 0:
            print(f"graphgrad slides: --{k} must be positive, got {deck[k]}", file=sys.stderr)
            return 2
    raster = {k: deck.pop(k) for k in ("scale", "dpi") if k in deck}
    try:
        script = run_script(args.script)
        name, source, opts = _pick(script, args.name)
        from ..options import FIELDS
        o = {k: v for k, v in dict(opts).items() if k in FIELDS}
        o.setdefault("fmt", ".2f")
        o.update(draw)
        o.setdefault("title", name)
        st = Stepper(source, forward=args.forward, **o)
    except (FileNotFoundError, KeyError, ValueError, TypeError) as e:
        print(f"graphgrad slides: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    try:
        if folder:
            paths = st.save_frames(out, format=args.frames, **raster, **deck)
            print(f"{out}: {len(paths)} {args.frames} frames")
            return 0
        kind = KINDS[ext]
        if kind == "pdf":
            st.to_pdf(out, **deck)
        elif kind in ("gif", "apng"):
            st.save_animation(out, duration=args.duration, **raster, **deck)
        else:
            st.to_beamer(out, title=draw.get("title") or f"{script.title}: {name}", **deck)
    except (RenderError, SlidesDependencyError, ValueError, FileExistsError) as e:
        print(f"graphgrad slides: {e}", file=sys.stderr)
        return 1
    print(f"{out}: {len(st)} steps")
    return 0

"""``graphgrad slides SCRIPT.py -o OUT``: the backward pass as a slide build.

The output's extension picks the form: ``.pdf`` (one vector page per step), ``.gif`` or
``.apng`` (an animation), ``.tex`` (a Beamer frame with ``\\visible<k->`` overlays), or a
folder (no extension, or ending in ``/``: one file per step, ``--frames svg|png|pdf``).
"""
from __future__ import annotations

import os
import sys

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
    p.add_argument("--fmt", default=None, help='number format (default: the script\'s, else ".2f")')
    p.add_argument("--frames", choices=["svg", "png", "pdf"], default="png",
                   help="file format of each frame when -o is a folder (default png)")
    p.add_argument("--scale", type=float, default=None,
                   help="raster size for png frames and animations (1 = 96 dpi; default 2 for "
                        "frames, 1.5 for animations)")
    p.add_argument("--duration", type=float, default=1.2, help="seconds per animation frame")
    p.add_argument("--forward", action="store_true", help="walk the forward pass first")
    p.add_argument("--title", default=None, help="the Beamer frame's title")
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
    if args.scale is not None and not args.scale > 0:
        print(f"graphgrad slides: --scale must be positive, got {args.scale}", file=sys.stderr)
        return 2
    try:
        script = run_script(args.script)
        name, source, opts = _pick(script, args.name)
        st = Stepper(source, fmt=args.fmt or opts.get("fmt", ".2f"), title=args.title or name,
                     forward=args.forward)
    except (FileNotFoundError, KeyError, ValueError, TypeError) as e:
        print(f"graphgrad slides: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    try:
        if folder:
            paths = st.save_frames(out, format=args.frames, scale=args.scale or 2.0)
            print(f"{out}: {len(paths)} {args.frames} frames")
            return 0
        kind = KINDS[ext]
        if kind == "pdf":
            st.to_pdf(out)
        elif kind in ("gif", "apng"):
            st.save_animation(out, duration=args.duration, scale=args.scale or 1.5)
        else:
            st.to_beamer(out, title=args.title or f"{script.title}: {name}")
    except (RenderError, SlidesDependencyError, ValueError) as e:
        print(f"graphgrad slides: {e}", file=sys.stderr)
        return 1
    print(f"{out}: {len(st)} steps")
    return 0

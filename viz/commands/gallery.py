"""``graphgrad gallery -o OUT``: the cs231n lecture gallery with an index.html."""
from __future__ import annotations

import sys


def register(subparsers):
    p = subparsers.add_parser("gallery", help="render the lecture gallery into a folder with index.html",
                              description="Draw the cs231n backprop examples (examples/0*.py) with "
                                          "step-through pages; open OUT/index.html.")
    p.add_argument("-o", "--output", default="gallery", help="output folder (default: gallery)")
    p.add_argument("--examples", default=None, help="folder holding the gallery scripts (default: the repo's examples/)")
    p.add_argument("--no-png", action="store_true", help="skip PNG files (SVG only)")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..gallery import build_gallery
    from ..render import RenderError
    try:
        index = build_gallery(args.output, examples=args.examples, png=not args.no_png)
    except (FileNotFoundError, RenderError) as e:
        print(f"graphgrad gallery: {e}", file=sys.stderr)
        return 1
    print(f"open {index}")
    return 0

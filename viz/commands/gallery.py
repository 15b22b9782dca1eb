"""``graphgrad gallery -o OUT``: the cs231n lecture gallery with an index.html."""
from __future__ import annotations

import sys

from ._options import add_timeout


def register(subparsers):
    p = subparsers.add_parser("gallery", help="render the lecture gallery into a folder with index.html",
                              description="Draw the cs231n backprop examples (examples/0*.py) with "
                                          "step-through pages; open OUT/index.html.")
    p.add_argument("-o", "--output", default="gallery", help="output folder (default: gallery)")
    p.add_argument("--examples", default=None, help="folder holding the gallery scripts (default: the repo's examples/)")
    p.add_argument("--no-png", action="store_true", help="skip PNG files (SVG only)")
    p.add_argument("--lang", choices=("en", "ko"), default="en",
                   help="language the study-notes question pages open in (each page has a toggle; default en)")
    p.add_argument("--no-companion", action="store_true",
                   help="skip the study notes' question pages (lecture-4 diagrams only)")
    add_timeout(p, "for each Graphviz layout (default 60 s)")
    p.set_defaults(func=run)


def run(args) -> int:
    """Build the gallery; returns the exit status (see ``viz.cli``)."""
    from ..gallery import build_gallery
    from ..render import RenderError
    options = {"timeout": args.timeout} if getattr(args, "timeout", None) else {}
    try:
        index = build_gallery(args.output, examples=args.examples, png=not args.no_png,
                              companion=not args.no_companion, lang=args.lang, **options)
    except (FileNotFoundError, RenderError) as e:
        print(f"graphgrad gallery: {e}", file=sys.stderr)
        return 1
    print(f"open {index}")
    return 0

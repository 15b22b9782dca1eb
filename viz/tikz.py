"""TikZ pictures and Beamer builds of the diagrams, placed by Graphviz's own layout.

graphviz-pure writes ``-Tjson`` (xdot 1.7 drawing operations: every text with its
baseline point, font and colour; every edge as its Bézier curve; every ellipse, polygon
and line), so the picture here is the SVG's picture, operation for operation, in TikZ.
Text is typeset by LaTeX (Latin Modern sans) and centred on the box Graphviz measured,
so a slightly different font width spreads evenly instead of running into a wire.

:func:`to_tikz` draws one diagram. :func:`to_beamer` draws the stepper's laid-out graph
once and wraps what changes between frames in overlays: a gradient appears with
``\\visible<k->{...}`` on slide k = 1 + the trace step that completes it (slide 1 is the
seed), partial sums at a fan-out with ``\\only<a-b>``, and the running gate's highlight
with ``\\only<k>``. Every user string is escaped for LaTeX.

>>> import graphgrad as gg
>>> x = gg.Value(2.0, requires_grad=True, name="x_1")
>>> "x\\\\_1" in to_tikz((x * 3.0).tanh())
True
"""
from __future__ import annotations

import json
import re

from .sizing import pt_below
from .dot import GRAD_COLOR, VALUE_COLOR        # matched in the layout's text colours
from .stepper import HIGHLIGHT_FILL, PARTIAL_COLOR

# ------------------------------------------------------------------ LaTeX escaping
_TEX = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "%": r"\%", "&": r"\&",
        "#": r"\#", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
        "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", '"': r"\textquotedbl{}",
        "`": r"\textasciigrave{}", "'": r"\textquotesingle{}",
        "-": "-{}",            # no "--"/"---" ligatures: a name "a--b" stays two hyphens
        "\n": " ", "\r": " ", "\t": " "}
_GREEK = "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi o pi rho " \
         "varsigma sigma tau upsilon phi chi psi omega".split()
_MATH = {chr(0x3B1 + i): "\\" + n for i, n in enumerate(_GREEK) if n != "o"}
_MATH.update({"Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta", "Λ": r"\Lambda", "Ξ": r"\Xi",
              "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi", "Ω": r"\Omega",
              "×": r"\times", "⊙": r"\odot", "·": r"\cdot", "→": r"\rightarrow", "←": r"\leftarrow",
              "∑": r"\sum", "√": r"\surd", "−": "-", "≈": r"\approx", "≤": r"\leq", "≥": r"\geq",
              "∂": r"\partial", "∇": r"\nabla", "∞": r"\infty", "±": r"\pm", "⊗": r"\otimes",
              "µ": r"\mu", "∈": r"\in", "≠": r"\neq", "⋅": r"\cdot", "∘": r"\circ"})
_TEXT = {"—": r"\textemdash{}", "–": r"\textendash{}", "…": r"\ldots{}", "²": r"\textsuperscript{2}",
         "³": r"\textsuperscript{3}", "¹": r"\textsuperscript{1}", "°": r"\textdegree{}",
         "\u00a0": "~", "“": "``", "”": "''", "‘": "`", "’": "'"}
# characters T1 cannot set, drawn with a macro; \ggu wraps each in the PDF's /ActualText,
# so the PDF's text (copy, search, pdftotext) still holds the character itself
_DRAWN = {"Ħ": r"\makebox[0pt][l]{\kern.08em\raisebox{.5ex}{\rule{.6em}{.06em}}}H", "ħ": r"\ensuremath{\hbar}",
          "ĸ": r"\textsc{k}", "Ŀ": r"L\textperiodcentered{}", "ŀ": r"l\textperiodcentered{}",
          "ŉ": r"\textquoteright{}n", "Ŧ": r"\makebox[0pt][l]{\kern.15em\raisebox{.35ex}{\rule{.4em}{.06em}}}T",
          "ŧ": r"\makebox[0pt][l]{\raisebox{.28ex}{\rule{.3em}{.06em}}}t", "ſ": "s"}
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv"))
_SUP = dict(zip("⁰ⁱ⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ", "0i456789+-=()n"))
_HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7A3))

# \ggu{UTF-16 hex}{drawing}: the drawing, marked as that character in the PDF text
GGU = (r"\providecommand{\ggu}[2]{\ifdefined\pdfliteral\pdfliteral direct{/Span<</ActualText<FEFF#1>>>BDC}#2"
       r"\pdfliteral direct{EMC}\else#2\fi}")


def has_hangul(s) -> bool:
    """True when ``s`` has Korean letters (a TeX document then needs ``kotex``).

    >>> has_hangul("역전파 x"), has_hangul("x_1")
    (True, False)
    """
    return any(lo <= ord(ch) <= hi for ch in str(s) for lo, hi in _HANGUL_RANGES)


def _u16(ch) -> str:
    return ch.encode("utf-16-be").hex().upper()


def tex_escape(s) -> str:
    """Text safe in a LaTeX document: specials escaped, common symbols as math, subscripts
    and superscripts raised or lowered, Latin letters passed to T1/UTF-8, Hangul passed
    to ``kotex``; any other character is drawn as its closest ASCII form, else ``?``,
    marked so the PDF's text still holds the character itself (``\\ggu``, :data:`PREAMBLE`).

    >>> tex_escape(r"a_b ^ {c} $ % & # ~ \\ σ×2")
    'a\\\\_b \\\\textasciicircum{} \\\\{c\\\\} \\\\$ \\\\% \\\\& \\\\# \\\\textasciitilde{} \\\\textbackslash{} \\\\ensuremath{\\\\sigma}\\\\ensuremath{\\\\times}2'
    >>> tex_escape("β₁")
    '\\\\ensuremath{\\\\beta}\\\\ggu{2081}{\\\\textsubscript{1}}'
    """
    import unicodedata
    out = []
    for ch in str(s):
        if ch in _TEX:
            out.append(_TEX[ch])
        elif ch in _MATH:
            out.append(r"\ensuremath{" + _MATH[ch] + "}")
        elif ch in _TEXT:
            out.append(_TEXT[ch])
        elif " " <= ch <= "~":
            out.append(ch)
        elif ch in _DRAWN:
            out.append(rf"\ggu{{{_u16(ch)}}}{{{_DRAWN[ch]}}}")
        elif ch in _SUB:
            out.append(rf"\ggu{{{_u16(ch)}}}{{\textsubscript{{{tex_escape(_SUB[ch])}}}}}")
        elif ch in _SUP:
            out.append(rf"\ggu{{{_u16(ch)}}}{{\textsuperscript{{{tex_escape(_SUP[ch])}}}}}")
        elif "\u00c0" <= ch <= "\u017f" and ch not in "\u00d7\u00f7":
            out.append(ch)               # accented Latin: T1 + utf8 inputenc set these
        elif has_hangul(ch):
            out.append(ch)               # kotex sets Hangul (to_beamer/to_tikz load it when needed)
        else:
            plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if " " <= c <= "~")
            out.append(rf"\ggu{{{_u16(ch)}}}{{{tex_escape(plain) if plain else '?'}}}")
    return "".join(out)


# ------------------------------------------------------------------ drawing operations → TikZ
_HEX = re.compile(r"^#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$")


class _Colors:
    """Hex colours → named xcolor colours, defined once at the top of the picture."""

    def __init__(self):
        self.names = {}

    def __call__(self, hexcol):
        m = _HEX.match(hexcol or "")
        if not m:
            named = {"black": "000000", "white": "ffffff", "none": None}.get((hexcol or "").lower(), "000000")
            if named is None:
                return None
            m = _HEX.match("#" + named)
        if m.group(2) == "00":
            return None                       # fully transparent: draw nothing
        key = m.group(1).lower()
        return self.names.setdefault(key, f"gg{key}")

    def defs(self):
        return [f"\\definecolor{{{n}}}{{HTML}}{{{k.upper()}}}" for k, n in sorted(self.names.items())]


def _pt(p):
    return f"({p[0]:.2f},{p[1]:.2f})"


class _Pen:
    def __init__(self):
        self.color, self.fill, self.width, self.dash = "#000000", "#000000", 1.0, None
        self.size, self.face, self.flags = 14.0, "Helvetica", 0


def _ops_to_tikz(ops, colors, override=None, text_hook=None, shapes=True) -> list:
    """TikZ lines for one xdot op list. ``override``: pen changes (highlight). ``text_hook``:
    ``f(index, color, text) -> (color, text) or None`` lets a caller restyle or drop texts.
    ``shapes=False`` draws the texts only (an overlay that changes a text)."""
    pen = _Pen()
    lines = []
    t_index = 0
    for op in ops:
        kind = op.get("op")
        if kind == "c":
            pen.color = op.get("color")
        elif kind == "C":
            pen.fill = op.get("color")
        elif kind == "S":
            st = op.get("style", "")
            m = re.match(r"setlinewidth\(([\d.]+)\)", st)
            if m:
                pen.width = float(m.group(1))
            elif st in ("dashed", "dotted"):
                pen.dash = st
            elif st == "solid":
                pen.dash = None
        elif kind == "F":
            pen.size, pen.face = float(op.get("size", 14)), op.get("face", "Helvetica")
        elif kind == "t":
            pen.flags = int(op.get("fontchar", 0))
        elif kind == "T":
            color, text = pen.color, op.get("text", "")
            if text_hook is not None:
                got = text_hook(t_index, color, text)
                t_index += 1
                if got is None:
                    continue
                color, text = got
            lines.append(_text(op, pen, color, text, colors))
        elif kind in ("E", "e", "P", "p", "L", "B", "b") and shapes:
            lines.append(_shape(kind, op, pen, colors, override))
    return [ln for ln in lines if ln]


def _text(op, pen, color, text, colors) -> str:
    x, y = op["pt"]
    w = float(op.get("width", 0.0))
    align = op.get("align", "l")
    cx = x + w / 2 if align == "l" else (x - w / 2 if align == "r" else x)
    col = colors(color) or colors("#000000")
    family = r"\ttfamily" if "courier" in pen.face.lower() else r"\sffamily"
    style = (r"\bfseries" if pen.flags & 1 else "") + (r"\itshape" if pen.flags & 2 else "")
    size = pen.size
    font = f"\\fontsize{{{size:g}}}{{{size * 1.2:g}}}\\selectfont{family}{style}"
    return f"\\node[anchor=base,text={col},font={font}] at ({cx:.2f},{y:.2f}) {{{tex_escape(text)}}};"


def _shape(kind, op, pen, colors, override) -> str:
    ov = override or {}
    draw = colors(ov.get("color", pen.color))
    width = ov.get("width", pen.width)
    filled = kind in ("E", "P", "B")     # graphviz-pure: upper case is filled (as its SVG shows)
    fill = colors(ov.get("fill", pen.fill)) if filled else None
    opts = [f"line width={width:g}bp"]
    opts.append(f"draw={draw}" if draw else "draw=none")
    if fill:
        opts.append(f"fill={fill}")
    if pen.dash:
        opts.append(pen.dash)
    if not draw and not fill:
        return ""
    o = ",".join(opts)
    if kind in ("E", "e"):
        cx, cy, rx, ry = op["rect"]
        return f"\\path[{o}] ({cx:.2f},{cy:.2f}) ellipse [x radius={rx:.2f}, y radius={ry:.2f}];"
    pts = op["points"]
    if kind in ("P", "p"):
        return f"\\path[{o}] " + " -- ".join(_pt(p) for p in pts) + " -- cycle;"
    if kind == "L":
        return f"\\path[{o}] " + " -- ".join(_pt(p) for p in pts) + ";"
    # Bézier: p0, then (c1, c2, p) triples
    path = [_pt(pts[0])]
    for i in range(1, len(pts) - 2, 3):
        path.append(f" .. controls {_pt(pts[i])} and {_pt(pts[i + 1])} .. {_pt(pts[i + 2])}")
    return f"\\path[{o}] " + "".join(path) + (" -- cycle;" if filled else ";")


_DRAW_KEYS = ("_draw_", "_ldraw_", "_hdraw_", "_tdraw_", "_hldraw_", "_tldraw_")


def _layout(dot_text, args: tuple = ()) -> dict:
    """Graphviz's json layout of ``dot_text`` (or of a Stepper's drawing, pinned to its layout)."""
    from .drawntext import json_safe, with_svg_texts
    from .render import run_dot
    # graphviz-pure's json garbles text with backslashes (and drops the ops after it): lay
    # out with "/" (the same width) instead, then take every text from the SVG
    if hasattr(dot_text, "laid_out"):
        layout = json.loads(dot_text.laid_out("json", edit=json_safe).decode("utf-8"))
        svg = dot_text.base_svg()
    else:
        layout = json.loads(run_dot(json_safe(dot_text), "json", args=args).decode("utf-8"))
        svg = run_dot(dot_text, "svg", args=args).decode("utf-8")
    with_svg_texts(layout, svg)
    return layout


def _bbox(layout):
    x0, y0, x1, y1 = (float(v) for v in layout["bb"].split(","))
    pad = 4.0
    return x0 - pad, y0 - pad, x1 + pad, y1 + pad


def _picture(layout, colors, node_hook=None, edge_hook=None) -> list:
    """The drawing commands of the whole layout: clusters, then edges, then nodes."""
    body = []
    objects = layout.get("objects", [])
    clusters = [o for o in objects if "nodes" in o or str(o.get("name", "")).startswith("cluster")]
    nodes = [o for o in objects if o not in clusters]
    g = {k: layout[k] for k in ("_ldraw_",) if k in layout}      # the graph title, if any
    if g:
        body += _ops_to_tikz(g["_ldraw_"], colors)
    for c in clusters:
        for key in _DRAW_KEYS:
            if key in c:
                body += _ops_to_tikz(c[key], colors)
    for e in layout.get("edges", []):
        extra = edge_hook(e) if edge_hook else None
        for key in _DRAW_KEYS:
            if key in e:
                body += _ops_to_tikz(e[key], colors)
        if extra:
            body += extra
    for n in nodes:
        if node_hook is not None:
            body += node_hook(n)
            continue
        for key in _DRAW_KEYS:
            if key in n:
                body += _ops_to_tikz(n[key], colors)
    return body


def _wrap(layout, colors, body) -> str:
    x0, y0, x1, y1 = _bbox(layout)
    head = [r"\begin{tikzpicture}[x=1bp,y=1bp,every node/.style={inner sep=0pt,outer sep=0pt}]"]
    head += ["  " + d for d in colors.defs()]
    # fixes the picture's size to Graphviz's bounding box, so every overlay has the same size
    head.append(f"  \\path[use as bounding box] ({x0:.2f},{y0:.2f}) rectangle ({x1:.2f},{y1:.2f});")
    return "\n".join(head + ["  " + b for b in body] + [r"\end{tikzpicture}"]) + "\n"


PREAMBLE = (r"\usepackage[T1]{fontenc}" "\n" r"\usepackage[utf8]{inputenc}" "\n"
            r"\usepackage{lmodern}" "\n" r"\usepackage{textcomp}" "\n" r"\usepackage{tikz}" "\n" + GGU + "\n")
KOTEX = r"\usepackage{kotex}"       # Korean with pdflatex (Debian: apt-get install texlive-lang-korean)


def preamble(text: str = "") -> str:
    """:data:`PREAMBLE`, plus ``kotex`` when ``text`` (the document body) has Hangul."""
    return PREAMBLE + (KOTEX + "\n" if has_hangul(text) else "")


def to_tikz(value, path=None, standalone: bool = False, slide=None, min_pt: float = 14.0, **options) -> str:
    """A ``tikzpicture`` of the diagram of ``value`` (``options`` as for :func:`viz.to_dot`),
    laid out by Graphviz, coordinates in points. Needs ``\\usepackage{tikz}`` (and
    ``[T1]{fontenc}``, which :data:`PREAMBLE` lists); ``standalone=True`` gives a whole
    document. ``slide`` ("16:9", "4:3", "a4", as :mod:`viz.pages`): the picture scaled to
    fit that page with no text under ``min_pt`` points (a standalone document is then that
    page, padded). Writes ``path`` when given; returns the text.

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> print(to_tikz(f).splitlines()[0])
    \\begin{tikzpicture}[x=1bp,y=1bp,every node/.style={inner sep=0pt,outer sep=0pt}]
    """
    from .dot import to_dot
    dot = to_dot(value, **options)          # rankdir=TB ports as render() draws them (viz.dot.wire_ports)
    layout = _layout(dot)
    colors = _Colors()
    text = _wrap(layout, colors, _picture(layout, colors))
    geometry = r"\usepackage[paperwidth=60cm,paperheight=40cm,margin=5mm]{geometry}"
    if slide is not None:
        from . import pages
        W, H = pages.slide_size(slide)
        x0, y0, x1, y1 = _bbox(layout)
        pad = 0.03 * min(W, H)
        s = min((W - 2 * pad) / (x1 - x0), (H - 2 * pad) / (y1 - y0))
        small = min((float(op["size"]) for op in _all_ops(layout) if op.get("op") == "F" and "size" in op),
                    default=14.0)
        if s * small < float(min_pt) - 1e-9:
            raise pages.SlideFitError(
                f"to_tikz: this diagram does not fit slide={slide!r} with text of at least {float(min_pt):g} pt: "
                f"its smallest text ({small:g} pt) would come out at {pt_below(s * small)}. Collapse groups "
                f"(collapse=True or a group name), or lower the minimum (min_pt={max(1, int(s * small))})")
        text = f"\\scalebox{{{s:.4f}}}{{%\n{text}}}\n"
        geometry = f"\\usepackage[paperwidth={W:.2f}bp,paperheight={H:.2f}bp,margin=0pt]{{geometry}}"
        if standalone:
            text = f"\\vspace*{{\\fill}}\\begin{{center}}\n{text}\\end{{center}}\\vspace*{{\\fill}}\n"
    if standalone:
        text = (r"\documentclass{article}" "\n" + preamble(text) + geometry + "\n"
                + r"\pagestyle{empty}" "\n" r"\begin{document}" "\n" r"\noindent" "\n"
                + text + r"\end{document}" "\n")
    if path is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return text


# ------------------------------------------------------------------ Beamer
def _runs(looks):
    """[(first, last, look)] runs of equal looks over frames 0..n-1 (last None: open end)."""
    runs = []
    for i, look in enumerate(looks):
        if runs and runs[-1][2] == look:
            runs[-1][1] = i
        else:
            runs.append([i, i, look])
    if runs:
        runs[-1][1] = None
    return [tuple(r) for r in runs]


def _overlay(first, last) -> str:
    a = first + 1
    if last is None:
        return f"{a}-"
    b = last + 1
    return f"{a}" if a == b else f"{a}-{b}"


def grad_overlays(st, frames=None) -> dict:
    """Per wire id, the gradient's looks as ``[(first_frame, last_frame, look)]`` with look
    ``None`` (hidden), ``("partial", text or None)`` or ``("final", None)``; ``last_frame``
    None means to the end. Slide numbers are frame numbers + 1.

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> from graphgrad import viz
    >>> grad_overlays(viz.Stepper(f))["v0"]
    [(0, 6, None), (7, None, ('final', None))]
    """
    out = {}
    wires = [w.id for w in st.circuit.wires]
    frames = list(st) if frames is None else frames
    for wid in wires:
        looks = []
        for fr in frames:
            state = fr.grads.get(wid)
            if state is None or (not state[1] and state[0] is None):
                looks.append(None)
            elif not state[1]:
                looks.append(("partial", state[0]))
            else:
                looks.append(("final", None))
        out[wid] = _runs(looks)
    return out


def _beamer_picture(st, frames=None) -> tuple:
    """(tikzpicture, its width and height in bp, its smallest font size); slide k shows
    ``frames[k - 1]`` (default: every frame)."""
    layout = _layout(st)
    colors = _Colors()
    frames = list(st) if frames is None else frames
    overlays = grad_overlays(st, frames)
    gate_slides, edge_slides, fresh_slides = {}, {}, {}
    values_on = {}
    for pos, fr in enumerate(frames):
        if fr.node_id:
            gate_slides.setdefault(fr.node_id, []).append(pos)
        for e in fr.edges:
            edge_slides.setdefault(e, []).append(pos)
        for w in fr.fresh:
            fresh_slides.setdefault(w, []).append(pos)
        if fr.values is not None:
            shown = set(fr.values)
            for w in st.circuit.wires:
                values_on.setdefault(w.id, []).append(w.id in shown)
    n_frames = len(frames)

    def only(slides, lines):
        if not lines:
            return []
        spec = ",".join(str(k + 1) for k in slides)
        return [f"\\only<{spec}>{{"] + ["  " + ln for ln in lines] + ["}"]

    def node_hook(n):
        name = n.get("name")
        out = []
        if name in overlays:                             # a wire: gradient texts get overlays
            out.append("% wire " + re.sub(r"[^A-Za-z0-9_]", "", str(name)))
            colors_at = _text_colors(n.get("_ldraw_", []))
            n_red = sum(1 for c in colors_at if (c or "").lower() == GRAD_COLOR)
            for key in _DRAW_KEYS:
                if key not in n:
                    continue
                if key != "_ldraw_":
                    out += _ops_to_tikz(n[key], colors)
                    continue
                # static part: every text that is not a gradient (and values when always shown)
                vals = values_on.get(name)

                def static(i, color, text):
                    if (color or "").lower() == GRAD_COLOR:
                        return None
                    if (color or "").lower() == VALUE_COLOR and vals is not None and not all(vals):
                        return None
                    return color, text
                out += _ops_to_tikz(n[key], colors, text_hook=static)
                for first, last, look in overlays[name]:
                    if look is None:
                        continue
                    kind, partial = look

                    def grads(i, color, text, kind=kind, partial=partial):
                        if (color or "").lower() != GRAD_COLOR:
                            return None
                        if kind == "partial":
                            return PARTIAL_COLOR, (partial if partial is not None and n_red == 1 else text)
                        return color, text
                    lines = _ops_to_tikz(n[key], colors, text_hook=grads, shapes=False)
                    cmd = "visible" if kind == "final" and last is None else "only"
                    out += [f"\\{cmd}<{_overlay(first, last)}>{{"] + ["  " + ln for ln in lines] + ["}"]
                if vals is not None and not all(vals):
                    looks = [("v" if v else None) for v in vals] + [None] * (n_frames - len(vals))
                    for first, last, look in _runs(looks):
                        if look is None:
                            continue
                        lines = _ops_to_tikz(n[key], colors, text_hook=lambda i, c, t: (
                            (c, t) if (c or "").lower() == VALUE_COLOR else None), shapes=False)
                        out += [f"\\only<{_overlay(first, last)}>{{"] + ["  " + ln for ln in lines] + ["}"]
            if name in fresh_slides:
                line_ops = [op for op in n.get("_ldraw_", []) if op.get("op") in ("L", "S", "c")]
                out += only(fresh_slides[name], _ops_to_tikz(line_ops, colors,
                                                             override={"color": GRAD_COLOR, "width": 2.5}))
            return out
        for key in _DRAW_KEYS:
            if key in n:
                out += _ops_to_tikz(n[key], colors)
        if name in gate_slides:                          # the running gate, highlighted
            hl = _ops_to_tikz(n.get("_draw_", []), colors,
                              override={"color": GRAD_COLOR, "width": 2.5, "fill": HIGHLIGHT_FILL})
            hl += _ops_to_tikz(n.get("_ldraw_", []), colors)
            out += only(gate_slides[name], hl)
        return out

    def edge_hook(e):
        eid = e.get("id")
        if eid not in edge_slides:
            return None
        lines = []
        for key in ("_draw_", "_hdraw_"):
            if key in e:
                lines += _ops_to_tikz(e[key], colors, override={"color": GRAD_COLOR, "width": 2.2,
                                                                 "fill": GRAD_COLOR})
        return only(edge_slides[eid], lines)

    body = _picture(layout, colors, node_hook=node_hook, edge_hook=edge_hook)
    x0, y0, x1, y1 = _bbox(layout)
    sizes = [float(op["size"]) for op in _all_ops(layout) if op.get("op") == "F" and "size" in op]
    return _wrap(layout, colors, body), (x1 - x0, y1 - y0), min(sizes, default=14.0)


def _all_ops(layout):
    for obj in [layout] + list(layout.get("objects", [])) + list(layout.get("edges", [])):
        for key in _DRAW_KEYS:
            yield from obj.get(key, ())


def _text_colors(ops) -> list:
    """The pen colour in force at each text op of an xdot list."""
    col, out = "#000000", []
    for op in ops:
        if op.get("op") == "c":
            col = op.get("color")
        elif op.get("op") == "T":
            out.append(col)
    return out


# Beamer's page for each preset (bp) and the slide width its min_pt refers to (viz.pages)
_BEAMER = {"16:9": ("169", 455.24, 256.07), "4:3": ("43", 364.19, 273.14), "a4": (None, 841.89, 595.28)}


def _made_by_tex(path) -> bool:
    try:
        with open(path, "rb") as fh:
            data = fh.read(64 << 20)
    except OSError:
        return False
    return any(k in data for k in (b"pdfTeX", b"LuaTeX", b"XeTeX", b"xdvipdfmx"))


def to_beamer(st, path=None, title: str | None = None, headings: bool = True,
              aspectratio: int = 169, caption: bool | None = None, slide=None, min_pt: float = 14.0,
              steps=None, stride: int = 1, lang: str | None = None, overwrite_pdf: bool = False) -> str:
    """A complete Beamer document whose single frame builds the backward pass of the
    :class:`viz.Stepper` ``st``, one slide per frame (``\\visible<k->`` per gradient).
    ``caption`` (default on; ``headings`` is its old name) writes each step's narration
    under the picture: the gate, ``upstream × local = downstream`` with the numbers,
    fan-out sums, in the Stepper's language or ``lang``. ``steps``/``stride`` choose the
    frames as for :meth:`viz.Stepper.to_pdf`. ``slide`` ("16:9", "4:3", "a4") sets the
    page and checks that no text is under ``min_pt`` points *as projected at the
    preset's PowerPoint size* (13.33 in wide for 16:9; Beamer's page is 16 cm, so 14 pt
    there is 6.6 pt in the .tex). Compile with ``pdflatex``; Korean needs ``kotex``
    (Debian: ``texlive-lang-korean``). Writes ``path`` when given, but refuses when
    pdflatex would overwrite a PDF beside it that TeX did not make (``overwrite_pdf=True``
    allows it). Returns the LaTeX text.

    >>> import graphgrad as gg
    >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
    >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    >>> from graphgrad import viz
    >>> viz.Stepper(f).to_beamer("neuron.tex").count("begin{frame}") > 0
    True
    """
    import os

    from . import pages
    if lang is not None and lang != st.options.lang:
        st = st.with_lang(lang)
    caption = headings if caption is None else caption
    if path is not None and not overwrite_pdf:
        sibling = os.path.splitext(os.fspath(path))[0] + ".pdf"
        if os.path.exists(sibling) and not _made_by_tex(sibling):
            raise FileExistsError(
                f"to_beamer: pdflatex would write {sibling}, overwriting the PDF already there (TeX did not "
                f"make it: to_pdf's deck?); name the .tex differently (e.g. "
                f"{os.path.splitext(os.path.basename(os.fspath(path)))[0]}_beamer.tex) or pass overwrite_pdf=True")
    idx = pages.frames_of(st, steps, stride, "to_beamer")
    frames = [st[i] for i in idx]
    picture, (pw, ph), small = _beamer_picture(st, frames)
    caps, prev = [], -1
    for i in idx:
        caps.append(pages.caption_lines(st, i, prev) if caption else [])
        prev = i
    n_lines = max((len(c) for c in caps), default=0)
    title = title if title is not None else (st.title or "Backpropagation, step by step")
    body_text = title + "".join(line for c in caps for line in c)
    if slide is None:
        cls = f"\\documentclass[aspectratio={int(aspectratio)}]{{beamer}}"
        geometry = ""
        # wide pictures fill the width; tall ones (rankdir="TB") fill most of the height
        box = r"\resizebox{\textwidth}{!}" if pw / max(ph, 1.0) > 2.0 else r"\resizebox{!}{0.72\textheight}"
        cap_font = r"\footnotesize"
    else:
        key = slide.lower() if isinstance(slide, str) else None
        if key not in _BEAMER:
            raise ValueError(f"to_beamer: slide must be one of {', '.join(_BEAMER)}, got {slide!r}")
        ratio, W, H = _BEAMER[key]
        ref = pages.slide_size(key)[0]
        k = W / ref                                     # projected points -> points on Beamer's page
        cap_pt = float(min_pt) * k
        cls = (f"\\documentclass[aspectratio={ratio}]{{beamer}}" if ratio else r"\documentclass{beamer}")
        geometry = "" if ratio else r"\geometry{paperwidth=297mm,paperheight=210mm}"
        text_w = W - 2 * 28.45
        text_h = H - 0.2 * H - 34.0 - n_lines * cap_pt * 1.25
        s = min(text_w / pw, text_h / ph) if text_h > 0 else 0.0
        if s * small / k < float(min_pt) - 1e-9:
            raise pages.SlideFitError(
                f"to_beamer: this {len(st.circuit.wires) + len(st.circuit.gates)}-node diagram does not fit "
                f"slide={slide!r} with text of at least {float(min_pt):g} pt (as projected): its smallest text "
                f"would come out at {pt_below(s * small / k)}. Collapse groups (collapse=True or a group name), "
                f"split the deck (steps='A:B'), turn captions off (caption=False), or lower the minimum "
                f"(min_pt={max(1, int(s * small / k))})")
        box = f"\\scalebox{{{s:.4f}}}"
        cap_font = f"\\fontsize{{{cap_pt:.2f}}}{{{cap_pt * 1.2:.2f}}}\\selectfont"
    lines = [cls, preamble(body_text).rstrip("\n")]
    if geometry:
        lines.append(geometry)
    lines += [r"\setbeamertemplate{navigation symbols}{}",
              r"\begin{document}", f"\\begin{{frame}}[t]{{{tex_escape(title)}}}", r"\centering",
              box + "{%", picture.rstrip("\n") + "}"]
    if caption:
        lines.append(r"\par\vspace{1ex}\raggedright" + cap_font)
        for pos, c in enumerate(caps):
            if c:
                text = r"\textbf{" + tex_escape(c[0]) + "}" + "".join(r"\\" + tex_escape(x) for x in c[1:])
                lines.append(f"\\only<{pos + 1}>{{{text}}}")
    lines += [r"\end{frame}", r"\end{document}", ""]
    text = "\n".join(lines)
    if path is not None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    return text

"""Decks: the stepper's frames as captioned pages, sized for a slide, in linear time.

One page per chosen frame: the title on top, the diagram (one layout for the whole
deck, see :mod:`viz.deck`), and under it the frame's narration (which gate,
``upstream × local = downstream`` with the numbers, fan-out sums) in the Stepper's
language. ``slide="16:9"`` (13.33 × 7.5 in), ``"4:3"`` (10 × 7.5 in) or ``"a4"``
(landscape) gives pages of exactly that size: the diagram is scaled to fit and padded,
never stretched, and no text may come out under ``min_pt`` points (14 by default, what a
projected slide needs); a graph that cannot fit says so and what to do.

A PDF draws each distinct piece of the drawing once, as a form every page reuses, so
its time and size grow linearly with the number of steps (``bench/bench_slides.py``).

>>> import graphgrad as gg, viz
>>> x = gg.Value(2.0, requires_grad=True, name="x")
>>> st = viz.Stepper((x * x).exp())
>>> frames_of(st, steps="1:"), frames_of(st, stride=2)
([1, 2], [0, 2])
>>> slide_size("16:9")
(960.0, 540.0)
"""
from __future__ import annotations

import copy
import html
import io
import os
import re
import warnings
from dataclasses import dataclass

from .i18n import say
from .sizing import pt_below

SLIDES = {"16:9": (960.0, 540.0), "4:3": (720.0, 540.0), "a4": (841.89, 595.28)}
MIN_PT = 14.0
MAX_ANIMATION_FRAMES = 200
_CHAR_EM = 0.55          # average Helvetica advance per em (digits are 0.556): for wrapping
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


@dataclass(frozen=True)
class SlideOptions:
    """How a drawing or a deck goes onto pages (the options :func:`plan` takes, and the
    ``graphgrad render|slides`` flags: each field is one flag)."""

    slide: str | None = None
    min_pt: float = MIN_PT
    caption: bool = True
    steps: str | None = None
    stride: int = 1
    scale: float | None = None
    dpi: float | None = None


class SlideFitError(ValueError):
    """A graph that cannot be drawn on the slide with text at least ``min_pt`` points."""


def slide_size(slide) -> tuple:
    """The page size in points of a preset ("16:9", "4:3", "a4") or a ``(width, height)``.

    >>> slide_size("4:3"), slide_size((400, 300))
    ((720.0, 540.0), (400.0, 300.0))
    """
    if isinstance(slide, str):
        if slide.lower() not in SLIDES:
            raise ValueError(f"slide must be one of {', '.join(SLIDES)} or (width, height) in points, got {slide!r}")
        return SLIDES[slide.lower()]
    try:
        w, h = (float(v) for v in slide)
    except (TypeError, ValueError):
        raise ValueError(f"slide must be one of {', '.join(SLIDES)} or (width, height) in points, "
                         f"got {slide!r}") from None
    if not (w > 0 and h > 0):
        raise ValueError(f"slide: width and height must be positive points, got {slide!r}")
    return w, h


def parse_steps(steps):
    """A slice from ``steps``: None (all), "A:B" / "A:B:S" / "A", a slice, a range, (A, B).

    >>> parse_steps("2:5"), parse_steps((1, 3)), parse_steps(None)
    (slice(2, 5, None), slice(1, 3, None), slice(None, None, None))
    """
    if steps is None:
        return slice(None)
    if isinstance(steps, slice):
        return steps
    if isinstance(steps, range):
        return slice(steps.start, steps.stop, steps.step)
    if isinstance(steps, str):
        parts = steps.split(":")
        try:
            nums = [int(p) if p.strip() else None for p in parts]
        except ValueError:
            nums = None
        if nums is None or len(nums) > 3:
            raise ValueError(f"steps must look like 'A:B' (frames A to B-1), 'A:' or 'A:B:S', got {steps!r}")
        if len(nums) == 1:
            return slice(nums[0], nums[0] + 1 if nums[0] != -1 else None)
        return slice(*nums)
    if isinstance(steps, (tuple, list)) and len(steps) == 2:
        return slice(int(steps[0]), None if steps[1] is None else int(steps[1]))
    raise ValueError(f"steps must be 'A:B', a slice, a range or (A, B), got {steps!r}")


def frames_of(st, steps=None, stride: int = 1, who: str = "deck") -> list:
    """The frame indices a deck shows: ``steps`` (see :func:`parse_steps`) every
    ``stride``-th, the last chosen frame always kept (it shows every gradient). In a
    collapsed view, a module's inner steps make one frame (its last)."""
    if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
        raise ValueError(f"{who}: stride must be a positive int, got {stride!r}")
    idx = list(range(len(st)))[parse_steps(steps)]
    if not idx:
        raise ValueError(f"{who}: steps={steps!r} selects no frame; this backward pass has "
                         f"{len(st)} frames (0 = seed .. {len(st) - 1})")
    boxes = {g.id for g in st.circuit.gates if g.collapsed}
    if boxes:
        idx = [i for n, i in enumerate(idx) if not (
            st[i].node_id in boxes and n + 1 < len(idx) and st[idx[n + 1]].node_id == st[i].node_id)]
    chosen = idx[::stride]
    if chosen[-1] != idx[-1]:
        chosen.append(idx[-1])
    return chosen


def caption_lines(st, i, prev) -> list:
    """The narration of frame ``i`` of Stepper ``st`` (and of the frames merged into it since
    frame ``prev``): its heading, then its lines.

    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> st = viz.Stepper(x * x)
    >>> caption_lines(st, 1, 0) == [st[1].heading] + list(st[1].lines)
    True
    """
    f = st[i]
    merged = [k for k in range(prev + 1, i) if st[k].node_id == f.node_id and st[k].group]
    if merged and f.group:
        n = len(st) - 1 - (len([x for x in st if x.phase == "forward"]))
        head = say("module_heading", st.options.lang, a=merged[0], b=f.index, n=max(n, f.index),
                   name=" / ".join(f.group))
        return [head] + list(f.lines)
    return [f.heading] + list(f.lines)


def _wrap_lines(lines, chars) -> list:
    from .stepper import wrap_line
    out = []
    for ln in lines:
        out += wrap_line(ln, max(int(chars), 20)).split("\n")
    return out


class Plan:
    """Where everything goes on every page of one deck (the same for all pages)."""

    def __init__(self, st, frames, slide=None, min_pt=MIN_PT, caption=True, title=None, who="deck",
                 fd=None):
        self.st, self.frames = st, list(frames)
        self.fd = fd or st.drawing()
        dw, dh = self.fd.width_pt, self.fd.height_pt
        self.title = st.title if title is None else (title or None)
        if min_pt is None or isinstance(min_pt, bool) or not float(min_pt) > 0:
            raise ValueError(f"{who}: min_pt must be a positive number of points, got {min_pt!r}")
        self.min_pt = float(min_pt)
        self.slide = slide
        prev = -1
        raw = []
        for i in self.frames:
            raw.append(caption_lines(st, i, prev) if caption else [])
            prev = i
        fonts = diagram_font_sizes(st.base_svg())
        self.small = min(fonts) if fonts else 12.0
        if slide is not None:
            W, H = slide_size(slide)
            m = 0.03 * min(W, H)
            # captions are read from the back row too: never under 12 pt, even when the
            # diagram's minimum is lowered to fit a big graph
            self.cap_pt = max(self.min_pt, 12.0)
            self.title_pt = max(self.min_pt * 1.3, 18.0)
        else:
            m = 8.0
            self.cap_pt = max(12.0, self.small)
            self.title_pt = 16.0
            W = max(dw, 480.0) + 2 * m
        chars = (W - 2 * m) / (_CHAR_EM * self.cap_pt)
        self.captions = [_wrap_lines(c, chars) for c in raw]
        n_lines = max((len(c) for c in self.captions), default=0)
        self.cap_h = n_lines * self.cap_pt * 1.3 + (0.5 * self.cap_pt if n_lines else 0)
        self.title_h = self.title_pt * 1.6 if self.title else 0.0
        if slide is not None:
            aw, ah = W - 2 * m, H - 2 * m - self.title_h - self.cap_h
            s = min(aw / dw, ah / dh) if ah > 0 else 0.0
            if s * self.small < self.min_pt - 1e-9:
                at = pt_below(s * self.small) if s > 0 else "nothing (the captions fill the page)"
                raise SlideFitError(
                    f"{who}: this {len(st.circuit.wires) + len(st.circuit.gates)}-node diagram does not fit "
                    f"slide={slide!r} with text of at least {self.min_pt:g} pt: its smallest text "
                    f"({self.small:g} pt) would come out at {at}. Collapse groups (collapse=True or a "
                    f"group name), split the deck (steps='A:B'), turn captions off (caption=False), "
                    f"or lower the minimum (min_pt={max(1, int(s * self.small)) if s > 0 else 8})")
            self.scale = s
        else:
            self.scale = 1.0
            H = dh + 2 * m + self.title_h + self.cap_h
        self.W, self.H, self.m = W, H, m
        # the diagram centred in its band, padded (never stretched)
        self.dw, self.dh = dw * self.scale, dh * self.scale
        band_top = m + self.title_h
        band_h = H - 2 * m - self.title_h - self.cap_h
        self.ox = (W - self.dw) / 2
        self.oy = band_top + max(0.0, (band_h - self.dh) / 2)

    def caption_y(self, k) -> list:
        """Baselines (from the top) of the caption lines."""
        y0 = self.oy + self.dh + 0.5 * self.cap_pt + self.cap_pt
        return [y0 + j * self.cap_pt * 1.3 for j in range(k)]

    def page_svg(self, n: int) -> str:
        """Page ``n`` of the deck (frame ``frames[n]``) as one SVG document."""
        fd = self.fd
        return self.page_svg_parts(n, "".join(fd.fragment(k, look) for k, look in
                                              enumerate(fd.looks(self.frames[n]))))

    def page_svg_parts(self, n: int, items: str) -> str:
        """Page ``n`` with ``items`` (SVG text of the diagram's items) as its diagram."""
        fd = self.fd
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
               f'width="{self.W:.2f}pt" height="{self.H:.2f}pt" viewBox="0 0 {self.W:.2f} {self.H:.2f}">',
               f'<rect x="0" y="0" width="{self.W:.2f}" height="{self.H:.2f}" fill="#ffffff"/>']
        if self.title:
            out.append(f'<text x="{self.W / 2:.2f}" y="{self.m + self.title_pt:.2f}" text-anchor="middle" '
                       f'font-family="Helvetica" font-weight="bold" font-size="{self.title_pt:g}" '
                       f'fill="#212121">{html.escape(self.title)}</text>')
        out.append(f'<svg x="{self.ox:.2f}" y="{self.oy:.2f}" width="{self.dw:.2f}" height="{self.dh:.2f}" '
                   f'viewBox="{fd.viewbox}"><g id="graph0" class="graph" transform="{fd.transform}">'
                   + items + "</g></svg>")
        cap = self.captions[n]
        for y, line in zip(self.caption_y(len(cap)), cap):
            bold = ' font-weight="bold"' if line is cap[0] else ""
            out.append(f'<text x="{self.m:.2f}" y="{y:.2f}" font-family="Helvetica" font-size="{self.cap_pt:g}"'
                       f'{bold} fill="#212121" xml:space="preserve">{html.escape(line)}</text>')
        out.append("</svg>")
        return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + "\n".join(out)


def diagram_font_sizes(svg: str) -> list:
    """Every ``font-size`` of the texts in an SVG, in points."""
    return [float(v) for v in re.findall(r'<text[^>]*font-size="([\d.]+)', svg)]


def plan(st, who="deck", steps=None, stride=1, slide=None, min_pt=MIN_PT, caption=True, title=None,
         lang=None, max_frames=None) -> Plan:
    """Choose the frames and place everything (see :class:`Plan`)."""
    if lang is not None and lang != st.options.lang:
        st = st.with_lang(lang)
    frames = frames_of(st, steps, stride, who)
    if max_frames is not None and len(frames) > max_frames:
        raise ValueError(
            f"{who}: {len(frames)} frames is over the cap of {max_frames} (an animation that long takes "
            f"minutes and tens of MB and nobody watches it); choose steps='A:B', a stride (stride="
            f"{-(-len(frames) // max_frames)}), a collapsed view (collapse=True), or raise max_frames=")
    _warn_big(st, who, len(frames))
    return Plan(st, frames, slide=slide, min_pt=min_pt, caption=caption, title=title, who=who)


def _warn_big(st, who, n):
    if getattr(st, "_auto_collapsed", False):
        warnings.warn(f"{who}: a {st._auto_collapsed}-node graph: the deck steps its collapsed view, one "
                      f"frame per module ({n} frames); pass collapse=False for every gate", stacklevel=4)


# ---------------------------------------------------------------- PDF
def deck_pdf(st, path=None, **opts) -> bytes:
    """One vector PDF, one page per chosen frame (options: :func:`plan`). Each distinct
    piece is drawn once as a form XObject that every page reuses."""
    from . import pdf as _pdf
    _pdf.need_module("reportlab", "vector PDF")
    from reportlab.graphics import renderPDF
    from reportlab.pdfgen import canvas
    p = plan(st, who="to_pdf", **opts)
    fd = p.fd
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(p.W, p.H), invariant=1)
    forms = {}
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{fd.width_attr}" height="{fd.height_attr}" viewBox="{fd.viewbox}">'
            f'<g transform="{fd.transform}">')
    fonts = _Fonts()
    # items go into chunks of about sqrt(n) items; a page draws its chunks' forms, a chunk's
    # form draws its items' forms, so a page costs sqrt(n) references, not n
    size = max(16, int(len(fd.items) ** 0.5))
    chunks = {}

    def item_form(k, look):
        key = (k, look)
        name = forms.get(key)
        if name is None:
            frag = fd.fragment(k, look)
            name = forms[key] = f"i{len(forms)}" if frag else ""
            if frag:
                d = _pdf.svg_drawing(head + frag + "</g></svg>")
                c.beginForm(name, 0, 0, fd.width_pt, fd.height_pt)
                renderPDF.draw(d, c, 0, 0)
                c.endForm()
        return name

    for n, i in enumerate(p.frames):
        looks = fd.looks(i)
        names = []
        for a in range(0, len(looks), size):
            part = tuple(looks[a:a + size])
            name = chunks.get((a, part))
            if name is None:
                inner = [item_form(k, look) for k, look in enumerate(part, start=a)]
                name = chunks[(a, part)] = f"c{len(chunks)}"
                c.beginForm(name, 0, 0, fd.width_pt, fd.height_pt)
                for m in inner:
                    if m:
                        c.doForm(m)
                c.endForm()
            names.append(name)
        c.saveState()
        c.translate(p.ox, p.H - p.oy - p.dh)
        c.scale(p.scale, p.scale)
        for name in names:
            c.doForm(name)
        c.restoreState()
        if p.title:
            fonts.draw(c, p.W / 2, p.H - p.m - p.title_pt, p.title, p.title_pt, bold=True, centre=True)
        cap = p.captions[n]
        for j, (y, line) in enumerate(zip(p.caption_y(len(cap)), cap)):
            fonts.draw(c, p.m, p.H - y, line, p.cap_pt, bold=(j == 0))
        c.showPage()
    from reportlab import rl_config
    a85, rl_config.useA85 = rl_config.useA85, 0      # ASCII85 only slows the save (pure Python)
    try:
        c.save()
    finally:
        rl_config.useA85 = a85
    data = buf.getvalue()
    if path is not None:
        with open(path, "wb") as fh:
            fh.write(data)
    return data


class _Fonts:
    """Helvetica where it can set the text, DejaVu Sans for other symbols, a Hangul font for Korean."""

    def __init__(self):
        self.ko = None

    def face(self, text, bold):
        from . import pdf as _pdf
        if _HANGUL.search(text):
            if self.ko is None:
                self.ko = _pdf.register_hangul() or ""
            if self.ko:
                return self.ko
        if _pdf.cp1252_encodable(text):
            return "Helvetica-Bold" if bold else "Helvetica"
        if _pdf.register_dejavu():
            return "DejaVuSans-Bold" if bold else "DejaVuSans"
        return "Helvetica"

    def runs(self, text, bold):
        """[(font, piece)]: Hangul in the Hangul font, the rest (digits, −, ×, σ) in the face the
        English slides use; a Hangul font need not have U+2212 (UnDotum draws "0.5 − 0.1" as "0.5  0.1")."""
        if not _HANGUL.search(text):
            return [(self.face(text, bold), text)]
        out = []
        for piece in re.split(r"((?:[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]+ ?)+)", text):
            if piece:
                font = self.face(piece, bold)
                if out and out[-1][0] == font:
                    out[-1] = (font, out[-1][1] + piece)
                else:
                    out.append((font, piece))
        return out

    def draw(self, c, x, y, text, size, bold=False, centre=False):
        c.setFillColorRGB(0.13, 0.13, 0.13)
        runs = self.runs(text, bold)
        if centre:
            x -= sum(c.stringWidth(t, f, size) for f, t in runs) / 2
        for font, piece in runs:
            c.setFont(font, size)
            c.drawString(x, y, piece)
            x += c.stringWidth(piece, font, size)


# ---------------------------------------------------------------- PNG, GIF, APNG
def page_pngs(st, who="save_frames", scale=None, dpi=None, max_width=None, **opts):
    """(plan, PNG bytes of each page). The first page is drawn whole; each later page
    redraws only the rectangles where items changed look (and the caption), so the cost
    grows with the number of steps, not steps × graph size."""
    p = plan(st, who=who, **opts)
    if dpi is None:
        dpi = 144.0 if (p.slide is not None and scale is None) else 96.0 * (1.5 if scale is None else float(scale))
    return p, list(_rasters(p, float(dpi), max_width))


def _rasters(p, dpi, max_width):
    from . import pdf as _pdf
    Image = _pdf.need_module("PIL.Image", "PNG frames")
    if max_width is not None and p.W * dpi / 72.0 > max_width:
        dpi = max_width * 72.0 / p.W
    k = dpi / 72.0                                           # page points -> pixels
    fd = p.fd
    boxes = _item_boxes(fd, p)                               # page points
    prev_looks, img = None, None
    for n, i in enumerate(p.frames):
        looks = fd.looks(i)
        if img is None:
            img = Image.open(io.BytesIO(_pdf.svg_to_png(p.page_svg(n), dpi=dpi))).convert("RGB")
        else:
            # the nested diagram clips what it draws to its box, so item rectangles do too,
            # and the caption band below never merges with them
            clip = _px((p.ox, p.oy, p.ox + p.dw, p.oy + p.dh), k, img.size)
            rects = [_clip(_px(boxes[j], k, img.size), clip)
                     for j, (a, b) in enumerate(zip(looks, prev_looks)) if a != b and boxes[j]]
            rects = _merge(rects)
            if p.captions[n] or p.captions[n - 1]:
                rects.append((0, min(img.size[1], clip[3] + 1), img.size[0], img.size[1]))
            for x0, y0, x1, y1 in rects:
                if x1 <= x0 or y1 <= y0:
                    continue
                svg = _crop_svg(p, n, looks, boxes, (x0 / k, y0 / k, x1 / k, y1 / k), x1 - x0, y1 - y0)
                tile = Image.open(io.BytesIO(_pdf.svg_to_png(svg, dpi=dpi))).convert("RGB")
                img.paste(tile, (x0, y0))
        prev_looks = looks
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        yield buf.getvalue()


def _px(r, k, size):
    x0, y0, x1, y1 = r
    W, H = size
    return (max(0, int(x0 * k) - 2), max(0, int(y0 * k) - 2), min(W, int(x1 * k) + 3), min(H, int(y1 * k) + 3))


def _clip(r, c):
    return (max(r[0], c[0]), max(r[1], c[1]), min(r[2], c[2]), min(r[3], c[3]))


def _merge(rects):
    """Overlapping pixel rectangles joined (so no item is drawn twice over itself)."""
    rects = [r for r in rects if r[2] > r[0] and r[3] > r[1]]
    merged = True
    while merged:
        merged = False
        out = []
        for r in rects:
            for j, q in enumerate(out):
                if r[0] < q[2] and q[0] < r[2] and r[1] < q[3] and q[1] < r[3]:
                    out[j] = (min(r[0], q[0]), min(r[1], q[1]), max(r[2], q[2]), max(r[3], q[3]))
                    merged = True
                    break
            else:
                out.append(r)
        rects = out
    return rects


_NUM = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def _item_boxes(fd, p) -> list:
    """Each item's bounding box in page points (None for an item with no geometry),
    generous around texts (their width is estimated) and strokes."""
    m = re.search(r"scale\(([-\d.]+)(?:[ ,]([-\d.]+))?\).*?translate\(([-\d.]+)[ ,]([-\d.]+)\)", fd.transform)
    sx, sy, tx, ty = (float(m.group(1)), float(m.group(2) or m.group(1)), float(m.group(3)), float(m.group(4))) \
        if m else (1.0, 1.0, 0.0, 0.0)
    vb = [float(v) for v in fd.viewbox.replace(",", " ").split()] or [0, 0, fd.width_pt, fd.height_pt]
    f = p.scale * (fd.width_pt / vb[2] if vb[2] else 1.0)
    out = []
    for el in fd.items:
        xs, ys = [], []
        for sub in el.iter():
            tag = sub.tag.rsplit("}", 1)[-1]
            if tag in ("polygon", "polyline"):
                v = [float(t) for t in _NUM.findall(sub.get("points", ""))]
                xs += v[0::2]
                ys += v[1::2]
            elif tag == "path":
                v = [float(t) for t in _NUM.findall(sub.get("d", ""))]
                xs += v[0::2]
                ys += v[1::2]
            elif tag == "ellipse":
                cx, cy, rx, ry = (float(sub.get(a, 0)) for a in ("cx", "cy", "rx", "ry"))
                xs += [cx - rx, cx + rx]
                ys += [cy - ry, cy + ry]
            elif tag == "text":
                x, y, size = float(sub.get("x", 0)), float(sub.get("y", 0)), float(sub.get("font-size", 14))
                w = 0.7 * size * max(len(sub.text or ""), 1)
                anchor = sub.get("text-anchor", "start")
                x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
                xs += [x0 - size, x0 + w + size]
                ys += [y - 1.2 * size, y + 0.5 * size]
        if not xs:
            out.append(None)
            continue
        pad = 3.0
        out.append((p.ox + ((min(xs) + tx) * sx - vb[0] - pad) * f, p.oy + ((min(ys) + ty) * sy - vb[1] - pad) * f,
                    p.ox + ((max(xs) + tx) * sx - vb[0] + pad) * f, p.oy + ((max(ys) + ty) * sy - vb[1] + pad) * f))
    return out


def _crop_svg(p, n, looks, boxes, rect, wpx, hpx) -> str:
    """The part ``rect`` (page points) of page ``n``, drawn ``wpx`` × ``hpx`` pixels: the
    items that reach into it, in document order, and the caption lines."""
    x0, y0, x1, y1 = rect
    fd = p.fd
    parts = [fd.fragment(k, look) for k, (look, b) in enumerate(zip(looks, boxes))
             if b is None or (b[0] < x1 and x0 < b[2] and b[1] < y1 and y0 < b[3])]
    full = p.page_svg_parts(n, "".join(parts))
    return full.replace(f'width="{p.W:.2f}pt" height="{p.H:.2f}pt" viewBox="0 0 {p.W:.2f} {p.H:.2f}"',
                        f'width="{wpx}px" height="{hpx}px" viewBox="{x0:.4f} {y0:.4f} {x1 - x0:.4f} {y1 - y0:.4f}"',
                        1)


def deck_animation(st, path, duration=1.2, loop=0, hold_last=2.0, max_frames=MAX_ANIMATION_FRAMES,
                   scale=None, dpi=None, max_width=1920, **opts) -> str:
    """An animated GIF or APNG of the deck's pages (see :func:`viz.frames.animation`)."""
    from . import pdf as _pdf
    Image = _pdf.need_module("PIL.Image", "GIF/APNG animation")
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in (".gif", ".png", ".apng"):
        raise ValueError(f"save_animation: the file must end in .gif, .png or .apng, got {path!r}")
    if not (isinstance(duration, (int, float)) and duration > 0):
        raise ValueError(f"save_animation: duration must be positive seconds per frame, got {duration!r}")
    _, pngs = page_pngs(st, who="save_animation", scale=scale, dpi=dpi, max_width=max_width,
                        max_frames=max_frames, **opts)
    images = [Image.open(io.BytesIO(b)).convert("RGB") for b in pngs]
    ms = [int(round(duration * 1000))] * len(images)
    ms[-1] += int(round(hold_last * 1000))
    if ext == ".gif":
        # a palette per frame (later frames add colours: the highlight, partial sums), and
        # no dithering: the diagram has few colours, dithering would only add noise
        pal = [im.quantize(colors=255, dither=0) for im in images]
        pal[0].save(path, format="GIF", save_all=True, append_images=pal[1:], duration=ms, loop=loop,
                    optimize=False, disposal=1)
    else:
        images[0].save(path, format="PNG", save_all=True, append_images=images[1:], duration=ms,
                       loop=loop, default_image=False)
    return path


def with_lang(st, lang):
    """A copy of the Stepper ``st`` narrating in ``lang`` (same layout, same trace)."""
    from .i18n import check_lang
    from .stepper import forward_frames, backward_frames
    check_lang(lang, "Stepper")
    new = copy.copy(st)
    new.options = st.options.replace(lang=lang)
    new._frames = (forward_frames(new) if st.forward else []) + backward_frames(new)
    for k, f in enumerate(new._frames):
        f.index = k
    new._drawing = None
    return new


# ---------------------------------------------------------------- one drawing on a slide
def slide_svg(svg: str, slide, min_pt: float = MIN_PT, who: str = "render") -> str:
    """The drawing ``svg`` (Graphviz's) on a page of the ``slide`` preset: scaled to fit,
    centred and padded (never stretched), every text at least ``min_pt`` points, else a
    :class:`SlideFitError` saying what to do.

    >>> page = slide_svg('<svg xmlns="http://www.w3.org/2000/svg" width="200pt" height="100pt" '
    ...                  'viewBox="0 0 200 100"><text font-size="14">x</text></svg>', "16:9")
    >>> 'width="960.00pt" height="540.00pt"' in page
    True
    """
    W, H = slide_size(slide)
    m = re.search(r'<svg[^>]*?\swidth="([\d.]+)(?:pt)?"[^>]*?\sheight="([\d.]+)(?:pt)?"', svg)
    if not m:
        raise ValueError(f"{who}: the drawing's SVG has no width and height in points")
    dw, dh = float(m.group(1)), float(m.group(2))
    vb = re.search(r'<svg[^>]*?\sviewBox="([^"]+)"', svg)
    viewbox = vb.group(1) if vb else f"0 0 {dw} {dh}"
    fonts = diagram_font_sizes(svg)
    small = min(fonts) if fonts else 14.0
    pad = 0.03 * min(W, H)
    s = min((W - 2 * pad) / dw, (H - 2 * pad) / dh)
    if s * small < float(min_pt) - 1e-9:
        raise SlideFitError(
            f"{who}: this diagram does not fit slide={slide!r} with text of at least {float(min_pt):g} pt: its "
            f"smallest text ({small:g} pt) would come out at {pt_below(s * small)}. Collapse groups (collapse=True "
            f"or a group name), draw part of the graph, or lower the minimum (min_pt={max(1, int(s * small))})")
    inner = svg[svg.find("<svg"):]
    inner = inner[inner.find(">") + 1:inner.rfind("</svg>")]
    x, y = (W - dw * s) / 2, (H - dh * s) / 2
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{W:.2f}pt" height="{H:.2f}pt" viewBox="0 0 {W:.2f} {H:.2f}">'
            f'<rect x="0" y="0" width="{W:.2f}" height="{H:.2f}" fill="#ffffff"/>'
            f'<svg x="{x:.2f}" y="{y:.2f}" width="{dw * s:.2f}" height="{dh * s:.2f}" viewBox="{viewbox}">'
            + inner + "</svg></svg>")


def slide_bytes(value, format: str, options=None, slide="16:9", min_pt: float = MIN_PT,
                scale=None, dpi=None, timeout: float = 120.0) -> bytes:
    """The bytes of :func:`slide_file`'s file (what ``viz.render(..., slide=)`` writes)."""
    from . import pdf as _pdf
    from .dot import to_dot
    from .render import run_dot
    fmt = format.lower()
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render: a slide= page is svg, png or pdf, not {format}")
    svg = run_dot(to_dot(value, options), "svg", timeout).decode("utf-8")
    page = slide_svg(svg, slide, min_pt)
    if fmt == "svg":
        return page.encode("utf-8")
    if fmt == "png":
        return _pdf.svg_to_png(page, dpi=dpi if dpi is not None else (96.0 * scale if scale else 144.0))
    return _pdf.svg_to_pdf(page)


def slide_file(value, path, format: str, options=None, slide="16:9", min_pt: float = MIN_PT,
               scale=None, dpi=None, timeout: float = 120.0) -> str:
    """Draw ``value`` (``options`` as for :func:`viz.to_dot`) on one ``slide`` page, as
    svg, png (144 dpi: 1920 × 1080 for 16:9, unless ``scale``/``dpi``) or pdf.

    >>> import graphgrad as gg
    >>> f = (gg.Value(2.0, requires_grad=True, name="x") * 3.0).tanh()
    >>> f.backward()
    >>> slide_file(f, "f.png", "png", slide="16:9")
    'f.png'
    """
    data = slide_bytes(value, format, options, slide, min_pt, scale, dpi, timeout)
    with open(path, "wb") as fh:
        fh.write(data)
    return os.fspath(path)

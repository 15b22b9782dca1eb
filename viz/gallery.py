"""The lecture gallery: runs the example scripts and writes their diagrams, the
step-through pages and one self-contained ``index.html`` into a folder."""
from __future__ import annotations

import os
import pathlib
import re
import time
from html import escape
from typing import Callable

from .dot import to_dot
from ._validate import check_timeout
from .render import RenderError, run_dot
from .scripts import run_script

GALLERY = ("01_add_mul.py", "02_neuron.py", "03_staged.py", "04_gate_patterns.py",
           "05_vectorized.py", "06_two_layer_net.py", "07_batchnorm.py", "08_small_cnn.py",
           "09_gradient_graph.py", "10_wrong_relu_backward.py")


def examples_dir() -> pathlib.Path:
    """The folder of the gallery scripts, ``viz/gallery_examples/``: they ship inside the
    package (package data), so the gallery works from an installed wheel, outside any checkout.

    >>> (examples_dir() / "01_add_mul.py").is_file()
    True
    """
    return pathlib.Path(__file__).resolve().parent / "gallery_examples"


def build_gallery(out_dir: str | os.PathLike, examples: str | os.PathLike | None = None,
                  steppers: bool = True, png: bool = True, timeout: float = 60.0,
                  log: Callable[..., object] = print, companion: bool = True,
                  lang: str = "en") -> pathlib.Path:
    """Render every gallery example into ``out_dir``; returns the path of ``index.html``.

    With ``companion`` (default) the study notes' question pages (:mod:`viz.companion`)
    are built too, into ``out_dir/companion/``, opening in ``lang`` ("en" or "ko"), and
    the index links them.

    >>> build_gallery("gallery", png=False, companion=False)     # SVGs and step-through pages only
      01_add_mul.py: 1 diagram(s)
    ...
      10_wrong_relu_backward.py: 2 diagram(s)
    gallery: 18 diagrams in ... s -> gallery/index.html
    PosixPath('gallery/index.html')
    """
    check_timeout(timeout, "build_gallery")
    if lang not in ("en", "ko"):
        raise ValueError(f"build_gallery: lang must be 'en' or 'ko', got {lang!r}")
    src = pathlib.Path(examples) if examples else examples_dir()
    missing = [n for n in GALLERY if not (src / n).is_file()]
    if missing:
        hint = ("pass --examples DIR with the gallery scripts" if examples else
                "this graphgrad install is incomplete; reinstall it (pip install --force-reinstall graphgrad)")
        raise FileNotFoundError(f"gallery: {src} lacks {', '.join(missing)}; {hint}")
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cards = []
    t0 = time.perf_counter()
    for fname in GALLERY:
        script = run_script(src / fname)
        stem = fname[:-3]
        items = []
        for k, (name, value, opts, caption) in enumerate(script.diagrams()):
            base = f"{stem}_{k}"
            dot = to_dot(value, **opts)
            (out / f"{base}.dot").write_text(dot, encoding="utf-8")
            svg = run_dot(dot, "svg", timeout).decode("utf-8")
            (out / f"{base}.svg").write_text(svg, encoding="utf-8")
            if png:
                (out / f"{base}.png").write_bytes(run_dot(dot, "png", timeout))
            step_page = None
            if steppers and script.trace_for(value) is not None:
                try:
                    from .stepper import Stepper
                except ImportError:
                    Stepper = None
                if Stepper is not None:
                    st = Stepper(script.trace_for(value), fmt=opts.get("fmt", ".2f"),
                                 collapse=opts.get("collapse"),
                                 max_values=opts.get("max_values", 16), forward=True, lang=lang,
                                 title=f"{_title(script.title, fname, lang)}: {name}")
                    step_page = f"{base}_step.html"
                    st.to_html(out / step_page)
            explore_page = f"{base}_explore.html"     # the interactive page (viz/page/)
            from .page import explore
            explore(script.trace_for(value) or value, title=f"{_title(script.title, fname, lang)}: {name}",
                    **script.options(opts).adapter_options()).to_html(out / explore_page)
            items.append((name, caption, svg, base, step_page, png, explore_page))
        title, about = script.title, script.about
        if lang == "ko":                 # the lecture pages in Korean (viz/gallery_ko.py)
            from .gallery_ko import ko_card
            title, about, caps = ko_card(fname, title, about, [it[1] for it in items])
            items = [(it[0], cap, *it[2:]) for it, cap in zip(items, caps)]
        cards.append((title, about, fname, items))
        log(f"  {fname}: {len(items)} diagram(s)")
    n_pages = 0
    if companion:
        from .companion import build_companion, companion_scripts
        build_companion(out, lang=lang, log=log)
        n_pages = len(companion_scripts())
    index = out / "index.html"
    index.write_text(_index_html(cards, companion=n_pages, lang=lang), encoding="utf-8")
    log(f"gallery: {sum(len(c[3]) for c in cards)} diagrams"
        + (f" and {n_pages} question pages" if n_pages else "") + f" in {time.perf_counter() - t0:.1f} s -> {index}")
    return index


def _strip_prolog(svg: str, prefix: str = "") -> str:
    """Inline SVG: drop the XML prolog and DOCTYPE (not allowed inside HTML) and prefix the
    element ids, so that many diagrams on one page keep their ids unique."""
    import re
    i = svg.find("<svg")
    svg = svg[i:] if i >= 0 else svg
    return re.sub(r'\bid="', f'id="{prefix}', svg) if prefix else svg


def _width_pt(svg: str) -> float:
    import re
    m = re.search(r'<svg[^>]*\bwidth="([0-9.]+)pt"', svg)
    return float(m.group(1)) if m else 0.0


def _title(title, fname, lang):
    if lang != "ko":
        return title
    from .gallery_ko import ko_card
    return ko_card(fname, title, "", [])[0]


def _index_html(cards, companion: int = 0, lang: str = "en") -> str:
    head, foot, words = _HEAD, _FOOT, {"source": "source", "step": "▶ step through backprop",
                                  "explore": "⇄ explore: expand, step, what if"}
    if lang == "ko":
        from .gallery_ko import PAGE
        words = PAGE
        head = (head.replace('<html lang="en">', '<html lang="ko">')
                .replace("<title>graphgrad: backprop gallery</title>", f"<title>{PAGE['title']}</title>")
                .replace("graphgrad — backprop, drawn the cs231n way", PAGE["h1"]))
        head = re.sub(r"<p>Every diagram below.*?</p>", f"<p>{PAGE['intro']}</p>", head, flags=re.S)
        # Korean wraps between words, not inside one ("2층 신\n경망"); a heading link stays on one line
        head = head.replace("<style>", "<style>\nbody{word-break:keep-all} nav a{white-space:nowrap}", 1)
        head = (head.replace('"g">green<', f'"g">{PAGE["green_word"]}<').replace('"r">red<', f'"r">{PAGE["red_word"]}<')
                .replace('"b">blue box<', f'"b">{PAGE["blue_word"]}<')
                .replace("forward value (above the wire)", PAGE["green"])
                .replace("gradient d(output)/d(wire) (below)", PAGE["red"])
                .replace("a group (sigmoid gate, layer, BatchNorm; ∂mul: one gate's backward in a gradient graph)",
                         PAGE["blue"]))
        foot = re.sub(r"<footer>.*?</footer>", f"<footer>{PAGE['foot']}</footer>", foot, flags=re.S)
    parts = [head]
    extra = ''
    if companion:       # the count of questions comes from the question table, not from the number of pages
        from .companion import question_table
        nq = len(question_table()["question"])
        text = (PAGE["companion"].format(n=nq, pages=companion) if lang == "ko" else
                f"The five study notes’ {nq} questions, answered on {companion} pages (English / 한국어) →")
        extra = f' <a class="step" href="companion/index.html">{text}</a>'

    parts.append('<nav>' + " ".join(f'<a href="#ex{i}">{esc(c[0])}</a>' for i, c in enumerate(cards)) + extra + '</nav>')
    for i, (title, about, fname, items) in enumerate(cards):
        parts.append(f'<section class="card" id="ex{i}"><h2>{esc(title)}</h2>'
                     f'<p class="about">{esc(about)}</p>'
                     f'<p class="src">{words["source"]}: <code>viz/gallery_examples/{esc(fname)}</code></p>')
        for name, caption, svg, base, step_page, png, explore_page in items:
            links = [f'<a href="{esc(base)}.svg">SVG</a>']
            if explore_page:
                links.insert(0, f'<a class="step" href="{esc(explore_page)}">{words["explore"]}</a>')
            if png:
                links.append(f'<a href="{esc(base)}.png">PNG</a>')
            links.append(f'<a href="{esc(base)}.dot">DOT</a>')
            if step_page:
                links.insert(0, f'<a class="step" href="{esc(step_page)}">{words["step"]}</a>')
            wide = " wide" if _width_pt(svg) > 1500 else ""
            parts.append(f'<figure><div class="svg{wide}">{_strip_prolog(svg, base + "_")}</div>'
                         f'<figcaption><b>{esc(name)}</b>{" — " + esc(caption) if caption else ""}'
                         f'<span class="links">{" · ".join(links)}</span></figcaption></figure>')
        parts.append("</section>")
    parts.append(foot)
    return "\n".join(parts)



def esc(s) -> str:
    return escape(str(s), quote=True)


_HEAD = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>graphgrad: backprop gallery</title>
<style>
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;background:#f5f6f8;color:#212121}
header{background:#263238;color:#fff;padding:22px 32px}
header h1{margin:0 0 6px;font-size:26px}
header p{margin:0;color:#cfd8dc;max-width:60em;line-height:1.45}
.legend span{display:inline-block;margin-right:18px}
.g{color:#66bb6a;font-weight:bold}.r{color:#ef5350;font-weight:bold}.b{color:#64b5f6;font-weight:bold}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:10px 32px;z-index:2}
nav a{margin-right:16px;color:#1565c0;text-decoration:none;font-size:14px}
main{padding:18px 32px;max-width:1500px}
.card{scroll-margin-top:48px;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:16px 22px;margin:0 0 22px}
.card h2{margin:0 0 6px;font-size:20px}
.about{margin:0 0 4px;line-height:1.45;max-width:70em}
.src{margin:0 0 10px;color:#757575;font-size:13px}
figure{margin:10px 0 18px}
.svg{overflow-x:auto;border:1px solid #eceff1;border-radius:6px;padding:6px;background:#fff}
.svg svg{max-width:none;height:auto}  /* natural size: a wide diagram scrolls, never shrinks or clips */
figcaption{font-size:14px;color:#424242;margin-top:6px}
.links{float:right}.links a{color:#1565c0;text-decoration:none}
a.step{font-weight:bold;color:#c62828!important}
footer{color:#757575;font-size:13px;padding:0 32px 28px}
</style></head><body>
<header><h1>graphgrad — backprop, drawn the cs231n way</h1>
<p>Every diagram below was drawn from a real graphgrad graph by <code>graphgrad gallery</code>.
Gates are circles with their op; each wire carries its forward value and its gradient.</p>
<p class="legend"><span><span class="g">green</span> forward value (above the wire)</span>
<span><span class="r">red</span> gradient d(output)/d(wire) (below)</span>
<span><span class="b">blue box</span> a group (sigmoid gate, layer, BatchNorm; ∂mul: one gate's backward in a gradient graph)</span></p></header>
<main>"""

_FOOT = """</main><footer>Made by graphgrad's <code>viz</code> package with Graphviz (graphviz-pure).
This page is self-contained: it needs no network.</footer></body></html>"""

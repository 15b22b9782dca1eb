"""The companion gallery: one page per question of the study group's notes (cs231n
lectures 3-6), each answered in English and Korean by a figure that a graphgrad script draws.

A companion script (``viz/gallery_examples/companion/*.py``) defines ``PAGE`` (the lecture,
the slide, the students' questions as they wrote them, the answer in both languages) and
``make(out_dir) -> dict``, which runs its seeded experiment, writes its figures into
``out_dir`` and returns ``{"figures": [(file, {"en": caption, "ko": caption})], "numbers": {...}}``.
Run one on its own with ``python viz/gallery_examples/companion/l6_p21_zigzag.py OUT``.

>>> sorted(p.name for p in companion_scripts())[0]          # doctest: +ELLIPSIS
'l3_p...'
"""
from __future__ import annotations

import json
import os
import pathlib
import runpy
import time
from html import escape
from typing import Callable

LANGS = ("en", "ko")


def companion_dir() -> pathlib.Path:
    """The folder of the companion scripts (package data inside viz).

    >>> (companion_dir() / "l6_p21_zigzag.py").is_file()
    True
    """
    return pathlib.Path(__file__).resolve().parent / "gallery_examples" / "companion"


def companion_scripts(folder: str | os.PathLike | None = None) -> list:
    """The companion scripts, sorted by lecture and slide (file names ``l<lecture>_p<slide>_*.py``).

    >>> len(companion_scripts()) >= 20
    True
    """
    src = pathlib.Path(folder) if folder else companion_dir()
    return sorted((p for p in src.glob("l*_p*.py")), key=_order)


def _order(p: pathlib.Path):
    parts = p.stem.split("_")
    lec = int(parts[0][1:])
    page = int("".join(ch for ch in parts[1][1:].split("-")[0] if ch.isdigit()) or 0)
    return (lec, page, p.stem)


def load(script: str | os.PathLike) -> dict:
    """Run a companion script as a module (not as ``__main__``) and return its namespace,
    checking that it defines ``PAGE`` and ``make``.

    >>> ns = load(companion_dir() / "l6_p21_zigzag.py")
    >>> ns["PAGE"]["lecture"], callable(ns["make"])
    (6, True)
    """
    ns = runpy.run_path(os.fspath(script), run_name="companion")
    for need in ("PAGE", "make"):
        if need not in ns:
            raise ValueError(f"companion: {script} defines no {need}; a companion script needs PAGE and make(out_dir)")
    page = ns["PAGE"]
    missing = [k for k in ("lecture", "page", "asked", "title", "answer") if k not in page]
    if missing:
        raise ValueError(f"companion: {script}'s PAGE lacks {', '.join(missing)}")
    return ns


def run_page(script, out_dir) -> dict:
    """Run one script's experiment into ``out_dir``; returns its PAGE plus what ``make`` returned
    (``figures``, ``numbers``) and ``slug`` (the script's stem, the page's file name).

    >>> r = run_page(companion_dir() / "l3_p48_logc.py", "out")      # doctest: +SKIP
    >>> r["numbers"]["loss_at_init"]                                   # doctest: +SKIP
    """
    ns = load(script)
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = ns["make"](os.fspath(out)) or {}
    for f, _cap in result.get("figures", []):
        if not (out / f).is_file():
            raise FileNotFoundError(f"companion: {script} listed figure {f} but did not write it into {out}")
    return dict(ns["PAGE"], slug=pathlib.Path(script).stem, figures=result.get("figures", []),
                numbers=result.get("numbers", {}), links=result.get("links", []))


def build_companion(out_dir: str | os.PathLike, lang: str = "en", folder=None,
                    log: Callable[..., object] = print) -> pathlib.Path:
    """Run every companion script and write ``out_dir/companion/<slug>.html`` and
    ``out_dir/companion/index.html`` (by lecture and slide); ``lang`` is the language the
    pages open in (each page has a toggle). Returns the index's path.

    >>> build_companion("gallery", lang="ko")        # doctest: +SKIP
    PosixPath('gallery/companion/index.html')
    """
    if lang not in LANGS:
        raise ValueError(f"companion: lang must be 'en' or 'ko', got {lang!r}")
    out = pathlib.Path(out_dir) / "companion"
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    for script in companion_scripts(folder):
        t0 = time.perf_counter()
        r = run_page(script, out / "fig" / script.stem)
        r["figures"] = [(f"fig/{script.stem}/{f}", cap) for f, cap in r["figures"]]
        r["links"] = [(f"fig/{script.stem}/{f}", cap) for f, cap in r["links"]]
        (out / f"{r['slug']}.html").write_text(page_html(r, lang), encoding="utf-8")
        (out / "fig" / script.stem / "numbers.json").write_text(
            json.dumps(r["numbers"], indent=1, sort_keys=True, default=float), encoding="utf-8")
        pages.append(r)
        log(f"  companion/{script.name}: {len(r['figures'])} figure(s), {time.perf_counter() - t0:.1f} s")
    index = out / "index.html"
    index.write_text(index_html(pages, lang), encoding="utf-8")
    return index


def esc(s) -> str:
    return escape(str(s), quote=True)


def _both(d, cls="") -> str:
    """Both languages' text, each in a span the page's language switch shows or hides."""
    if isinstance(d, str):
        return esc(d)
    return "".join(f'<span class="{cls} l-{k}" lang="{k}">{esc(d.get(k, d.get("en", "")))}</span>' for k in LANGS)


def _paras(d) -> str:
    return "".join(f'<div class="l-{k}" lang="{k}">' +
                   "".join(f"<p>{esc(p)}</p>" for p in str(d.get(k, "")).split("\n\n") if p.strip()) + "</div>"
                   for k in LANGS)


def page_html(r: dict, lang: str = "en") -> str:
    """One question's page: the students' question (Korean, as written), the answer in both
    languages, the figures with captions; opens in ``lang``."""
    asked = "".join(f'<blockquote lang="ko"><b>{esc(who)}</b> · L{r["lecture"]} {esc(r["page"])} — {esc(q)}</blockquote>'
                    for who, q in r["asked"])
    figs = []
    for f, cap in r["figures"]:
        src = esc(f)
        body = f'<img src="{src}" alt="{esc(cap.get("en", ""))}">'
        figs.append(f'<figure>{body}<figcaption>{_both(cap)}</figcaption></figure>')
    links = "".join(f'<li><a href="{esc(f)}">{_both(cap)}</a></li>' for f, cap in r.get("links", []))
    nums = r.get("numbers") or {}
    numtab = ""
    if nums:
        rows = "".join(f"<tr><td><code>{esc(k)}</code></td><td>{esc(_num(v))}</td></tr>" for k, v in sorted(nums.items()))
        numtab = f'<details><summary>{_both({"en": "the numbers", "ko": "숫자로 보기"})}</summary><table>{rows}</table></details>'
    script = f"viz/gallery_examples/companion/{r['slug']}.py"
    run = {"en": f"Made by {script}; run it yourself: python {script} OUT", "ko": f"{script} 가 그렸습니다. 직접 실행해 보세요: python {script} OUT"}
    return (_HEAD.format(lang=lang, title=esc(r["title"]["en"])) +
            f'<a class="up" href="index.html">{_both({"en": "← all questions", "ko": "← 모든 질문"})}</a>'
            f'<h1>{_both(r["title"])}</h1>{asked}'
            f'<section class="answer"><h2>{_both({"en": "Answer", "ko": "답"})}</h2>{_paras(r["answer"])}</section>'
            + "".join(figs) + (f"<ul>{links}</ul>" if links else "") + numtab +
            f'<p class="src">{_both(run)}</p>' + _FOOT)


def _num(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def index_html(pages: list, lang: str = "en") -> str:
    """The companion index: the questions grouped by lecture, in slide order."""
    parts = [_HEAD.format(lang=lang, title="graphgrad companion: the study notes' questions"),
             f'<a class="up" href="../index.html">{_both({"en": "← lecture-4 diagrams", "ko": "← 4강 다이어그램"})}</a>',
             f'<h1>{_both({"en": "The study notes’ questions, each answered by a graph", "ko": "스터디 노트의 질문들, 그래프로 답하기"})}</h1>']
    for lec in sorted({p["lecture"] for p in pages}):
        parts.append(f'<h2>Lecture {lec}</h2><ul class="idx">')
        for p in (p for p in pages if p["lecture"] == lec):
            whos = ", ".join(w for w, _ in p["asked"])
            parts.append(f'<li><a href="{esc(p["slug"])}.html"><b>{esc(p["page"])}</b> {_both(p["title"])}</a>'
                         f' <span class="who" lang="ko">({esc(whos)})</span></li>')
        parts.append("</ul>")
    parts.append(_FOOT)
    return "\n".join(parts)


_HEAD = """<!DOCTYPE html>
<html lang="{lang}" data-lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:-apple-system,"Segoe UI",Helvetica,Arial,"Noto Sans CJK KR","Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",NanumGothic,sans-serif;margin:0 auto;max-width:980px;padding:16px 28px 40px;color:#212121;line-height:1.5}}
html[data-lang=en] .l-ko, html[data-lang=ko] .l-en{{display:none}}
.switch{{position:fixed;top:10px;right:14px;background:#fff;border:1px solid #bbb;border-radius:6px;padding:2px}}
.switch button{{border:0;background:none;padding:4px 10px;cursor:pointer;font-size:14px}}
html[data-lang=en] .switch .b-en, html[data-lang=ko] .switch .b-ko{{background:#263238;color:#fff;border-radius:4px}}
blockquote{{margin:8px 0;padding:8px 14px;border-left:4px solid #90a4ae;background:#eceff1}}
figure{{margin:14px 0}} figure img{{max-width:100%;border:1px solid #eceff1}}
figcaption{{color:#424242;font-size:14px}}
.answer{{background:#f1f8e9;border-radius:6px;padding:4px 16px}}
.answer h2{{font-size:17px;margin:8px 0 0}}
.src{{color:#757575;font-size:13px}} .who{{color:#757575;font-size:13px}}
.up{{font-size:14px;color:#1565c0;text-decoration:none}}
ul.idx li{{margin:4px 0}} ul.idx a{{color:#1565c0;text-decoration:none}}
table{{border-collapse:collapse;font-size:13px}} td{{border:1px solid #ddd;padding:2px 8px}}
</style></head><body>
<div class="switch"><button class="b-en" onclick="setLang('en')">English</button><button class="b-ko" onclick="setLang('ko')">한국어</button></div>
<script>
function setLang(l){{document.documentElement.dataset.lang=l;document.documentElement.lang=l;try{{localStorage.setItem('gg-lang',l)}}catch(e){{}}}}
try{{var s=localStorage.getItem('gg-lang');if(s)setLang(s)}}catch(e){{}}
</script>
"""

_FOOT = "</body></html>\n"


# ------------------------------------------------------------------ helpers for the scripts
def figure(width: float = 6.4, height: float = 3.6, ncols: int = 1, nrows: int = 1):
    """A matplotlib Figure and its axes on the headless Agg canvas (pyplot's state untouched).

    >>> fig, ax = figure()                   # doctest: +SKIP
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def save(fig, out_dir, name: str) -> str:
    """Write ``fig`` as ``out_dir/name`` (PNG, no timestamp so reruns give the same bytes); returns ``name``.

    >>> save(fig, "out", "zigzag.png")      # doctest: +SKIP
    'zigzag.png'
    """
    path = pathlib.Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})
    return name


def main(make, argv=None) -> None:
    """What ``python script.py [OUT]`` does: run ``make(OUT)`` and print what it wrote."""
    import sys
    argv = sys.argv[1:] if argv is None else argv
    out = argv[0] if argv else "."
    os.makedirs(out, exist_ok=True)
    r = make(out) or {}
    for f, cap in r.get("figures", []):
        print(os.path.join(out, f), "-", cap.get("en", ""))
    for k, v in sorted((r.get("numbers") or {}).items()):
        print(f"  {k} = {_num(v)}")

"""The companion gallery: one page per question of the study group's notes (cs231n
lectures 3-6), each answered in English and Korean by a figure that a graphgrad script draws.

A companion script (``viz/gallery_examples/companion/*.py``) defines ``PAGE`` (the lecture,
the slide, the students' questions as they wrote them, the answer in both languages) and
``make(out_dir) -> dict``, which runs its seeded experiment, writes its figures into
``out_dir`` and returns ``{"figures": [(file, {"en": caption, "ko": caption})], "numbers": {...}}``.
Run one on its own with ``python viz/gallery_examples/companion/l6_p21_zigzag.py OUT``.

>>> [p.name for p in companion_scripts()][:2]      # by lecture, then slide (7 before 13)
['l3_p7_templates.py', 'l3_p13_worked_example.py']
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

# The language the figures of the script now running are drawn in (see t()); and how many
# times t() was asked, so a script that draws no words is not run a second time for Korean.
_now = {"lang": "en", "asked": 0}


def t(en: str, ko: str) -> str:
    """The figure text in the language of the page being drawn (a companion script labels its
    axes, legends and titles with ``t("step", "단계")``).

    >>> t("step", "단계")
    'step'
    """
    _now["asked"] += 1
    return ko if _now["lang"] == "ko" else en


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


def run_page(script, out_dir, lang: str = "en") -> dict:
    """Run one script's experiment into ``out_dir``, its figures' words in ``lang``; returns its
    PAGE plus what ``make`` returned (``figures``, ``numbers``), ``slug`` (the script's stem, the
    page's file name) and ``words`` (whether the figures have words that :func:`t` translated).
    A Korean figure needs a Hangul font: a glyph drawn as a box is an error, not a warning.

    >>> r = run_page(companion_dir() / "l3_p48_logc.py", "out")
    >>> r["slug"], [f for f, _ in r["figures"]]
    ('l3_p48_logc', ['logc.png'])
    >>> round(r["numbers"]["loss_C10"], 3)      # a fresh 10-class classifier: log 10
    2.303
    """
    import warnings

    import matplotlib
    from .hangul import hangul_rc
    if lang not in LANGS:
        raise ValueError(f"companion: lang must be 'en' or 'ko', got {lang!r}")
    ns = load(script)
    out = pathlib.Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _now.update(lang=lang, asked=0)
    try:
        with warnings.catch_warnings(record=True) as caught, matplotlib.rc_context(hangul_rc()):
            warnings.simplefilter("always")
            result = ns["make"](os.fspath(out)) or {}
    finally:
        words = _now["asked"] > 0
        _now.update(lang="en", asked=0)
    boxes = sorted({str(w.message) for w in caught if "missing from font" in str(w.message)})
    if boxes:
        raise RuntimeError(f"companion: {pathlib.Path(script).name} drew glyphs as boxes ({boxes[0]}); "
                           "install the train extra (koreanize-matplotlib ships NanumGothic) or fonts-nanum")
    for w in caught:
        if "missing from font" not in str(w.message):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for f, _cap in result.get("figures", []):
        if not (out / f).is_file():
            raise FileNotFoundError(f"companion: {script} listed figure {f} but did not write it into {out}")
    return dict(ns["PAGE"], slug=pathlib.Path(script).stem, figures=result.get("figures", []),
                numbers=result.get("numbers", {}), links=result.get("links", []), words=words)


def build_companion(out_dir: str | os.PathLike, lang: str = "en", folder=None,
                    log: Callable[..., object] = print) -> pathlib.Path:
    """Run every companion script and write ``out_dir/companion/<slug>.html`` and
    ``out_dir/companion/index.html`` (by lecture and slide); ``lang`` is the language the
    pages open in (each page has a toggle). Returns the index's path.

    ``folder`` holds the scripts (default: the ones shipped, :func:`companion_dir`):

    >>> import os, shutil
    >>> os.makedirs("mine", exist_ok=True)
    >>> _ = shutil.copy(companion_dir() / "l3_p48_logc.py", "mine")
    >>> index = build_companion("gallery", lang="ko", folder="mine")
      companion/l3_p48_logc.py: 1 figure(s), ... s
    >>> index, (index.parent / "l3_p48_logc.html").is_file()
    (PosixPath('gallery/companion/index.html'), True)
    """
    if lang not in LANGS:
        raise ValueError(f"companion: lang must be 'en' or 'ko', got {lang!r}")
    out = pathlib.Path(out_dir) / "companion"
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    english = questions_in_english()
    for script in companion_scripts(folder):
        t0 = time.perf_counter()
        r = run_page(script, out / "fig" / script.stem)
        ko = {}
        if r["words"]:          # the same experiment again, its figures' words in Korean
            rk = run_page(script, out / "fig" / script.stem / "ko", lang="ko")
            ko = {f: f"fig/{script.stem}/ko/{f}" for f, _ in rk["figures"]}
        r["figures"] = [(f"fig/{script.stem}/{f}", cap, ko.get(f)) for f, cap in r["figures"]]
        r["english"] = english
        r["links"] = [(f"fig/{script.stem}/{f}", cap) for f, cap in r["links"]]
        (out / f"{r['slug']}.html").write_text(page_html(r, lang), encoding="utf-8")
        (out / "fig" / script.stem / "numbers.json").write_text(
            json.dumps(r["numbers"], indent=1, sort_keys=True, default=float), encoding="utf-8")
        pages.append(r)
        log(f"  companion/{script.name}: {len(r['figures'])} figure(s), {time.perf_counter() - t0:.1f} s")
    index = out / "index.html"
    index.write_text(index_html(pages, lang), encoding="utf-8")
    return index


def question_table(path=None) -> dict:
    """The table of the five study notes' questions (who asked, lecture, slide, the question,
    the page that answers it) and of the notes' wrong claims (the page that corrects each):
    ``questions.toml`` beside the scripts.

    >>> len(question_table()["question"]) >= 37
    True
    """
    return load_toml(pathlib.Path(path) if path else companion_dir() / "questions.toml")


def load_toml(path) -> dict:
    """A TOML file (the question table, the glossary): tomllib on Python 3.11+, tomli before.

    >>> "term" in load_toml(companion_dir() / "glossary.toml")
    True
    """
    try:
        import tomllib
    except ImportError:                 # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise ImportError("companion: reading questions.toml needs Python 3.11+ or `pip install tomli`") from None
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def _norm(q: str) -> str:
    return " ".join(str(q).split())


def quotes(asked: str, start: str) -> bool:
    """Whether a page's quoted question ``asked`` is the one the table lists by its ``start``
    (whitespace aside).

    >>> quotes("h는 max 함수 ?", "h는 max")
    True
    """
    return _norm(asked).startswith(_norm(start))


def questions_in_english() -> list:
    """The students' questions and the notes' wrong claims in English: ``[(start of the Korean
    original, English)]``.

    >>> any("template" in en for _, en in questions_in_english())
    True
    """
    t = question_table()
    return [(q["asked"], q["en"]) for q in t["question"] if q.get("en")] + \
        [(c["claim"], c["en"]) for c in t["wrong_claim"] if c.get("en")]


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
    english = r.get("english") or []

    def _en(q):     # the question in English (from questions.toml), shown on the English page only
        e = next((en for start, en in english if quotes(q, start)), None)
        return f'<span class="l-en tr" lang="en">In English: {esc(e)}</span>' if e else ""
    asked = "".join(f'<blockquote><span lang="ko"><b>{esc(who)}</b> · L{r["lecture"]} {esc(r["page"])} — {esc(q)}</span>'
                    f'{_en(q)}</blockquote>' for who, q in r["asked"])
    corrects = r.get("corrects") or []
    fixes = ""
    if corrects:
        items = "".join(f'<li><span lang="ko">“{esc(c["claim"])}”</span> <span class="who">[{esc(c["where"])}]</span>'
                        f'{_en(c["claim"])} → {_both(c["fix"])}</li>'
                        for c in corrects)
        fixes = (f'<section class="fix"><h2>{_both({"en": "What the notes got wrong", "ko": "노트에서 바로잡을 점"})}</h2>'
                 f'<ul>{items}</ul></section>')
    figs = []
    for f, cap, *ko in r["figures"]:
        src = esc(f)
        body = f'<img src="{src}" alt="{esc(cap.get("en", ""))}">'
        if ko and ko[0]:        # the figure drawn twice, its words in each language
            body = (f'<img class="l-en" src="{src}" alt="{esc(cap.get("en", ""))}">'
                    f'<img class="l-ko" src="{esc(ko[0])}" alt="{esc(cap.get("ko", ""))}">')
        figs.append(f'<figure>{body}<figcaption>{_both(cap)}</figcaption></figure>')
    links = "".join(f'<li><a href="{esc(f)}">{_both(cap)}</a></li>' for f, cap in r.get("links", []))
    nums = r.get("numbers") or {}
    numtab = ""
    if nums:
        rows = "".join(f"<tr><td><code>{esc(k)}</code></td><td>{esc(_num(v))}</td></tr>" for k, v in sorted(nums.items()))
        numtab = f'<details><summary>{_both({"en": "the numbers", "ko": "숫자로 보기"})}</summary><table>{rows}</table></details>'
    script = f"viz/gallery_examples/companion/{r['slug']}.py"
    run = {"en": f"Made by {script}; run it yourself: python {script} OUT", "ko": f"그림은 {script}로 그렸습니다. 직접 실행해 보세요: python {script} OUT"}
    return (_HEAD.format(lang=lang, title=esc(r["title"]["en"])) +
            f'<a class="up" href="index.html">{_both({"en": "← all questions", "ko": "← 모든 질문"})}</a>'
            f'<h1>{_both(r["title"])}</h1>{asked}'
            f'<section class="answer"><h2>{_both({"en": "Answer", "ko": "답"})}</h2>{_paras(r["answer"])}</section>'
            + fixes + "".join(figs) + (f"<ul>{links}</ul>" if links else "") + numtab +
            f'<p class="src">{_both(run)}</p>' + _FOOT)


def _num(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def index_html(pages: list, lang: str = "en") -> str:
    """The companion index: the questions grouped by lecture, in slide order."""
    parts = [_HEAD.format(lang=lang, title="graphgrad companion: the study notes' questions"),
             f'<a class="up" href="../index.html">{_both({"en": "← lecture diagrams", "ko": "← 강의 다이어그램"})}</a>',
             f'<h1>{_both({"en": "The study notes’ questions, each answered by a graph", "ko": "스터디 노트의 질문, 그래프로 답하기"})}</h1>']
    table = question_table()
    nq, nw = len(table["question"]), len(table["wrong_claim"])
    parts.append(f'<p>{_both({"en": f"{nq} questions from five study notes (cs231n lectures 3-6) and {nw} wrong claims of the notes, on {len(pages)} pages; viz/gallery_examples/companion/questions.toml lists which page answers which.", "ko": f"스터디 노트 다섯 개(cs231n 3~6강)에 나온 질문 {nq}개와 노트의 잘못된 설명 {nw}개를 {len(pages)}쪽에서 다룹니다. 어느 쪽이 어떤 질문에 답하는지는 viz/gallery_examples/companion/questions.toml에 있습니다."})}</p>')
    for lec in sorted({p["lecture"] for p in pages}):
        parts.append(f'<h2>{_both({"en": f"Lecture {lec}", "ko": f"{lec}강"})}</h2><ul class="idx">')
        for p in (p for p in pages if p["lecture"] == lec):
            whos = ", ".join(dict.fromkeys(w for w, _ in p["asked"])) or _both(
                {"en": "the notes' errors" if p.get("corrects") else "the lecture's example",
                 "ko": "노트 바로잡기" if p.get("corrects") else "강의 예제"})
            parts.append(f'<li><a href="{esc(p["slug"])}.html"><b>{esc(p["page"])}</b> {_both(p["title"])}</a>'
                         f' <span class="who">({whos if "<span" in whos else esc(whos)})</span></li>')
        parts.append("</ul>")
    parts.append(_FOOT)
    return "\n".join(parts)


_HEAD = """<!DOCTYPE html>
<html lang="{lang}" data-lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:-apple-system,"Segoe UI",Helvetica,Arial,"Noto Sans CJK KR","Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",NanumGothic,sans-serif;margin:0 auto;max-width:980px;padding:16px 28px 40px;color:#212121;line-height:1.5}}
html[data-lang=en] .l-ko, html[data-lang=ko] .l-en{{display:none !important}}
.switch{{position:fixed;top:10px;right:14px;background:#fff;border:1px solid #bbb;border-radius:6px;padding:2px}}
.switch button{{border:0;background:none;padding:4px 10px;cursor:pointer;font-size:14px}}
html[data-lang=en] .switch .b-en, html[data-lang=ko] .switch .b-ko{{background:#263238;color:#fff;border-radius:4px}}
blockquote{{margin:8px 0;padding:8px 14px;border-left:4px solid #90a4ae;background:#eceff1}}
figure{{margin:14px 0}} figure img{{max-width:100%;border:1px solid #eceff1}}
figcaption{{color:#424242;font-size:14px}}
.tr{{display:block;color:#455a64;font-style:italic;margin-top:4px}}
.fix{{background:#fff3e0;border-radius:6px;padding:4px 16px;margin:10px 0}} .fix h2{{font-size:17px;margin:8px 0 0}}
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

    >>> fig, ax = figure()
    >>> _ = ax.plot([0, 1], [1, 0])
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def save(fig, out_dir, name: str, tight: bool = True) -> str:
    """Write ``fig`` as ``out_dir/name`` (PNG, no timestamp so reruns give the same bytes); returns ``name``.

    >>> fig, ax = figure()
    >>> save(fig, "out", "zigzag.png")
    'zigzag.png'
    """
    path = pathlib.Path(out_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if tight:
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

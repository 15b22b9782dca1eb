"""A one-page, self-contained HTML report of a training run: the babysitting checks'
verdicts, the per-epoch history, the search table and the plots (PNGs inlined as data URIs,
so the file opens anywhere with no network and no neighbouring files).

>>> write_report("report.html", "digits", notes=["a run with no checks yet"])
'report.html'
"""
from __future__ import annotations

import base64
import html
import math
import os

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em} h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.9em} td,th{padding:.25em .7em;border-bottom:1px solid #eee;text-align:left}
th{background:#f6f6f6} td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#1a7f37;font-weight:600} .fail{color:#cf222e;font-weight:600}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #eee} figcaption{color:#555;font-size:.9em}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em} .muted{color:#666}
"""


def _e(x) -> str:
    return html.escape(str(x), quote=True)


def _num(x, fmt=".4f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return format(x, fmt)


def _img(path) -> str:
    with open(path, "rb") as f:
        data = base64.b64encode(f.read()).decode("ascii")
    return f'<img alt="{_e(os.path.basename(path))}" src="data:image/png;base64,{data}">'


def render_report(title: str, checks=(), history=None, figures=(), search_table: str | None = None,
                  notes=()) -> str:
    """The report as an HTML string (see :func:`write_report`).

    >>> render_report("run <1>").count("&lt;1&gt;")
    2
    """
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title>"
             f"<style>{_CSS}</style></head><body><h1>{_e(title)}</h1>"]
    for n in notes:
        parts.append(f"<p class=muted>{_e(n)}</p>")
    checks = list(checks)
    if checks:
        parts.append("<h2>Babysitting checks</h2><table><tr><th>check</th><th>result</th><th>verdict</th></tr>")
        for c in checks:
            cls, word = ("pass", "PASS") if c.passed else ("fail", "FAIL")
            parts.append(f"<tr><td>{_e(c.name)}</td><td class={cls}>{word}</td><td>{_e(c.verdict)}</td></tr>")
        parts.append("</table>")
    if history is not None and history.epochs:
        parts.append("<h2>Training history</h2>")
        if history.diverged:
            parts.append(f"<p class=fail>{_e(history.message)}</p>")
        parts.append("<table><tr><th>epoch</th><th>loss</th><th>train acc</th><th>val acc</th><th>gap</th>"
                     "<th>lr</th></tr>")
        for e in history.epochs:
            gap = e["train_acc"] - e["val_acc"] if not math.isnan(e["val_acc"]) else float("nan")
            parts.append(f"<tr><td class=num>{e['epoch'] + 1}</td><td class=num>{_num(e['loss'])}</td>"
                         f"<td class=num>{_num(e['train_acc'])}</td><td class=num>{_num(e['val_acc'])}</td>"
                         f"<td class=num>{_num(gap, '+.4f')}</td><td class=num>{_num(e['lr'], '.3g')}</td></tr>")
        parts.append("</table>")
    if search_table:
        parts.append(f"<h2>Hyperparameter search</h2><pre>{_e(search_table)}</pre>")
    figures = list(figures)
    if figures:
        parts.append("<h2>Plots</h2>")
        for caption, path in figures:
            parts.append(f"<figure>{_img(path)}<figcaption>{_e(caption)}</figcaption></figure>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_report(path, title: str, checks=(), history=None, figures=(), search_table: str | None = None,
                 notes=()) -> str:
    """Write the one-page HTML report to ``path`` and return the path.

    ``checks``: :class:`graphgrad.train.CheckResult` objects; ``history``: the
    :class:`graphgrad.train.History` of the final run; ``figures``: ``(caption, png_path)``
    pairs, inlined; ``search_table``: text from :func:`graphgrad.train.format_table`.
    """
    for caption, fig in figures:
        if not os.path.isfile(fig):
            raise FileNotFoundError(f"write_report: figure {caption!r} has no file at {fig!r}")
    text = render_report(title, checks, history, figures, search_table, notes)
    os.makedirs(os.path.dirname(os.path.abspath(os.fspath(path))), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return os.fspath(path)

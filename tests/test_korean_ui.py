"""viz's own Korean (the stepper's narration in viz/i18n.py, the lecture gallery in
viz/gallery_ko.py, the step page's buttons, slide headings, the companion's page words) follows
the same glossary as the companion pages (viz/gallery_examples/companion/glossary.toml): no term
the glossary rejects, particles attached to Latin words and numbers ("W의", not "W 의"), and no
particle after a name filled in at run time whose form depends on how the name is read
("{who}는" would be wrong for "N", which reads 엔): those sentences use 의/에/에서 or a colon."""
import ast
import pathlib
import re
import string

import pytest

from test_companion_korean import ALLOWED, GLOSSARY, HANGUL, SPACED, hangul_literals

VIZ = pathlib.Path(__file__).resolve().parents[1] / "viz"
COMPANION = VIZ / "gallery_examples" / "companion"      # the pages: tests/test_companion_korean.py
# particles whose form follows the last sound of the word before them (은/는, 이/가, 을/를, 과/와, 으로/로, ...)
DEPENDENT = re.compile(r"\}(은|는|이|가|을|를|과|와|으로|로|이나|나|이랑|랑|이라고|라고)(?![\uac00-\ud7a3])")
SAMPLE = {"who": "W", "out": "L", "n": 8, "k": 3, "a": 2, "b": 5, "label": "*", "name": "Linear",
          "deriv": "dL/dW", "value": "0.25", "arith": "2 × 3 = 6", "formula": "x", "up": "[1, 2]",
          "lo": "[3, 4]", "d": "[3, 8]", "how": "", "grad": "기울기", "sum": "1 + 2 = 3", "status": "완료",
          "got": 1, "need": 2, "sent": "1", "now": "2", "pages": 30,
          "rows": 3, "cols": 3, "kind": "conv", "note": "", "shape": "4096 × 4096", "s": 1, "size": 5,
          "formula": 5, "i": 0}


def _ui_sources():
    """Every .py, .js and .html file of viz except the companion pages (checked on their own)."""
    return sorted(p for p in VIZ.rglob("*") if p.suffix in (".py", ".js", ".html") and COMPANION not in p.parents)


def _hangul_strings(path):
    """[(line, text)] of every string literal with Hangul in a viz source file (f-string fields read as "0")."""
    src = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return [(src.count("\n", 0, m.start()) + 1, m.group(0))
                for m in re.finditer(r"(['\"`])(?:\\.|(?!\1).)*\1", src) if HANGUL.search(m.group(0))]
    tree = ast.parse(src)
    # docstrings are for programmers (their >>> examples print the real strings, checked by the doctests)
    docstrings = {id(d.body[0].value) for d in ast.walk(tree) if isinstance(
        d, (ast.Module, ast.FunctionDef, ast.ClassDef)) and d.body and isinstance(d.body[0], ast.Expr)}
    return hangul_literals(tree, skip=docstrings)


def _narration():
    """The stepper's Korean sentences filled in (as a step page and a slide print them)."""
    from viz import i18n
    out = [(key, i18n.say(key, "ko", **SAMPLE)) for key, e in i18n.STRINGS.items() if "ko" in e]
    out += [("gradient_text", i18n.gradient_text(s, "ko")) for s in [(), (3,), (2, 3)]]
    return out


def _rejected(text):
    text = ALLOWED.sub("", text)
    return [f"{r!r} (use {g['use']!r})" for g in GLOSSARY for r in g["reject"]
            if re.search(re.escape(r), text, flags=re.I if r.isascii() else 0)]


FILES = [p for p in _ui_sources() if _hangul_strings(p)]


def test_the_korean_ui_sources_are_found():
    names = {p.name for p in FILES}
    assert {"i18n.py", "gallery_ko.py", "stepper_html.py", "companion.py"} <= names


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_viz_korean_follows_the_glossary(path):
    bad = [f"line {line}: {b}" for line, s in _hangul_strings(path) for b in _rejected(s)]
    assert not bad, f"{path.name}: " + "; ".join(bad)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_viz_korean_particles_attach(path):
    bad = [f"line {line}: …{s[max(0, m.start() - 12):m.end() + 2]}…"
           for line, s in _hangul_strings(path) for m in list(SPACED.finditer(s)) + list(DEPENDENT.finditer(s))]
    assert not bad, f"{path.name}: " + "; ".join(bad)


def test_narration_filled_in_follows_the_glossary():
    bad = [f"{key}: {text!r}: {b}" for key, text in _narration() for b in _rejected(text)]
    bad += [f"{key}: {text!r}" for key, text in _narration() if SPACED.search(text)]
    assert not bad, "; ".join(bad)
    # every key is translated, and the fields are the English sentence's fields
    from viz import i18n
    for key, e in i18n.STRINGS.items():
        fields = {f for s in (e["en"], e["ko"]) for _, f, _, _ in string.Formatter().parse(s) if f}
        assert "ko" in e and fields <= set(SAMPLE), key
        assert {f for _, f, _, _ in string.Formatter().parse(e["ko"]) if f} == \
               {f for _, f, _, _ in string.Formatter().parse(e["en"]) if f}, key


def test_a_stepper_narrates_in_glossary_korean():
    import graphgrad as gg
    import viz
    w = gg.Value(2.0, requires_grad=True, name="W")
    x = gg.Value(-1.0, requires_grad=True, name="x")
    y = (w * x + w).tanh()                        # W is used twice: a fan-out sentence
    st = viz.Stepper(y.backward(trace=True), lang="ko")
    text = "\n".join(st.text(k) for k in range(len(st)))
    assert "단계 1/" in text and "여러 곳에 쓰였으므로" in text and "기울기" in text
    page = st.to_html()
    assert "다음 &#9654;" in page and "단계 0 /" in page and '"step " + i' not in page
    assert not _rejected(text) and not SPACED.search(text), text


def test_gallery_index_in_korean_uses_the_glossary(tmp_path):
    from viz.gallery import build_gallery
    html = build_gallery(tmp_path / "g", png=False, companion=False, lang="ko",
                         log=lambda *a: None).read_text(encoding="utf-8")
    body = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)
    body = re.sub(r"<(style|code)>.*?</\1>", "", body, flags=re.S)          # CSS and file names
    body = re.sub(r"<[^>]+>", " ", body)
    assert "기울기" in body and "sigmoid 뉴런" in body
    assert not _rejected(body) and not SPACED.search(body)
    for english in ("explore:", "green", "blue box"):   # the page's own words are Korean too
        assert english not in body


def test_the_checks_catch_what_they_look_for(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('A = "W 의 그래디언트"\nB = "{who}는 갈라집니다"\nC = f"{x}의 기울기"\n', encoding="utf-8")
    strings = [s for _, s in _hangul_strings(bad)]
    assert len(strings) == 3
    assert _rejected(strings[0]) and SPACED.search(strings[0])
    assert DEPENDENT.search(strings[1]) and not DEPENDENT.search(strings[2]) and not SPACED.search(strings[2])


def test_korean_slide_captions_keep_the_minus_sign(tmp_path):
    """A Hangul font need not have U+2212 (UnDotum has none): the caption's numbers and
    symbols are set in the English slides' face, so "0.512 − 0.036" keeps its minus."""
    import shutil
    import subprocess

    import graphgrad as gg
    import viz
    from viz.pages import _Fonts
    fonts = _Fonts()
    runs = fonts.runs("x: 기울기를 더합니다: 0.5 − 0.1 = 0.4", False)
    ko = fonts.face("기울기", False)
    assert [t for f, t in runs if f == ko] == ["기울기를 더합니다"] and "".join(t for _, t in runs).endswith("0.4")
    assert all(f != ko for f, t in runs if "−" in t)
    exe = shutil.which("pdftotext")
    if exe is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    x = gg.Value(3.0, requires_grad=True, name="x")
    y = x * 2.0 + x * -0.5                        # x fans out; its gradients 2 and −0.5 add
    viz.Stepper(y.backward(trace=True), lang="ko").to_pdf(tmp_path / "k.pdf")
    text = subprocess.run([exe, str(tmp_path / "k.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "−" in text and "여러 곳에 쓰였으므로" in text, text


def test_jacobian_and_receptive_field_figures_speak_korean(tmp_path):
    """lang="ko" titles and labels the figures in Korean, in a font that has Hangul (no box)."""
    import warnings

    import numpy as np
    pytest.importorskip("matplotlib")
    import graphgrad as gg
    from viz.jacobian import jacobian_view
    from viz.receptive import filter_images, receptive_field_view
    x = gg.Value(np.array([1.0, -2.0, 3.0]), requires_grad=True, name="x")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = jacobian_view(gg.relu(x), x, lang="ko")
        words = [t.get_text() for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)]
        assert "입력 x_j" in words and "출력 y_i" in words and any("대각 행렬" in w for w in words)
        fig.canvas.draw()
        fig = receptive_field_view([("conv", 3, 1)] * 2, 9, lang="ko")
        assert fig.axes[1].get_title().startswith("+conv 3×3/1: 보는 영역 5×5")
        fig.canvas.draw()
        fig = filter_images(np.ones((2, 3, 3, 3)), lang="ko")
        assert fig._suptitle.get_text() == "1층 필터" and fig.axes[0].get_title() == "필터 0"
        fig.canvas.draw()
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert jacobian_view(gg.relu(x), x).axes[1].xaxis.label.get_text() == "input x_j"
    with pytest.raises(ValueError, match="lang must be 'en' or 'ko'"):
        receptive_field_view([("conv", 3, 1)], 9, lang="kr")

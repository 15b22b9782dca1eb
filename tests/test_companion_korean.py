"""The companion's Korean follows the glossary (viz/gallery_examples/companion/glossary.toml):
no page uses a spelling the glossary rejects, and particles attach to Latin words and numbers
("W의", not "W 의"), as a Korean student writes them. The students' quoted questions are
checked by neither: they stay as the students wrote them. And the Korean figures find a Hangul
font (no glyph drawn as a box)."""
import re
import warnings

import pytest

pytest.importorskip("matplotlib")

from viz import companion

SCRIPTS = companion.companion_scripts()
HANGUL = re.compile("[\uac00-\ud7a3]")
GLOSSARY = companion.load_toml(companion.companion_dir() / "glossary.toml")["term"]
# the lecture's own names, which the notes write in English too
ALLOWED = re.compile(r"(?i)\b(local|upstream|downstream) gradients?|gradient ?check(ing)?")
# particles and counters, alone or compounded ("에서도", "으로는", "개의")
_BASE = ("의 를 을 는 은 가 이 와 과 로 으로 에 에서 에게 도 만 까지 부터 보다 처럼 마다 나 이나 랑 이랑 라고 이라고 라는 "
         "이라는 란 이란 인 이고 이며 이다 입니다 이면 이라서 라서 이므로 인데 이지만 에는 에서는 에서도 에도 으로는 로는 와는 과는 "
         "만이 만을 까지는 부터는 보다는").split()
# counters: attached to a number ("3개", "10층"), but "FC 층" (the FC layer) is a noun after a word
_COUNTERS = "개 배 번 층 단계 가지 차원 번째 칸 줄 씩 퍼센트 회 장 명 개의 배가 배로 배의 층의 번의 개를 개가 개는 스텝 배만큼".split()
PARTICLE = "(" + "|".join(sorted(_BASE, key=len, reverse=True)) + ")"
COUNTER = "(" + "|".join(sorted(_COUNTERS, key=len, reverse=True)) + ")"
# a space between a Latin letter, a digit, a closing bracket or a glossary term and a particle after it
_TERMS = "기울기|가중치|규제|정확도|뉴런|미니배치|하이퍼파라미터|활성화 함수|학습률|활성값|역전파|배치 정규화"
SPACED = re.compile(r"(?:(?:[A-Za-z0-9)\]}²ΔλσμγβηαθεΣ]|" + _TERMS + ") " + PARTICLE + r"|[0-9] " + COUNTER + r")(?=[\s.,:;!?)\]·/]|$)")


def korean_strings(path):
    """Every string with Hangul in a script (implicitly concatenated pieces joined, f-string fields
    read as "0"), except the students' quotes and names: [(line, text)]."""
    import ast
    src = path.read_text(encoding="utf-8")
    ns = companion.load(path)
    quoted = " ".join(" ".join(q.split()) + " " + who for who, q in ns["PAGE"]["asked"])
    quoted += " ".join(" ".join(c["claim"].split()) for c in ns["PAGE"].get("corrects", []))
    return [(line, text) for line, text in hangul_literals(ast.parse(src)) if " ".join(text.split()) not in quoted]


def hangul_literals(tree, skip=()):
    """[(line, text)] of every string literal with Hangul in an ``ast`` tree (an f-string whole,
    its fields read as "0"); ``skip``: ids of Constant nodes to leave out (docstrings, say)."""
    import ast
    out, inner = [], set(skip)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inner.update(id(v) for v in node.values)
            text = "".join(v.value if isinstance(v, ast.Constant) else "0" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inner:
            text = node.value
        else:
            continue
        if HANGUL.search(text):
            out.append((node.lineno, text))
    return out


def test_the_glossary_names_the_terms_the_pages_use():
    use = {g["en"]: g["use"] for g in GLOSSARY}
    assert use["backpropagation"] == "역전파" and use["gradient"] == "기울기" and use["learning rate"] == "학습률"
    assert use["activation function"] == "활성화 함수" and use["batch normalisation"].startswith("배치 정규화")
    for g in GLOSSARY:
        assert g["use"] and all(r != g["use"] for r in g["reject"])


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_korean_follows_the_glossary(script):
    bad = []
    for line, s in korean_strings(script):
        text = ALLOWED.sub("", s)
        for g in GLOSSARY:
            for r in g["reject"]:
                if re.search(re.escape(r), text, flags=re.I if r.isascii() else 0):
                    bad.append(f"line {line}: {r!r} (use {g['use']!r})")
    assert not bad, f"{script.name}: " + "; ".join(bad)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_particles_attach_to_latin_words_and_numbers(script):
    bad = [f"line {line}: …{s[max(0, m.start() - 12):m.end() + 2]}…"
           for line, s in korean_strings(script) for m in SPACED.finditer(s)]
    assert not bad, f"{script.name}: " + "; ".join(bad)


def test_the_checks_catch_what_they_look_for(tmp_path):
    page = tmp_path / "l9_p1_bad.py"
    page.write_text('PAGE = {"lecture": 9, "page": "p1", "asked": [("누구", "질문 learning rate?")], "title": {"en": "x", '
                    '"ko": "W 의 learning rate"}, "answer": {"en": "x", "ko": "활성 함수 3 개"}}\n'
                    'def make(out):\n    return {}\n', encoding="utf-8")
    strings = [s for _, s in korean_strings(page)]
    assert sorted(strings) == ["W 의 learning rate", "활성 함수 3 개"]          # the student's question is left alone
    assert len(SPACED.findall(" ".join(strings))) == 2
    with pytest.raises(AssertionError, match="learning rate"):
        test_korean_follows_the_glossary(page)


def test_a_hangul_font_is_found_and_no_glyph_falls_back_to_a_box(tmp_path):
    import matplotlib

    from viz.hangul import hangul_font, hangul_rc
    assert hangul_font(), "no Hangul font: install the train extra (koreanize-matplotlib) or fonts-nanum"
    from matplotlib import font_manager
    with matplotlib.rc_context(hangul_rc()):
        fig, ax = companion.figure()
        ax.set_title("가중치 W의 분포, 학습률 η = 10⁻³")
        ax.set_xlabel("역전파 단계")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            companion.save(fig, tmp_path, "ko.png")
    assert not [w for w in caught if "missing from font" in str(w.message)]
    # and the check itself can fail: the same words without the Hangul font draw boxes
    with matplotlib.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = companion.figure()
        ax.set_title("가중치")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            companion.save(fig, tmp_path, "boxes.png")
    assert [w for w in caught if "missing from font" in str(w.message)]
    assert font_manager.findfont(font_manager.FontProperties(family=hangul_font()), fallback_to_default=False)

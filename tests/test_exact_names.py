"""A name is drawn exactly as the user wrote it in every view (SVG, PNG's source, stepper
frames and page, slide pages, TikZ), while staying inert (no markup, no Graphviz escape)."""
import html
import re

import pytest

import graphgrad as gg
from viz import Stepper
from viz.dot import to_dot
from viz.pages import slide_file
from viz.render import render, run_dot
from viz.tikz import tex_escape, to_tikz

NAMES = ["a\\b", "\\\\", "\\n", "\\N", "\\G", "<b>", '"', "&amp;", "<script>x</script>",
         "\\E\\T\\H\\L", "x'y"]


def _texts(svg: str) -> list:
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def _neuron(name):
    x = gg.Value(2.0, requires_grad=True, name=name)
    y = x * 3.0
    y.backward()
    return y


@pytest.mark.parametrize("name", NAMES)
def test_svg_shows_the_name_exactly(tmp_path, name):
    y = _neuron(name)
    render(y, tmp_path / "f.svg")
    svg = (tmp_path / "f.svg").read_text(encoding="utf-8")
    assert name in _texts(svg)
    assert "<script>" not in svg and "<b>" not in svg      # never markup
    assert name in _texts(run_dot(to_dot(y), "svg").decode("utf-8"))   # what PNG/PDF draw from


@pytest.mark.parametrize("name", NAMES)
def test_stepper_frames_page_and_slide_show_the_name_exactly(tmp_path, name):
    y = _neuron(name)
    st = Stepper(y)
    for i in (0, len(st) - 1):
        assert name in _texts(st.frame_svg(i))
    page = st.to_html()
    assert name in _texts(page) and "<script>x" not in page
    slide_file(y, tmp_path / "s.svg", "svg", slide="16:9", min_pt=4)
    assert name in _texts((tmp_path / "s.svg").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NAMES)
def test_tikz_shows_the_name_once_escaped(name):
    tex = to_tikz(_neuron(name))
    assert "{" + tex_escape(name) + "}" in tex
    assert "{2.00}" in tex                                   # the value drawn next to it is still there


def test_graphviz_escapes_are_not_expanded():
    # \N is Graphviz's node name, \G the graph's: a name that says them must not turn into v0/graphgrad
    texts = _texts(run_dot(to_dot(_neuron("\\N\\G")), "svg").decode("utf-8"))
    assert "\\N\\G" in texts and not any(t in ("v0", "graphgrad") for t in texts)


@pytest.mark.parametrize("name", ["a\\b", "\\\\", "\\\\N", "<b>"])
def test_beamer_shows_the_name_once_escaped(name):
    tex = Stepper(_neuron(name)).to_beamer()
    assert "{" + tex_escape(name) + "}" in tex and "{2.00}" in tex

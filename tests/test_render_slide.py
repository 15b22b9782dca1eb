"""viz.render(..., slide="16:9") and Diagram.save(..., slide=): the one slide preset of
viz.pages, from Python."""
import re
import subprocess

import pytest

import graphgrad as gg
from viz import Diagram, render
from viz.pages import SlideFitError


def _neuron():
    w0, x0, w1, x1, b = (gg.Value(v, requires_grad=True, name=n) for v, n in
                         ((2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "b")))
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + b)).exp())
    f.backward()
    return f


def _circuit():
    x, y, z = (gg.Value(v, requires_grad=True, name=n) for v, n in ((-2.0, "x"), (5.0, "y"), (-4.0, "z")))
    f = (x + y) * z
    f.backward()
    return f


def _smallest_projected_pt(svg: str) -> float:
    """The smallest text on the page in points: each font-size times the inner drawing's scale."""
    inner = re.search(r'<svg x="[^"]*" y="[^"]*" width="([\d.]+)" height="[\d.]+" viewBox="[\d.-]+ [\d.-]+ ([\d.]+)', svg)
    scale = float(inner.group(1)) / float(inner.group(2))
    sizes = [float(v) for v in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes, "no text on the page"
    return min(sizes) * scale


def test_render_slide_svg_is_16_9_and_text_big_enough(tmp_path):
    p = render(_circuit(), tmp_path / "f.svg", slide="16:9")
    svg = open(p, encoding="utf-8").read()
    w, h = (float(v) for v in re.search(r'<svg[^>]*width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert abs((w / h) / (16 / 9) - 1) < 0.005
    assert _smallest_projected_pt(svg) >= 14 - 1e-6


def test_render_slide_png_and_pdf_are_16_9(tmp_path):
    from PIL import Image
    f = _circuit()
    png = render(f, tmp_path / "f.png", slide="16:9")
    with Image.open(png) as im:
        assert im.size == (1920, 1080)
    pdf = render(f, tmp_path / "f.pdf", slide="16:9")
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
    w, h = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert abs((w / h) / (16 / 9) - 1) < 0.005


def test_render_slide_4_3_and_min_pt(tmp_path):
    svg = open(render(_neuron(), tmp_path / "f.svg", slide="4:3", min_pt=6), encoding="utf-8").read()
    w, h = (float(v) for v in re.search(r'<svg[^>]*width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    assert abs((w / h) / (4 / 3) - 1) < 0.005 and _smallest_projected_pt(svg) >= 6 - 1e-6


def test_a_graph_that_cannot_fit_says_what_to_do(tmp_path):
    x = gg.Value(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(60):                 # a long chain: its text would be tiny on one slide
        y = y * 1.001 + 0.1
    with pytest.raises(SlideFitError, match=r"does not fit slide='16:9'.*min_pt=\d+"):
        render(y, tmp_path / "f.svg", slide="16:9")
    assert not (tmp_path / "f.svg").exists()


def test_diagram_save_takes_the_slide_preset(tmp_path):
    d = Diagram(_circuit())
    svg = open(d.save(tmp_path / "d.svg", slide="16:9"), encoding="utf-8").read()
    assert 'width="960.00pt" height="540.00pt"' in svg


def test_slide_options_misused_are_one_sentence(tmp_path):
    f = _neuron()
    with pytest.raises(ValueError, match="min_pt= is the smallest text on a slide= page"):
        render(f, tmp_path / "f.svg", min_pt=10)
    with pytest.raises(ValueError, match="leave size= and ratio= out"):
        render(f, tmp_path / "f.svg", slide="16:9", size=(4, 3))
    with pytest.raises(ValueError, match="a slide= page is svg, png or pdf"):
        render(f, tmp_path / "f.dot", slide="16:9")
    with pytest.raises(ValueError, match="slide must be one of"):
        render(f, tmp_path / "f.svg", slide="21:9")

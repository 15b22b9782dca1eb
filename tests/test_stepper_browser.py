"""The HTML stepper in a real headless Chromium (Debian's package, driven by Playwright)."""
import os
import re
import shutil

import pytest

import viz
from viz.stepper import HIGHLIGHT_FILL

from test_viz_helpers import example



@pytest.fixture(scope="module")
def neuron_page(tmp_path_factory):
    s = example("02_neuron.py")
    st = viz.Stepper(s.trace_for(s.namespace["f"]), title="neuron <b>&")
    path = tmp_path_factory.mktemp("st") / "neuron.html"
    st.to_html(path)
    return st, path


def test_page_is_self_contained(neuron_page):
    st, path = neuron_page
    text = path.read_text()
    for bad in ("http://", "https://", "<script src", "import ", "fetch("):
        assert bad not in text.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
            'xmlns:xlink="http://www.w3.org/1999/xlink"', "").replace("http://www.w3.org/", "")
    assert "neuron &lt;b&gt;&amp;" in text


def test_next_to_the_end_follows_the_trace(browser, neuron_page):
    st, path = neuron_page
    page = browser.new_page(viewport={"width": 1500, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    assert page.text_content("#status") == f"step 0 / {len(st) - 1}"
    seen_nodes, seen_panels = [], []
    for k in range(1, len(st)):
        page.click("#next")
        assert page.get_attribute("body", "data-step") == str(k)
        node = page.get_attribute("body", "data-node")
        assert node == st[k].node_id                                   # the trace's gate
        assert page.locator(f"#{node}").get_attribute("class").split().count("current") == 1
        assert page.locator("g.current").count() == 1
        panel = page.text_content("#lines")
        seen_nodes.append(node)
        seen_panels.append(panel)
        for line in st[k].lines:
            assert line in panel
    assert len(set(seen_nodes)) == len(st) - 1 == 8 and len(set(seen_panels)) == 8
    # the σ part of the expanded neuron: 1/x first, the two * gates last
    labels = [page.evaluate(f"document.getElementById('{n}').textContent") for n in seen_nodes]
    assert "1/x" in labels[0] and "*" in labels[-1] and "*" in labels[-2]
    assert page.is_disabled("#next")
    # the final frame shows every gradient, none pending or partial
    assert page.locator("text.pending").count() == 0 and page.locator("text.partial").count() == 0
    reds = page.evaluate("""Array.from(document.querySelectorAll('#figure text'))
        .filter(t => t.getAttribute('fill') === '#c62828').map(t => t.textContent)""")
    assert sorted(reds) == sorted(["-0.20", "0.39", "-0.39", "-0.59", "0.20", "0.20", "0.20",
                                   "0.20", "0.20", "-0.20", "-0.53", "-0.53", "1.00"])
    assert any("x0: upstream × local = 0.197 × 2.00 = 0.39" in p for p in seen_panels)
    assert not errors


def test_keys_slider_prev_and_highlight_pixels(browser, neuron_page, tmp_path):
    st, path = neuron_page
    page = browser.new_page(viewport={"width": 1500, "height": 900})
    page.goto(path.resolve().as_uri())
    # at the start only the seed's gradient is visible
    assert page.locator("text.pending").count() == 12
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("body", "data-step") == "3"
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("body", "data-step") == "2"
    page.fill("#slider", "4")
    page.dispatch_event("#slider", "input")
    assert page.text_content("#status") == f"step 4 / {len(st) - 1}"
    page.click("#prev")
    assert page.get_attribute("body", "data-step") == "3"
    node = st[3].node_id
    fill = page.evaluate(f"getComputedStyle(document.querySelector('#{node} ellipse')).fill")
    assert fill == "rgb(255, 245, 157)"                              # #fff59d
    # pixels: the screenshot of the highlighted gate holds the highlight colour
    shot = tmp_path / "mid.png"
    page.locator(f"#{node}").screenshot(path=str(shot))
    from PIL import Image
    img = Image.open(shot).convert("RGB")
    want = tuple(int(HIGHLIGHT_FILL[i:i + 2], 16) for i in (1, 3, 5))
    import numpy as np
    px = np.asarray(img, dtype=int).reshape(-1, 3)
    hits = int((np.abs(px - np.array(want)).max(axis=1) <= 6).sum())
    assert hits > 50
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    if os.environ.get("GRAPHGRAD_KEEP_SHOTS"):
        shutil.copy(tmp_path / "page.png", os.environ["GRAPHGRAD_KEEP_SHOTS"])


def test_sigmoid_step_reads_slide_numbers(browser, tmp_path):
    s = example("02_neuron.py")
    st = viz.Stepper(s.trace_for(s.namespace["f_fused"]))
    path = tmp_path / "fused.html"
    st.to_html(path)
    page = browser.new_page()
    page.goto(path.resolve().as_uri())
    page.click("#next")
    assert "gate σ" in page.text_content("#heading")
    assert "1.00 × 0.20 = 0.20" in page.text_content("#lines")


def test_forward_then_backward_page(browser, tmp_path):
    s = example("01_add_mul.py")
    st = viz.Stepper(s.trace_for(s.namespace["f"]), fmt="g", forward=True)
    path = tmp_path / "fwd.html"
    st.to_html(path)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    assert page.get_attribute("body", "data-phase") == "forward"
    green_hidden = """Array.from(document.querySelectorAll('#figure text.pending'))
        .filter(t => t.getAttribute('fill') === '#2e7d32').length"""
    assert page.evaluate(green_hidden) == 2                       # q and f not computed yet
    page.keyboard.press("ArrowRight")
    assert page.evaluate(green_hidden) == 1 and "q = -2 + 5 = 3" in page.text_content("#lines")
    for _ in range(len(st)):
        page.keyboard.press("ArrowRight")
    assert page.get_attribute("body", "data-phase") == "backward"
    assert page.evaluate(green_hidden) == 0 and page.locator("text.pending").count() == 0
    assert not errors


VISIBLE_JS = """(color) => Array.from(document.querySelectorAll('#figure text'))
    .filter(t => t.getAttribute('fill') === color && getComputedStyle(t).fillOpacity !== '0')
    .map(t => t.textContent).sort()"""


def _python_visible(svg, color):
    import xml.etree.ElementTree as ET
    root = ET.fromstring(svg.encode())
    return sorted(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")
                  if t.get("fill") == color and t.get("fill-opacity") != "0")


def test_jumps_back_and_forth_match_python_frames_with_local_gradients(browser, tmp_path):
    """The page keeps only each frame's change: a jump backward (undo) or forward lands on
    exactly the frame Python draws, local gradients on the edges included."""
    s = example("02_neuron.py")
    st = viz.Stepper(s.trace_for(s.namespace["f"]), local=True, forward=True)
    path = tmp_path / "local.html"
    st.to_html(path)
    page = browser.new_page(viewport={"width": 1500, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    last = len(st) - 1
    for k in [last, 2, last - 3, 0, 7, 6, 1, last]:
        page.fill("#slider", str(k))
        page.dispatch_event("#slider", "input")
        assert page.get_attribute("body", "data-step") == str(k)
        assert page.text_content("#status") == f"step {k} / {last}"
        assert page.text_content("#heading") == st[k].heading
        py = st.frame_svg(k)
        for color in ("#c62828", "#2e7d32", "#1565c0"):
            assert page.evaluate(VISIBLE_JS, color) == _python_visible(py, color), (k, color)
    assert any("×" in t for t in page.evaluate(VISIBLE_JS, "#1565c0"))   # upstream × local on edges
    assert not errors

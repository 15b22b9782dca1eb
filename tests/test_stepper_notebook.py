"""The stepper and diagrams in Jupyter: widgets driven from Python, and a real kernel."""
import html
import json
import re

import pytest

import viz

from test_viz_helpers import ROOT, example


def neuron():
    s = example("02_neuron.py")
    return viz.Stepper(s.trace_for(s.namespace["f_fused"]))


def test_widget_slider_and_buttons_drive_the_stepper():
    pytest.importorskip("ipywidgets")
    st = neuron()
    box = st.widget()
    slider, prev_b, next_b, view = box.stepper_controls
    assert slider.max == len(st) - 1 == 5
    assert "step 0/5" in view.value
    slider.value = 1
    assert st.index == 1 and "1.00 × 0.20 = 0.20" in html.unescape(view.value)
    next_b.click()
    assert slider.value == 2 and "step 2/5: gate +" in view.value
    prev_b.click()
    prev_b.click()
    prev_b.click()                                    # stops at the seed
    assert slider.value == 0 and st.index == 0
    assert "#fff59d" in (st.goto(1) and st._widget_html())


def test_mimebundle_outside_a_kernel_is_a_self_contained_iframe():
    st = neuron()
    bundle = st._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/svg+xml", "text/plain"}
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', bundle["text/html"]).group(1))
    assert page.startswith("<!DOCTYPE html>") and 'id="next"' in page
    assert bundle["image/svg+xml"].startswith("<svg")


def test_real_kernel_shows_widget_and_svg(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import sys; sys.path.insert(0, %r)\n"
            "import graphgrad as gg, viz\n"
            "x = gg.Value(-2.0, requires_grad=True, name='x'); y = gg.Value(5.0, requires_grad=True, name='y')\n"
            "z = gg.Value(-4.0, requires_grad=True, name='z')\n"
            "f = (x + y) * z\n"
            "viz.Diagram(f)" % str(ROOT)),
        nbformat.v4.new_code_cell("st = viz.Stepper(f)\nst"),
        nbformat.v4.new_code_cell("st.widget().stepper_controls[0].value = 2\nprint(st.index)"),
    ]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    out0 = nb.cells[0].outputs[0]
    assert out0["data"]["image/svg+xml"].lstrip().startswith(("<?xml", "<svg"))
    out1 = nb.cells[1].outputs[0]
    assert "application/vnd.jupyter.widget-view+json" in out1["data"]
    assert nb.cells[2].outputs[0]["text"].strip() == "2"
    # saved and read back (what GitHub or nbviewer get): the widget view has a static
    # fallback, the whole stepper page with its frames
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, str(path))
    saved = nbformat.read(str(path), as_version=4).cells[1].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in saved
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', saved["text/html"]).group(1))
    assert page.startswith("<!DOCTYPE html>") and 'id="next"' in page
    frames = json.loads(re.search(r'<script type="application/json" id="frames">(.*?)</script>',
                                  page, re.S).group(1))
    assert [f["heading"] for f in frames] == ["step 0/2: seed, the gradient of out(*) with respect to itself",
                                              "step 1/2: gate *", "step 2/2: gate +"]
    assert "<svg" in page and 'id="e_' in page

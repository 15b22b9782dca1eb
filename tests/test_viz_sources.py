"""Every view (to_dot, render, Diagram, Stepper frames and HTML, networkx/JSON) on every
source engine: the same cases built with graphgrad, micrograd 0.1.0 and the micrograd
lecture's Value (tests/sources.py; add an engine there and these tests run on it)."""
import json
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import viz
from viz.fmt import fmt_number

from sources import build, source_cases
from test_viz_helpers import SVG_NS, svg_texts

FMT = ".4f"
GREEN, RED = "#2e7d32", "#c62828"


def cells(dot, color):
    return re.findall(rf'COLOR="{color}" POINT-SIZE="11">([^<]*)<', dot)


def _f(x):
    return fmt_number(float(x), FMT)


@pytest.mark.parametrize("src, case", source_cases())
def test_to_dot_shows_every_value_and_gradient(src, case):
    c = build(src, case)
    dot = viz.to_dot(c.graph, fmt=FMT)
    assert dot.startswith("digraph graphgrad {")
    assert dot.count('class="gate"') == c.gates
    greens, reds = cells(dot, GREEN), cells(dot, RED)
    for name, (value, grad) in c.expect.items():
        assert name in dot
        assert _f(value) in greens, (name, value)
        assert _f(grad) in reds, (name, grad)
    assert _f(c.out[0]) in greens and _f(c.out[1]) in reds
    assert len(reds) == len(greens)              # after backward every wire has its gradient
    assert viz.to_dot(c.graph, fmt=FMT) == dot   # deterministic


@pytest.mark.parametrize("src, case", source_cases())
def test_show_and_local_options(src, case):
    c = build(src, case)
    assert cells(viz.to_dot(c.graph, show="values"), RED) == []
    assert cells(viz.to_dot(c.graph, viz.Options(show="grads")), GREEN) == []
    local = viz.to_dot(c.graph, local=True)
    assert "local " in local and " × " in local  # upstream × local = downstream on the edges


@pytest.mark.parametrize("src, case", source_cases())
def test_render_svg_png_and_diagram(src, case, tmp_path):
    c = build(src, case)
    svg = viz.run_dot(viz.to_dot(c.graph, fmt=FMT), "svg").decode()
    assert _f(c.out[0]) in svg_texts(svg, GREEN)
    reds = svg_texts(svg, RED)
    for name, (_v, grad) in c.expect.items():
        assert _f(grad) in reds, name
    p = viz.render(c.graph, tmp_path / "g.png", fmt=FMT)
    assert open(p, "rb").read()[:4] == b"\x89PNG"
    d = viz.Diagram(c.graph, fmt=FMT)
    bundle = d._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    assert _f(c.out[0]) in svg_texts(bundle["image/svg+xml"], GREEN)
    assert d.save(tmp_path / "g.dot") and (tmp_path / "g.dot").read_text() == viz.to_dot(c.graph, fmt=FMT)
    assert json.loads(open(d.save(tmp_path / "g.json")).read())["nodes"]


@pytest.mark.parametrize("src, case", source_cases())
def test_networkx_and_json_match_the_dot(src, case):
    c = build(src, case)
    dot = viz.to_dot(c.graph)
    G = viz.to_networkx(c.graph)
    assert G.number_of_nodes() == dot.count('class="wire"') + dot.count('class="gate"')
    assert G.number_of_edges() == dot.count(" -> ")
    by_name = {d["name"]: d for _, d in G.nodes(data=True) if d.get("name")}
    for name, (value, grad) in c.expect.items():
        assert abs(by_name[name]["value"] - value) < 1e-12 and abs(by_name[name]["grad"] - grad) < 1e-12, name
    data = json.loads(viz.to_json(c.graph))
    assert len(data["nodes"]) == G.number_of_nodes() and len(data["edges"]) == G.number_of_edges()


def _final_by_name(st):
    last = st[len(st) - 1]
    return {w.node.name: last.grads.get(w.id) for w in st.circuit.wires if w.node.name}


@pytest.mark.parametrize("src, case", source_cases())
def test_stepper_frames_follow_the_backward_pass(src, case):
    c = build(src, case)
    st = viz.Stepper(c.trace, fmt=FMT)
    assert len(st) == c.gates + 1 and st[0].label == "seed"
    assert st[0].downstream == (1.0,) or float(st[0].downstream[0]) == 1.0
    assert all(f.label != "seed" for f in list(st)[1:])
    final = _final_by_name(st)
    for name, (_v, grad) in c.expect.items():
        text, done = final[name]
        assert done and text == _f(grad), (name, text)
    n = 0
    for k in range(1, len(st)):                  # every printed product checks
        for m in re.finditer(r"= (\S+) × (\S+) = (\S+)", st.text(k)):
            a, b, r = m.groups()
            assert fmt_number(float(a) * float(b), FMT) == r, st.text(k)
            n += 1
        f = st[k]
        if f.local is not None:                  # upstream × local = downstream, exactly
            for lo, d in zip(f.local, f.downstream):
                if d is not None and lo is not None:
                    assert np.allclose(np.asarray(f.upstream) * np.asarray(lo), d, rtol=1e-12, atol=0)
    assert n >= c.gates


@pytest.mark.parametrize("src, case", source_cases())
def test_stepper_svg_frames_and_html(src, case, tmp_path):
    c = build(src, case)
    st = viz.Stepper(c.trace, fmt=FMT, title=f"{src} {case}")
    hidden = []
    for k in range(len(st)):
        root = ET.fromstring(st.frame_svg(k).encode())
        reds = [t for t in root.iter(SVG_NS + "text") if t.get("fill") == RED]
        hidden.append(sum(1 for t in reds if t.get("fill-opacity") == "0"))
    assert hidden[0] > 0 and hidden[-1] == 0
    assert all(a >= b for a, b in zip(hidden, hidden[1:]))
    page = st.to_html(tmp_path / "s.html")
    assert page.startswith("<!DOCTYPE html>") and 'id="frames"' in page
    assert len(st.frames_json()) == len(st)
    fwd = viz.Stepper(c.trace, fmt=FMT, forward=True)
    assert [f.phase for f in fwd].count("forward") == c.gates + 1


@pytest.mark.parametrize("src, case", source_cases())
def test_stepper_leaves_the_users_gradients_alone(src, case):
    c = build(src, case)
    G = viz.to_networkx(c.graph)
    before = sorted((d["name"] or "", d["grad"]) for _, d in G.nodes(data=True) if d["kind"] == "wire")
    viz.Stepper(c.graph if src != "graphgrad" else c.trace)
    G2 = viz.to_networkx(c.graph)
    after = sorted((d["name"] or "", d["grad"]) for _, d in G2.nodes(data=True) if d["kind"] == "wire")
    assert before == after

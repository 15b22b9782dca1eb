"""The page's data format (viz.page.data) and the default static level of big graphs."""
import doctest
import json
import pathlib
import re
import sys

import numpy as np
import pytest

import graphgrad as gg
import viz
import viz.page
import viz.page.data
import viz.page.draw
import viz.page.html
import viz.page.rules
from viz.graphdata import GraphData, Node
from viz.page.data import annotate, page_data

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_explore import gpt_block, micrograd_demo, neuron, torch40  # noqa: E402


@pytest.mark.parametrize("mod", [viz.page, viz.page.data, viz.page.draw, viz.page.html, viz.page.rules,
                                 viz.graph], ids=lambda m: m.__name__)
def test_docstring_examples(mod):
    res = doctest.testmod(mod, report=False)
    assert res.attempted > 0 and res.failed == 0


def test_document_is_versioned_json_with_nonfinite_as_strings():
    x = gg.Value(np.array([1.0, np.inf, np.nan, -2.0]), requires_grad=True, name="x")
    y = x * 2.0
    y.backward(np.ones(4))
    d = page_data(y)
    assert d["format"] == "graphgrad-page" and d["version"] == 1
    text = json.dumps(d, allow_nan=False)               # JSON proper: no NaN tokens
    back = json.loads(text)
    vs = back["nodes"][0]["vs"]
    assert vs["n"] == 4 and vs["nonfinite"] == 2 and vs["min"] == -2.0 and sum(vs["hist"]) == 2
    assert back["nodes"][0]["shape"] == [4]
    # a small tensor carries its entries for what-if (non-finite ones as strings too)
    assert back["whatif"]["ok"] is True and back["nodes"][0]["vt"] == [1.0, "inf", "nan", -2.0]
    s = page_data(gg.Value(float("nan"), requires_grad=True) * 1.0)
    assert s["nodes"][-1]["v"] == "nan"


def test_neuron_document_keeps_folded_constants_and_the_steps():
    f, _ = neuron()
    d = page_data(f)
    by_label = {n["label"]: n for n in d["nodes"]}
    assert by_label["+1"]["consts"] == [[0, 1.0]] and by_label["+1"]["pos"] == [1]
    assert by_label["1/x"]["consts"] == [[0, 1.0]]
    assert d["whatif"] == {"ok": True, "reason": ""}
    assert len(d["steps"]) == 8 and d["steps"][0]["node"] == d["root"] and d["steps"][0]["up"] == 1.0
    assert set(d["rules"]) == {"mul", "add", "neg", "exp", "div"}


def test_an_op_without_a_page_rule_is_refused_by_name():
    g = GraphData(nodes=(Node("n0", "x", "leaf", value=1.0, grad=1.0, name="x"),
                         Node("n1", "erf", "erf", inputs=("n0",), value=0.84, grad=1.0)), root="n1")
    d = page_data(g)
    assert d["whatif"] == {"ok": False, "reason": "values fixed: the page cannot evaluate erf"}
    assert d["steps"] == []


def test_what_if_refuses_tensors_it_cannot_recompute_and_says_why():
    small = gg.Value(np.ones((2, 3)), requires_grad=True, name="a")
    d = page_data((small.sum(axis=-1, keepdims=True) * 2.0).mean())
    assert d["whatif"] == {"ok": True, "reason": ""}
    red = [n["red"] for n in d["nodes"] if n["op"] in ("sum", "mean")]
    assert red == [{"axis": [1], "keepdims": True}, {"axis": None, "keepdims": False}]
    big = gg.Value(np.ones(65), requires_grad=True, name="big")
    r = page_data((big * 2.0).sum())["whatif"]
    assert r["ok"] is False and r["reason"] == ("values fixed: the page recomputes tensors of at most "
                                                "64 entries (big has 65)")
    assert "vt" not in page_data((big * 2.0).sum())["nodes"][0]
    f32 = gg.Value(np.ones(3, dtype=np.float32), requires_grad=True, name="h")
    assert page_data((f32 * 2.0).sum())["whatif"]["reason"] == \
        "values fixed: the page computes in float64 (h is float32)"
    A = gg.Value(np.ones((2, 2, 2)), requires_grad=True)
    assert "batched" in page_data((A @ A).sum())["whatif"]["reason"]
    g = GraphData(nodes=(Node("n0", "x", "leaf", value=np.ones(2), grad=np.ones(2), name="x"),
                         Node("n1", "mul", "mul", inputs=("n0", "n0"), value=np.ones(2), grad=np.ones(2))),
                  root="n1", source="torch")
    assert page_data(g)["whatif"]["reason"] == \
        "values fixed: the page recomputes tensors of graphgrad graphs only (this is torch)"


def test_annotate_marks_a_gate_for_gradcheck():
    f, _ = neuron()
    d = annotate(page_data(f), "n2", status="fail", notes=["expected 0.39, got 0.41"])
    n = d["nodes"][2]
    assert n["status"] == "fail" and n["notes"] == ["expected 0.39, got 0.41"]
    with pytest.raises(ValueError, match="status must be"):
        annotate(d, "n2", status="red")
    with pytest.raises(KeyError, match="no node 'n99'"):
        annotate(d, "n99", status="ok")
    assert 'class="item ' in viz.page.html.document(d) or "status-" in (ROOT / "viz/page/page.js").read_text()


def test_forty_layer_net_folds_into_one_block_times_forty_with_parameters_inside():
    pytest.importorskip("torch")
    rec, _ = torch40()
    d = page_data(rec)
    folds = [g for g in d["groups"] if g["kind"] == "fold"]
    assert len(folds) == 1 and folds[0]["n"] == 40 and folds[0]["name"] == "Linear·BatchNorm1d·ReLU"
    assert folds[0]["gates"] == 120 and folds[0]["params"] == 40 * (16 * 16 + 16 + 4 * 16)
    params = [n for n in d["nodes"] if n.get("param")]
    assert len(params) == 240 and all(d["groups"][n["grp"]]["name"] in ("Linear", "BatchNorm1d") for n in params)


def test_micrograd_demo_groups_calls_and_the_l2_chain():
    loss, opts = micrograd_demo(3)
    d = page_data(loss, **opts)
    kinds = [g["kind"] for g in d["groups"]]
    assert kinds.count("auto") == 1
    top = [g for g in d["groups"] if g["kind"] == "fold" and g["parent"] == -1]
    assert len(top) == 1 and top[0]["n"] == 3 and top[0]["name"] == "MLP"
    # inside each call, each 16-neuron layer folds its identical neurons: Neuron x16
    inner = [g for g in d["groups"] if g["kind"] == "fold" and g["parent"] != -1]
    assert len(inner) == 3 * 2 and {(g["name"], g["n"]) for g in inner} == {("Neuron", 16)}
    auto = [g for g in d["groups"] if g["kind"] == "auto"][0]
    assert auto["gates"] > 674


# ---------------------------------------------------------------- the static picture
def svg_inches(svg: bytes):
    m = re.search(rb'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    return float(m.group(1)) / 72, float(m.group(2)) / 72


def test_forty_layer_net_default_render_is_page_sized_with_few_wires_into_boxes():
    pytest.importorskip("torch")
    rec, _ = torch40()
    c = viz.graph.build(viz.as_graph(rec))
    boxes = [g for g in c.gates if g.collapsed]
    assert boxes and max(len(b.inputs) for b in boxes) <= 5
    assert sum(len(b.folded) for b in boxes) == 240            # every parameter and buffer inside
    assert [b.label for b in boxes] == ["Linear·BatchNorm1d·ReLU ×40"]   # the repeated blocks, folded
    w, h = svg_inches(viz.run_dot(viz.to_dot(rec), "svg", timeout=120))
    assert w < 20 and h < 20


def test_micrograd_demo_default_render_folds_the_l2_chain_and_fits():
    loss, opts = micrograd_demo(8)
    c = viz.graph.build(viz.as_graph(loss, **opts))
    assert c.node_count() < 40 and viz.graph.ranks(c) <= viz.graph.MAX_RANKS
    assert sorted(g.label for g in c.gates if g.collapsed) == ["+ * chain", "MLP ×8"]
    w, h = svg_inches(viz.run_dot(viz.to_dot(loss, **opts), "svg", timeout=120))
    assert w < 20 and h < 20


def test_small_recorded_gpt_block_default_render_fits_a_page():
    """43 nodes (under max_nodes) but 30 gates deep: it used to be an 84 x 8 inch strip."""
    pytest.importorskip("torch")
    rec, _ = gpt_block()
    g = viz.as_graph(rec)
    assert len(g.nodes) < viz.Options().max_nodes // 2
    full = viz.graph.build(g, collapse=False)
    assert viz.graph.ranks(full) > viz.graph.MAX_RANKS
    c = viz.graph.build(g)
    assert c.levelled and viz.graph.ranks(c) <= viz.graph.LONG_LR + 2
    assert [b.label for b in c.gates if b.collapsed] == ["LayerNorm", "CausalSelfAttention", "LayerNorm", "MLPb"]
    dot = viz.to_dot(rec)
    assert "rankdir=TB" in dot
    w, h = svg_inches(viz.run_dot(dot, "svg", timeout=120))
    assert w < 20 and h < 20
    # asked for, left to right and every gate still draw as before
    assert "rankdir=LR" in viz.to_dot(rec, rankdir="LR")
    assert viz.graph.ranks(viz.graph.build(g, collapse=False)) == viz.graph.ranks(full)


def test_auto_rankdir_leaves_lecture_sized_graphs_left_to_right():
    f, _ = neuron()
    assert "rankdir=LR" in viz.to_dot(f) and not viz.graph.build(f).levelled
    x = gg.Value(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(20):          # a 20-gate chain: longer than a page is wide
        y = y.tanh()
    assert "rankdir=TB" in viz.to_dot(y)
    with pytest.raises(ValueError, match="rankdir must be auto, LR, TB, RL or BT"):
        viz.Options(rankdir="down")


def test_graphviz_timeout_suggests_the_page(monkeypatch):
    import subprocess

    def slow(*a, **k):
        raise subprocess.TimeoutExpired("dot", 1)
    monkeypatch.setattr(subprocess, "run", slow)
    with pytest.raises(viz.RenderError, match=r"viz\.explore\(value\)\.to_html"):
        viz.run_dot("digraph { a -> b }", timeout=1)


def test_gallery_links_an_explore_page_per_diagram(tmp_path):
    from viz.gallery import build_gallery
    index = build_gallery(tmp_path, steppers=False, png=False, companion=False, log=lambda *a: None)
    html = index.read_text()
    pages = sorted(tmp_path.glob("*_explore.html"))
    assert len(pages) >= 9
    for p in pages:
        assert f'href="{p.name}"' in html
        assert '"format":"graphgrad-page"' in p.read_text()


def test_real_kernel_shows_the_page_inline(tmp_path):
    import html as _html
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import sys; sys.path.insert(0, %r)\n"
        "import graphgrad as gg, viz\n"
        "x = gg.Value(-2.0, requires_grad=True, name='x'); y = gg.Value(5.0, requires_grad=True, name='y')\n"
        "f = (x + y) * x\n"
        "f.backward()\n"
        "viz.explore(f)" % str(ROOT))]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    out = nb.cells[0].outputs[0]["data"]["text/html"]
    assert out.startswith("<iframe srcdoc=")
    page = _html.unescape(re.search(r'srcdoc="([^"]*)"', out).group(1))
    doc = json.loads(re.search(r'<script type="application/json" id="gg-data">(.*?)</script>', page).group(1))
    assert doc["format"] == "graphgrad-page" and [n["label"] for n in doc["nodes"]] == ["x", "y", "+", "*"]


def test_full_batch_demo_default_render_bundles_the_calls_into_one_page():
    loss, opts = micrograd_demo(100)
    c = viz.graph.build(viz.as_graph(loss, **opts))
    assert sorted(g.label for g in c.gates if g.collapsed) == ["+ * chain", "MLP ×100"]
    assert [w.bundle for w in c.wires if w.bundle > 1] == [100]
    dot = viz.to_dot(loss, **opts)
    assert "100 wires" in dot
    w, h = svg_inches(viz.run_dot(dot, "svg", timeout=120))
    assert w < 20 and h < 20

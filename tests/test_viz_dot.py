"""DOT output: cs231n conventions, slide numbers, folding, groups, determinism, escaping."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import graphgrad as gg
import viz
from viz import graph as vgraph
from viz.fmt import arithmetic, fmt_number, tensor_lines

from test_viz_helpers import EXAMPLES, ROOT, check_golden, example, svg_texts

GALLERY = sorted(p.name for p in EXAMPLES.glob("0*.py"))


def neuron(expanded=True):
    w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in
                          [(2., "w0"), (-1., "x0"), (-3., "w1"), (-2., "x1"), (-3., "w2")])
    s = w0 * x0 + w1 * x1 + w2
    if expanded:
        with gg.group("sigmoid"):
            f = 1 / (1 + (-1 * s).exp())
    else:
        f = s.sigmoid()
    f.backward()
    return f, (w0, x0, w1, x1, w2)


def cells(dot, color):
    return re.findall(rf'COLOR="{color}" POINT-SIZE="11">([^<]*)<', dot)


# ---------------------------------------------------------------- numbers
@pytest.mark.parametrize("x, fmt, want", [
    (0.7310585786, ".2f", "0.73"), (-0.0, ".2f", "0.00"), (-1e-9, ".2f", "-1.0e-09"),
    (1e-7, ".2f", "1.0e-07"), (float("nan"), ".2f", "nan"), (float("-inf"), ".2f", "-inf"),
    (-12.0, "g", "-12"), (3.0, ".2f", "3.00"), (0.116, ".3g", "0.116"), (2e7, ".2f", "2.00e+07"),
])
def test_number_format_table(x, fmt, want):
    assert fmt_number(x, fmt) == want


def test_arithmetic_rounding_is_consistent_for_every_neuron_step():
    w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True) for v in (2., -1., -3., -2., -3.))
    with gg.group("sigmoid"):
        out = 1 / (1 + (-1 * (w0 * x0 + w1 * x1 + w2)).exp())
    trace = out.backward(trace=True)
    pairs = 0
    for step in trace:
        for i, down in enumerate(step.downstream):
            if down is None:
                continue
            text = arithmetic(step.upstream, step.local[i], down)
            a, b, c = re.match(r"(\S+) × (\S+) = (\S+)", text).groups()
            assert fmt_number(float(a) * float(b)) == c == fmt_number(down), text
            pairs += 1
    assert pairs == 12          # 8 gates: four unary, two adds and two muls with 2 inputs each
    assert arithmetic(0.19661193324148185, 2.0, 0.3932238664829637) == "0.197 × 2.00 = 0.39"


def test_tensor_lines_small_and_summary():
    assert tensor_lines(np.array([0.2, 0.4])) == ["[0.20, 0.40]"]
    big = tensor_lines(np.ones((100, 100)))
    assert len(big) == 2 and big[0] == "mean 1.00"


# ---------------------------------------------------------------- the slides
def test_add_mul_has_5_wires_2_gates_and_the_slide_numbers():
    s = example("01_add_mul.py")
    dot = viz.to_dot(s.namespace["f"], fmt="g")
    assert dot.count("class=\"wire\"") == 5 and dot.count("class=\"gate\"") == 2
    assert cells(dot, "#2e7d32") == ["-2", "5", "3", "-4", "-12"]      # x y q z f
    assert cells(dot, "#c62828") == ["-4", "-4", "-4", "3", "1"]
    assert "<I>q</I>" in dot and "<I>f</I>" in dot


def test_neuron_numbers_and_folded_constants():
    f, _ = neuron()
    dot = viz.to_dot(f)
    assert dot.count('class="gate"') == 8 and dot.count('class="wire"') == 13
    labels = re.findall(r'class="gate" tooltip="[^"]*" fontsize=14 label=<([^>]*)>', dot)
    assert sorted(labels) == sorted(["*", "*", "+", "+", "*-1", "exp", "+1", "1/x"])
    vals = cells(dot, "#2e7d32")
    for want in ["2.00", "-1.00", "-3.00", "-2.00", "-3.00", "-2.00", "6.00", "4.00", "1.00",
                 "0.37", "1.37", "0.73"]:
        assert want in vals
    grads = cells(dot, "#c62828")
    assert sorted(grads) == sorted(["-0.20", "0.39", "-0.39", "-0.59", "0.20", "0.20", "0.20",
                                    "0.20", "0.20", "-0.20", "-0.53", "-0.53", "1.00"])
    # the interned constant 1.0 (used by +1 and 1/x) is never drawn as a shared node
    assert "const" not in dot


def test_collapsed_sigmoid_is_one_box_with_same_leaf_gradients():
    f, leaves = neuron()
    c = vgraph.build(f, collapse="sigmoid")
    assert [g.label for g in c.gates if g.collapsed] == ["sigmoid"]
    assert sum(1 for g in c.gates if not g.collapsed) == 4
    fused, leaves2 = neuron(expanded=False)
    for a, b in zip(leaves, leaves2):
        assert abs(float(a.grad) - float(b.grad)) < 1e-12
    dot = viz.to_dot(f, collapse="sigmoid")
    assert "cluster" not in dot and "<B>sigmoid</B>" in dot


def test_expanded_group_is_a_cluster():
    f, _ = neuron()
    dot = viz.to_dot(f)
    assert "subgraph cluster_0" in dot and "label=<sigmoid>" in dot


def test_auto_collapse_beyond_node_budget():
    x = gg.Value(np.ones(3), requires_grad=True, name="x")
    h = x
    for i in range(30):
        with gg.group(f"block{i}"):
            h = (h * 1.5 + 0.5).tanh()
    loss = h.sum()
    full = vgraph.build(loss, collapse=False)
    small = vgraph.build(loss, max_nodes=80)
    assert full.node_count() > 150
    assert small.node_count() <= 80 and any(g.collapsed for g in small.gates)


def test_local_gradients_on_edges():
    f, _ = neuron(expanded=False)
    dot = viz.to_dot(f, local=True)
    assert "1.00 × 0.20 = 0.20" in dot                     # the σ gate: upstream × local
    assert "0.197 × 2.00 = 0.39" in dot                    # x0's step, consistent rounding
    only = viz.to_dot(f, local=f)
    assert only.count("local ") == 1


def test_vectorised_tensor_wires_show_shape_and_values():
    s = example("05_vectorized.py")
    dot = viz.to_dot(s.namespace["f"], fmt=".3g")
    assert "(2, 2)" in dot and "[[0.1, 0.5]" in dot
    assert "[[0.088, 0.176]" in dot and "[-0.112, 0.636]" in dot
    big = gg.Value(np.ones((100, 100)), requires_grad=True, name="big")
    d2 = viz.to_dot((big * 2.0).sum())
    assert "(100, 100)" in d2 and "mean 2.00" in d2 and "[2.00, 2.00]" in d2 and len(d2) < 5000


def test_show_values_or_grads_only():
    f, _ = neuron()
    assert cells(viz.to_dot(f, show="values"), "#c62828") == []
    assert cells(viz.to_dot(f, show="grads"), "#2e7d32") == []


def test_before_backward_no_gradient_is_drawn():
    x = gg.Value(2.0, requires_grad=True, name="x")
    dot = viz.to_dot(x * 3.0)
    assert cells(dot, "#c62828") == [] and "*3" in dot


def test_no_named_colours():
    f, _ = neuron()
    dot = viz.to_dot(f)
    assert not re.search(r'(?i)color="(green|red|blue|black)"', dot)


# ---------------------------------------------------------------- golden + determinism
@pytest.mark.parametrize("name", GALLERY)
def test_gallery_golden_dot(name):
    s = example(name)
    for k, (vname, value, opts, _) in enumerate(s.diagrams()):
        check_golden(f"{name[:-3]}_{k}.dot", viz.to_dot(value, **opts))


def test_dot_identical_across_processes_and_hash_seeds():
    code = ("import sys, viz; from viz.scripts import run_script\n"
            "for n in sys.argv[1:]:\n"
            "    s = run_script(n)\n"
            "    for _, v, o, _ in s.diagrams(): sys.stdout.write(viz.to_dot(v, **o))\n")
    files = [str(EXAMPLES / n) for n in GALLERY]
    outs = []
    for seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outs.append(subprocess.run([sys.executable, "-c", code, *files], env=env, cwd=ROOT,
                                   capture_output=True, text=True, check=True).stdout)
    assert outs[0] == outs[1] and outs[0].count("digraph") == 16


# ---------------------------------------------------------------- robustness
def test_hostile_names_are_escaped():
    a = gg.Value(1.0, requires_grad=True, name="<script>alert(1)</script>")
    b = gg.Value(2.0, requires_grad=True, name='"}; a -> b [label="x')
    with gg.group('</TABLE>"cluster'):
        c = a * b
    c.name = "&amp; \\N"
    c.backward()
    dot = viz.to_dot(c)
    labels = "".join(re.findall(r"label=<(.*?)>\];", dot))
    assert "<script>" not in labels and "&lt;script&gt;" in labels
    assert '"}; a -> b [label="x' not in dot          # quoted strings are escaped too
    svg = viz.run_dot(dot, "svg").decode()
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    texts = svg_texts(svg)
    for name in ('</TABLE>"cluster', "<script>alert(1)</script>", '"}; a -> b [label="x', "&amp; \\N"):
        assert name in texts                               # drawn literally, nothing interpreted


def test_deep_chain_has_no_recursion_error():
    x = gg.Value(0.5, requires_grad=True, name="x")
    h = x
    for _ in range(20000):
        h = h * 1.0001
    dot = viz.to_dot(h)
    assert dot.count('class="gate"') == 20000


def test_clear_errors():
    x = gg.Value(1.0, requires_grad=True)
    with pytest.raises(ValueError, match="to_dot: show must be"):
        viz.to_dot(x * 2.0, show="everything")
    with pytest.raises(TypeError, match=r"to_dot: expected a graph to draw \(a graphgrad Value.*\), got list"):
        viz.to_dot([1, 2])
    with pytest.raises(ValueError, match="render: format must be one of"):
        viz.render(x * 2.0, "out.gif")


def test_networkx_and_json_match_the_dot():
    import json
    f, _ = neuron()
    G = viz.to_networkx(f)
    dot = viz.to_dot(f)
    assert G.number_of_nodes() == dot.count('class="wire"') + dot.count('class="gate"')
    assert G.number_of_edges() == dot.count(" -> ")
    w0 = next(n for n, d in G.nodes(data=True) if d.get("name") == "w0")
    assert G.nodes[w0]["value"] == 2.0 and abs(G.nodes[w0]["grad"] + 0.19661193324148185) < 1e-15
    data = json.loads(viz.to_json(f))
    assert len(data["nodes"]) == G.number_of_nodes()
    ops = sorted(n["op"] for n in data["nodes"] if n["kind"] == "gate")
    assert ops == sorted(["mul", "mul", "add", "add", "mul", "exp", "add", "div"])


def test_export_and_gallery_errors(tmp_path):
    from viz.gallery import build_gallery
    with pytest.raises(TypeError, match=r"viz: expected a graph to draw \(.*micrograd Value.*\), got list"):
        viz.to_networkx([1.0])
    with pytest.raises(TypeError, match=r"viz: expected a graph to draw \(.*\), got float"):
        viz.to_json(1.0)
    with pytest.raises(FileNotFoundError, match="gallery: .* lacks 01_add_mul.py"):
        build_gallery(tmp_path / "out", examples=tmp_path, log=lambda *a: None)


def test_names_with_control_characters_render_and_stay_visible(tmp_path):
    """A name holding NUL, ESC, DEL, C1 or newline characters (pasted from a terminal, say)
    once broke Graphviz's parser; every view now writes them as visible escapes."""
    import graphgrad as gg
    import viz
    bad = "a\x00b\x1b[31mc\nd\x7fe\x85"
    x = gg.Value(2.0, requires_grad=True, name=bad)
    f = x * 3.0
    f.name = "out\x01"
    f.backward()
    dot = viz.to_dot(f)
    assert not any(ch in dot for ch in "\x00\x1b\x7f\x85\x01")
    assert "a\\\\x00b\\\\x1b[31mc\\\\nd\\\\x7fe\\\\x85" in dot.replace("&#92;&#92;", "\\\\")
    svg = viz.render(f, tmp_path / "f.svg")
    text = open(svg, encoding="utf-8").read()
    assert "x1b[31m" in text and "\x1b" not in text
    page = viz.Stepper(f).to_html()
    assert "\x1b" not in page and "\x00" not in page

"""viz.Options (one options object through every view), the format registry, the source
registry's dispatch and errors."""
import sys

import pytest

import graphgrad as gg
import viz
from viz import formats
from viz.commands.render import register
from viz.graphdata import GraphData, Node, StepData, TraceData


def f():
    x = gg.Value(2.0, requires_grad=True, name="x")
    y = (x * 3.0).tanh()
    y.backward(retain_graph=True)
    return y


def test_options_and_keywords_give_the_same_drawing():
    y = f()
    o = viz.Options(fmt="g", show="values", rankdir="TB", title="t")
    assert viz.to_dot(y, o) == viz.to_dot(y, fmt="g", show="values", rankdir="TB", title="t")
    assert viz.to_dot(y, o, show="both") == viz.to_dot(y, fmt="g", rankdir="TB", title="t")
    assert viz.Diagram(y, o).source == viz.to_dot(y, o)
    assert viz.to_dot(y, {"fmt": "g"}) == viz.to_dot(y, fmt="g")
    st = viz.Stepper(y, o)
    assert st.fmt == "g" and st.title == "t" and "rankdir=TB" in st.dot()
    assert "label=<<B>t</B>>" not in st.dot()         # the page carries the title, not the SVG


def test_render_takes_options(tmp_path):
    y = f()
    p = viz.render(y, tmp_path / "y.dot", options=viz.Options(fmt="g"))
    assert open(p).read() == viz.to_dot(y, fmt="g")


def test_option_errors_name_the_function():
    y = f()
    with pytest.raises(TypeError, match="to_dot: unknown option 'colour'; the options are show, fmt"):
        viz.to_dot(y, colour="red")
    with pytest.raises(ValueError, match="Stepper: rankdir must be auto, LR, TB, RL or BT"):
        viz.Stepper(y, rankdir="up")
    with pytest.raises(ValueError, match="render: show must be"):
        viz.render(y, "x.svg", show="all")
    with pytest.raises(TypeError, match="viz.Options: expected viz.Options or a dict, got int"):
        viz.Options.of(3)
    with pytest.raises(ValueError, match="max_nodes must be a positive int or None"):
        viz.Options(max_nodes=0)


def test_one_format_list_for_render_and_the_cli(tmp_path):
    import argparse
    sub = argparse.ArgumentParser().add_subparsers()
    register(sub)
    p = sub.choices["render"]
    choices = next(a.choices for a in p._actions if "--format" in a.option_strings)
    assert list(choices) == list(formats.FORMATS) == ["svg", "png", "pdf", "dot", "json"]
    with pytest.raises(ValueError, match="render: format must be one of svg, png, pdf, dot, json, got 'gif'"):
        viz.render(f(), tmp_path / "y.gif")


def test_graphgrad_draws_without_importing_torch_or_micrograd():
    import subprocess
    code = ("import sys, graphgrad as gg, viz\n"
            "x = gg.Value(1.0, requires_grad=True)\n"
            "viz.to_dot(x * 2.0); viz.Stepper(x * 2.0)\n"
            "print(sorted(m for m in ('torch', 'micrograd') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_graphdata_passes_through_and_bad_traces_are_clear():
    g = GraphData(nodes=(Node("a", "a", "leaf", value=1.0, grad=2.0, name="a"),
                         Node("b", "*2", "mul", inputs=("a",), value=2.0, grad=1.0, local=(2.0,),
                              formulas=("d(2x)/dx = 2",))), root="b", source="hand")
    assert viz.as_graph(g) is g and "*2" in viz.to_dot(g)
    st = viz.Stepper(TraceData(g, (StepData(0, "b", 1.0, (2.0,), (2.0,), ("d(2x)/dx = 2",)),)))
    assert "a: upstream × local = 1.00 × 2.00 = 2.00" in st.text(1)
    with pytest.raises(ValueError, match=r"Stepper: step 0 of the hand trace sends 2 gradients to gate '\*2' \(b\), which has 1 inputs"):
        viz.Stepper(TraceData(g, (StepData(0, "b", 1.0, (2.0, 1.0)),)))
    bad = GraphData(nodes=(Node("b", "*2", "mul", inputs=("a",)),), root="b", source="hand")
    with pytest.raises(ValueError, match="viz: the hand graph lists input 'a' of node 'b' before"):
        viz.to_dot(bad)


def test_structure_only_nodes_draw_their_shape():
    g = GraphData(nodes=(Node("a", "x", "leaf", name="x", meta={"shape": (2, 3), "dtype": "float32"}),
                         Node("b", "relu", "relu", inputs=("a",), meta={"shape": (2, 3), "dtype": "float32"})),
                  root="b", source="hand")
    dot = viz.to_dot(g)
    assert "(2, 3) float32" in dot and "#2e7d32" not in dot.split("edge [")[1]

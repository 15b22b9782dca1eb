"""Lecture decks (issue 25): captioned pages, one layout across a deck and its variants,
slide presets with a minimum text size, step ranges, Unicode in TeX, the CLI flags, and
exports whose cost grows with the number of steps (viz/deck.py, viz/pages.py,
viz/layout.py, viz/tikz.py)."""
import io
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import graphgrad as gg
import viz
from viz import pages
from viz.cli import main
from viz.fmt import fmt_number

from test_viz_helpers import EXAMPLES, example

PIL = pytest.importorskip("PIL.Image")
pytest.importorskip("reportlab")
NS = "{http://www.w3.org/2000/svg}"


def _tool(name):
    exe = shutil.which(name)
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing on CI (.ci/run installs poppler-utils and TeX Live)")
        pytest.skip(f"{name} is not installed")
    return exe


def _neuron(**kw):
    s = example("02_neuron.py")
    return viz.Stepper(s.trace_for(s.namespace["f"]), title="neuron", **kw)


def _page_texts(pdf_path):
    exe = _tool("pdftotext")
    out = subprocess.run([exe, "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


def _positions(svg):
    """Node id -> where it is drawn: a gate's ellipse centre, a wire's line."""
    root = ET.fromstring(svg[svg.find("<svg"):].encode())
    out = {}
    for g in root.iter(NS + "g"):
        if "node" not in (g.get("class") or "").split() or not g.get("id", "").startswith(("v", "g")):
            continue
        e = g.find(f".//{NS}ellipse")
        if e is not None:
            out[g.get("id")] = (float(e.get("cx")), float(e.get("cy")))
            continue
        pl = g.find(f".//{NS}polyline")
        if pl is not None:
            out[g.get("id")] = tuple(float(v) for v in re.findall(r"-?[\d.]+", pl.get("points")))
    return out


# ------------------------------------------------------------------ captions
def test_captioned_pdf_has_each_steps_numbers(tmp_path):
    """One page per step; each page's text holds that step's upstream, local and
    downstream numbers, as the slides write them (upstream × local = downstream)."""
    st = _neuron()
    st.to_pdf(tmp_path / "n.pdf")
    texts = _page_texts(tmp_path / "n.pdf")
    assert len(texts) == len(st) == 9
    for f, text in zip(st, texts):
        text = re.sub(r"[ \t]+", " ", text)
        assert re.sub(r"\s+", " ", f.heading) in text and "neuron" in text     # the title on every page
        if f.index == 0:
            assert "df/df = 1.00" in text
            continue
        up = fmt_number(float(f.upstream), st.fmt)
        assert "upstream: " in text and up in text
        for lo, d in zip(f.local, f.downstream):
            if d is None:
                continue
            assert fmt_number(float(lo), st.fmt) in text and fmt_number(float(d), st.fmt) in text
            assert " × " in text and "upstream × local" in text
    # the arithmetic of step 7 exactly as in the slides (x0 gets 0.20 × 2.00 = 0.39)
    assert "0.197 × 2.00 = 0.39" in texts[7]


def test_caption_off_and_korean(tmp_path):
    st = _neuron()
    st.to_pdf(tmp_path / "a.pdf", caption=False)
    assert not any("upstream" in t for t in _page_texts(tmp_path / "a.pdf"))
    st.to_pdf(tmp_path / "k.pdf", lang="ko")
    ko = _page_texts(tmp_path / "k.pdf")
    assert "단계 7/8: 게이트 *" in ko[7] and "upstream × local = downstream" in ko[7]


def test_fan_out_sum_in_the_caption(tmp_path):
    s = example("03_staged.py")
    name, value, _o, _c = s.diagrams()[0]
    st = viz.Stepper(s.trace_for(value))
    st.to_pdf(tmp_path / "s.pdf")
    text = "\n".join(_page_texts(tmp_path / "s.pdf"))
    assert "fans out, its gradients add" in text and "(complete)" in text


def test_animation_frames_carry_the_caption_and_are_capped(tmp_path):
    st = _neuron()
    p, pngs = pages.page_pngs(st, steps="7:8")
    capped = pages.page_pngs(st, steps="7:8", caption=False)[1]
    with PIL.open(io.BytesIO(pngs[0])) as a, PIL.open(io.BytesIO(capped[0])) as b:
        assert a.size[1] > b.size[1]                                  # room for the caption lines
    with pytest.raises(ValueError, match=r"9 frames is over the cap of 4.*stride=3"):
        st.save_animation(tmp_path / "a.gif", max_frames=4)
    st.save_animation(tmp_path / "a.gif", stride=3)
    with PIL.open(tmp_path / "a.gif") as im:
        assert im.n_frames == 4                                       # frames 0, 3, 6 and the last, 8
    assert pages.frames_of(st, stride=3) == [0, 3, 6, 8]


def test_incremental_png_pages_equal_whole_renders():
    """Later pages redraw only what changed; they must equal a render of the whole page."""
    from viz import pdf as vpdf
    st = _neuron()
    p, pngs = pages.page_pngs(st)
    for n in range(len(p.frames)):
        whole = np.asarray(PIL.open(io.BytesIO(vpdf.svg_to_png(p.page_svg(n), dpi=144.0))).convert("RGB"), int)
        fast = np.asarray(PIL.open(io.BytesIO(pngs[n])).convert("RGB"), int)
        assert whole.shape == fast.shape
        assert (np.abs(whole - fast).max(axis=2) > 60).sum() == 0, n


def test_pdf_draws_each_piece_once():
    """Pages share form XObjects: a chain's pages hold far fewer pieces than pages × nodes
    (the old export drew every node on every page), and twice the steps make about twice
    the pieces, not four times."""
    def forms(n):
        x = gg.Value(0.5, requires_grad=True, name="x")
        y = x
        for _ in range(n):
            y = y * 1.001 + 0.1
        st = viz.Stepper(y.backward(trace=True))
        data = st.to_pdf(caption=False)
        assert len(re.findall(rb"/Type /Page\b", data)) == len(st) == 2 * n + 1
        return len(re.findall(rb"/Subtype /Form", data)), len(st) * (len(st.circuit.wires) + len(st.circuit.gates))
    (small, _), (big, drawn) = forms(15), forms(30)
    assert big < drawn / 8
    assert big / small < 2.5


# ------------------------------------------------------------------ one layout
def test_every_step_and_the_local_variant_share_positions():
    st = _neuron()
    lay = viz.Layout(st)
    plain, local = _neuron(layout=lay), _neuron(local=True, layout=lay)
    base = _positions(plain.frame_svg(0))
    assert len(base) == 21
    for k in range(len(plain)):
        assert _positions(plain.frame_svg(k)) == base
        assert _positions(local.frame_svg(k)) == base
    # without a shared layout, Graphviz moves the leaves when local labels appear (the bug)
    assert _positions(_neuron(local=True).frame_svg(0)) != _positions(_neuron().frame_svg(0))


def test_expanded_batchnorm_keeps_the_rest_where_the_box_was():
    s = example("07_batchnorm.py")
    t = s.trace_for(s.namespace["loss"])
    lay = viz.Layout(t)
    collapsed = viz.Stepper(t, collapse="batchnorm", layout=lay)
    expanded = viz.Stepper(t, layout=lay)
    box = [g for g in collapsed.circuit.gates if g.collapsed]
    assert len(box) == 1
    inside = {n.id for n in box[0].members}
    outside = {w.id for w in expanded.circuit.wires if w.node.id not in inside
               and w.id in {c.id for c in collapsed.circuit.wires}}
    pc, pe = _positions(collapsed.frame_svg(0)), _positions(expanded.frame_svg(0))
    assert len(outside) >= 5
    for nid in outside:
        assert pc[nid] == pe[nid], nid
    # the box sits where the expanded cluster is
    svg = expanded.frame_svg(0)
    root = ET.fromstring(svg[svg.find("<svg"):].encode())
    cluster = [g for g in root.iter(NS + "g") if g.get("class") == "cluster"][0]
    xs = [float(v) for v in re.findall(r"-?[\d.]+", cluster.find(NS + "path").get("d"))[0::2]]
    csvg = collapsed.frame_svg(0)
    bnode = [g for g in ET.fromstring(csvg[csvg.find("<svg"):].encode()).iter(NS + "g")
             if g.get("id") == box[0].id][0]
    shape = bnode.find(f".//{NS}path")
    coords = shape.get("d") if shape is not None else bnode.find(f".//{NS}polygon").get("points")
    bx = [float(v) for v in re.findall(r"-?[\d.]+", coords)[0::2]]
    assert abs(min(bx) - min(xs)) < 3 and abs(max(bx) - max(xs)) < 3


def test_order_pins_the_leaves():
    st = _neuron()
    lay = viz.Layout(st, order=["w0", "x0", "w1", "x1"])
    names = {w.node.name: w.id for w in st.circuit.wires if w.node.name}
    ys = [lay.position(names[n])[1] for n in ("w0", "x0", "w1", "x1")]
    assert ys == sorted(ys, reverse=True)                # top to bottom, in the order given
    with pytest.raises(ValueError, match="order names 'nope'"):
        viz.Layout(st, order=["nope"])


# ------------------------------------------------------------------ slide presets
@pytest.mark.parametrize("slide, aspect, min_pt", [("16:9", 16 / 9, None), ("4:3", 4 / 3, 11),
                                                  ("a4", 297 / 210, None)])
def test_slide_pages_have_the_exact_aspect_and_no_small_text(tmp_path, slide, aspect, min_pt):
    st = _neuron(collapse="sigmoid")
    kw = {} if min_pt is None else {"min_pt": min_pt}
    min_pt = min_pt or 14                                             # the default
    st.to_pdf(tmp_path / "s.pdf", slide=slide, **kw)
    info = subprocess.run([_tool("pdfinfo"), str(tmp_path / "s.pdf")], capture_output=True, text=True).stdout
    w, h = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert abs((w / h) / aspect - 1) < 0.005
    p = pages.plan(st, slide=slide, **kw)
    for n in range(len(p.frames)):
        svg = p.page_svg(n)
        root = ET.fromstring(svg[svg.find("<svg"):].encode())
        inner = root.find(NS + "svg")
        k = float(inner.get("width")) / float(inner.get("viewBox").split()[2])   # the diagram's scale
        sizes = [float(t.get("font-size")) * k for t in inner.iter(NS + "text")]
        sizes += [float(t.get("font-size")) for t in root.findall(NS + "text")]
        assert sizes and min(sizes) >= min_pt - 1e-6
        assert abs(k - p.scale) < 1e-3                               # padded, the same scale both ways


def test_a_graph_that_cannot_fit_says_what_to_do():
    st = _neuron()
    with pytest.raises(pages.SlideFitError, match=r"does not fit slide='16:9' with text of at least 14 pt.*"
                                                   r"collapse=True.*steps=.*min_pt="):
        st.to_pdf(slide="16:9")
    st.to_pdf(slide="16:9", min_pt=9)


def test_render_slide_page(tmp_path):
    s = example("02_neuron.py")
    path = pages.slide_file(s.namespace["f"], tmp_path / "f.png", "png", slide="4:3", min_pt=7)
    with PIL.open(path) as im:
        assert im.size == (1440, 1080)


def test_steps_and_stride_choose_pages(tmp_path):
    st = _neuron()
    assert pages.frames_of(st, steps="2:5") == [2, 3, 4]
    assert pages.frames_of(st, steps=(6, None)) == [6, 7, 8]
    st.to_pdf(tmp_path / "r.pdf", steps="2:5")
    assert len(_page_texts(tmp_path / "r.pdf")) == 3
    with pytest.raises(ValueError, match="selects no frame"):
        pages.frames_of(st, steps="20:30")
    # a collapsed module is one page: the sigmoid's four inner steps become one
    sig = _neuron(collapse="sigmoid")
    assert len(pages.frames_of(sig)) == len(sig) - 3


# ------------------------------------------------------------------ TeX
def test_tikz_backslash_once():
    x = gg.Value(2.0, requires_grad=True, name="a\\b")
    tex = viz.to_tikz((x * 3.0).tanh())
    assert "a\\textbackslash{}b" in tex and "\\textbackslash{}\\textbackslash{}" not in tex


def test_beamer_with_greek_subscripts_hangul_and_rare_latin_compiles(tmp_path):
    exe = _tool("pdflatex")
    if not subprocess.run(["kpsewhich", "kotex.sty"], capture_output=True, text=True).stdout.strip():
        if os.environ.get("CI"):
            pytest.fail("kotex is missing on CI: .ci/run installs texlive-lang-korean")
        pytest.skip("kotex is not installed (apt-get install texlive-lang-korean)")
    a = gg.Value(2.0, requires_grad=True, name="β₁")
    b = gg.Value(-1.0, requires_grad=True, name="가중치 w₀")
    c = gg.Value(3.0, requires_grad=True, name="ĦħĸĿŀŉŦŧſ a\\b")
    st = viz.Stepper(((a * b) + c).tanh().backward(trace=True), title="역전파 σ", lang="ko")
    (tmp_path / "d.tex").write_text(st.to_beamer(slide="16:9", min_pt=8), encoding="utf-8")
    proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "d.tex"], cwd=tmp_path,
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, (tmp_path / "d.log").read_text(errors="replace")[-2000:]
    text = "\n".join(_page_texts(tmp_path / "d.pdf"))
    for want in ("β₁", "가중치", "w₀", "역전파", "σ", "ĦħĸĿŀŉŦŧſ", "a\\b", "단계"):
        assert want in text, want


def test_beamer_never_overwrites_the_decks_pdf(tmp_path):
    st = _neuron()
    st.to_pdf(tmp_path / "steps.pdf")
    with pytest.raises(FileExistsError, match="pdflatex would write .*steps.pdf.*steps_beamer.tex"):
        st.to_beamer(tmp_path / "steps.tex")
    assert not (tmp_path / "steps.tex").exists()
    st.to_beamer(tmp_path / "steps_beamer.tex")
    st.to_beamer(tmp_path / "steps.tex", overwrite_pdf=True)


def test_beamer_slide_check_and_steps():
    st = _neuron()
    with pytest.raises(pages.SlideFitError, match="as projected"):
        st.to_beamer(slide="16:9")
    tex = st.to_beamer(steps="5:9", slide="16:9", min_pt=8)
    assert r"\only<4>{\textbf{step 8/8" in tex and r"\only<5>" not in tex


# ------------------------------------------------------------------ CLI
def test_cli_flags_reach_the_output(tmp_path, capsys):
    script = str(EXAMPLES / "02_neuron.py")
    assert main(["render", script, "-n", "f", "-o", str(tmp_path / "tb.svg"), "--rankdir", "TB"]) == 0
    assert main(["render", script, "-n", "f", "-o", str(tmp_path / "lr.svg")]) == 0
    size = lambda p: [float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"',
                                                    open(p).read()).groups()]
    (tw, th), (lw, lh) = size(tmp_path / "tb.svg"), size(tmp_path / "lr.svg")
    assert th > tw and lw > lh
    assert main(["render", script, "-n", "f", "-o", str(tmp_path / "s.png"), "--dpi", "48"]) == 0
    assert main(["render", script, "-n", "f", "-o", str(tmp_path / "d.png"), "--dpi", "96"]) == 0
    with PIL.open(tmp_path / "s.png") as a, PIL.open(tmp_path / "d.png") as b:
        assert abs(b.size[0] / a.size[0] - 2) < 0.05
    assert main(["render", script, "-n", "f", "-o", str(tmp_path / "p.png"), "--slide", "16:9",
                 "--min-pt", "9"]) == 0
    with PIL.open(tmp_path / "p.png") as im:
        assert im.size == (1920, 1080)
    assert main(["slides", script, "-o", str(tmp_path / "k.pdf"), "--lang", "ko", "--steps", "2:5",
                 "--title", "3강 뉴런"]) == 0
    texts = _page_texts(tmp_path / "k.pdf")
    assert len(texts) == 3 and all("3강 뉴런" in t for t in texts) and "단계 2/8" in texts[0]
    assert main(["slides", script, "-o", str(tmp_path / "n.pdf"), "--no-caption"]) == 0
    assert not any("upstream" in t for t in _page_texts(tmp_path / "n.pdf"))
    assert main(["slides", script, "-o", str(tmp_path / "b.tex"), "--slide", "16:9"]) == 1
    assert "does not fit slide='16:9'" in capsys.readouterr().err


def test_cli_flags_come_from_the_options():
    """Every viz.Options / SlideOptions field (but the Python-only ones) is a flag."""
    import dataclasses

    from viz.commands import _options
    from viz.options import Options
    names = {n for n, _ in _options.option_fields()}
    assert {f.name for f in dataclasses.fields(Options)} - names == _options.NOT_ON_CLI
    assert {"slide", "min_pt", "caption", "steps", "stride", "scale", "dpi", "rankdir", "lang"} <= names


# ------------------------------------------------------------------ gallery in Korean
def test_gallery_lecture_pages_in_korean(tmp_path):
    from viz.gallery import GALLERY, build_gallery
    index = build_gallery(tmp_path / "g", png=False, companion=False, lang="ko", log=lambda *a: None)
    html = index.read_text(encoding="utf-8")
    assert '<html lang="ko">' in html and "역전파 단계별로 보기" in html
    heads = re.findall(r"<h2>([^<]*)</h2>", html)
    assert len(heads) == len(GALLERY) and all(h.startswith("4강 · 예제 ") for h in heads)
    assert "4강 · 예제 2: sigmoid 뉴런" in heads and "기울기" in html
    step = (tmp_path / "g" / "02_neuron_0_step.html").read_text(encoding="utf-8")
    assert ": 게이트 1/x" in step and "4강 · 예제 2: sigmoid 뉴런" in step
    english = build_gallery(tmp_path / "e", png=False, companion=False, steppers=False, log=lambda *a: None)
    assert "<h2>Sigmoid neuron</h2>" in english.read_text(encoding="utf-8")


def test_tikz_slide_page_compiles_at_the_preset_size(tmp_path):
    exe = _tool("pdflatex")
    f = example("02_neuron.py").namespace["f"]
    with pytest.raises(pages.SlideFitError, match="to_tikz: .*slide='16:9'"):
        viz.to_tikz(f, standalone=True, slide="16:9")                   # 14 pt does not fit
    (tmp_path / "t.tex").write_text(viz.to_tikz(f, standalone=True, slide="16:9", min_pt=9), encoding="utf-8")
    proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                          capture_output=True, timeout=300)
    assert proc.returncode == 0
    info = subprocess.run([_tool("pdfinfo"), str(tmp_path / "t.pdf")], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+960 x 540 pts", info) and re.search(r"Pages:\s+1\n", info)


def test_a_big_graphs_deck_steps_its_collapsed_view_and_says_so():
    import warnings

    import graphgrad.nn as nn
    layers = []
    for _ in range(120):
        layers += [nn.Linear(3, 3), nn.Tanh()]
    x = gg.Value(np.ones((2, 3)), name="x")
    loss = (nn.Sequential(*layers)(x) ** 2).mean()
    st = viz.Stepper(loss.backward(trace=True))
    assert len(st.graph.nodes) > 400 and any(g.collapsed for g in st.circuit.gates)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = pages.plan(st, who="to_pdf")
    assert len(p.frames) < len(st) / 10                     # one frame per module, not one per gate
    assert any("to_pdf: a 603-node graph: the deck steps its collapsed view, one frame per module"
               in str(w.message) for w in caught)


def test_stepper_page_words_in_korean():
    page = _neuron(lang="ko").to_html()
    assert '<html lang="ko">' in page and "다음 &#9654;" in page and "역전파가 닿는 선부터" in page
    assert '<html lang="en">' in _neuron().to_html()

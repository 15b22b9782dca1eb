"""Slide-ready output: vector PDF without a system Graphviz, PNG resolution and size,
frame builds (files, multi-page PDF, GIF/APNG), TikZ/Beamer, and ``graphgrad slides``."""
import base64
import io
import json
import os
import re
import shutil
import subprocess
import warnings
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest

import graphgrad as gg
import viz
from viz import frames as vf
from viz import pdf as vpdf
from viz import sizing as vsz
from viz import tikz as vt
from viz.cli import main

from test_viz_helpers import EXAMPLES, example

PIL = pytest.importorskip("PIL.Image")
SVG_NS = "{http://www.w3.org/2000/svg}"
RED = "#c62828"


def _neuron_stepper():
    s = example("02_neuron.py")
    return viz.Stepper(s.trace_for(s.namespace["f"]), title="neuron")


def _pdf_streams(data: bytes) -> list:
    """The decompressed content of every stream in a PDF."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = m.group(1)
        if raw.rstrip().endswith(b"~>"):                    # /ASCII85Decode before /FlateDecode
            raw = base64.a85decode(raw.strip(), adobe=True)
        try:
            out.append(zlib.decompressobj().decompress(raw))
        except zlib.error:
            out.append(raw)
    return out


def _has_raster(data: bytes) -> bool:
    """An embedded image: an /XObject of /Subtype /Image (the /ImageB name in a ProcSet is not
    one, nor a /Subtype /Form XObject: the vector pieces a deck's pages share)."""
    return bool(re.search(rb"/Subtype\s*/Image", data))


@pytest.fixture
def no_system_graphviz(monkeypatch, tmp_path):
    """PATH without any ``dot``; graphviz-pure is still found next to this Python."""
    monkeypatch.delenv("GRAPHGRAD_DOT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert shutil.which("dot") is None


# ------------------------------------------------------------------ vector PDF
def test_pdf_is_vector_without_system_graphviz(no_system_graphviz, tmp_path):
    s = example("02_neuron.py")
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no "raster" fallback warning
        p = viz.render(s.namespace["f_fused"], tmp_path / "n.pdf", local=True)
    data = open(p, "rb").read()
    assert data[:5] == b"%PDF-"
    assert not _has_raster(data)
    content = b"\n".join(_pdf_streams(data))
    assert b" Tj" in content and b"BT" in content          # text kept as text
    assert b"(0.73) Tj" in content and b"(-0.20) Tj" in content
    assert re.search(rb"\d c\n", content) and re.search(rb"\d l\n", content)  # Bezier and line paths
    assert b"/BaseFont /Helvetica" in data


def test_pdf_non_latin_text_embeds_a_font(no_system_graphviz, tmp_path):
    x = gg.Value(1.0, requires_grad=True, name="x⊙y √")
    y = x * 2.0
    y.backward()
    data = open(viz.render(y, tmp_path / "u.pdf"), "rb").read()
    assert b"DejaVuSans" in data and b"/FontFile2" in data   # embedded TrueType subset
    assert not _has_raster(data)


def test_graphgrad_dot_still_selects_a_system_dot(monkeypatch, tmp_path):
    """GRAPHGRAD_DOT pointing at a (fake) system dot is used for PDF, as before."""
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\ncat >/dev/null\nprintf '%%PDF-fake'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("GRAPHGRAD_DOT", str(fake))
    x = gg.Value(1.0, requires_grad=True, name="x")
    y = x * 2.0
    assert open(viz.render(y, tmp_path / "s.pdf"), "rb").read() == b"%PDF-fake"


# ------------------------------------------------------------------ resolution and size
def _png_size(path):
    with PIL.open(path) as im:
        return im.size


def test_png_scale_and_dpi(tmp_path):
    f = example("02_neuron.py").namespace["f"]
    w1, h1 = _png_size(viz.render(f, tmp_path / "a.png"))
    w2, h2 = _png_size(viz.render(f, tmp_path / "b.png", scale=2))
    w3, _ = _png_size(viz.render(f, tmp_path / "c.png", dpi=300))
    assert abs(w2 - 2 * w1) <= 3 and abs(h2 - 2 * h1) <= 3
    assert abs(w3 - w1 * 300 / 96) <= 4


def test_size_fits_a_16_9_box(tmp_path):
    f = example("02_neuron.py").namespace["f"]
    w, h = _png_size(viz.render(f, tmp_path / "s.png", size=(13.33, 7.5)))
    assert (abs(w - 1280) <= 2 or abs(h - 720) <= 2) and w <= 1282 and h <= 722
    w, h = _png_size(viz.render(f, tmp_path / "r.png", size=(13.33, 7.5), ratio=9 / 16))
    assert abs(h / w - 9 / 16) < 0.02
    svg = open(viz.render(f, tmp_path / "s.svg", size=(4, 2)), encoding="utf-8").read()
    wpt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert wpt <= 4 * 72 + 1


@pytest.mark.parametrize("kw, msg", [
    (dict(dpi=300, path="x.svg"), "PNG's resolution"),
    (dict(scale=2, dpi=300, path="x.png"), "not both"),
    (dict(scale=-1, path="x.png"), "positive"),
    (dict(size=(4,), path="x.png"), "width, height"),
    (dict(ratio="wide", path="x.png"), "ratio must be"),
])
def test_size_options_reject_bad_input(tmp_path, kw, msg):
    x = gg.Value(1.0, requires_grad=True, name="x")
    path = tmp_path / kw.pop("path")
    with pytest.raises(ValueError, match=msg):
        viz.render(x * 2.0, path, **kw)


def test_rankdir_tb_stacks_a_chain_on_one_vertical_line(tmp_path):
    x = gg.Value(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(8):
        y = (y * 1.5).tanh()
    w, h = _png_size(viz.render(y, tmp_path / "tb.png", rankdir="TB"))
    assert h > 5 * w                          # top to bottom, not one 8:1 strip
    # one DOT writer (viz.dot.wire_ports) gives to_dot, render, the Stepper and to_tikz the ports
    text = viz.to_dot(y, rankdir="TB")
    assert ":r:e" not in text and ":r:w" not in text and vsz.vertical_ports(text) == text
    st = viz.Stepper(y.backward(trace=True), rankdir="TB")
    assert st.dot().count(":s -> ") == 16 and ":r:e" not in st.dot()
    for dot in (text, st.dot()):
        layout = json.loads(viz.run_dot(dot, "json"))
        xs = [float(o["pos"].split(",")[0]) for o in layout["objects"] if o.get("class") == "gate"]
        assert len(xs) == 16 and max(xs) - min(xs) < 1.0        # no diagonal drift
    # the stepper's frame is the same straight column
    root = ET.fromstring(st.frame_svg(3).encode())
    mids = []                                 # the middle of each computed wire's line
    for g in root.iter("{http://www.w3.org/2000/svg}g"):
        if "wire" in (g.get("class") or "") and g.get("id") != "v0":
            for line in g.iter("{http://www.w3.org/2000/svg}polyline"):
                xs_ = [float(p.split(",")[0]) for p in line.get("points").split()]
                mids.append((min(xs_) + max(xs_)) / 2)
    assert len(mids) == 16 and max(mids) - min(mids) < 1.0
    assert "tikzpicture" in viz.to_tikz(y, rankdir="TB")


# ------------------------------------------------------------------ frames
def test_portable_svg_removes_what_a_frame_hides():
    st = _neuron_stepper()
    raw = st.frame_svg(0)
    assert 'fill-opacity="0"' in raw          # what ImageMagick ignores
    clean = vf.portable_svg(raw)
    assert 'fill-opacity="0"' not in clean
    root = ET.fromstring(clean[clean.find("<svg"):].encode())
    reds = [t.text for t in root.iter(SVG_NS + "text") if t.get("fill", "").lower() == RED]
    assert reds == ["1.00"]                   # frame 0: only the seed's gradient remains
    last = vf.portable_svg(st.frame_svg(len(st) - 1))
    assert last.count(RED) > 5


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_save_frames_writes_one_file_per_step(tmp_path, fmt):
    st = _neuron_stepper()
    paths = st.save_frames(tmp_path / fmt, format=fmt, scale=0.5)
    assert len(paths) == len(st) == len(st.trace) + 1
    assert sorted(os.listdir(tmp_path / fmt)) == [os.path.basename(p) for p in paths]
    assert os.path.basename(paths[0]) == "frame_00." + fmt
    head = {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF-"}[fmt]
    for p in paths:
        assert open(p, "rb").read()[:len(head)] == head


def test_save_frames_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="svg, png, pdf"):
        _neuron_stepper().save_frames(tmp_path, format="jpg")


def _red_pixels(png: bytes, box) -> int:
    im = PIL.open(io.BytesIO(png)).convert("RGB")
    a = np.asarray(im.crop(box), dtype=int)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    return int(((r > 150) & (g < 110) & (b < 110)).sum())


def test_early_raster_frame_shows_no_later_gradient():
    """Pixels: where w0's gradient (-0.20) is written, frame 0 has no red; the last frame has."""
    st = _neuron_stepper()
    root = ET.fromstring(st.base_svg()[st.base_svg().find("<svg"):].encode())
    tx, ty = (float(v) for v in re.search(r"translate\(([-\d.]+) ([-\d.]+)\)",
                                           root.find(SVG_NS + "g").get("transform")).groups())
    w0 = [g for g in root.iter(SVG_NS + "g") if g.get("id") == "v0"][0]
    t = [t for t in w0.iter(SVG_NS + "text") if t.get("fill", "").lower() == RED][0]
    assert t.text == "-0.20"
    dpi = 144.0
    k = dpi / 72.0                             # SVG points → pixels
    x, y = (float(t.get("x")) + tx) * k, (float(t.get("y")) + ty) * k
    box = (int(x) - 2, int(y - 11 * k), int(x + 30 * k), int(y + 3 * k))   # the text's extent
    early = vpdf.svg_to_png(vf.portable_svg(st.frame_svg(0)), dpi=dpi)
    late = vpdf.svg_to_png(vf.portable_svg(st.frame_svg(len(st) - 1)), dpi=dpi)
    assert _red_pixels(late, box) > 20         # the region is right: the gradient is drawn there
    assert _red_pixels(early, box) == 0


def test_frames_pdf_has_one_vector_page_per_step(tmp_path):
    st = _neuron_stepper()
    data = st.to_pdf(tmp_path / "steps.pdf")
    assert open(tmp_path / "steps.pdf", "rb").read() == data
    assert len(re.findall(rb"/Type /Page\b", data)) == len(st)
    assert not _has_raster(data)
    pages = _pdf_streams(data)
    assert any(b"(-0.20) Tj" in p for p in pages)
    assert data == st.to_pdf()                 # reproducible bytes (no date, no random id)


@pytest.mark.parametrize("ext", [".gif", ".png", ".apng"])
def test_animation_has_a_frame_per_step(tmp_path, ext):
    st = _neuron_stepper()
    p = st.save_animation(tmp_path / f"a{ext}", duration=0.5, scale=0.5)
    with PIL.open(p) as im:
        assert im.n_frames == len(st)
        assert im.info.get("loop") == 0
        im.seek(1)
        assert im.info.get("duration") == 500


def test_animation_rejects_other_files(tmp_path):
    with pytest.raises(ValueError, match=".gif, .png or .apng"):
        _neuron_stepper().save_animation(tmp_path / "a.mp4")


# ------------------------------------------------------------------ TikZ / Beamer
def test_tex_escape_every_special():
    evil = "\\{}$%&#_^~"
    out = vt.tex_escape(evil)
    assert out == (r"\textbackslash{}\{\}\$\%\&\#\_\textasciicircum{}\textasciitilde{}")
    # nothing left that TeX would read as a command, group, math or comment
    stripped = re.sub(r"\\(textbackslash|textasciicircum|textasciitilde)\{\}|\\[{}$%&#_]", "", out)
    assert not re.search(r"[\\{}$%&#_^~]", stripped)
    assert vt.tex_escape("a--b\nc") == "a-{}-{}b c"
    assert vt.tex_escape("σ×⊙") == r"\ensuremath{\sigma}\ensuremath{\times}\ensuremath{\odot}"
    assert vt.tex_escape("日") == r"\ggu{65E5}{?}"      # drawn "?", the PDF text keeps 日


def _evil_graph():
    a = gg.Value(1.5, requires_grad=True, name="\\{}$%&#_^~ <b>")
    b = gg.Value(2.0, requires_grad=True, name="w_1^2")
    y = (a * b).tanh() + a
    y.name = "out%"
    return y


def test_to_tikz_matches_the_svg_layout():
    y = _evil_graph()
    y.backward()
    tex = viz.to_tikz(y)
    assert tex.startswith(r"\begin{tikzpicture}") and tex.rstrip().endswith(r"\end{tikzpicture}")
    assert r"\textbackslash{}\{\}\$\%\&\#\_\textasciicircum{}\textasciitilde{} \textless{}b\textgreater{}" in tex
    assert "out\\%" in tex and "w\\_1\\textasciicircum{}2" in tex
    # every number the SVG writes is in the picture, at Graphviz's position
    svg = viz.run_dot(viz.to_dot(y), "svg").decode()
    nums = re.findall(r">(-?\d+\.\d\d)</text>", svg)
    for n in nums:
        assert "{" + n.replace("-", "-{}") + "}" in tex
    assert r"\definecolor{ggc62828}{HTML}{C62828}" in tex


def _fanout_stepper():
    x = gg.Value(3.0, requires_grad=True, name="x")
    w = gg.Value(-2.0, requires_grad=True, name="w")
    y = (x * w) + x.exp() + x            # x fans out to three gates
    y.name = "y"
    return viz.Stepper(y.backward(trace=True))


def _expected_final_slide(st) -> dict:
    """wire id -> the slide (1-based) on which its gradient is complete, from the trace alone."""
    c = st.circuit
    g = st.trace.graph
    last = {c.wire_of[g.root]: 1}
    for k, s in enumerate(st.trace, start=1):
        for p, d in zip(g.node(s.node).inputs, s.downstream):
            w = c.wire_of.get(p)
            if d is not None and w is not None:
                last[w] = k + 1
    return last


@pytest.mark.parametrize("make", [_neuron_stepper, _fanout_stepper])
def test_beamer_overlays_match_the_trace(make):
    st = make()
    tex = st.to_beamer()
    blocks = re.split(r"^\s*% wire ", tex, flags=re.M)[1:]
    seen = {}
    for b in blocks:
        wid = b.split("\n", 1)[0].strip()
        body = b.split("% wire", 1)[0]
        m = re.findall(r"\\visible<(\d+)->\{", body)
        if m:
            seen[wid] = int(m[0])
    assert seen == _expected_final_slide(st)
    heads = re.findall(r"\\only<(\d+)>\{\\textbf\{step (\d+)/", tex)   # each step's caption on its slide
    assert [(int(a), int(b)) for a, b in heads] == [(k + 1, k) for k in range(len(st))]


def test_beamer_partial_sums_at_a_fan_out():
    """x feeds three gates: its gradient first shows as an orange partial sum on the
    slides between the first and the last contribution, then red from the last one on."""
    st = _fanout_stepper()
    tex = st.to_beamer()
    g = st.trace.graph
    xw = st.circuit.wire_of[g.node(g.root).inputs[1]]   # x (the right operand of the last +)
    block = tex.split(f"% wire {xw}\n", 1)[1].split("% wire", 1)[0]
    partial = re.findall(r"\\only<(\d+)(?:-(\d+))?>\{\n\s*\\node\[anchor=base,text=ggef6c00", block)
    final = _expected_final_slide(st)[xw]
    assert partial, block
    first, last = int(partial[0][0]), int(partial[-1][1] or partial[-1][0])
    assert 1 < first <= last == final - 1


def _pdflatex():
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is missing on CI: .ci/run installs texlive-latex-base, "
                        "texlive-latex-recommended and texlive-pictures")
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base "
                    "texlive-latex-recommended texlive-pictures)")
    return exe


def _compile(tmp_path, name, text):
    exe = _pdflatex()
    (tmp_path / f"{name}.tex").write_text(text, encoding="utf-8")
    # generous timeout only so a broken TeX install cannot hang the suite
    proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"],
                          cwd=tmp_path, capture_output=True, timeout=300)
    log = (tmp_path / f"{name}.log").read_text(errors="replace")
    assert proc.returncode == 0, log[-3000:]
    return (tmp_path / f"{name}.pdf").read_bytes(), log


def test_beamer_compiles_with_pdflatex(tmp_path):
    st = _neuron_stepper()
    pdf, log = _compile(tmp_path, "neuron", st.to_beamer())
    assert pdf[:5] == b"%PDF-"
    assert f"({len(st)} pages" in log.replace("\n", "")           # one slide per frame
    assert "Missing character" not in log


def test_tikz_with_untrusted_names_compiles(tmp_path):
    y = _evil_graph()
    y.backward()
    _pdf, log = _compile(tmp_path, "evil", viz.to_tikz(y, standalone=True, local=True))
    assert "Missing character" not in log
    st = viz.Stepper(_evil_graph())
    _compile(tmp_path, "evilb", st.to_beamer(title="$%&#_{}~^\\"))


# ------------------------------------------------------------------ CLI
@pytest.mark.parametrize("out, check", [
    ("n.pdf", lambda p: open(p, "rb").read()[:5] == b"%PDF-"),
    ("n.gif", lambda p: open(p, "rb").read()[:6] == b"GIF89a"),
    ("n.tex", lambda p: r"\visible<" in open(p, encoding="utf-8").read()),
    ("frames", lambda p: len(os.listdir(p)) == 9),
])
def test_cli_slides(tmp_path, capsys, out, check):
    path = tmp_path / out
    rc = main(["slides", str(EXAMPLES / "02_neuron.py"), "-o", str(path), "--scale", "0.5"])
    assert rc == 0, capsys.readouterr().err
    assert check(path)
    assert "9" in capsys.readouterr().out


def test_cli_slides_bad_output_is_one_sentence(tmp_path, capsys):
    rc = main(["slides", str(EXAMPLES / "02_neuron.py"), "-o", str(tmp_path / "n.docx")])
    err = capsys.readouterr().err
    assert rc == 2 and "use a .pdf, .gif, .apng or .tex file" in err and "Traceback" not in err


def test_png_frames_of_a_wide_graph_are_capped():
    """A 100-inch-wide layout would be a 20,000-pixel frame: max_width lowers the dpi."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="2000pt" height="100pt" viewBox="0 0 2000 100">'
           '<rect x="0" y="0" width="2000" height="100" fill="#c62828"/></svg>')
    with PIL.open(io.BytesIO(vpdf.svg_to_png(svg, scale=2, max_width=500))) as im:
        assert im.size == (500, 25)
    with PIL.open(io.BytesIO(vpdf.svg_to_png(svg, dpi=72))) as im:
        assert im.size == (2000, 100)


@pytest.mark.parametrize("mod", [vpdf, vsz, vf, vt], ids=lambda m: m.__name__)
def test_docstring_examples(mod, tmp_path, monkeypatch):
    import doctest
    monkeypatch.chdir(tmp_path)              # the examples write their files (neuron.gif, ...) here
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS, report=False)
    assert res.attempted > 0 and res.failed == 0, f"{res.failed} of {res.attempted} failed in {mod.__name__}"

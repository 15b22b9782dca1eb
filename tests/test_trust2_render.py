"""Trust round 2 (issue 23), rendering errors: names XML refuses, a dot binary that writes
no SVG, output folders that do not exist."""
import os
import stat
import xml.etree.ElementTree as ET

import pytest

import graphgrad as gg
import viz
from viz.cli import main
from viz.render import RenderError


def _graph(name):
    x = gg.Value(2.0, requires_grad=True, name=name)
    y = (x * 3).relu()
    y.name = "out" + name
    return y


@pytest.mark.parametrize("bad", ["\ufffe", "\uffff", "\ud800", "a\ufffeb\x00"])
@pytest.mark.parametrize("fmt", ["svg", "png", "dot"])
def test_names_xml_refuses_are_drawn_escaped(tmp_path, bad, fmt):
    path = viz.render(_graph(bad), tmp_path / f"g.{fmt}")
    data = open(path, "rb").read()
    assert data
    if fmt == "svg":
        root = ET.fromstring(data)               # well-formed XML
        text = "".join(root.itertext())
        assert f"\\u{ord(bad[0]) if len(bad) == 1 else 0xfffe:04x}" in text


def _fake_dot(tmp_path, body):
    exe = tmp_path / "fakedot"
    exe.write_text("#!/bin/sh\n" + body + "\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe)


@pytest.mark.parametrize("body", ["echo not an svg", "cat", "printf '<html>'"])
def test_a_dot_binary_that_writes_no_svg_is_an_error(tmp_path, monkeypatch, body):
    monkeypatch.setenv("GRAPHGRAD_DOT", _fake_dot(tmp_path, body))
    out = tmp_path / "g.svg"
    with pytest.raises(RenderError, match="exited without an error but wrote .* svg output"):
        viz.render(_graph("x"), out)
    assert not out.exists()


def test_a_dot_binary_that_writes_svg_is_fine(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_DOT", _fake_dot(tmp_path, "echo '<svg xmlns=\"http://www.w3.org/2000/svg\"/>'"))
    assert open(viz.render(_graph("x"), tmp_path / "g.svg")).read().startswith("<svg")


def test_render_into_a_missing_folder_is_one_sentence(tmp_path):
    with pytest.raises(FileNotFoundError, match="render: the folder .* does not exist"):
        viz.render(_graph("x"), tmp_path / "a" / "b" / "f.svg")


SCRIPT = "import graphgrad as gg\nx = gg.Value(2.0, requires_grad=True, name='x')\ny = (x * 3).relu()\n"


def test_cli_render_makes_the_missing_folder(tmp_path, capsys):
    script = tmp_path / "demo.py"
    script.write_text(SCRIPT)
    out = tmp_path / "a" / "b" / "f.svg"
    assert main(["render", str(script), "-o", str(out)]) == 0
    assert out.read_bytes().lstrip().startswith(b"<")


def test_cli_render_into_a_folder_under_a_file_is_one_line(tmp_path, capsys):
    script = tmp_path / "demo.py"
    script.write_text(SCRIPT)
    (tmp_path / "afile").write_text("")
    assert main(["render", str(script), "-o", str(tmp_path / "afile" / "x" / "f.svg")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot create the folder" in err and "Traceback" not in err

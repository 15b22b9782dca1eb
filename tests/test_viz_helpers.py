"""Shared helpers for the viz tests: load gallery examples, read SVG texts."""
import os
import pathlib
import re
import xml.etree.ElementTree as ET

from viz.scripts import run_script

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "viz" / "gallery_examples"     # the gallery scripts ship inside the package
GOLDEN = pathlib.Path(__file__).resolve().parent / "golden"
SVG_NS = "{http://www.w3.org/2000/svg}"


def example(name):
    return run_script(EXAMPLES / name)


def svg_texts(svg: str, color: str | None = None) -> list:
    """Every <text> string in document order (optionally only those drawn in ``color``)."""
    root = ET.fromstring(svg.encode("utf-8"))
    out = []
    for t in root.iter(SVG_NS + "text"):
        if color is None or t.get("fill", "").lower() == color.lower():
            out.append("".join(t.itertext()))
    return out


def node_groups(svg: str) -> dict:
    """id -> <g class="node ..."> element."""
    root = ET.fromstring(svg.encode("utf-8"))
    return {g.get("id"): g for g in root.iter(SVG_NS + "g") if "node" in (g.get("class") or "")}


def check_golden(name: str, text: str):
    path = GOLDEN / name
    if os.environ.get("GRAPHGRAD_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; create it with GRAPHGRAD_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file; " \
        "rerun with GRAPHGRAD_UPDATE_GOLDEN=1 after checking the new drawing by eye"

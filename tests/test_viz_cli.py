"""The ``graphgrad`` command line: render and gallery."""
import re
import subprocess
import sys

import pytest

from viz.cli import main

from test_viz_helpers import EXAMPLES, svg_texts


def test_render_writes_every_diagram(tmp_path, capsys):
    assert main(["render", str(EXAMPLES / "02_neuron.py"), "-o", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["02_neuron_f_0.svg", "02_neuron_f_1.svg", "02_neuron_f_fused.svg"]
    assert "0.73" in svg_texts((tmp_path / "02_neuron_f_fused.svg").read_text(), "#2e7d32")


def test_render_named_value_to_png(tmp_path):
    out = tmp_path / "q.png"
    assert main(["render", str(EXAMPLES / "01_add_mul.py"), "--name", "q", "-o", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_render_plain_script_draws_its_outputs(tmp_path):
    script = tmp_path / "mine.py"
    script.write_text("import graphgrad as gg\n"
                      "a = gg.Value(2.0, requires_grad=True, name='a')\n"
                      "b = a * a\n"
                      "c = b + 1\n"
                      "c.backward()\n")
    assert main(["render", str(script), "-o", str(tmp_path / "out")]) == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["mine_c.svg"]


def test_render_errors(tmp_path, capsys):
    assert main(["render", str(tmp_path / "nope.py")]) == 2
    assert "no such script" in capsys.readouterr().err
    assert main(["render", str(EXAMPLES / "01_add_mul.py"), "--name", "zz"]) == 2
    assert "no Value named 'zz'" in capsys.readouterr().err


def test_gallery_command_writes_index(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "viz", "gallery", "-o", str(tmp_path / "g")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    index = (tmp_path / "g" / "index.html").read_text()
    assert index.count("<svg") == 14 and "http://" not in index.replace(
        'xmlns="http://www.w3.org/2000/svg"', "").replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    assert "<script" not in index.lower()                 # a static page: nothing to run
    steps = re.findall(r'href="([^"]+_step\.html)"', index)
    assert len(steps) == 14                                 # a stepper page per diagram
    for page in steps:
        text = (tmp_path / "g" / page).read_text()
        assert text.startswith("<!DOCTYPE html>") and 'id="frames"' in text
    for name in ("(x + y) · z", "Sigmoid neuron", "BatchNorm, staged and fused"):
        assert name in index


MICROGRAD_SCRIPT = """\
from micrograd.engine import Value
from micrograd.nn import MLP
import random
random.seed(0)
a = Value(2.0)
b = Value(3.0)
c = a * b
d = (c + a).relu() + b ** 2
d.backward()
model = MLP(2, [3, 1])
loss = (model([Value(1.0), Value(-2.0)]) - 1.0) ** 2
loss.backward()
"""


def test_render_and_step_a_micrograd_script(tmp_path):
    pytest.importorskip("micrograd")
    script = tmp_path / "mg.py"
    script.write_text(MICROGRAD_SCRIPT)
    assert main(["render", str(script), "-o", str(tmp_path / "out"), "-f", "dot"]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["mg_d.dot", "mg_loss.dot"]
    dot = (tmp_path / "out" / "mg_d.dot").read_text()
    assert 'POINT-SIZE="13">a<' in dot and "<I>c</I>" in dot           # the script's names
    assert dot.count('class="gate"') == 5                                 # *, +, ReLU, **2, +
    mlp = (tmp_path / "out" / "mg_loss.dot").read_text()
    assert "label=<Layer>" in mlp and "label=<Neuron>" in mlp            # groups from the MLP
    proc = subprocess.run([sys.executable, "-m", "viz", "step", str(script), "--name", "d"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    heads = [line for line in proc.stdout.splitlines() if line.startswith("step ")]
    assert len(heads) == 6 and heads[1].startswith("step 1/5: gate +")
    assert "a: upstream × local = 1.00 × 3.00 = 3.00" in proc.stdout
    assert "b fans out, its gradients add: 6.00 + 2.00 = 8.00 (complete)" in proc.stdout

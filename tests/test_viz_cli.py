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


def test_explore_writes_one_page_and_says_what_is_wrong_in_one_line(tmp_path, capsys):
    out = tmp_path / "neuron.html"
    assert main(["explore", str(EXAMPLES / "02_neuron.py"), "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "graphgrad-page" in page
    assert main(["explore", str(tmp_path / "nope.py")]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith("graphgrad explore: no such script")
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert main(["explore", str(empty)]) == 2
    assert "exposes no Value computed from others" in capsys.readouterr().err


def test_gallery_command_writes_index(tmp_path):
    # the whole gallery (16 diagrams and the 30 companion pages' experiments) takes ~25 s on a quiet
    # 2-core machine and ~50 s under load; the timeout only guards against a hang, so it is generous
    proc = subprocess.run([sys.executable, "-m", "viz", "gallery", "-o", str(tmp_path / "g")],
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr
    index = (tmp_path / "g" / "index.html").read_text()
    # 16 lecture diagrams + 2 pictures of a failing gradcheck (10_wrong_relu_backward.py)
    assert index.count("<svg") == 18 and "http://" not in index.replace(
        'xmlns="http://www.w3.org/2000/svg"', "").replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    assert "<script" not in index.lower()                 # a static page: nothing to run
    steps = re.findall(r'href="([^"]+_step\.html)"', index)
    assert len(steps) == 16                                 # a stepper page per lecture diagram
    for page in steps:
        text = (tmp_path / "g" / page).read_text()
        assert text.startswith("<!DOCTYPE html>") and 'id="frames"' in text
    for name in ("(x + y) · z", "Sigmoid neuron", "BatchNorm, staged and fused"):
        assert name in index


# ---------------------------------------------------------------- errors a user can act on
import os
import signal
import time

from test_viz_helpers import ROOT

CLI = [sys.executable, "-m", "viz"]


def _raising_script(tmp_path):
    script = tmp_path / "broken.py"
    script.write_text("import graphgrad as gg\n"
                      "a = gg.Value(2.0, requires_grad=True, name='a')\n"
                      "def load():\n"
                      "    return open('no_such_data_file.txt').read()\n"
                      "b = a * load()\n")
    return script


@pytest.mark.parametrize("command", ["render", "step"])
def test_script_that_raises_shows_its_own_traceback(tmp_path, capsys, command):
    script = _raising_script(tmp_path)
    assert main([command, str(script)]) == 1
    err = capsys.readouterr().err
    # the script's frames with file and line, as python prints them, then the exception
    assert err.startswith(f"graphgrad {command}: {script} raised FileNotFoundError:\n")
    assert f'File "{script}", line 5, in <module>' in err and f'File "{script}", line 4, in load' in err
    assert err.rstrip().endswith("No such file or directory: 'no_such_data_file.txt'")
    # not the bare errno ("graphgrad render: 2") and none of the runner's own frames
    assert f"graphgrad {command}: 2\n" not in err
    assert "runpy" not in err and "scripts.py" not in err


def test_script_with_a_syntax_error_names_file_and_line(tmp_path, capsys):
    script = tmp_path / "typo.py"
    script.write_text("x = 1\ny = (x +\n")
    assert main(["render", str(script)]) == 1
    err = capsys.readouterr().err
    assert f"{script} raised SyntaxError" in err and f'File "{script}", line 2' in err


def test_render_timeout_stops_a_script_that_runs_too_long(tmp_path, capsys):
    script = tmp_path / "forever.py"
    # the script even swallows every Exception: the timeout must still end it
    script.write_text("import time\n"
                      "while True:\n"
                      "    try:\n"
                      "        time.sleep(5)\n"
                      "    except Exception:\n"
                      "        pass\n")
    assert main(["render", str(script), "--timeout", "0.3"]) == 124
    err = capsys.readouterr().err
    assert err == f"graphgrad render: {script} did not finish within 0.3 s (timeout); " \
                  "raise --timeout or make the script smaller\n"
    assert main(["step", str(script), "--timeout", "0.3"]) == 124


def test_timeout_option_is_passed_on_and_checked(tmp_path, capsys, monkeypatch):
    vr = sys.modules["viz.render"]          # the module (viz.render is also the function's name)
    seen = []
    real = vr.run_dot
    monkeypatch.setattr(vr, "run_dot", lambda text, fmt="svg", timeout=None, binary=None:
                        seen.append(timeout) or real(text, fmt, timeout, binary))
    assert main(["render", str(EXAMPLES / "01_add_mul.py"), "-o", str(tmp_path / "f.svg"),
                 "--timeout", "42"]) == 0
    assert seen == [42.0]
    for bad in ("-1", "0", "nan", "inf", "soon"):
        with pytest.raises(SystemExit) as exc:
            main(["render", str(EXAMPLES / "01_add_mul.py"), "--timeout", bad])
        assert exc.value.code == 2
        assert f"--timeout: must be a positive number of seconds, got '{bad}'" in capsys.readouterr().err


def test_ctrl_c_ends_with_one_line(tmp_path):
    ready = tmp_path / "ready"
    script = tmp_path / "slow.py"
    script.write_text("import pathlib, time\n"
                      f"pathlib.Path({str(ready)!r}).write_text('go')\n"
                      "time.sleep(120)\n")
    proc = subprocess.Popen(CLI + ["render", str(script)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120        # generous: only guards against a hang
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the script never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert err.splitlines() == ["graphgrad render: interrupted"], err


def _step_heads(stdout):
    return [l for l in stdout.splitlines() if l.startswith("step ")]


@pytest.mark.parametrize("how", ["devnull", "shell-redirect", "closed-fd"])
def test_step_works_with_stdin_closed(how):
    script = str(EXAMPLES / "02_neuron.py")
    if how == "devnull":
        kw = dict(args=CLI + ["step", script], stdin=subprocess.DEVNULL)
    elif how == "shell-redirect":
        kw = dict(args=" ".join([sys.executable, "-m", "viz", "step", script, "< /dev/null"]), shell=True)
    else:                                             # fd 0 not open at all: sys.stdin is None
        kw = dict(args=CLI + ["step", script], preexec_fn=lambda: os.close(0))
    proc = subprocess.run(capture_output=True, text=True, timeout=120, cwd=ROOT, **kw)
    assert proc.returncode == 0, proc.stderr
    assert len(_step_heads(proc.stdout)) == 9 and proc.stderr == ""


def test_step_reads_a_closed_stream_as_not_a_terminal(capsys):
    import io

    from viz.commands import step
    step_args = build_args(["step", str(EXAMPLES / "01_add_mul.py")])
    closed = io.StringIO()
    closed.close()
    assert step.run(step_args, stdin=closed) == 0
    assert len(_step_heads(capsys.readouterr().out)) == 3


def build_args(argv):
    from viz.cli import build_parser
    return build_parser().parse_args(argv)
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

"""``graphgrad step`` in a terminal: piped (prints every step) and in a real tmux pty."""
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from test_viz_helpers import EXAMPLES, ROOT

STEP = [sys.executable, "-m", "viz", "step"]


def test_piped_prints_every_step():
    proc = subprocess.run(STEP + [str(EXAMPLES / "02_neuron.py")], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    heads = [l for l in proc.stdout.splitlines() if l.startswith("step ")]
    assert len(heads) == 9                                  # the seed + 8 gates
    assert heads[1].startswith("step 1/8: gate 1/x") and heads[-1].startswith("step 8/8: gate *")
    assert "x0: upstream × local = 0.197 × 2.00 = 0.39" in proc.stdout


def test_piped_named_value_and_errors(tmp_path):
    proc = subprocess.run(STEP + [str(EXAMPLES / "02_neuron.py"), "--name", "f_fused", "--html",
                                  str(tmp_path / "s.html")],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0 and "1.00 × 0.20 = 0.20" in proc.stdout
    assert (tmp_path / "s.html").read_text().startswith("<!DOCTYPE html>")
    bad = subprocess.run(STEP + [str(tmp_path / "missing.py")], stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert bad.returncode == 2 and "no such script" in bad.stderr


def _pane(session):
    """The pane's visible text (not its history: each step redraws the screen in place)."""
    return subprocess.run(_tmux_cmd(session, "capture-pane", "-p", "-t", session),
                          capture_output=True, text=True).stdout


def _wait_for(session, text, count=1, timeout=300.0):
    """The pane's text once ``text`` shows ``count`` times. The 300 s timeout is generous on
    purpose (a loaded one-core machine starts Python slowly); it only stops a hang."""
    end = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < end:
        screen = _pane(session)
        if screen.count(text) >= count:
            return screen
        time.sleep(0.1)   # polling interval only
    raise AssertionError(f"{text!r} never appeared {count} time(s); screen:\n{screen}")


def _tmux_cmd(session, *args):
    """A tmux command on the session's own server (``-L``): a test never shares a server with
    another test or a user's tmux, so one test's server shutting down (after its last session
    is killed) cannot make the next test's ``new-session`` fail."""
    return ["tmux", "-L", session, *args]


def _tmux(session, cmd, width=200):
    if not shutil.which("tmux"):
        if os.environ.get("CI") == "true":
            pytest.fail("tmux is missing in CI")
        pytest.skip("tmux not installed")
    subprocess.run(_tmux_cmd(session, "-f", "/dev/null", "new-session", "-d", "-s", session,
                             "-x", str(width), "-y", "50", cmd), check=True, cwd=ROOT)


def _keys(session, *keys):
    subprocess.run(_tmux_cmd(session, "send-keys", "-t", session, *keys), check=True)


def _kill(session):
    subprocess.run(_tmux_cmd(session, "kill-server"), capture_output=True)
    sock = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"), f"tmux-{os.getuid()}", session)
    if os.path.exists(sock):           # the server's socket file is left behind
        os.unlink(sock)


def test_interactive_in_tmux_single_keys_redraw_in_place():
    session = f"gg{uuid.uuid4().hex[:8]}"
    # after the stepper quits, print the terminal's settings: cbreak mode must be undone
    cmd = " ".join(STEP + [str(EXAMPLES / "01_add_mul.py")]) + "; stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo; sleep 30"
    _tmux(session, cmd)
    try:
        screen = _wait_for(session, "[space/→] next")
        assert "step 0/2: seed" in screen and "step 1/2" not in screen   # waits for a key
        _keys(session, "n")                                              # one key, no Enter
        screen = _wait_for(session, "z: upstream × local = 1 × 3 = 3")   # the figure prints integers
        assert "step 1/2: gate *" in screen and "step 0/2: seed" not in screen   # redrawn in place
        _keys(session, "Space")
        screen = _wait_for(session, "step 2/2: gate +")
        assert "step 1/2: gate *" not in screen
        _keys(session, "Right")
        _wait_for(session, "end of the backward pass")
        _keys(session, "b")
        screen = _wait_for(session, "step 1/2: gate *")
        assert screen.count("step 1/2: gate *") == 1 and "step 2/2" not in screen   # went back one step
        _keys(session, "Left")
        _wait_for(session, "step 0/2: seed")
        _keys(session, "q")
        screen = _wait_for(session, "icanon")                           # the stepper quit, stty ran
        assert "icanon" in screen.split() and "echo" in screen.split(), screen   # not -icanon / -echo
    finally:
        _kill(session)


def test_ctrl_c_restores_the_terminal():
    session = f"gg{uuid.uuid4().hex[:8]}"
    cmd = " ".join(STEP + [str(EXAMPLES / "01_add_mul.py")]) + "; echo rc=$?; stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo; sleep 30"
    _tmux(session, cmd)
    try:
        _wait_for(session, "[space/→] next")
        _keys(session, "C-c")
        screen = _wait_for(session, "icanon")
        assert "rc=0" in screen and "echo" in screen.split() and "Traceback" not in screen, screen
    finally:
        _kill(session)


def test_tensors_wrap_at_the_terminals_width(tmp_path):
    script = tmp_path / "wide.py"
    script.write_text("import graphgrad as gg\n"
                      "x = gg.Value([[0.5, 1.5, 2.5, 3.5], [4.5, 5.5, 6.5, 7.5]], requires_grad=True, name='x')\n"
                      "w = gg.Value([[1.25, -2.5, 3.75, -5.0], [6.25, -7.5, 8.75, -10.0]], requires_grad=True, name='w')\n"
                      "f = (x * w).sum()\nf.backward()\n")
    session = f"gg{uuid.uuid4().hex[:8]}"
    _tmux(session, " ".join(STEP + [str(script)]) + "; sleep 30", width=60)
    try:
        _wait_for(session, "[space/→] next")
        _keys(session, "n")
        _keys(session, "n")
        screen = _wait_for(session, "step 2/2: gate *")
        lines = screen.splitlines()
        assert all(len(l) <= 60 for l in lines)
        # wrapped by the stepper (indented continuation, rows kept whole), not by the terminal
        assert "      [6.25, -7.50, 8.75, -10.00]] =" in lines, screen
        assert any(l.startswith("      [[1.25, -2.50, 3.75, -5.00]") for l in lines), screen
    finally:
        _kill(session)

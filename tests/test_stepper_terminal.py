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


def _wait_for(session, text, count=1, timeout=300.0):
    """The pane's text once ``text`` shows ``count`` times. The 300 s timeout is generous on
    purpose (a loaded one-core machine starts Python slowly); it only stops a hang."""
    end = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < end:
        screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", session, "-S", "-200"],
                                capture_output=True, text=True).stdout
        if screen.count(text) >= count:
            return screen
        time.sleep(0.1)   # polling interval only
    raise AssertionError(f"{text!r} never appeared {count} time(s); screen:\n{screen}")


def test_interactive_in_tmux():
    if not shutil.which("tmux"):
        if os.environ.get("CI") == "true":
            pytest.fail("tmux is missing in CI")
        pytest.skip("tmux not installed")
    session = f"gg{uuid.uuid4().hex[:8]}"
    cmd = " ".join(STEP + [str(EXAMPLES / "01_add_mul.py")])
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "50", cmd],
                   check=True, cwd=ROOT)
    try:
        screen = _wait_for(session, "[Enter] next")
        assert "step 0/2: seed" in screen and "step 1/2" not in screen   # waits for a key
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        screen = _wait_for(session, "z: upstream × local = 1 × 3 = 3")   # the figure prints integers
        assert "step 1/2: gate *" in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "Enter"], check=True)
        _wait_for(session, "step 2/2: gate +")
        subprocess.run(["tmux", "send-keys", "-t", session, "b", "Enter"], check=True)
        # The terminal echoes "b" before the stepper redraws, so wait for the redraw itself.
        screen = _wait_for(session, "step 1/2: gate *", count=2)
        assert "> b" in screen and screen.count("step 1/2: gate *") == 2   # went back one step
        subprocess.run(["tmux", "send-keys", "-t", session, "q", "Enter"], check=True)
        end = time.monotonic() + 300   # generous: only stops a hang
        while time.monotonic() < end:
            alive = subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0
            if not alive:
                break
            time.sleep(0.1)
        assert not alive, "q did not quit"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)

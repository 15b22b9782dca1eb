"""examples/babysit_digits.py runs the whole checklist end to end (quick sizes)."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_babysit_digits_example(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, os.path.join(ROOT, "examples", "babysit_digits.py"), "--out", str(out), "--quick",
           "--workers", "2"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    for name in ("lr_sweep.png", "loss.png", "accuracy.png", "update_ratio.png", "search_scatter.png",
                 "init_histograms.png", "init_stats.png", "model.npz", "search.sqlite", "report.html"):
        assert (out / name).stat().st_size > 0, name
    assert r.stdout.count("[PASS]") == 5
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 7
    from graphgrad.train import TrialStore
    with TrialStore(out / "search.sqlite", readonly=True) as ro:
        rows = ro.trials()
    assert len(rows) == 16 and {r.stage for r in rows} == {0, 1}   # 8 trials x 2 coarse-to-fine stages

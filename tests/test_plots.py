"""viz.plots and viz.report: every plot writes a PNG headless; the report is self-contained."""
import base64
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from graphgrad import nn
from graphgrad.train import (CheckResult, History, LogUniform, SearchSpace, fit, init_experiment, lr_sweep, search,
                             toy_objective)
from graphgrad.data import make_blobs
from viz import plots
from viz.report import render_report, write_report

PNG = b"\x89PNG\r\n\x1a\n"


def _png_size(path):
    data = open(path, "rb").read()
    assert data[:8] == PNG
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.fixture(scope="module")
def history():
    data = make_blobs(200, 3, seed=0)
    net = nn.Sequential(nn.Linear(2, 16, rng=0), nn.ReLU(), nn.Linear(16, 3, rng=1))
    return fit(net, data, lr=0.05, epochs=3, batch_size=32, progress=False)


def test_training_plots(tmp_path, history):
    for fn in (plots.loss_curve, plots.accuracy_curve, plots.update_ratio_plot):
        out = fn(history, tmp_path / f"{fn.__name__}.png")
        w, h = _png_size(out)
        assert w == 700 and h == 400
    fig = plots.accuracy_curve(history)      # no path: the Figure comes back
    assert len(fig.axes) == 1 and fig.axes[0].get_xlabel() == "epoch"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["train", "validation", "gap (overfitting)"]


def test_plots_are_deterministic(tmp_path, history):
    a = plots.loss_curve(history, tmp_path / "a.png")
    b = plots.loss_curve(history, tmp_path / "b.png")
    assert open(a, "rb").read() == open(b, "rb").read()


def test_lr_sweep_and_init_plots(tmp_path):
    data = make_blobs(120, 3, seed=1)
    sweep = lr_sweep(lambda: nn.Sequential(nn.Linear(2, 3, rng=0)), data.X_train, data.y_train,
                     lrs=[1e-6, 1e-1, 1e4], steps=10)
    fig = plots.lr_sweep_plot(sweep)
    assert fig.axes[1].get_xscale() == "log"
    assert _png_size(plots.lr_sweep_plot(sweep, tmp_path / "sweep.png"))[0] == 1150
    runs = init_experiment(layers=4, width=30, n=50)
    fig = plots.activation_histograms(runs)
    assert len(fig.axes) == 5 * 4   # one panel per (initialisation, layer)
    assert plots.activation_stats(runs).axes[1].get_yscale() == "log"
    _png_size(plots.activation_histograms(runs, tmp_path / "hist.png"))


def test_search_scatter_uses_log_axes_for_log_dimensions(tmp_path):
    space = SearchSpace(lr=LogUniform(1e-5, 10.0), reg=LogUniform(1e-6, 1e-1))
    with ThreadPoolExecutor(2) as ex:
        res = search(toy_objective, space, n_trials=10, stages=2, executor=ex)
    assert any(r.status == "nan" for r in res.table)   # lr > 0.5 diverges in the toy objective
    fig = plots.search_scatter(res.table, space=space)
    assert [ax.get_xscale() for ax in fig.axes] == ["log", "log"]
    assert fig.axes[0].get_xlabel() == "lr (log scale)"
    labels = fig.legends[0].get_texts()
    assert [t.get_text() for t in labels] == ["stage 0 (coarse)", "stage 1", "failed / NaN", "best"]
    _png_size(plots.search_scatter(res.table, tmp_path / "scatter.png", space=space))


def test_plot_errors():
    with pytest.raises(ValueError, match="no trials to plot"):
        plots.search_scatter([])
    with pytest.raises(ValueError, match="no completed epoch"):
        plots.accuracy_curve(History())
    with pytest.raises(ValueError, match="no iteration losses"):
        plots.loss_curve(History())


def test_plots_do_not_import_matplotlib_until_used():
    code = "import sys, viz.plots, viz.report; print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_report_is_self_contained_and_escaped(tmp_path, history):
    png = plots.loss_curve(history, tmp_path / "loss.png")
    checks = [CheckResult("initial loss", True, "loss 2.30 matches log(10)"),
              CheckResult("<script>alert(1)</script>", False, "a & b")]
    path = write_report(tmp_path / "r" / "report.html", "run <1>", checks=checks, history=history,
                        figures=[("loss curve", png)], search_table="rank lr\n1 1e-3")
    text = open(path, encoding="utf-8").read()
    assert "<script>" not in text and "&lt;script&gt;" in text and "a &amp; b" in text
    assert "<title>run &lt;1&gt;</title>" in text
    src = re.search(r'src="data:image/png;base64,([^"]+)"', text).group(1)
    assert base64.b64decode(src) == open(png, "rb").read()
    assert "http://" not in text and "https://" not in text   # nothing fetched from the network
    assert text.count("<tr>") == 1 + 2 + 1 + 3   # checks header + 2 rows, history header + 3 epochs
    assert 'class=fail' in text and 'class=pass' in text
    with pytest.raises(FileNotFoundError, match="figure 'x' has no file"):
        write_report(tmp_path / "bad.html", "t", figures=[("x", tmp_path / "nope.png")])
    assert "Training history" not in render_report("empty")

"""The training monitor: fit's callback hook runs once per epoch; the recorded per-layer
statistics equal a numpy recomputation on the probe batch; the update ratios are fit's;
the plots, the coloured diagram and the live (in-place) notebook view are produced."""
import numpy as np
import pytest

pytest.importorskip("matplotlib")

from graphgrad import nn
from graphgrad.train import fit
from viz.monitor import TrainingMonitor

PNG = b"\x89PNG\r\n\x1a\n"


def _setup(epochs=3, live=False):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 5))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    net = nn.Sequential(nn.Linear(5, 8, rng=1), nn.ReLU(), nn.Linear(8, 4, rng=2), nn.Tanh(), nn.Linear(4, 2, rng=3))
    net[0].bias.data[:3] = -30.0           # three ReLUs dead on every input
    mon = TrainingMonitor(X[:40], y[:40], live=live)
    h = fit(net, (X, y), lr=0.05, epochs=epochs, batch_size=30, progress=False, callback=mon)
    return net, X[:40], y[:40], mon, h


def test_callback_runs_once_per_epoch_with_the_history():
    seen = []
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 3)), rng.integers(0, 2, 50)
    net = nn.Sequential(nn.Linear(3, 2, rng=0))
    h = fit(net, (X, y), epochs=4, progress=False,
            callback=lambda epoch, model, history: seen.append((epoch, model is net, len(history.epochs))))
    assert seen == [(e, True, e + 1) for e in range(4)] and len(h.epochs) == 4


def test_statistics_match_numpy_on_the_probe():
    net, Xp, yp, mon, h = _setup()
    assert len(mon.rows) == 3
    W1, b1 = net[0].weight.numpy(), net[0].bias.numpy()
    pre = Xp @ W1 + b1
    a1 = np.maximum(pre, 0)
    a2 = np.tanh(a1 @ net[2].weight.numpy() + net[2].bias.numpy())
    last = mon.rows[-1]["layers"]
    relu = [v for k, v in last.items() if v["kind"] == "relu"][0]
    tanh = [v for k, v in last.items() if v["kind"] == "tanh"][0]
    assert relu["std"] == pytest.approx(a1.std(), rel=1e-12) and relu["mean"] == pytest.approx(a1.mean(), rel=1e-12)
    assert tanh["std"] == pytest.approx(a2.std(), rel=1e-12)
    assert relu["bad"] == int(np.all(pre <= 0, axis=0).sum()) >= 3 and relu["units"] == 8
    assert mon.rows[-1]["update_ratio"] == h.epochs[-1]["update_ratio"]
    assert all(p.grad is None for p in net.parameters())     # the probe leaves no gradient behind


def test_figures_and_diagram(tmp_path):
    _, _, _, mon, _ = _setup(epochs=2)
    figs = mon.figures(tmp_path)
    assert len(figs) == 2 and all(open(p, "rb").read(8) == PNG for _, p in figs)
    dot = mon.diagram_dot()
    relu = [v for v in mon.rows[-1]["layers"].values() if v["kind"] == "relu"][0]
    assert f"dead {relu['bad']}/8" in dot and "epoch 2" in dot
    from viz.report import render_report
    html = render_report("run", figures=figs)
    assert html.count("data:image/png;base64,") == 2


def test_live_view_updates_one_display_in_place(monkeypatch):
    import IPython.display as d
    calls = []

    class Handle:
        def update(self, obj):
            calls.append(("update", obj))

    monkeypatch.setattr(d, "display", lambda obj, display_id=None: calls.append(("display", obj)) or Handle())
    _setup(epochs=3, live=True)
    assert [c[0] for c in calls] == ["display", "update", "update"]
    assert "epoch 3" in calls[-1][1].data and "<svg" in calls[-1][1].data

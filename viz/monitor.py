"""The training monitor: a ``fit`` callback that records, after every epoch, per-layer
activation and gradient statistics on a fixed probe batch, and each weight's update/weight
ratio; it redraws its plots in place in a notebook and writes them (plus the network's
collapsed diagram coloured by the latest gradient flow) for the HTML report.

It reads the plain-data graph of one forward/backward pass on the probe batch
(:func:`viz.as_graph`) and the engine's public API (``model(Value(X))``, ``backward``).

>>> import os
>>> from graphgrad import nn
>>> from graphgrad.data import make_blobs
>>> from graphgrad.train import fit
>>> from viz.report import write_report
>>> data = make_blobs(150, n_classes=3, seed=0)
>>> model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
>>> mon = TrainingMonitor(data.X_val[:32], data.y_val[:32])      # a fixed probe batch
>>> history = fit(model, data, lr=0.05, epochs=2, callback=mon, progress=False)
>>> figures = mon.figures("monitor")                              # PNGs: plots and the coloured net
>>> write_report("report.html", "run", history=history, figures=figures)
'report.html'
>>> len(mon.rows), [os.path.basename(path) for _, path in figures]
(2, ['monitor.png', 'monitor_flow.png'])
"""
from __future__ import annotations

import os

import numpy as np

ACTIVATIONS = ("relu", "tanh", "sigmoid")


def _layer_name(n) -> str:
    return f"{n.group[-1][0]}#{n.group[-1][1]}" if n.group else n.id


def probe_stats(graph) -> dict:
    """Per activation layer of one probed graph: mean and std of the activations, mean
    |gradient| reaching them, and dead/saturated units (:mod:`viz.flow`); per weight leaf
    (named W in a group): mean |dL/dW|.

    >>> from graphgrad import nn
    >>> import graphgrad.nn.functional as F
    >>> net = nn.Sequential(nn.Linear(2, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
    >>> loss = F.cross_entropy(net(gg.Value(np.ones((4, 2)))), np.array([0, 1, 2, 0]))
    >>> loss.backward()
    >>> stats = probe_stats(viz.as_graph(loss))
    >>> [(name.split("#")[0], s["units"]) for name, s in stats["layers"].items()]
    [('ReLU', 8)]
    >>> len(stats["weights"])         # the two weight matrices
    2
    """
    from .flow import unit_health
    health = unit_health(graph)
    layers, weights = {}, {}
    consumers = {}
    for n in graph.nodes:
        for i in n.inputs:
            consumers.setdefault(i, []).append(n)
    for n in graph.nodes:
        if n.op in ACTIVATIONS and n.value is not None:
            a = np.asarray(n.value, dtype=float)
            g = None if n.grad is None else float(np.mean(np.abs(np.asarray(n.grad, dtype=float))))
            u = health.get(n.id)
            layers[_layer_name(n)] = {"kind": n.op, "mean": float(a.mean()), "std": float(a.std()), "grad": g,
                                      "bad": u.count if u else 0, "units": u.units if u else 0}
        elif n.is_leaf and n.grad is not None and np.ndim(n.value) >= 2:
            users = consumers.get(n.id, [])
            where = _layer_name(users[0]) if users and users[0].group else n.id
            weights[f"{where}.{n.name or n.label or 'W'}"] = float(np.mean(np.abs(np.asarray(n.grad, dtype=float))))
    return {"layers": layers, "weights": weights}


class TrainingMonitor:
    """A ``fit(..., callback=TrainingMonitor(X_probe, y_probe))`` hook (see the module doc).

    ``loss``: what ``fit`` trains with ("softmax", "svm" or a callable). ``live``: redraw in
    a notebook after every epoch (one display handle, updated in place); None (default)
    means "when running inside IPython". ``collapse``: the group names drawn as boxes in the
    diagram (default: the model's layer classes).
    """

    def __init__(self, X_probe, y_probe, loss="softmax", live: bool | None = None, collapse=None):
        self.X, self.y = np.asarray(X_probe), np.asarray(y_probe)
        self.loss, self.collapse = loss, collapse
        self.rows: list = []            # one dict per epoch: epoch, layers, weights, update_ratio
        self.graph = None               # the latest probe's GraphData
        self._live = live
        self._handle = None

    # ------------------------------------------------------------ the hook
    def __call__(self, epoch, model, history):
        import graphgrad as gg
        from graphgrad.train.trainer import loss_fn
        from .sources import as_graph
        L = loss_fn(self.loss)(model(gg.Value(self.X)), self.y)
        L.backward()
        self.graph = as_graph(L)
        stats = probe_stats(self.graph)
        for p in model.parameters():          # the probe's gradients are not the optimiser's
            p.zero_grad()
        row = {"epoch": epoch, **stats, "update_ratio": dict(history.epochs[-1].get("update_ratio", {}))}
        self.rows.append(row)
        if self._is_live():
            self._redraw()

    def _is_live(self) -> bool:
        if self._live is not None:
            return self._live
        try:
            from IPython import get_ipython
            return get_ipython() is not None and getattr(get_ipython(), "kernel", None) is not None
        except ImportError:
            return False

    def _redraw(self):
        from IPython.display import HTML, display
        html = self.to_html_fragment()
        if self._handle is None:
            self._handle = display(HTML(html), display_id=True)
        else:
            self._handle.update(HTML(html))

    # ------------------------------------------------------------ series
    def series(self, part: str, key: str | None = None) -> dict:
        """``{name: [value per epoch]}`` of ``part`` ("layers" with ``key`` "mean", "std",
        "grad" or "bad"; "weights"; "update_ratio").

        >>> from graphgrad import nn
        >>> from graphgrad.data import make_blobs
        >>> from graphgrad.train import fit
        >>> data = make_blobs(90, n_classes=3, seed=0)
        >>> model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
        >>> mon = TrainingMonitor(data.X_val[:16], data.y_val[:16])
        >>> history = fit(model, data, epochs=3, callback=mon, progress=False)
        >>> {name.split("#")[0]: len(stds) for name, stds in mon.series("layers", "std").items()}
        {'ReLU': 3}
        """
        names = []
        for r in self.rows:
            for k in r[part]:
                if k not in names:
                    names.append(k)
        out = {}
        for k in names:
            vals = []
            for r in self.rows:
                v = r[part].get(k)
                if key is not None and v is not None:
                    v = v.get(key)
                vals.append(float("nan") if v is None else float(v))
            out[k] = vals
        return out

    # ------------------------------------------------------------ drawing
    def plot(self, path=None):
        """Four panels over epochs: activation std and mean |gradient| per layer, mean |dL/dW|
        per weight, update/weight ratio per parameter (the lecture's ~1e-3 line)."""
        from graphgrad._extras import require
        require("matplotlib", "train", "viz.monitor.TrainingMonitor.plot")
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
        if not self.rows:
            raise ValueError("TrainingMonitor.plot: no epoch recorded yet; pass the monitor to fit(callback=...)")
        fig = Figure(figsize=(11, 6.4), dpi=100)
        FigureCanvasAgg(fig)
        axes = fig.subplots(2, 2).reshape(-1)
        ep = [r["epoch"] + 1 for r in self.rows]
        panels = [(self.series("layers", "std"), "activation std per layer", False),
                  (self.series("layers", "grad"), "mean |dL/d(activation)| per layer", True),
                  (self.series("weights"), "mean |dL/dW| per weight", True),
                  (self.series("update_ratio"), "update / weight ratio", True)]
        for ax, (ser, title, log) in zip(axes, panels):
            for k, v in ser.items():
                ax.plot(ep, v, "-o", ms=3, label=k)
            if log and any(np.isfinite(x) and x > 0 for v in ser.values() for x in v):
                ax.set_yscale("log")
            if title.startswith("update"):
                ax.axhline(1e-3, color="#999", ls=":", lw=1)
            ax.set_title(title, fontsize=10)
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            if ser:
                ax.legend(fontsize=7)
        fig.tight_layout()
        from .plots import finish_figure
        return finish_figure(fig, path)

    def _collapse(self):
        if self.collapse is not None:
            return self.collapse
        names = sorted({g[0] for n in self.graph.nodes for g in n.group[1:2]} |
                       {n.group[-1][0] for n in self.graph.nodes if n.group})
        return [nm for nm in names if nm not in ("Sequential",)] or True

    def diagram_dot(self) -> str:
        """The latest probe's network, collapsed per layer, coloured by gradient flow."""
        from .dot import to_dot
        if self.graph is None:
            raise ValueError("TrainingMonitor: no epoch recorded yet")
        return to_dot(self.graph, flow="grad", collapse=self._collapse(), max_values=0,
                      title=f"gradient flow after epoch {self.rows[-1]['epoch'] + 1}")

    def figures(self, out_dir) -> list:
        """Write the plots and the coloured diagram as PNGs into ``out_dir``; returns
        ``[(caption, path)]`` for :func:`viz.report.write_report`'s ``figures``."""
        from .render import run_dot
        os.makedirs(out_dir, exist_ok=True)
        p1 = self.plot(os.path.join(out_dir, "monitor.png"))
        p2 = os.path.join(out_dir, "monitor_flow.png")
        with open(p2, "wb") as f:
            f.write(run_dot(self.diagram_dot(), "png"))
        return [("Per-layer activation and gradient statistics and update/weight ratios over epochs", p1),
                ("The network after the last epoch, coloured by gradient magnitude (dead/saturated units counted)", p2)]

    def to_html_fragment(self) -> str:
        """The live view: the plots and the coloured diagram, inline (PNG and SVG)."""
        import base64
        import io
        from .render import run_dot
        buf = io.BytesIO()
        self.plot().savefig(buf, format="png")
        png = base64.b64encode(buf.getvalue()).decode("ascii")
        svg = run_dot(self.diagram_dot(), "svg").decode("utf-8")
        svg = svg[svg.find("<svg"):]
        last = self.rows[-1]
        bad = ", ".join(f"{k}: {v['bad']}/{v['units']}" for k, v in last["layers"].items())
        return (f'<div><b>epoch {last["epoch"] + 1}</b> — dead/saturated units: {bad or "none"}'
                f'<br><img src="data:image/png;base64,{png}"><div style="overflow-x:auto">{svg}</div></div>')

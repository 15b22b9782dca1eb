"""Plots for the training tools (cs231n lecture 6), drawn headless with matplotlib's Agg canvas.

Every function takes what ``graphgrad.train`` returns, writes a PNG when given ``path``
and returns the path (or the matplotlib ``Figure`` when ``path`` is None). matplotlib is
imported only when a plot is drawn, and pyplot's global state is never touched.

>>> from graphgrad.train.init_diagnostics import init_experiment
>>> activation_histograms(init_experiment(layers=4, width=50, n=100), "init.png")
'init.png'
"""
from __future__ import annotations

import math
import os

import numpy as np

from graphgrad._extras import require

require("matplotlib", "train", "viz.plots")      # pip install 'graphgrad[train]'

# the plots users call (the docs site's page list); finish_figure is the other plot modules' helper
__all__ = ["accuracy_curve", "activation_histograms", "activation_stats", "loss_curve", "lr_sweep_plot",
           "search_scatter", "update_ratio_plot"]

_VERDICT_COLORS = {"too low": "#4c72b0", "good": "#2ca02c", "too high": "#d62728"}
_STAGE_COLORS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # lazy: heavy import
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def finish_figure(fig, path, tight: bool = False):
    """``fig`` itself when ``path`` is None, else the path written (PNG, no timestamp, so a
    rerun gives the same bytes); ``tight`` lays the figure out tightly first. Every plot of
    viz ends with it.

    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> finish_figure(fig, None) is fig, finish_figure(fig, "fig.png")
    (True, 'fig.png')
    """
    if path is None:
        return fig
    if tight:
        fig.tight_layout()
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def _moving_average(x, k):
    x = np.asarray(x, dtype=float)
    if len(x) < k or k < 2:
        return x
    c = np.cumsum(np.insert(x, 0, 0.0))
    head = c[1:k] / np.arange(1, k)
    return np.concatenate([head, (c[k:] - c[:-k]) / k])


def _epochs(history):
    epochs = history.epochs if hasattr(history, "epochs") else history
    if not epochs:
        raise ValueError("plots: the history has no completed epoch to plot")
    return epochs


def loss_curve(history, path=None, title: str = "Training loss"):
    """Loss per iteration (faint) with a moving average; the lecture's first babysitting plot.

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_spirals
    >>> from graphgrad.train import fit
    >>> history = fit(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3)),
    ...               make_spirals(n_per_class=30, seed=0), epochs=2, progress=False)
    >>> loss_curve(history, "loss.png")
    'loss.png'
    """
    losses = np.asarray(history.iteration_loss, dtype=float)
    if losses.size == 0:
        raise ValueError("loss_curve: the history holds no iteration losses")
    fig = _figure(7, 4)
    ax = fig.add_subplot(1, 1, 1)
    it = np.arange(len(losses))
    finite = np.isfinite(losses)
    ax.plot(it[finite], losses[finite], color="#9bb7d4", lw=0.8, label="per iteration")
    k = max(2, len(losses) // 25)
    ax.plot(it[finite], _moving_average(losses[finite], k), color="#1f4e79", lw=2, label=f"moving average ({k})")
    per_epoch = len(losses) / max(1, len(history.epochs))
    if len(history.epochs) > 1 and per_epoch >= 1:
        for e in range(1, len(history.epochs)):
            ax.axvline(e * per_epoch, color="0.85", lw=0.6, zorder=0)
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.set_title(title + (" (stopped: diverged)" if history.diverged else ""))
    ax.legend(frameon=False)
    ax.grid(alpha=0.25)
    fig.tight_layout()
    return finish_figure(fig, path)


def accuracy_curve(history, path=None, title: str = "Train / validation accuracy"):
    """Train and validation accuracy per epoch; the shaded band is the overfitting gap.

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_spirals
    >>> from graphgrad.train import fit
    >>> history = fit(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3)),
    ...               make_spirals(n_per_class=30, seed=0), epochs=2, progress=False)
    >>> accuracy_curve(history, "accuracy.png")
    'accuracy.png'
    """
    ep = _epochs(history)
    x = np.array([e["epoch"] + 1 for e in ep])
    tr = np.array([e["train_acc"] for e in ep], dtype=float)
    va = np.array([e["val_acc"] for e in ep], dtype=float)
    fig = _figure(7, 4)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(x, tr, "o-", color="#1f77b4", label="train")
    if np.isfinite(va).any():
        ax.plot(x, va, "s-", color="#ff7f0e", label="validation")
        ax.fill_between(x, va, tr, where=tr >= va, color="#d62728", alpha=0.12, label="gap (overfitting)")
        gap = tr[-1] - va[-1]
        ax.annotate(f"gap {gap:+.3f}", (x[-1], (tr[-1] + va[-1]) / 2), xytext=(-8, 0), textcoords="offset points",
                    ha="right", va="center", fontsize=9, color="#a01010")
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    lo = np.nanmin(np.concatenate([tr, va])) if np.isfinite(va).any() else np.nanmin(tr)
    ax.set_ylim(max(0.0, lo - 0.05), 1.005)
    ax.set_xticks(x if len(x) <= 15 else np.linspace(x[0], x[-1], 8).round())
    ax.legend(frameon=False, loc="lower right")
    ax.grid(alpha=0.25)
    fig.tight_layout()
    return finish_figure(fig, path)


def update_ratio_plot(history, path=None, title: str = "Update / weight ratio per layer"):
    """||ΔW|| / ||W|| per epoch for each parameter, log scale; the lecture's rule of thumb is ~1e-3.

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_spirals
    >>> from graphgrad.train import fit
    >>> history = fit(nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3)),
    ...               make_spirals(n_per_class=30, seed=0), epochs=2, progress=False)
    >>> update_ratio_plot(history, "ratios.png")
    'ratios.png'
    """
    ep = _epochs(history)
    names = sorted({n for e in ep for n in e.get("update_ratio", {})})
    if not names:
        raise ValueError("update_ratio_plot: the history holds no update ratios (fit(track_updates=True))")
    fig = _figure(7, 4)
    ax = fig.add_subplot(1, 1, 1)
    x = [e["epoch"] + 1 for e in ep]
    for n in names:
        ax.plot(x, [e.get("update_ratio", {}).get(n, np.nan) for e in ep], "o-", ms=3, label=n)
    ax.axhline(1e-3, color="0.4", ls="--", lw=1)
    ax.text(x[0], 1e-3, " ~1e-3", va="bottom", fontsize=8, color="0.3")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("||ΔW|| / ||W||")
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=8, ncol=2)
    ax.grid(alpha=0.25, which="both")
    fig.tight_layout()
    return finish_figure(fig, path)


def lr_sweep_plot(sweep, path=None, title: str = "Learning-rate sweep"):
    """Left: the loss curve of every rate, coloured by verdict (blue too low, green good, red too
    high; darker = larger rate). Right: final loss against the rate on a log axis.

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_spirals
    >>> from graphgrad.train import lr_sweep
    >>> data = make_spirals(n_per_class=20, seed=0)
    >>> def make_net():
    ...     return nn.Sequential(nn.Linear(2, 16, rng=0), nn.ReLU(), nn.Linear(16, 3, rng=1))
    >>> sweep = lr_sweep(make_net, data.X_train, data.y_train, lrs=[1e-5, 1e-1, 1e3], steps=20)
    >>> lr_sweep_plot(sweep, "sweep.png")
    'sweep.png'
    >>> len(lr_sweep_plot(sweep).axes)       # without a path: the Figure
    2
    """
    from matplotlib.colors import to_rgb
    fig = _figure(11.5, 4.2)
    ax, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    first = [ls[0] for ls in sweep.losses if ls and math.isfinite(ls[0])]
    cap = 3 * max(first) if first else None
    finals = []
    by_verdict = {v: [i for i, vv in enumerate(sweep.verdicts) if vv == v] for v in _VERDICT_COLORS}
    for i, (lr, losses, v) in enumerate(zip(sweep.lrs, sweep.losses, sweep.verdicts)):
        y = np.asarray(losses, dtype=float)
        if cap is not None:
            y = np.where(np.isfinite(y), np.minimum(y, cap), cap)   # NaN/inf drawn at the cap
        group = by_verdict[v]
        shade = 0.55 + 0.45 * (group.index(i) + 1) / len(group)     # darker for larger rates
        color = tuple(c * (1.6 - shade) if c < 0.5 else c for c in to_rgb(_VERDICT_COLORS[v]))
        color = tuple(min(1.0, max(0.0, c)) for c in color)
        ax.plot(np.arange(len(y)), y, color=color, lw=1.5, alpha=0.9, label=f"{lr:.0e} ({v})")
        last = losses[-1] if losses else float("nan")
        finals.append(last if math.isfinite(last) and (cap is None or last <= cap) else np.nan)
    ax.set_xlabel("step")
    ax.set_ylabel("loss" + (f" (NaN/inf and > {cap:.2g} drawn at {cap:.2g})" if cap else ""), fontsize=9)
    ax.set_title(title)
    ax.grid(alpha=0.25)
    ax.legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5), title="lr", title_fontsize=8)
    lrs = np.asarray(sweep.lrs)
    finals = np.asarray(finals, dtype=float)
    top = np.nanmax(finals) * 1.1 if np.isfinite(finals).any() else 1.0
    for v, c in _VERDICT_COLORS.items():
        m = np.array([vv == v for vv in sweep.verdicts])
        ok = m & np.isfinite(finals)
        if ok.any():
            ax2.scatter(lrs[ok], finals[ok], color=c, s=40, label=v, zorder=3)
        bad = m & ~np.isfinite(finals)
        if bad.any():   # NaN / exploded: crosses along the top edge
            ax2.scatter(lrs[bad], np.full(bad.sum(), top), marker="x", color=c, s=50,
                        label=f"{v}: NaN/inf", zorder=3)
    ax2.plot(lrs[np.isfinite(finals)], finals[np.isfinite(finals)], color="0.7", lw=1, zorder=1)
    ax2.set_xscale("log")
    ax2.set_xlabel("learning rate")
    ax2.set_ylabel("final loss")
    ax2.set_title("final loss by learning rate")
    ax2.legend(frameon=False, fontsize=8)
    ax2.grid(alpha=0.25, which="major")
    fig.tight_layout()
    return finish_figure(fig, path)


def activation_histograms(runs, path=None, title: str = "Activations per layer, 10-layer net on random data"):
    """The lecture's picture: one row per initialisation, one histogram per layer.

    ReLU rows leave out the exact zeros (about half the units), whose spike would flatten
    the rest; the share of zeros is printed above each histogram instead.

    >>> from graphgrad.train.init_diagnostics import init_experiment
    >>> activation_histograms(init_experiment(layers=4, width=50, n=100), "init.png")
    'init.png'
    """
    runs = list(runs)
    if not runs:
        raise ValueError("activation_histograms: no runs to plot")
    L = len(runs[0].hist_counts)
    height = 1.3 * len(runs) + 1.3
    fig = _figure(1.35 * L + 2.3, height)
    gs = fig.add_gridspec(len(runs), L, left=0.155, right=0.985, top=1 - 1.0 / height,
                          bottom=0.35 / height, hspace=0.75, wspace=0.22)
    colors = {"collapses": "#4c72b0", "saturates": "#d62728", "healthy": "#2ca02c", "explodes": "#8c564b"}
    for r, run in enumerate(runs):
        edges = np.asarray(run.hist_edges)
        relu = run.nonlinearity == "relu"
        for l in range(L):
            ax = fig.add_subplot(gs[r, l])
            counts = np.asarray(run.hist_counts[l], dtype=float)
            zeros = getattr(run, "zero_fraction", None)
            ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=colors.get(run.verdict, "0.4"), lw=0)
            ax.set_yticks([])
            ax.set_xlim(edges[0], edges[-1])
            ax.tick_params(axis="x", labelsize=6, length=2, pad=1)
            ticks = [edges[0], edges[-1]] if edges[0] < 0 else [0.0, edges[-1]]
            ax.set_xticks(ticks)
            ax.set_xticklabels([f"{t:.2g}" for t in ticks])
            ax.get_xticklabels()[0].set_horizontalalignment("left")
            ax.get_xticklabels()[-1].set_horizontalalignment("right")
            for side in ("top", "right", "left"):
                ax.spines[side].set_visible(False)
            sub = f"σ={run.stds[l]:.2g}"
            if relu and zeros is not None:
                sub += f", {zeros[l]:.0%} zero"
            ax.set_title(sub, fontsize=6.5, pad=2)
            if r == 0:
                ax.text(0.5, 1.45, f"layer {l + 1}", transform=ax.transAxes, ha="center", fontsize=8.5,
                        fontweight="bold")
            if l == 0:
                note = "\n(zeros not drawn)" if relu else ""
                ax.text(-0.15, 0.5, f"{run.label}\n→ {run.verdict}{note}", transform=ax.transAxes, ha="right",
                        va="center", fontsize=8.5, color=colors.get(run.verdict, "k"))
    fig.suptitle(title, fontsize=11, y=1 - 0.12 / height, va="top")
    return finish_figure(fig, path)


def activation_stats(runs, path=None, title: str = "Activation mean and std per layer"):
    """Per-layer mean (left) and standard deviation (right, log scale) of each initialisation.

    >>> from graphgrad.train.init_diagnostics import init_experiment
    >>> activation_stats(init_experiment(layers=4, width=50, n=100), "init_stats.png")
    'init_stats.png'
    """
    runs = list(runs)
    if not runs:
        raise ValueError("activation_stats: no runs to plot")
    fig = _figure(11, 4)
    ax, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    for run in runs:
        x = np.arange(1, len(run.means) + 1)
        ax.plot(x, run.means, "o-", ms=3, label=f"{run.label} ({run.verdict})")
        ax2.plot(x, run.stds, "o-", ms=3, label=f"{run.label} ({run.verdict})")
    ax.set_title("mean")
    ax2.set_title("standard deviation")
    ax2.set_yscale("log")
    for a in (ax, ax2):
        a.set_xlabel("layer")
        a.grid(alpha=0.25)
        a.set_xticks(x)
    ax2.legend(frameon=False, fontsize=8, loc="lower left")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return finish_figure(fig, path)


def _is_log(values, dim) -> bool:
    if dim is not None:
        return getattr(dim, "log", False)
    v = np.asarray(values, dtype=float)
    return bool(v.size and (v > 0).all() and v.max() / v.min() > 100)


def search_scatter(records, path=None, space=None, title: str = "Hyperparameter search", metric: str = "val_acc",
                   direction: str = "maximize"):
    """Validation accuracy (or the search's ``metric``) against each hyperparameter (log axes
    for log-uniform dimensions), coloured by coarse-to-fine stage; the best trial by
    ``direction`` is a star; failed/NaN trials are grey crosses along the worst edge.

    >>> from graphgrad.train import LogUniform, SearchSpace, TrialStore, search, toy_objective
    >>> space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-1))
    >>> res = search(toy_objective, space, n_trials=8, storage="runs/lr.sqlite")
    >>> with TrialStore("runs/lr.sqlite") as store:
    ...     search_scatter(store.table(), "scatter.png", space=space)
    'scatter.png'
    """
    records = list(records)
    if not records:
        raise ValueError("search_scatter: no trials to plot")
    names = sorted({k for r in records for k in r.params})
    dims = getattr(space, "dims", {}) if space is not None else {}
    from graphgrad.train.store import metric_value
    y = {id(r): metric_value(r, metric) for r in records}
    ok = [r for r in records if r.status == "done" and y[id(r)] is not None]
    ok_ids = {id(r) for r in ok}   # by identity: `r not in ok` compared records pairwise (quadratic)
    bad = [r for r in records if id(r) not in ok_ids]
    best = (max if direction == "maximize" else min)(ok, key=lambda r: y[id(r)]) if ok else None
    fig = _figure(4.2 * len(names) + 0.6, 3.8)
    stages = sorted({r.stage for r in records})
    ymin = min((y[id(r)] for r in ok), default=0.0)
    ymax = max((y[id(r)] for r in ok), default=1.0)
    # Failed trials sit just past the worst value: below when maximising, above when minimising.
    floor = ymin - 0.05 * max(1e-3, ymax - ymin) if direction == "maximize" else ymax + 0.05 * max(1e-3, ymax - ymin)
    for k, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), k + 1)
        numeric = all(isinstance(r.params.get(name), (int, float)) and not isinstance(r.params.get(name), bool)
                      for r in records)
        cats = None
        if not numeric:
            cats = sorted({str(r.params.get(name)) for r in records})
        where = {c: i for i, c in enumerate(cats or ())}

        def xval(r):
            return where[str(r.params.get(name))] if cats else float(r.params[name])
        for s in stages:
            pts = [r for r in ok if r.stage == s]
            if pts:
                ax.scatter([xval(r) for r in pts], [y[id(r)] for r in pts], s=22, alpha=0.8,
                           color=_STAGE_COLORS[s % len(_STAGE_COLORS)],
                           label=f"stage {s}" + (" (coarse)" if s == 0 and len(stages) > 1 else ""))
        if bad:
            ax.scatter([xval(r) for r in bad], [floor] * len(bad), marker="x", color="0.55", s=20,
                       label="failed / NaN")
        if best is not None:
            ax.scatter([xval(best)], [y[id(best)]], marker="*", s=220, color="gold", edgecolor="k", lw=0.8,
                       zorder=5, label="best")
        if cats:
            ax.set_xticks(range(len(cats)))
            ax.set_xticklabels(cats)
        elif _is_log([r.params[name] for r in records], dims.get(name)):
            ax.set_xscale("log")
        ax.set_xlabel(name + (" (log scale)" if not cats and ax.get_xscale() == "log" else ""))
        if k == 0:
            ax.set_ylabel("validation accuracy" if metric == "val_acc" else metric)
        ax.grid(alpha=0.25, which="major")
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", frameon=False, fontsize=8, ncol=len(labels))
    label = "val acc" if metric == "val_acc" else metric
    fig.suptitle(title + (f": best {label} {y[id(best)]:.3f}" if best else ""), fontsize=11, x=0.02, ha="left")
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return finish_figure(fig, path)

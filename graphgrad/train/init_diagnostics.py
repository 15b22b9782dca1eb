"""The lecture's weight-initialisation experiment: push random data through a deep net
(10 layers of 500 units) and watch each layer's activations.

* ``0.01·randn`` with tanh: activations shrink layer by layer and collapse to zero;
* ``1.0·randn`` with tanh: they saturate at ±1 (local gradients zero);
* Xavier with tanh and He with ReLU: they stay spread out at every layer;
* Xavier with ReLU: half the units die each layer and activations collapse again.

>>> runs = init_experiment(layers=5, width=100, n=200)
>>> [r.verdict for r in runs]
['collapses', 'saturates', 'healthy', 'collapses', 'healthy']
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..autograd import no_grad
from ..value import Value

# (init scheme, nonlinearity): the lecture's sequence of tries.
LECTURE_CONFIGS = (("small", "tanh"), ("large", "tanh"), ("xavier", "tanh"), ("xavier", "relu"), ("he", "relu"))
_LABELS = {"small": "W = 0.01·randn", "large": "W = 1.0·randn", "xavier": "Xavier", "he": "He (Kaiming)"}


@dataclass
class InitRun:
    """Per-layer activation statistics of one (init, nonlinearity) pair."""

    init: str
    nonlinearity: str
    means: list
    stds: list
    saturated: list       # fraction of |a| > 0.99 (tanh only; 0 for relu)
    hist_edges: np.ndarray
    hist_counts: list     # one array per layer
    verdict: str = ""
    zero_fraction: list = field(default_factory=list)   # relu: share of exact zeros per layer
    samples: list = field(default_factory=list, repr=False)

    @property
    def label(self) -> str:
        """Display name, e.g. ``"Xavier, tanh"``."""
        return f"{_LABELS.get(self.init, self.init)}, {self.nonlinearity}"


def _weights(init: str, fan_in: int, fan_out: int, rng):
    from ..nn import init as nninit
    shape = (fan_in, fan_out)
    if init == "small":
        return nninit.small_gaussian(shape, std=0.01, rng=rng)
    if init == "large":
        return nninit.normal(shape, std=1.0, rng=rng)
    if init == "xavier":
        # Lecture form: randn / sqrt(fan_in) (gain 1, fan_in only), what "Xavier" means on the slides.
        return nninit.normal(shape, std=1.0 / np.sqrt(fan_in), rng=rng)
    if init == "he":
        return nninit.kaiming_normal(shape, nonlinearity="relu", rng=rng)
    raise ValueError(f"init_experiment: init must be 'small', 'large', 'xavier' or 'he', got {init!r}")


def activation_statistics(init: str, nonlinearity: str, layers: int = 10, width: int = 500, n: int = 1000,
                          seed: int = 0, bins: int = 40, keep_samples: int = 0) -> InitRun:
    """Forward ``n`` random inputs through ``layers`` fully connected layers of ``width`` units
    with weights from ``init`` and record each layer's activation mean, std and histogram.

    >>> activation_statistics("he", "relu", layers=3, width=50, n=100).verdict
    'healthy'
    """
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"activation_statistics: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    if layers < 1 or width < 1 or n < 1:
        raise ValueError(f"activation_statistics: layers, width and n must be >= 1, got {layers}, {width}, {n}")
    rng = np.random.default_rng(seed)
    x = Value(rng.standard_normal((n, width)))
    edges = np.linspace(-1, 1, bins + 1) if nonlinearity == "tanh" else None
    means, stds, sat, counts, samples, acts = [], [], [], [], [], []
    with no_grad():
        for _ in range(layers):
            W = Value(_weights(init, width, width, rng))
            x = (x @ W).tanh() if nonlinearity == "tanh" else (x @ W).relu()
            a = x.numpy()
            means.append(float(a.mean()))
            stds.append(float(a.std()))
            sat.append(float(np.mean(np.abs(a) > 0.99)) if nonlinearity == "tanh" else 0.0)
            acts.append(a)
    if edges is None:
        # ReLU: one shared range per run so the layers' histograms compare directly.
        top = max(float(np.percentile(a[a > 0], 99.5)) if (a > 0).any() else 0.0 for a in acts) or 1.0
        edges = np.linspace(0, top, bins + 1)
    zero_fraction = []
    for a in acts:
        if nonlinearity == "relu":
            # Exact zeros (dead units) would dwarf the rest of the histogram; count them apart.
            zero_fraction.append(float(np.mean(a == 0)))
            a = a[a > 0]
        counts.append(np.histogram(a, bins=edges)[0])   # the top 0.5% (relu) falls outside
        if keep_samples:
            samples.append(rng.choice(a.ravel(), size=min(keep_samples, a.size), replace=False))
    run = InitRun(init, nonlinearity, means, stds, sat, edges, counts, samples=samples, zero_fraction=zero_fraction)
    run.verdict = _verdict(run)
    return run


def _verdict(run: InitRun) -> str:
    if run.nonlinearity == "tanh" and run.saturated[-1] > 0.5:
        return "saturates"
    # Geometric shrink per layer: ReLU with Xavier loses a factor 1/sqrt(2) each layer (0.71);
    # Xavier/tanh and He/ReLU stay near 0.85-1.
    L = len(run.stds)
    rate = (run.stds[-1] / run.stds[0]) ** (1 / (L - 1)) if L > 1 and run.stds[0] > 0 else 1.0
    if run.stds[-1] < 1e-3 or rate < 0.77:
        return "collapses"
    if run.stds[-1] > 10 * run.stds[0]:
        return "explodes"
    return "healthy"


def init_experiment(configs=LECTURE_CONFIGS, layers: int = 10, width: int = 500, n: int = 1000,
                    seed: int = 0, bins: int = 40) -> list:
    """Run :func:`activation_statistics` for each ``(init, nonlinearity)`` in ``configs``
    (the lecture's five by default); sizes default to the lecture's 10 × 500 on 1000 samples.

    >>> for r in init_experiment(layers=4, width=50, n=100):
    ...     print(f"{r.init:6} {r.nonlinearity}: {r.verdict}")
    small  tanh: collapses
    large  tanh: saturates
    xavier tanh: healthy
    xavier relu: collapses
    he     relu: healthy
    """
    return [activation_statistics(i, nl, layers, width, n, seed, bins) for i, nl in configs]

"""The gradient-flow overlay (``viz.Options(flow="grad")`` or ``flow="ratio"``): gates and
wires coloured by gradient magnitude (mean |dL/dx|) or by the gradient/value ratio
(mean |dL/dx| / mean |x|), dead ReLUs and saturated sigmoid/tanh units marked and counted
per layer. It reads the plain-data graph only (:class:`viz.GraphData`).

A ReLU unit is *dead* when its input is <= 0 for every example of the batch (axis 0):
its output and its local gradient are then 0 for the whole batch. A sigmoid unit is
*saturated* when its output is below 0.01 or above 0.99 for every example, a tanh unit
when |output| > 0.99 for every example: its local gradient is then < 0.01 everywhere.

>>> import numpy as np, graphgrad as gg, viz
>>> h = gg.relu(gg.Value(np.array([[1.0, -1.0], [2.0, -3.0]]), requires_grad=True))
>>> [(u.kind, u.units, u.count) for u in unit_health(viz.as_graph(h)).values()]
[('relu', 2, 1)]
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FLOW = (None, "grad", "ratio")
RAMP = ("#cfd8dc", "#90caf9", "#42a5f5", "#ffb74d", "#f4511e", "#b71c1c")   # small → large
DEAD_COLOR, SAT_COLOR = "#d50000", "#ff6f00"


@dataclass
class UnitHealth:
    """One activation gate's units: ``kind`` ("relu", "sigmoid", "tanh"), how many units,
    how many are dead (relu) or saturated (sigmoid/tanh), and the boolean ``mask``."""

    node: str
    kind: str
    units: int
    count: int
    mask: np.ndarray

    @property
    def word(self) -> str:
        return "dead" if self.kind == "relu" else "saturated"


def _kind(n) -> str | None:
    if n.op == "relu" or (n.op in ("maximum", "max") and len(n.inputs) == 1 and n.label.startswith("max")):
        return "relu"
    if n.op in ("sigmoid", "tanh"):
        return n.op
    return None


def _per_unit(a: np.ndarray, test) -> np.ndarray:
    """``test`` holds for every example (axis 0) of a batch; a 0-d/1-d value is one example."""
    a = np.asarray(a, dtype=float)
    hit = test(a)
    return hit if a.ndim <= 1 else np.all(hit, axis=0)


def unit_health(graph) -> dict:
    """``{node id: UnitHealth}`` for every ReLU, sigmoid and tanh gate with values.

    >>> unit_health(viz.as_graph(gg.sigmoid(gg.Value(np.array([[9.0, 0.0]]), requires_grad=True))))["n1"].count
    1
    """
    out = {}
    for n in graph.nodes:
        kind = _kind(n)
        if kind is None or n.value is None:
            continue
        if kind == "relu":
            pre = graph.node(n.inputs[0]).value
            if pre is None:
                continue
            mask = _per_unit(pre, lambda a: a <= 0)
        elif kind == "sigmoid":
            mask = _per_unit(n.value, lambda a: (a < 0.01) | (a > 0.99))
        else:
            mask = _per_unit(n.value, lambda a: np.abs(a) > 0.99)
        mask = np.atleast_1d(mask)
        out[n.id] = UnitHealth(n.id, kind, int(mask.size), int(mask.sum()), mask)
    return out


def layer_counts(graph) -> list:
    """Per activation layer: ``(layer name, kind, count, units)``, the layer named by the
    activation's innermost group (``"ReLU#5"``) or, without groups, by its node id.

    >>> layer_counts(viz.as_graph(gg.relu(gg.Value(np.array([[-1.0, 2.0]]), requires_grad=True))))
    [('n1', 'relu', 1, 2)]
    """
    rows = []
    for nid, u in unit_health(graph).items():
        n = graph.node(nid)
        name = f"{n.group[-1][0]}#{n.group[-1][1]}" if n.group else nid
        rows.append((name, u.kind, u.count, u.units))
    return rows


def magnitude(n, flow: str) -> float | None:
    """mean |grad| (``flow="grad"``) or mean |grad| / mean |value| (``"ratio"``) of a node."""
    if n.grad is None:
        return None
    g = float(np.mean(np.abs(np.asarray(n.grad, dtype=float))))
    if flow == "grad":
        return g
    v = None if n.value is None else float(np.mean(np.abs(np.asarray(n.value, dtype=float))))
    return None if not v else g / v


def colour_of(m: float | None, lo: float, hi: float) -> str:
    """The ramp colour of ``m`` on a log scale between ``lo`` and ``hi``.

    >>> colour_of(1.0, 1e-3, 1.0), colour_of(None, 0, 1)
    ('#b71c1c', '#eceff1')
    """
    if m is None or not math.isfinite(m) or m <= 0:
        return "#eceff1"
    if hi <= lo:
        return RAMP[-1]
    t = (math.log10(m) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
    return RAMP[min(len(RAMP) - 1, max(0, int(round(t * (len(RAMP) - 1)))))]


def styles(circuit, flow: str) -> dict:
    """What the DOT writer changes for the overlay: ``{"wire": {wire id: (colour, width)},
    "gate": {gate id: (fill colour, border colour or None, note or "")}}``."""
    g = circuit.graph
    mags = {n.id: magnitude(n, flow) for n in g.nodes}
    pos = [m for m in mags.values() if m is not None and math.isfinite(m) and m > 0]
    lo, hi = (min(pos), max(pos)) if pos else (1.0, 1.0)
    health = unit_health(g)
    wire = {}
    for w in circuit.wires:
        m = mags.get(w.node.id)
        t = 0.0 if m is None or not pos or hi <= lo or m <= 0 else \
            (math.log10(m) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
        wire[w.id] = (colour_of(m, lo, hi), 1.0 + 2.5 * max(0.0, min(1.0, t)))
    gate = {}
    for gt in circuit.gates:
        members = gt.members if gt.collapsed else [gt.node]
        units = [health[n.id] for n in members if n is not None and n.id in health]
        m = mags.get(gt.node.id) if gt.node is not None else _box_magnitude(members, mags)
        note, border = "", None
        if units:
            parts = []
            for word in ("dead", "saturated"):
                us = [u for u in units if u.word == word]
                if us:
                    parts.append(f"{word} {sum(u.count for u in us)}/{sum(u.units for u in us)}")
            note = " · ".join(parts)
            if any(u.count for u in units if u.kind == "relu"):
                border = DEAD_COLOR
            elif any(u.count for u in units):
                border = SAT_COLOR
        gate[gt.id] = (colour_of(m, lo, hi), border, note)
    return {"wire": wire, "gate": gate, "range": (lo, hi)}


def _box_magnitude(members, mags):
    vals = [mags.get(n.id) for n in members if n is not None and mags.get(n.id) is not None]
    return max(vals) if vals else None


def restyle_gate(stmt: str, fill: str, border: str | None, note: str) -> str:
    """A gate's DOT statement with the overlay's fill, border and note (the count line)."""
    import re
    stmt = re.sub(r'fillcolor="[^"]*"', f'fillcolor="{fill}"', stmt, count=1)
    if border:
        stmt = re.sub(r'\bcolor="[^"]*"', f'color="{border}"', stmt, count=1) if ' color="' in stmt else \
            stmt.replace(" id=", f' color="{border}" penwidth=2.4 id=', 1)
    if note:
        text = f'<FONT POINT-SIZE="10" COLOR="#212121">{note}</FONT>'   # the border carries the alarm colour
        if "shape=circle" in stmt:          # a small fixed circle: the count goes beside it
            stmt = stmt.replace(" label=<", f" xlabel=<{text}> label=<", 1)
        else:
            i = stmt.rfind(">];")
            stmt = stmt[:i] + "<BR/>" + text + stmt[i:]
    return stmt

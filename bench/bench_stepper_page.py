"""Stepper page size and generation time for 100, 1,000 and 3,000-node graphs.

    .venv/bin/python bench/bench_stepper_page.py            # one line per graph size
    .venv/bin/python bench/bench_stepper_page.py 100 1000   # only these sizes

Measured here, never in unit tests. The graph is a scalar chain with a fan-out every
few gates (``y = tanh(y * w_i + y)``), so frames carry partial sums as well as finished
gradients; "nodes" counts the drawn nodes (wires + gates). Layout (graphviz-pure) is
timed apart from building the page, since it is the same for every front end. The goal
(issue 13): at most 2 MiB for 1,000 nodes, growing linearly.
"""
from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import graphgrad as gg  # noqa: E402
from graphgrad import viz  # noqa: E402


def chain(nodes: int):
    """A scalar graph drawing about ``nodes`` nodes (each step adds 3 gates and 4 wires)."""
    y = gg.Value(0.5, requires_grad=True, name="x")
    k = 0
    while True:
        w = gg.Value(0.1 + 0.001 * k, requires_grad=True, name=f"w{k}")
        y = (y * w + y).tanh()
        k += 1
        if 2 + 7 * k >= nodes:
            break
    return y.backward(trace=True)


def run(n: int) -> None:
    trace = chain(n)
    st = viz.Stepper(trace, max_nodes=None)
    drawn = len(st.circuit.wires) + len(st.circuit.gates)
    t0 = time.perf_counter()
    st.base_svg()
    layout = time.perf_counter() - t0
    t0 = time.perf_counter()
    html = st.to_html()
    build = time.perf_counter() - t0
    size = len(html.encode("utf-8"))
    svg = len(st.base_svg().encode("utf-8"))
    print(f"{drawn:5d} nodes, {len(st):5d} frames: page {size / 2**20:7.2f} MiB "
          f"(svg {svg / 2**20:5.2f} MiB, frames {(size - svg) / 2**20:5.2f} MiB), "
          f"layout {layout:6.2f} s, page built in {build:5.2f} s", flush=True)


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 3000]
    for n in sizes:
        run(n)

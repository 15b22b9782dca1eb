"""Frame export time: the sigmoid neuron and an 8-layer MLP, every slide format; and
the deck exports on chains of 100 to 1,000 nodes (each export must grow linearly with
the number of steps: a chain of n nodes has about n/2 + 1 frames).

    .venv/bin/python bench/bench_slides.py            # prints one line per (graph, format)
    .venv/bin/python bench/bench_slides.py chains 100 200 400 1000

Measured here, never in unit tests. Each export runs once on a fresh Stepper (layout
included), so the numbers are what `graphgrad slides` costs end to end.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import numpy as np  # noqa: E402

import graphgrad as gg  # noqa: E402
import graphgrad.nn as nn  # noqa: E402
from graphgrad import viz  # noqa: E402


def neuron():
    p = {n: gg.Value(v, requires_grad=True, name=n)
         for n, v in dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0).items()}
    with gg.group("sigmoid"):
        f = 1 / (1 + (-1 * (p["w0"] * p["x0"] + p["w1"] * p["x1"] + p["w2"])).exp())
    return f.backward(trace=True)


def mlp8(width=4):
    rng = np.random.default_rng(0)
    layers = []
    for _ in range(8):
        layers += [nn.Linear(width, width), nn.Tanh()]
    net = nn.Sequential(*layers)
    x = gg.Value(rng.standard_normal((2, width)), name="x")
    loss = (net(x) ** 2).mean()
    return loss.backward(trace=True)


def run(name, make):
    st = viz.Stepper(make())
    with tempfile.TemporaryDirectory() as d:
        jobs = [("svg files", lambda: st.save_frames(os.path.join(d, "s"), format="svg")),
                ("png files", lambda: st.save_frames(os.path.join(d, "p"), format="png", scale=2)),
                ("pdf files", lambda: st.save_frames(os.path.join(d, "q"), format="pdf")),
                ("multi-page pdf", lambda: st.to_pdf(os.path.join(d, "a.pdf"))),
                ("gif", lambda: st.save_animation(os.path.join(d, "a.gif"))),
                ("beamer tex", lambda: st.to_beamer(os.path.join(d, "a_beamer.tex")))]
        t0 = time.perf_counter()
        st.base_svg()
        print(f"{name}: {len(st)} frames, {len(st.circuit.wires) + len(st.circuit.gates)} nodes, "
              f"layout {time.perf_counter() - t0:.2f} s")
        for what, job in jobs:
            t0 = time.perf_counter()
            job()
            dt = time.perf_counter() - t0
            print(f"  {what:15s} {dt:6.2f} s  ({1000 * dt / len(st):6.1f} ms/frame)")


def chain(n):
    """A chain of about n drawn nodes: y = y * 1.001 + 0.1, n/4 times (4 nodes each)."""
    x = gg.Value(0.5, requires_grad=True, name="x")
    y = x
    for _ in range(max(1, n // 4)):
        y = y * 1.001 + 0.1
    return y.backward(trace=True)


def chains(sizes):
    """to_pdf, save_frames (png) and save_animation (gif, cap lifted) per chain size."""
    print("| nodes | frames | to_pdf s | save_frames png s | save_animation gif s | ms/frame (pdf, png, gif) |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        st = viz.Stepper(chain(n))
        nodes = len(st.circuit.wires) + len(st.circuit.gates)
        with tempfile.TemporaryDirectory() as d:
            times = []
            for job in (lambda: st.to_pdf(os.path.join(d, "a.pdf")),
                        lambda: st.save_frames(os.path.join(d, "p"), format="png"),
                        lambda: st.save_animation(os.path.join(d, "a.gif"), max_frames=None)):
                t0 = time.perf_counter()
                job()
                times.append(time.perf_counter() - t0)
        per = ", ".join(f"{1000 * t / len(st):.0f}" for t in times)
        print(f"| {nodes} | {len(st)} | {times[0]:.1f} | {times[1]:.1f} | {times[2]:.1f} | {per} |", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["chains"]:
        chains([int(a) for a in sys.argv[2:]] or [100, 200, 400, 1000])
    else:
        run("sigmoid neuron", neuron)
        run("8-layer MLP (Linear 4x4 + Tanh)", mlp8)

"""The stepper page stores frames as changes (issue 13): replaying them gives every frame
back, and the stored frames grow linearly with the graph."""
import json
import xml.etree.ElementTree as ET

import graphgrad as gg
import viz
from viz.stepper_html import frame_changes, frame_states, replay

from test_viz_helpers import SVG_NS, example


def _steppers():
    s = example("02_neuron.py")
    a = example("01_add_mul.py")
    t = example("03_staged.py")
    yield viz.Stepper(s.trace_for(s.namespace["f"]))
    yield viz.Stepper(s.trace_for(s.namespace["f"]), local=True, forward=True)
    yield viz.Stepper(s.trace_for(s.namespace["f"]), collapse="sigmoid", local=True)
    yield viz.Stepper(a.trace_for(a.namespace["f"]), fmt="g", forward=True)
    yield viz.Stepper(t.trace_for(t.namespace["f"]))                 # fan-outs: partial sums


def test_replayed_changes_give_every_frame_back():
    for st in _steppers():
        full = list(frame_states(st))
        assert replay(frame_changes(st)) == full
        # and the full states agree with frames_json (what Python users read)
        for state, fj in zip(full, st.frames_json()):
            assert state["g"] == fj["grads"]


def test_a_frame_stores_only_what_changed():
    s = example("02_neuron.py")
    st = viz.Stepper(s.trace_for(s.namespace["f"]))
    ch = frame_changes(st)
    for f, c in zip(list(st)[1:], ch[1:]):
        assert set(c["d"].get("g", {})) == set(f.fresh)      # one gate's inputs, not every wire


def chain(n):
    y = gg.Value(0.5, requires_grad=True, name="x")
    for k in range(n):
        y = (y * gg.Value(0.1 + 0.001 * k, requires_grad=True, name=f"w{k}") + y).tanh()
    return y.backward(trace=True)


def test_stored_frames_grow_linearly():
    small = len(json.dumps(frame_changes(viz.Stepper(chain(50), max_nodes=None))))
    big = len(json.dumps(frame_changes(viz.Stepper(chain(200), max_nodes=None))))
    # 4× the graph: 4× the bytes (names grow a digit); full copies per frame gave ~16×
    assert big < 5 * small, (small, big)


def _visible(svg, color):
    """Visible texts of ``color`` on edges (a group's frame label is blue too)."""
    root = ET.fromstring(svg.encode())
    return sorted((t.text or "") for g in root.iter(SVG_NS + "g") if g.get("class") == "edge"
                  for t in g.iter(SVG_NS + "text")
                  if t.get("fill") == color and t.get("fill-opacity") != "0")


def test_local_stepper_writes_each_gates_local_gradient_when_it_runs():
    s = example("02_neuron.py")
    st = viz.Stepper(s.trace_for(s.namespace["f"]), local=True)
    plain = viz.Stepper(s.trace_for(s.namespace["f"]))
    assert len(st) == len(plain) and [f.heading for f in st] == [f.heading for f in plain]
    assert "local" in st.dot() and "local" not in plain.dot()
    blue = [len(_visible(st.frame_svg(k), "#1565c0")) for k in range(len(st))]
    assert blue[0] == 0 and all(a <= b for a, b in zip(blue, blue[1:]))
    assert blue[1] > 0 and blue[-1] == len(_visible(st.frame_svg(-1), "#1565c0"))
    # the last frame writes what the static diagram writes
    from viz.render import run_dot
    want = _visible(run_dot(viz.to_dot(s.namespace["f"], local=True)).decode(), "#1565c0")
    assert len(want) >= 8
    assert _visible(st.frame_svg(len(st) - 1), "#1565c0") == want
    # the gate running in frame 1 (1/x) gets its own edge's label, nobody else's
    f1 = st[1]
    edge = [e for e in f1.edges if e.endswith("_" + f1.node_id)]
    assert st.local_edges(1) == set(f1.edges) and edge

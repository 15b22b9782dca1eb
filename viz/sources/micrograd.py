"""micrograd's adapter: a ``micrograd.engine.Value`` (or the lecture notebook's ``Value``)
-> :class:`GraphData`, and its backward pass, replayed, -> :class:`TraceData`.

micrograd keeps less than a diagram needs, so three things are recovered here:

* **input order.** ``_prev`` is a set: it loses the order of ``a * b`` and the second
  edge of ``x * x``. The ``_backward`` closure still holds ``self`` and ``other`` (both
  micrograd versions name them so), which gives the exact order and the repeated input;
  where it cannot be read, the inputs are checked against ``_op`` and the data
  (``x * x`` is a one-element ``_prev`` under ``*``) and ordered by a fixed rule.
* **per-edge gradients.** ``.grad`` is the total per node; the gradient each gate sends
  to each input comes from a local-derivative table keyed by ``_op`` (``+``, ``*``,
  ``**k``, ``ReLU``, and the lecture version's ``tanh``, ``exp``).
* **groups.** Values carry no module; pass ``model=`` (an ``nn.MLP``, ``Layer`` or
  ``Neuron``) and each neuron call, layer call and network call becomes a group.

The stepper's trace is a replay: the topological order is rebuilt as micrograd's
``backward()`` builds it (post-order, inputs in order), and each step is computed from
the table. The user's ``.grad`` values are never touched.

>>> from micrograd.engine import Value
>>> x = Value(3.0); y = x * x + 1; y.backward()
>>> g = as_graph(y)
>>> [(n.label, n.inputs) for n in g.nodes][:3]
[('', ()), ('*', ('n0', 'n0')), ('', ())]
>>> g.node("n0").grad
6.0
"""
from __future__ import annotations

import math

from ..graphdata import GraphData, Node, StepData, TraceData, number_groups
from ._walk import topo_order

OPS = {"+": "add", "*": "mul", "ReLU": "relu", "tanh": "tanh", "exp": "exp"}
KNOWN = "+, *, **k, ReLU, tanh, exp"


def is_node(obj) -> bool:
    """A micrograd-style Value: has ``_prev``, ``_op``, ``data`` and ``grad``."""
    return not isinstance(obj, type) and all(hasattr(obj, a) for a in ("_prev", "_op", "data", "grad"))


def _closure_inputs(v):
    fn = getattr(v, "_backward", None)
    code, cells = getattr(fn, "__code__", None), getattr(fn, "__closure__", None)
    if code is None or not cells:
        return None
    env = {}
    for name, cell in zip(code.co_freevars, cells):
        try:
            env[name] = cell.cell_contents
        except ValueError:           # an empty cell
            pass
    me, other = env.get("self"), env.get("other")
    if me is None or not hasattr(me, "_prev"):
        return None
    return (me, other) if other is not None and hasattr(other, "_prev") else (me,)


def _key(p):
    # the fallback order when nothing else tells: computed values before leaves, then by
    # label and data (never id() or set order, which change from run to run)
    return (not p._prev, str(getattr(p, "label", "") or ""), float(p.data))


def inputs_of(v) -> tuple:
    """``v``'s inputs in argument order, a repeated input repeated (``x*x`` gives ``(x, x)``).

    >>> from micrograd.engine import Value
    >>> a = Value(2.0); b = Value(5.0); c = b * a
    >>> [p.data for p in inputs_of(c)], len(inputs_of(a * a))
    ([5.0, 2.0], 2)
    """
    prev = v._prev
    if not prev:
        return ()
    got = _closure_inputs(v)
    if got is not None and {id(p) for p in got} == {id(p) for p in prev}:
        op = v._op
        if op in ("+", "*") and len(got) == 1:
            got = (got[0], got[0])
        return got
    ins = sorted(prev, key=_key)
    if v._op in ("+", "*") and len(ins) == 1:
        return (ins[0], ins[0])          # x + x, x * x: micrograd's set keeps one element
    if v._op in ("+", "*") and len(ins) == 2:
        a, b = float(ins[0].data), float(ins[1].data)
        want = a + b if v._op == "+" else a * b
        if not math.isclose(want, float(v.data), rel_tol=1e-9, abs_tol=1e-12):
            raise ValueError(f"micrograd adapter: a {v._op!r} node's data {v.data!r} is not "
                             f"{ins[0].data!r} {v._op} {ins[1].data!r}; its inputs cannot be read")
    return tuple(ins)


def _exponent(op):
    try:
        return float(op[2:])
    except ValueError:
        return None


def local_rule(v, ins):
    """(local derivatives, formulas) of gate ``v`` per input, or (None, formulas) for an
    op the table does not know.

    >>> from micrograd.engine import Value
    >>> a = Value(3.0); p = a ** 2
    >>> local_rule(p, (a,))
    ((6.0,), ('d(x^2)/dx = 2·x^(2-1)',))
    """
    op = v._op
    d = [float(p.data) for p in ins]
    out = float(v.data)
    if op == "+":
        return tuple(1.0 for _ in ins), ("d(x+y)/dx = 1", "d(x+y)/dy = 1")[:len(ins)]
    if op == "*" and len(ins) == 2:
        return (d[1], d[0]), ("d(x*y)/dx = y", "d(x*y)/dy = x")
    if op.startswith("**") and len(ins) == 1:
        k = _exponent(op)
        if k is not None:
            ks = op[2:]
            return (k * d[0] ** (k - 1),), (f"d(x^{ks})/dx = {ks}·x^({ks}-1)",)
    if op == "ReLU":
        return (1.0 if out > 0 else 0.0,), ("d relu(x)/dx = 1 if x > 0 else 0",)
    if op == "tanh":
        return (1.0 - out * out,), ("d tanh(x)/dx = 1 - tanh(x)²",)
    if op == "exp":
        return (out,), ("d(e^x)/dx = e^x",)
    return None, tuple(f"d {op}/dx{i}" for i in range(len(ins)))


def _check(root, who):
    if not is_node(root):
        raise TypeError(f"{who}: expected a micrograd Value, got {type(root).__name__}")


def _forward(v, ins):
    """Gate ``v``'s data recomputed from its inputs' data now, or None for an op not in the table."""
    op, d = v._op, [float(p.data) for p in ins]
    try:
        if op == "+":
            return sum(d)
        if op == "*":
            return d[0] * d[1] if len(d) == 2 else d[0] * d[0]
        if op.startswith("**") and len(d) == 1:
            k = _exponent(op)
            return None if k is None else d[0] ** k
        if op == "ReLU":
            return 0.0 if d[0] < 0 else d[0]
        if op == "tanh":
            return math.tanh(d[0])
        if op == "exp":
            return math.exp(d[0])
    except (OverflowError, ValueError, ZeroDivisionError):
        return None
    return None


def _refuse_stale(order, ins, names, who):
    """A Value whose data changed after the forward pass (``p.data -= lr * p.grad`` before
    drawing) would be replayed from the new data: gradients micrograd never computed. The first
    gate whose data no longer follows from its inputs names the Value that changed."""
    for v in order:
        if not ins[id(v)]:
            continue
        now = _forward(v, ins[id(v)])
        if now is None or not math.isfinite(now):
            continue
        if abs(now - float(v.data)) > 1e-9 * max(1.0, abs(now), abs(float(v.data))):
            moved = [p for p in ins[id(v)] if not ins[id(p)]] or list(ins[id(v)])
            p = moved[0]
            name = getattr(p, "label", None) or (names.get(id(p)) if names else None)
            what = f"Value {name!r}" if name else f"a Value (now data={float(p.data):g})"
            raise ValueError(f"{who}: the data of {what} changed after the forward pass (its {v._op!r} "
                             f"gate computed {float(v.data):g} from other data), so the drawn gradients "
                             "would not be micrograd's; draw before the update (p.data -= lr * p.grad) "
                             "or run the forward pass again")


def _replay(order, ins, root):
    """This pass's gradients (id -> float) replayed from the table, or None for an unknown op."""
    grads = {id(root): 1.0}
    for v in reversed(order):
        if not ins[id(v)]:
            continue
        local, _ = local_rule(v, ins[id(v)])
        if local is None:
            return None
        up = grads.get(id(v), 0.0)
        for p, lo in zip(ins[id(v)], local):
            grads[id(p)] = grads.get(id(p), 0.0) + up * lo
    return grads


def _walk(root):
    ins = {}

    def cached(v):                        # each node's inputs are read once
        got = ins.get(id(v))
        if got is None:
            got = ins[id(v)] = inputs_of(v)
        return got
    order = topo_order(root, cached)
    return order, ins


def as_graph(value, model=None, names=None, _grads=None, **_opts) -> GraphData:
    """The graph that computed ``value`` as plain data.

    Gradients are drawn once ``backward()`` has run (the root's ``grad`` is no longer 0);
    before that they are None ("not computed yet"), not micrograd's placeholder zeros.
    ``model``: a micrograd ``MLP``/``Layer``/``Neuron`` whose calls become groups.
    ``names``: ``{id(value): name}`` for Values without a ``label``.
    """
    _check(value, "viz")
    order, ins = _walk(value)
    _refuse_stale(order, ins, names, "viz")
    nid = {id(v): f"n{i}" for i, v in enumerate(order)}
    this_pass = None
    if _grads is not None:
        grad_of = lambda v: _grads.get(id(v), 0.0)          # noqa: E731
        this_pass = _grads
    elif float(value.grad) != 0.0:
        this_pass = _replay(order, ins, value)
        if this_pass is None:                               # an op the table lacks: .grad as it is
            grad_of = lambda v: float(v.grad)               # noqa: E731
        else:
            grad_of = lambda v: this_pass.get(id(v), 0.0)   # noqa: E731
    else:
        grad_of = lambda v: None                            # noqa: E731
    groups = _groups(order, ins, model) if model is not None else {}
    raw = [groups.get(id(v), ()) for v in order]
    numbered = number_groups(raw)
    nodes = []
    for i, v in enumerate(order):
        name = getattr(v, "label", None) or (names.get(id(v)) if names else None)
        meta = {}
        if this_pass is not None and float(value.grad) != 0.0 and not _same(float(v.grad), this_pass.get(id(v), 0.0)):
            # several backward() calls without zero_grad: .grad is their sum, not this pass
            meta["grad_note"] = "this pass; .grad holds more (accumulated over passes)"
            meta["grad_attr"] = float(v.grad)
        if not ins[id(v)]:
            meta["source_op"] = v._op
            nodes.append(Node(id=nid[id(v)], label=name or "", op="leaf", value=float(v.data),
                              grad=grad_of(v), name=name, meta=meta))
            continue
        op = v._op
        local, formulas = local_rule(v, ins[id(v)])
        nodes.append(Node(id=nid[id(v)], label=op, op=OPS.get(op, "pow" if op.startswith("**") else op),
                          inputs=tuple(nid[id(p)] for p in ins[id(v)]), value=float(v.data),
                          grad=grad_of(v), name=name, group=numbered[i], local=local,
                          formulas=formulas, meta=meta))
    return GraphData(nodes=tuple(nodes), root=nid[id(value)], source="micrograd", lookup=nid)


def _same(a, b) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def as_trace(value, who: str = "viz", model=None, names=None, **_opts) -> TraceData:
    """micrograd's backward pass from ``value``, replayed step by step (seed 1, then the
    gates in the order ``backward()`` runs them); the Values' ``.grad`` stay as they are.

    >>> from micrograd.engine import Value
    >>> a = Value(2.0); b = Value(-3.0); c = a * b + a
    >>> t = as_trace(c)
    >>> [(t.graph.node(s.node).label, s.downstream) for s in t]
    [('+', (1.0, 1.0)), ('*', (-3.0, 2.0))]
    """
    _check(value, who)
    order, ins = _walk(value)
    _refuse_stale(order, ins, names, who)
    grads = {id(value): 1.0}
    raw = []
    for v in reversed(order):             # micrograd: for v in reversed(topo): v._backward()
        if not ins[id(v)]:
            continue
        local, formulas = local_rule(v, ins[id(v)])
        if local is None:
            raise ValueError(f"{who}: micrograd op {v._op!r} has no local-derivative rule in viz, so "
                             f"its backward step cannot be replayed (known: {KNOWN}); draw it with "
                             "viz.Diagram instead")
        up = grads.get(id(v), 0.0)
        down = tuple(up * lo for lo in local)
        for p, d in zip(ins[id(v)], down):
            grads[id(p)] = grads.get(id(p), 0.0) + d
        raw.append((v, up, down, local, formulas))
    g = as_graph(value, model=model, names=names, _grads=grads)
    steps = tuple(StepData(index=k, node=g.lookup[id(v)], upstream=up, downstream=down, local=local,
                           formulas=formulas) for k, (v, up, down, local, formulas) in enumerate(raw))
    return TraceData(graph=g, steps=steps)


# ---------------------------------------------------------------- groups from a model
def _structure(model):
    """(network name or None, [(layer name or None, [neurons])])."""
    if hasattr(model, "layers"):
        return type(model).__name__, [(type(l).__name__, list(l.neurons)) for l in model.layers]
    if hasattr(model, "neurons"):
        return None, [(type(model).__name__, list(model.neurons))]
    if hasattr(model, "w") and hasattr(model, "b"):
        return None, [(None, [model])]
    raise TypeError(f"micrograd adapter: model= must be a micrograd MLP, Layer or Neuron (with "
                    f".layers, .neurons or .w/.b), got {type(model).__name__}")


def _groups(order, ins, model) -> dict:
    """id(gate Value) -> raw group path, from the calls of ``model``'s neurons in the graph.

    A neuron call is micrograd's ``sum((wi*xi for ...), b)`` (optionally ``.relu()``): a
    chain of ``+`` gates starting at ``b``, each adding a ``*`` gate that reads the next
    weight. Neuron calls of one layer that read the same inputs are one layer call; layer
    calls whose inputs are the previous layer call's outputs are one network call.
    """
    net, layers = _structure(model)
    consumers: dict = {}
    for v in order:
        for p in ins[id(v)]:
            lst = consumers.setdefault(id(p), [])
            if not lst or lst[-1] is not v:
                lst.append(v)

    path: dict = {}
    layer_calls = []              # per layer: {xs ids: (key, outs)}
    for li, (lname, neurons) in enumerate(layers):
        calls: dict = {}
        for ni, n in enumerate(neurons):
            w = list(n.w)
            if not w:
                continue
            # every call of this neuron starts at one of b's '+' consumers (b + w0*x0)
            cands = [c for c in consumers.get(id(n.b), ()) if c._op == "+" and ins[id(c)][0] is n.b]
            for start in cands:
                cur, members, xs = n.b, [], []
                ok = True
                for k, wk in enumerate(w):
                    nxt = None
                    for c in ([start] if k == 0 else consumers.get(id(cur), ())):
                        ci = ins[id(c)]
                        if c._op == "+" and len(ci) == 2 and ci[0] is cur:
                            m = ci[1]
                            mi = ins.get(id(m), ())
                            if m._op == "*" and len(mi) == 2 and mi[0] is wk:
                                nxt = (c, m, mi[1])
                                break
                    if nxt is None:
                        ok = False
                        break
                    cur = nxt[0]
                    members += [nxt[1], nxt[0]]
                    x = nxt[2]
                    # a float input is wrapped in a fresh Value by every neuron's w*x, so
                    # such a leaf is told by its number; any other input by its identity
                    single = not ins[id(x)] and len(consumers.get(id(x), ())) == 1
                    xs.append(("data", float(x.data)) if single else id(x))
                if not ok:
                    continue
                out = cur
                if getattr(n, "nonlin", False):
                    relu = [c for c in consumers.get(id(cur), ()) if c._op == "ReLU"]
                    if relu:
                        out = relu[0]
                        members.append(out)
                key, dup = tuple(xs), 0
                while ni in calls.get(key, {}).get("neurons", {}):
                    dup += 1                 # the same inputs twice: a second layer call
                    key = (tuple(xs), dup)
                entry = calls.setdefault(key, {"neurons": {}, "xs": tuple(xs)})
                entry["neurons"][ni] = (members, out)
        layer_calls.append(calls)

    # network calls: chain layer calls whose inputs are the previous call's outputs
    net_of: dict = {}
    if net is not None:
        outs_index = []
        for calls in layer_calls:
            idx = {}
            for key, e in calls.items():
                outs = tuple(id(e["neurons"][i][1]) for i in sorted(e["neurons"]))
                idx[outs] = key
            outs_index.append(idx)
        for li, calls in enumerate(layer_calls):
            for key, e in calls.items():
                if li == 0:
                    net_of[(0, key)] = ("net", key)
                else:
                    prev = outs_index[li - 1].get(e["xs"])
                    if prev is not None and (li - 1, prev) in net_of:
                        net_of[(li, key)] = net_of[(li - 1, prev)]
    for li, calls in enumerate(layer_calls):
        lname = layers[li][0]
        for key, e in calls.items():
            top = ((net, net_of[(li, key)]),) if (li, key) in net_of else ()
            mid = ((lname, ("layer", li, key)),) if lname is not None else ()
            for ni, (members, _out) in e["neurons"].items():
                p = top + mid + ((type(layers[li][1][ni]).__name__, ("neuron", li, ni, key)),)
                for m in members:
                    path.setdefault(id(m), p)
    return path

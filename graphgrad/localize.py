"""Gradcheck gate by gate: which op's backward is wrong, in the order of the forward pass.

When ``gradcheck`` of a whole function fails it knows only that some input's gradient
differs. The recorded graph knows more: every gate (one applied op) saw concrete inputs
and an upstream gradient, so each can be checked on its own -- its backward (the
vector-Jacobian product) against central differences of its forward, at those inputs,
in float64. :func:`check_gates` does that and returns a :class:`GateReport`: plain data
(names, numbers, source lines and the gate's output Value) that ``gradcheck`` prints and
``viz`` draws (the engine never imports viz).

A gate whose backward passes but whose ``local()`` (the numbers diagrams show as
``upstream × local = downstream``) disagrees with it is reported too.

>>> import numpy as np, graphgrad as gg
>>> class Twice(gg.Op):
...     name = symbol = "twice"
...     def forward(self, a):
...         return 2 * a, None
...     def backward(self, ctx, g):
...         return (3 * g,)                    # wrong on purpose: d(2a)/da is 2
>>> x = gg.Value(np.array([1.0, -2.0]), requires_grad=True, name="x")
>>> report = check_gates(lambda x: gg.apply(Twice(), x.tanh()).sum(), x)
>>> [(f.op, f.input, f.kind) for f in report.failures]
[('twice', 0, 'backward')]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .errors import AnomalyError
from .ops.base import as_data, data_of, unbroadcast

#: an input with at most this many entries is checked entry by entry; a larger one at
#: ``SAMPLED`` random entries plus one random direction (which catches a wrong gradient
#: anywhere in the input, with probability 1)
EVERY_ENTRY = 256
SAMPLED = 64


@dataclass(frozen=True)
class GateFailure:
    """One gate input whose gradient is wrong (or whose display disagrees with it).

    * ``position``: the gate's place in the forward pass (0 = the first op that ran).
    * ``op`` / ``label``: the op's name and its gate text (``"wrong_sigmoid"``, ``"σ?"``).
    * ``group``: the group path (module names, outermost first), ``()`` outside any group.
    * ``input``: which argument of the op (0, 1, ...); ``input_name`` its Value's name.
    * ``kind``: ``"backward"`` (its VJP differs from central differences of its forward),
      ``"kink"`` (it differs only where the forward has a kink: a non-differentiable point,
      not a wrong backward) or ``"local"`` (backward is right but ``local()`` disagrees).
    * ``site``: the user's source line that created the gate (None if unknown).
    * ``worst``: up to 5 rows ``(index, backward, expected, rel. error)``, worst first.
    * ``bad`` / ``checked``: how many checked entries differ, of how many.
    * ``node``: the gate's output (a graphgrad Value; another source's own handle);
      ``upstream``, ``expected`` and ``actual``: the upstream gradient and the gradient
      for this input that the check expected and that backward sent (arrays, or None
      where only some entries were checked).
    """

    position: int
    op: str
    label: str
    group: tuple
    input: int
    kind: str
    worst: tuple
    bad: int
    checked: int
    site: str | None = None
    input_name: str | None = None
    node: Any = field(default=None, compare=False, repr=False)
    upstream: Any = field(default=None, compare=False, repr=False)
    expected: Any = field(default=None, compare=False, repr=False)
    actual: Any = field(default=None, compare=False, repr=False)

    @property
    def where(self) -> str:
        """``op`` with its group path, e.g. ``"Layer2/wrong_sigmoid"``."""
        return "/".join(list(self.group) + [self.op])

    def describe(self) -> str:
        """Two lines: what is wrong at which gate, and where it was created."""
        what = {"backward": "backward differs from central differences of its forward",
                "kink": "differs only at a kink of its forward (a non-differentiable point, "
                        "not a wrong backward: move the input away from it)",
                "local": "local() disagrees with backward (diagrams would show the wrong "
                         "upstream × local product)"}[self.kind]
        name = f" ({self.input_name})" if self.input_name else ""
        ix, an, ex, err = self.worst[0]
        first = (f"  gate #{self.position} {self.where} input {self.input}{name}: {what}; "
                 f"{self.bad} of {self.checked} entries, worst at {_ix(ix)}: "
                 f"{'backward' if self.kind != 'local' else 'local product'} {ex if self.kind == 'local' else an:.6g}"
                 f" vs {'backward' if self.kind == 'local' else 'numeric'} {an if self.kind == 'local' else ex:.6g}"
                 f" (rel. error {err:.1e})")
        return first + f"\n      created at {self.site or '<unknown>'}"


@dataclass(frozen=True)
class Unchecked:
    """A gate that could not be checked on its own, and why (``reason``)."""

    position: int
    op: str
    group: tuple
    reason: str
    site: str | None = None


@dataclass(frozen=True)
class GateReport:
    """What :func:`check_gates` found: ``failures`` in forward order (empty when every gate
    passes), how many ``gates`` were checked, and the function's output ``output`` (the
    graph a view draws). ``str(report)`` is the text gradcheck prints.

    >>> GateReport(failures=(), gates=3).ok
    True
    """

    failures: tuple
    gates: int
    output: Any = field(default=None, compare=False, repr=False)
    source: str = "graphgrad"
    unchecked: tuple = ()

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def wrong(self) -> tuple:
        """The failures that are wrong gradients (kind ``"backward"``), not kinks or display."""
        return tuple(f for f in self.failures if f.kind == "backward")

    def __str__(self) -> str:
        skipped = [f"  gate #{u.position} {'/'.join(list(u.group) + [u.op])} was not checked: {u.reason}"
                   for u in self.unchecked]
        if not self.failures:
            if skipped:
                return "\n".join([f"no gate fails on its own, but {len(skipped)} of the {self.gates} gates "
                                  "could not be checked (the difference may come from one of them):"] + skipped)
            return (f"each of the {self.gates} gates passes on its own (backward against central "
                    "differences of its forward, float64): the difference comes from outside the "
                    "recorded graph (numpy on .data or .numpy(), detach(), randomness in fn, or a "
                    "non-differentiable point)")
        head = (f"{len(self.failures)} gate input(s) of {self.gates} gates fail on their own "
                "(backward against central differences of its forward, float64), in forward order:")
        return "\n".join([head] + [f.describe() for f in self.failures] + skipped)


def _ix(ix) -> str:
    return ix if isinstance(ix, str) else str(tuple(int(i) for i in ix))


def _topological(root) -> list:
    """The gates ``root`` depends on, inputs first, in the order the forward pass ran them
    (an iterative walk; each gate once)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        v, done = stack.pop()
        if done:
            order.append(v)
            continue
        if id(v) in seen or v.op is None:
            continue
        seen.add(id(v))
        stack.append((v, True))
        for p in reversed(v.inputs):
            if id(p) not in seen and p.op is not None:
                stack.append((p, False))
    return order


def _run(fn, values):
    """``fn(*values)`` with creation sites recorded (anomaly mode), or without them if the
    function makes a NaN/Inf on purpose (anomaly mode would stop it)."""
    from .autograd import detect_anomaly
    try:
        with detect_anomaly():
            return fn(*values)
    except AnomalyError:
        return fn(*values)


def check_gates(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                rtol: float = 1e-3, seed: int = 0, num_checks: int | None = None) -> GateReport:
    """Check every gate of the graph ``fn(*inputs)`` records, on its own, in float64.

    Each gate's backward, given the upstream gradient it gets in the check's backward
    pass (the output weighted by fixed random numbers, as :func:`gradcheck`), is compared
    with central differences of the op's forward at the inputs that gate saw; inputs of
    up to ``EVERY_ENTRY`` entries entry by entry, larger ones at ``num_checks`` (default
    ``SAMPLED``) random entries and along one random direction. A gate with ``local()`` values is also
    checked for ``upstream × local == backward``. Returns a :class:`GateReport`.

    >>> import numpy as np, graphgrad as gg
    >>> x = gg.Value(np.array([0.5, -1.0]), requires_grad=True)
    >>> check_gates(lambda x: (x.tanh() * x).sum(), x).ok
    True
    """
    from .gradcheck import check_eps, float64_copies, check_output
    check_eps(eps, "check_gates")
    values, _ = float64_copies(inputs, "check_gates")
    out = check_output(_run(fn, values), "check_gates")
    rng = np.random.default_rng(seed)
    weights = None if out.size == 1 else rng.standard_normal(out.shape)
    gates = _topological(out)
    if out.requires_grad:
        out.backward(np.ones(out.shape) if weights is None else weights, retain_graph=True)
    found = []
    for k, v in enumerate(gates):
        found.extend(_check_gate(k, v, rng, eps, atol, rtol, num_checks or SAMPLED))
    return GateReport(failures=tuple(f for f in found if isinstance(f, GateFailure)), gates=len(gates),
                      output=out, unchecked=tuple(f for f in found if isinstance(f, Unchecked)))


def _check_gate(position, v, rng, eps, atol, rtol, sampled=SAMPLED) -> list:
    from .autograd import ctx_of
    g = v.grad
    if g is None:                      # no gradient reached this gate: nothing to check
        return []
    g = as_data(g)                     # as the backward pass gives it (a float for a float64 scalar)
    op, ins, attrs = v.op, v.inputs, v.attrs
    ctx = ctx_of(v)
    grads = op.backward(ctx, g)
    datas = [_wide(data_of(p)) for p in ins]
    gw = np.asarray(g, dtype=np.float64)

    def run(ds):
        r = op.forward(*ds, **attrs)
        return np.asarray(r[0] if r.__class__ is tuple else r, dtype=np.float64)

    def forward(ds):
        return float(np.sum(run(ds) * gw))

    # a gate is re-run from what the graph keeps (input data and attributes): where that does
    # not reproduce its output (a fused op whose forward took arguments kept elsewhere, a random
    # op like dropout), it cannot be checked on its own, and is listed as such, never accused
    try:
        with np.errstate(all="ignore"):
            again = run(datas)
        same = again.shape == np.shape(data_of(v)) and np.allclose(again, np.asarray(data_of(v), dtype=np.float64),
                                                                rtol=1e-5, atol=1e-8, equal_nan=True)
        why = None if same else "its forward, re-run on the same inputs, gives another output (random, or state)"
    except Exception as e:              # noqa: BLE001 - any failure to re-run means: cannot check
        why = f"its forward cannot be re-run from the graph ({type(e).__name__}: {e})"
    if why is not None:
        return [Unchecked(position, op.name, v.group, why, v.creation_site)]

    info = dict(position=position, op=op.name, label=v.label, group=v.group,
                site=v.creation_site, node=v, upstream=g)
    found = []
    for i, p in enumerate(ins):
        if not p.requires_grad or np.asarray(data_of(p)).dtype.kind != "f":
            continue
        a = np.zeros(np.shape(data_of(p))) if grads[i] is None else np.asarray(grads[i], dtype=np.float64)
        rows, expected = numeric_rows(forward, datas, i, a, rng, eps, atol, rtol, sampled)
        bad = [r for r in rows if r[0]]
        if bad:
            kinks = all(r[5] for r in bad)
            bad.sort(key=lambda r: -r[2])
            found.append(GateFailure(input=i, kind="kink" if kinks else "backward",
                                     worst=tuple((r[1], r[3], r[4], r[2]) for r in bad[:5]),
                                     bad=len(bad), checked=len(rows), input_name=p.name,
                                     expected=expected, actual=a, **info))
            continue
        loc = _local_failure(op, ctx, g, i, a, p, atol, rtol)
        if loc is not None:
            found.append(GateFailure(input=i, kind="local", input_name=p.name, actual=a, **loc, **info))
    return found


def _wide(d):
    if d.__class__ is float:
        return d
    d = np.asarray(d)
    return d.astype(np.float64) if d.dtype.kind == "f" else d


def numeric_rows(forward, datas, i, a, rng, eps, atol, rtol, sampled=SAMPLED):
    """Compare the backward gradient ``a`` of input ``i`` with central differences of
    ``forward(datas)`` (a float); returns rows ``(bad, index, rel. error, backward, numeric,
    kink)`` and the full numeric gradient where every entry was checked (else None).

    >>> rows, num = numeric_rows(lambda ds: float(np.sum(ds[0] ** 2)), [np.array([1.0, 2.0])], 0,
    ...                          np.array([2.0, 4.0]), np.random.default_rng(0), 1e-6, 1e-5, 1e-3)
    >>> [r[0] for r in rows], np.round(num, 4)
    ([False, False], array([2., 4.]))
    """
    x = datas[i]
    scalar = x.__class__ is float
    shape = () if scalar else x.shape
    coords = list(np.ndindex(*shape)) if shape else [()]
    every = len(coords) <= EVERY_ENTRY
    if not every:
        coords = [coords[j] for j in rng.choice(len(coords), size=min(sampled, len(coords)), replace=False)]
    base = [d if d.__class__ is float else np.array(d) for d in datas]
    expected = np.zeros(shape) if every else None

    def at(delta):
        ds = list(base)
        ds[i] = (x + delta) if scalar else x + delta
        return forward(ds)

    rows = []
    for ix in coords:
        if scalar:
            fp, fm = at(eps), at(-eps)
        else:
            d = np.zeros(shape)
            d[ix] = eps
            fp, fm = at(d), at(-d)
        num = (fp - fm) / (2 * eps)
        an = float(a[ix]) if shape else float(a)
        if every:
            expected[ix] = num
        rows.append(_row(ix, an, num, fp, fm, atol, rtol))
    if not every:                      # one random direction covers every entry at once
        d = rng.standard_normal(shape)
        fp, fm = at(eps * d), at(-eps * d)
        num = (fp - fm) / (2 * eps)
        an = float(np.sum(a * d))
        rows.append(_row("random direction", an, num, fp, fm, atol, rtol))
    # kinks need the unperturbed value: computed once, only when something failed
    if any(r[0] for r in rows):
        f0 = at(0.0 if scalar else np.zeros(shape))
        rows = [r[:5] + (_kink(r, f0, eps, atol, rtol),) for r in rows]
    return rows, expected


def _row(ix, an, num, fp, fm, atol, rtol):
    if not (np.isfinite(an) and np.isfinite(num)):
        return (True, ix, np.inf, an, num, False, fp, fm)
    err = abs(an - num) / max(1e-8, abs(an) + abs(num))
    return (abs(an - num) > atol + rtol * abs(num), ix, err, an, num, False, fp, fm)


def _kink(r, f0, eps, atol, rtol) -> bool:
    """True when the one-sided slopes at this entry differ: the forward has a kink there."""
    if not r[0] or len(r) < 8:
        return False
    fp, fm = r[6], r[7]
    right, left = (fp - f0) / eps, (f0 - fm) / eps
    if not (np.isfinite(right) and np.isfinite(left)):
        return False
    return abs(right - left) > atol + rtol * max(abs(right), abs(left)) + 1e-4


def _local_failure(op, ctx, g, i, a, p, atol, rtol):
    """The fields of a ``local`` failure when ``upstream × local()[i]`` differs from the
    gradient backward sent to input ``i`` (None when they agree or local() is None)."""
    try:
        loc = op.local(ctx)
    except Exception:                  # a display helper that fails is not a gradient error
        return None
    if loc is None or i >= len(loc) or loc[i] is None:
        return None
    prod = np.asarray(g, dtype=np.float64) * np.asarray(loc[i], dtype=np.float64)
    shape = np.shape(data_of(p))
    prod = np.sum(prod) if shape == () else np.asarray(unbroadcast(prod, shape))
    if np.shape(prod) != shape:
        prod = np.broadcast_to(prod, shape)
    diff = np.abs(prod - a)
    bad = diff > atol + rtol * np.abs(prod)
    if not bad.any():
        return None
    err = diff / np.maximum(1e-8, np.abs(prod) + np.abs(a))
    flat = np.argsort(-np.where(bad, err, -1).reshape(-1), kind="stable")[:min(5, int(bad.sum()))]
    worst = []
    for j in flat:
        ix = np.unravel_index(j, shape) if shape else ()
        worst.append((ix, float(np.asarray(a)[ix]), float(np.asarray(prod)[ix]), float(err.reshape(-1)[j])))
    return dict(worst=tuple(worst), bad=int(bad.sum()), checked=int(bad.size), expected=prod)


def local_disagreement(v) -> dict | None:
    """For a gate output ``v`` after backward: ``{input index: (upstream × local, backward)}``
    for each input where the numbers diagrams show (``upstream × local()``) differ from
    what the op's backward sends, or None when they agree (or cannot be compared: no
    local values, no gradient yet, or released saved buffers).

    >>> import graphgrad as gg
    >>> y = gg.Value(3.0, requires_grad=True) * 4.0
    >>> y.backward(); local_disagreement(y) is None
    True
    """
    from .autograd import ctx_of
    op, g = v.op, v.grad
    if op is None or g is None:
        return None
    g = as_data(g)                     # as the backward pass gives it (a float for a float64 scalar)
    try:
        ctx = ctx_of(v)
        loc = op.local(ctx)
        if loc is None:
            return None
        grads = op.backward(ctx, g)
    except Exception:                  # released buffers, a helper that needs more: no claim
        return None
    out = {}
    for i, p in enumerate(v.inputs):
        if i >= len(loc) or loc[i] is None or grads[i] is None or not p.requires_grad:
            continue
        a = np.asarray(grads[i], dtype=np.float64)
        f = _local_failure(op, ctx, g, i, a, p, 1e-8, 1e-6)
        if f is not None:
            out[i] = (f["expected"], a)
    return out or None

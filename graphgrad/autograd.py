"""Backpropagation: topological order (iterative), accumulation, trace, no_grad, anomaly mode.

``backward`` runs in two iterative passes, so depth never touches Python's recursion
limit: an explicit-stack depth-first search puts every Value that needs a gradient in
topological order, then one loop walks that order from the output, running each
node's vector-Jacobian product and adding the results into its inputs. The order is
deterministic (first inputs first, right to left through a circuit), so traces and
the diagrams drawn from them are reproducible.
"""
from __future__ import annotations

import contextlib
import itertools
import math
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

import numpy as np

from ._state import STATE
from .errors import AnomalyError, BackwardError
from .ops.base import shape_of
from .ops import ADD as _ADD, MUL as _MUL
from .value import Value, _to_data

if TYPE_CHECKING:                      # annotations only: no import cost at run time
    from numpy.typing import ArrayLike

_FREED = object()     # marks a node whose saved buffers were released by backward


# ---------------------------------------------------------------- the trace
@dataclass(frozen=True)
class BackwardStep:
    """One gate's step of the backward pass: upstream × local = downstream.

    ``local`` holds the local derivative values (one per input) for scalar and
    elementwise ops, or None for tensor ops; ``formulas`` always describes them.
    ``downstream[i]`` is the gradient this gate sends to ``inputs[i]`` (None where
    that input needs no gradient).
    """

    index: int
    output: Value
    op: str
    label: str
    inputs: tuple
    upstream: object
    local: tuple | None
    formulas: tuple
    downstream: tuple
    group: tuple = ()

    def arithmetic(self, i: int = 0, fmt: str = "{:.2f}") -> str:
        """The step written out for input ``i``, e.g. ``"1.00 × 0.20 = 0.20"``."""
        if self.local is None or self.downstream[i] is None:
            return f"{self.formulas[i]}"
        return (f"{_fmt(self.upstream, fmt)} × {_fmt(self.local[i], fmt)} = "
                f"{_fmt(self.downstream[i], fmt)}")


def _fmt(x, fmt):
    a = np.asarray(x)
    if a.size == 1:
        return fmt.format(float(a.reshape(())))
    return np.array2string(a, formatter={"float_kind": fmt.format}, separator=", ")


@dataclass
class BackwardTrace:
    """The steps of one backward pass, in the order they ran (``trace[i]`` is a BackwardStep)."""

    output: Value
    steps: list = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def __iter__(self):
        return iter(self.steps)

    def step_for(self, value: Value) -> BackwardStep | None:
        """The step whose gate produced ``value`` (None for leaves)."""
        for s in self.steps:
            if s.output is value:
                return s
        return None


# ---------------------------------------------------------------- switches
@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Record nothing inside the block (inference, parameter updates).

    >>> with no_grad():
    ...     y = x * 2          # y.requires_grad is False
    """
    old = STATE.grad_enabled
    STATE.grad_enabled = False
    try:
        yield
    finally:
        STATE.grad_enabled = old


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record again inside a ``no_grad`` block."""
    old = STATE.grad_enabled
    STATE.grad_enabled = True
    try:
        yield
    finally:
        STATE.grad_enabled = old


def is_grad_enabled() -> bool:
    """Whether ops are being recorded right now."""
    return STATE.grad_enabled


_GROUP_IDS = itertools.count(1)


@contextlib.contextmanager
def group(name: str) -> Iterator[None]:
    """Tag every node made inside the block with ``name`` (nested blocks nest paths).

    The renderer draws a group as a cluster that can be collapsed into one box. Every
    entry into a block is a separate instance (``Value.group_instances`` tells them apart).

    >>> with group("sigmoid"):
    ...     s = 1 / (1 + (-x).exp())
    >>> s.group
    ('sigmoid',)
    """
    old = STATE.group
    # each block is a fresh instance (two Conv2d layers, or two calls of one, stay apart)
    STATE.group = (old or ()) + ((str(name), next(_GROUP_IDS)),)
    try:
        yield
    finally:
        STATE.group = old


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op whose output or gradient holds a NaN or Inf.

    The error names the op, its input shapes and the line of user code that made it.

    >>> with detect_anomaly():
    ...     Value(-1.0, requires_grad=True).log()   # raises AnomalyError naming 'log'
    """
    old = STATE.anomaly
    STATE.anomaly = True
    try:
        yield
    finally:
        STATE.anomaly = old


@contextlib.contextmanager
def record_traces() -> Iterator[list[BackwardTrace]]:
    """Collect the trace of every ``backward()`` run inside the block, even those called
    without ``trace=True`` (how the stepper and ``graphgrad step`` watch a user's script).

    >>> with record_traces() as traces:
    ...     f.backward()
    >>> traces[-1].output is f
    True
    """
    old = STATE.trace_sink
    sink = STATE.trace_sink = []
    try:
        yield sink
    finally:
        STATE.trace_sink = old


_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


def _user_site() -> str:
    """'file:line: code' of the innermost frame outside graphgrad (and contextlib)."""
    f = sys._getframe(1)
    while f is not None:
        fn = os.path.abspath(f.f_code.co_filename)
        if not fn.startswith(_PKG_DIR) and "contextlib" not in fn:
            import linecache
            code = linecache.getline(fn, f.f_lineno).strip()
            return f"{fn}:{f.f_lineno}" + (f": {code}" if code else "")
        f = f.f_back
    return "<unknown>"


def _finite(d) -> bool:
    if d.__class__ is float:
        return math.isfinite(d)
    return bool(np.isfinite(d).all())


def _anomaly_forward(out, recorded=True, op=None, inputs=None):
    op = out._op if recorded else op
    inputs = out._inputs if recorded else inputs
    site = _user_site()
    if recorded:
        out._meta = {"site": site}
    if not _finite(out._data):
        shapes = ", ".join(str(v.shape) for v in inputs)
        bad = [i for i, v in enumerate(inputs) if not _finite(v._data)]
        cause = (f"input {bad[0]} already held NaN/Inf" if bad else "the op made it from finite inputs")
        raise AnomalyError(f"{op.name}: forward produced NaN/Inf (inputs of shape {shapes}; {cause}), "
                           f"created at {site}")


def _anomaly_backward(v, grads):
    for i, g in enumerate(grads):
        if g is not None and not _finite(g):
            shapes = ", ".join(str(x.shape) for x in v._inputs)
            site = v.creation_site or "<unknown: enter detect_anomaly() before the forward pass>"
            raise AnomalyError(f"{v._op.name}: backward produced NaN/Inf in the gradient for input {i} "
                               f"(inputs of shape {shapes}), node created at {site}")


# ---------------------------------------------------------------- backward
def backward(root: Value, grad: ArrayLike | None = None, retain_graph: bool = False,
             trace: bool = False) -> BackwardTrace | None:
    """Fill ``.grad`` of every Value that ``root`` depends on and that requires grad.

    ``grad`` is d(loss)/d(root); it may be omitted for a scalar root (it is 1).
    Leaves accumulate across calls (call ``zero_grad`` between steps); intermediate
    Values hold the gradient of the latest call. Without ``retain_graph`` the graph's
    saved buffers are released and a second backward through it raises.
    With ``trace=True`` returns a :class:`BackwardTrace`, else None.

    >>> f = (x + y) * z
    >>> steps = f.backward(trace=True)
    >>> steps[0].op, steps[0].upstream
    ('mul', 1.0)
    """
    if not root.requires_grad:
        raise BackwardError("backward: this Value does not require grad; create the inputs with "
                            "Value(..., requires_grad=True) and compute outside no_grad()")
    rd = root._data
    if grad is None:
        if rd.__class__ is not float and rd.size != 1:
            raise BackwardError(f"backward: the output has shape {rd.shape}; pass grad= with that shape "
                                "(d(loss)/d(output)) or reduce it first, e.g. out.sum().backward()")
        grad = 1.0 if rd.__class__ is float else np.ones(rd.shape, dtype=rd.dtype)
    else:
        grad = _to_data(grad, None if rd.__class__ is float else rd.dtype)
        if rd.__class__ is not float and (grad.__class__ is float or grad.shape != rd.shape):
            raise BackwardError(f"backward: grad has shape {shape_of(grad)} but the output has shape "
                                f"{shape_of(rd)}")
        if grad.__class__ is not float:
            grad = grad.copy()
    if root._saved is _FREED:
        _raise_freed(root)

    # pass 1: topological order by an iterative depth-first search (post-order). _n marks
    # the state: -1 unseen, 0 open (its inputs are on the stack), 1 done.
    order = []
    stack = [root]
    pop, push, done = stack.pop, stack.append, order.append
    try:
        while stack:
            v = pop()
            n = v._n
            if n == 0:                       # all inputs finished: v comes after them
                v._n = 1
                done(v)
                continue
            if n == 1:                       # reached again through another consumer
                continue
            ins = v._inputs
            if ins is None:
                v._n = 1
                done(v)
                continue
            if v._saved is _FREED:
                _raise_freed(v)
            v._n = 0
            push(v)
            # the first input is pushed first, so it finishes last, just before v, and
            # follows v in the reversed order: the lecture's right-to-left walk
            for p in ins:
                if p.requires_grad and p._n < 0:
                    push(p)
        order.reverse()
        sink = STATE.trace_sink
        result = _propagate(order, grad, retain_graph, trace or sink is not None)
        if sink is not None:
            sink.append(result)
        return result if trace else None
    finally:
        for v in order:
            v._n = -1
            v._g = None
        for v in stack:
            v._n = -1


def _raise_freed(v):
    raise BackwardError(f"backward: the graph through '{v._op.name if v._op else v.name}' was already "
                        "freed by an earlier backward(); pass retain_graph=True to the first "
                        "backward() to run it again")


def _propagate(order, grad, retain_graph, trace):
    """Run each node's vector-Jacobian product in topological order (output first)."""
    root = order[0]
    steps = [] if trace else None
    anomaly = STATE.anomaly
    free = not retain_graph
    handed = set()          # ids of arrays already stored as some leaf's .grad
    root._g = grad
    for v in order:
        g = v._g
        v._g = None
        if g is None:                        # every consumer sent None: a zero gradient
            d = v._data
            g = 0.0 if d.__class__ is float else np.zeros_like(d)
        if v._meta is not None and "hooks" in v._meta:
            g = _run_hooks(v._meta["hooks"], g)
        ins = v._inputs
        if ins is None:                      # a leaf: accumulate across calls
            if g.__class__ is not float:
                if id(g) in handed or g.base is not None:
                    g = g.copy()
                handed.add(id(g))
            old = v._grad
            v._grad = g if old is None else old + g
            continue
        v._grad = g
        op = v._op
        if g.__class__ is float and (op is _ADD or op is _MUL) and not anomaly:
            # the scalar fast path, inlined: a float output means float inputs, and these
            # two gates are nearly every node of a scalar net (saves a call and a tuple each)
            a, b = ins
            if op is _ADD:
                ga = gb = g
            else:
                ga, gb = g * b._data, g * a._data
            if steps is not None:
                steps.append(_step(len(steps), v, g, (ga, gb)))
            if free:
                v._saved = _FREED
            if a.requires_grad:
                old = a._g
                a._g = ga if old is None else old + ga
            if b.requires_grad:
                old = b._g
                b._g = gb if old is None else old + gb
            continue
        grads = op.backward(v, g)
        if anomaly:
            _anomaly_backward(v, grads)
        if steps is not None:
            steps.append(_step(len(steps), v, g, grads))
        if free:
            v._saved = _FREED
        for p, gp in zip(ins, grads):
            if gp is not None and p.requires_grad:
                old = p._g
                p._g = gp if old is None else old + gp
    return BackwardTrace(root, steps) if trace else None


def _run_hooks(hooks, g):
    for hook in list(hooks):
        r = hook(np.float64(g) if g.__class__ is float else g)
        if r is not None:
            g = _to_data(r, None if g.__class__ is float else g.dtype)
    return g


def _step(index, v, g, grads):
    ins = v._inputs
    return BackwardStep(index=index, output=v, op=v._op.name, label=v.label, inputs=ins, upstream=g,
                        local=v._op.local(v), formulas=v.local_formulas(), group=v.group,
                        downstream=tuple(gi if p.requires_grad else None for p, gi in zip(ins, grads)))

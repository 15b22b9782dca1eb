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
from sys import getrefcount
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

import numpy as np

from ._anomaly import anomaly_backward as _anomaly_backward
from ._anomaly import anomaly_forward as _anomaly_forward  # noqa: F401 - kept importable here
from ._anomaly import finite as _finite  # noqa: F401
from ._anomaly import user_site as _user_site  # noqa: F401
from ._state import STATE, here, set_switch, switches
from .errors import BackwardError
from .ops.base import Ctx, shape_of, unbroadcast
from .ops import ADD as _ADD, MUL as _MUL, RELU as _RELU
from ._convert import to_data as _to_data
from .value import Value

if TYPE_CHECKING:                      # annotations only: no import cost at run time
    from numpy.typing import ArrayLike

# What backward leaves in a node's ``_saved`` when it runs without retain_graph. Both
# mark the graph as spent (a second backward raises); only _FREED lost anything, so
# trace_of can still replay a node marked _SPENT (its op had saved nothing).
_FREED = object()     # the op's saved buffers were released
_SPENT = object()     # the op had saved nothing (saved=None): nothing was lost
_KEEP_BYTES = 1 << 20  # saved buffers up to this size survive a plain backward (see _Kept)


class _Kept:
    """A spent node's saved buffers, kept because they are small (softmax probabilities,
    a BatchNorm's per-feature statistics): a second backward still raises, as for a freed
    node, but ``trace_of`` (the Stepper after a plain ``backward()``) can replay the step.
    Big buffers (a convolution's im2col columns) are released as before."""

    __slots__ = ("saved",)

    def __init__(self, saved):
        self.saved = saved


_SCALARS = (float, int, bool, type(None))


def _nbytes(saved) -> int:
    """The bytes of the arrays in ``saved`` (nested tuples, lists, dicts). Runs once per node
    of every backward: the common items (arrays, numbers) are counted without a call."""
    if saved.__class__ is _ndarray or isinstance(saved, np.ndarray):
        return saved.nbytes
    if isinstance(saved, (tuple, list)):
        n = 0
        for x in saved:
            c = x.__class__
            if c is _ndarray:
                n += x.nbytes
            elif c not in _SCALARS:
                n += _nbytes(x)
        return n
    if isinstance(saved, dict):
        return sum(_nbytes(x) for x in saved.values())
    return 0


def _spend(saved):
    """What a node's ``_saved`` becomes after a backward without retain_graph."""
    if saved is None:
        return _SPENT
    return _Kept(saved) if _nbytes(saved) <= _KEEP_BYTES else _FREED


def _is_spent(s) -> bool:
    return s is _FREED or s is _SPENT or s.__class__ is _Kept
_EMPTY = types.MappingProxyType({})
_ndarray = np.ndarray
_new = object.__new__
_PASSES = itertools.count(2, 2)   # each traversal's own marks: base (open) and base+1 (done)


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
        """The step written out for input ``i``, e.g. ``"1.00 × 0.20 = 0.20"``.

        Where the op's ``local()`` and its backward disagree, the product is written as
        computed and what backward sent beside it, flagged (never a false equation)."""
        if self.local is None or self.downstream[i] is None:
            return f"{self.formulas[i]}"
        text = f"{_fmt(self.upstream, fmt)} × {_fmt(self.local[i], fmt)} = "
        product = _product_for(self.upstream, self.local[i], self.downstream[i])
        if product is not None:
            return (text + f"{_fmt(product, fmt)}, but backward sent {_fmt(self.downstream[i], fmt)} "
                    f"(local() and backward of {self.op} disagree)")
        return text + _fmt(self.downstream[i], fmt)


def _product_for(upstream, local, downstream):
    """upstream × local summed to downstream's shape, where it differs from downstream."""
    p = np.asarray(upstream, dtype=np.float64) * np.asarray(local, dtype=np.float64)
    d = np.asarray(downstream, dtype=np.float64)
    if p.shape != d.shape:
        p = np.asarray(unbroadcast(p, d.shape)) if p.ndim >= d.ndim else p
        if p.shape != d.shape:
            return None               # a shape the display does not relate: no claim
    if np.allclose(p, d, rtol=1e-6, atol=1e-9, equal_nan=True):
        return None
    return p


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

    >>> x = Value(3.0, requires_grad=True)
    >>> with no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """
    old = set_switch("grad_enabled", False)     # this thread only, as in PyTorch
    try:
        yield
    finally:
        set_switch("grad_enabled", old)


@contextlib.contextmanager
def enable_grad() -> Iterator[None]:
    """Record again inside a ``no_grad`` block."""
    old = set_switch("grad_enabled", True)
    try:
        yield
    finally:
        set_switch("grad_enabled", old)


def is_grad_enabled() -> bool:
    """Whether ops are being recorded right now, in the calling thread."""
    return switches().grad_enabled


_GROUP_IDS = itertools.count(1)


@contextlib.contextmanager
def group(name: str) -> Iterator[None]:
    """Tag every node made inside the block with ``name`` (nested blocks nest paths).

    The renderer draws a group as a cluster that can be collapsed into one box. Every
    entry into a block is a separate instance (``Value.group_instances`` tells them apart).

    >>> x = Value(0.5, requires_grad=True)
    >>> with group("sigmoid"):
    ...     s = 1 / (1 + (-x).exp())
    >>> s.group
    ('sigmoid',)
    """
    old = switches().group
    # each block is a fresh instance (two Conv2d layers, or two calls of one, stay apart)
    set_switch("group", (old or ()) + ((str(name), next(_GROUP_IDS)),))
    try:
        yield
    finally:
        set_switch("group", old)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise at the first op whose output or gradient holds a NaN or Inf.

    The error names the op, its input shapes and the line of user code that made it.

    >>> with detect_anomaly():                      # doctest: +ELLIPSIS
    ...     Value(-1.0, requires_grad=True).log()
    Traceback (most recent call last):
    graphgrad.errors.AnomalyError: ...log...
    """
    old = set_switch("anomaly", True)
    try:
        yield
    finally:
        set_switch("anomaly", old)


@contextlib.contextmanager
def record_traces() -> Iterator[list[BackwardTrace]]:
    """Collect the trace of every ``backward()`` run inside the block, even those called
    without ``trace=True`` (how the stepper and ``graphgrad step`` watch a user's script).

    >>> f = Value(2.0, requires_grad=True) * 3.0
    >>> with record_traces() as traces:
    ...     f.backward()
    >>> traces[-1].output is f
    True
    """
    sink = []
    old = set_switch("trace_sink", sink)
    try:
        yield sink
    finally:
        set_switch("trace_sink", old)



# ---------------------------------------------------------------- the op's view of a node
def ctx_of(v, strict: bool = True, graph: bool = False) -> Ctx:
    """The :class:`Ctx` an op's backward and local get for the node that made ``v``.

    ``strict``: raise if backward released the op's saved buffers (else ``saved`` is None,
    enough for ``local``, which reads inputs and output only). ``graph``: the inputs and
    the output as Values (a create_graph pass), not their data.
    """
    ins = v._inputs
    c = _new(Ctx)
    if graph:
        c.inputs = ins
        c.needs_grad = tuple([p.requires_grad for p in ins])
    elif len(ins) == 1:
        a = ins[0]
        c.inputs, c.needs_grad = (a._data,), (a.requires_grad,)
    elif len(ins) == 2:
        a, b = ins
        c.inputs, c.needs_grad = (a._data, b._data), (a.requires_grad, b.requires_grad)
    else:
        c.inputs = tuple([p._data for p in ins])
        c.needs_grad = tuple([p.requires_grad for p in ins])
    s = v._saved
    if s is not None and _is_spent(s):
        if s is _FREED and strict:
            _raise_freed(v)
        s = s.saved if s.__class__ is _Kept else None
    c.saved = s
    c.attrs = v._attrs or _EMPTY
    c.out = v if graph else v._data
    c.fold = False
    return c


def _who(v) -> str:
    return f"'{v.name}'" if v.name else "an unnamed Value"


def _check_versions(v, where="backward"):
    """Raise if an input (or the output) of ``v``'s node was written after the node was made."""
    made = v._vers
    for i, p in enumerate(v._inputs):
        if p._version > made:
            raise BackwardError(
                f"{where}: input {i} of '{v._op.name}' ({_who(p)}, shape {p.shape}) was modified through "
                ".data after the forward pass (an inplace change, version "
                f"{p._version} > {made}), so its gradient would mix old and new data; run the forward "
                "pass again after changing it, or change it only after backward() (as an optimiser step)")
    if v._version > made:
        raise BackwardError(
            f"{where}: the output of '{v._op.name}' ({_who(v)}, shape {v.shape}) was modified through .data "
            f"after the forward pass (an inplace change), so its gradient would use the new data; "
            "run the forward pass again instead of editing an op's output")


def _stale(v) -> bool:
    """True when some input or the output of ``v``'s node was written after it was made."""
    made = v._vers
    if v._version > made:
        return True
    for p in v._inputs:
        if p._version > made:
            return True
    return False


def _bad_grads(v, grads):
    """Check the gradients an op's backward returned; return them fixed up or raise."""
    op, ins = v._op, v._inputs
    if grads.__class__ is list:
        grads = tuple(grads)
    if grads.__class__ is not tuple:
        raise BackwardError(f"{op.name}: backward must return a tuple with one gradient per input "
                            f"({len(ins)}), got {type(grads).__name__}; e.g. return (grad,) for one input")
    if len(grads) != len(ins):
        raise BackwardError(f"{op.name}: backward returned {len(grads)} gradient(s) for {len(ins)} "
                            "input(s); return one per input (None where ctx.needs_grad is False)")
    out = []
    for i, (p, gp) in enumerate(zip(ins, grads)):
        if gp is not None and p.requires_grad:
            gp = _fit_grad(gp, p._data, lambda: f"{op.name}: backward's gradient for input {i}")
        out.append(gp)
    return tuple(out)


def _fit_grad(gp, d, who):
    """``gp`` as the gradient of data ``d`` (a float for a float, an array of d's shape and
    dtype otherwise), or a BackwardError naming ``who()`` and both shapes."""
    if isinstance(gp, Value):
        raise BackwardError(f"{who()} is a Value; return raw data (a float or a numpy array)")
    if d.__class__ is float:
        if isinstance(gp, (float, np.floating)) or (isinstance(gp, _ndarray) and gp.shape == ()
                                                      and gp.dtype.kind == "f"):
            return float(gp)
        raise BackwardError(f"{who()} has shape {np.shape(gp)} (dtype {getattr(gp, 'dtype', type(gp).__name__)}) "
                            "but the input is a float64 scalar of shape ()")
    if not isinstance(gp, _ndarray):
        raise BackwardError(f"{who()} is a {type(gp).__name__} of shape {np.shape(gp)} but the input "
                            f"has shape {d.shape}; return an array of that shape")
    if gp.shape != d.shape:
        raise BackwardError(f"{who()} has shape {gp.shape} but the input has shape {d.shape}")
    if gp.dtype != d.dtype and d.dtype.kind != "f":
        raise TypeError(f"{who()} is for an input of dtype {d.dtype} (shape {d.shape}) that requires grad; "
                        "integer and bool Values carry no gradient: keep requires_grad False on them, "
                        "or cast to a float dtype first (.astype(np.float64))")
    if gp.dtype != d.dtype:
        raise BackwardError(f"{who()} has dtype {gp.dtype} but the input has dtype {d.dtype} "
                            f"(shape {d.shape}); cast it with .astype(input.dtype)")
    return gp


# ---------------------------------------------------------------- backward
_GRAPH_PASSES = [False]    # a create_graph pass ever ran: "does not require grad" then names .grad_value


def backward(root: Value, grad: ArrayLike | None = None, retain_graph: bool | None = None,
             trace: bool = False, create_graph: bool = False) -> BackwardTrace | None:
    """Fill ``.grad`` of every Value that ``root`` depends on and that requires grad.

    ``grad`` is d(loss)/d(root) with root's shape; it may be omitted for a one-element
    root (it is 1). Leaves accumulate across calls (call ``zero_grad`` between steps);
    intermediate Values hold the gradient of the latest call. Without ``retain_graph``
    the graph is spent (the big saved buffers of fused ops are released) and a second
    backward through it raises; :func:`trace_of` can still replay it. With
    ``trace=True`` returns a :class:`BackwardTrace`, else None.

    The pass checks every gradient an op or a hook hands back (count, shape, dtype) and
    refuses to run through a node whose inputs were written through ``.data`` after the
    forward pass (``Value.version``). A hook may itself call backward on another graph,
    even one sharing nodes: each pass keeps its own bookkeeping.

    ``create_graph=True`` records the pass itself as a graph of Values (each leaf's
    ``grad_value``), so gradients can be differentiated again; it keeps the graph
    (``retain_graph`` defaults to ``create_graph``). See :func:`graphgrad.grad`.

    >>> x, y, z = (Value(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    >>> f = (x + y) * z
    >>> steps = f.backward(trace=True)
    >>> steps[0].op, steps[0].upstream
    ('mul', 1.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward: expected a Value, got {type(root).__name__}")
    if retain_graph is None:
        retain_graph = create_graph
    if not root.requires_grad:
        if root.dtype.kind != "f":
            raise TypeError(f"backward: this Value has dtype {root.dtype}; integer and bool Values "
                            "carry no gradient (they are indices, masks, counts); backpropagate from "
                            "a float Value, or cast with .astype(np.float64) before the ops to differentiate")
        raise BackwardError("backward: this Value does not require grad; create the inputs with "
                            "Value(..., requires_grad=True) and compute outside no_grad()"
                            + ("; after backward(create_graph=True) differentiate x.grad_value (a Value), "
                               "not x.grad (plain numbers)" if _GRAPH_PASSES[0] else ""))
    grad = root_grad(root._data, grad)
    if root._saved is not None and _is_spent(root._saved):
        _raise_freed(root)
    sink = None if STATE.fast else here().trace_sink
    if create_graph:
        _GRAPH_PASSES[0] = True
        result = run_pass(root, lambda order: propagate(order, [root], [grad], graph=True, free=not retain_graph,
                                                        write=True, trace=trace or sink is not None))
    else:
        result = run_pass(root, lambda order: _propagate(order, grad, retain_graph, trace or sink is not None))
    if sink is not None:
        sink.append(result)
    return result if trace else None


def root_grad(rd, grad, who="backward", out="the output", arg="grad"):
    """The upstream gradient a pass starts from, as data of the output ``rd``'s kind and
    dtype: 1 for a one-element output when ``grad`` is None; else ``grad`` (copied), checked."""
    if grad is None:
        if rd.__class__ is not float and rd.size != 1:
            raise BackwardError(f"{who}: {out} has shape {rd.shape}; pass {arg}= with that shape "
                                "(d(loss)/d(output)) or reduce it first, e.g. out.sum().backward()")
        return 1.0 if rd.__class__ is float else np.ones(rd.shape, dtype=rd.dtype)
    grad = _to_data(grad, None if rd.__class__ is float else rd.dtype, who)
    if shape_of(grad) != shape_of(rd):
        raise BackwardError(f"{who}: {arg} has shape {shape_of(grad)} but {out} has shape "
                            f"{shape_of(rd)}; pass a gradient of the output's shape")
    return grad if grad.__class__ is float else grad.copy()


def run_pass(root, propagate):
    """Order the graph under ``root`` (a Value or a list of them) and run ``propagate(order)``,
    keeping an outer pass's partial sums intact (a backward called from a hook) and leaving
    no partial sums behind if it fails."""
    order, stack = [], []
    stash = None
    try:
        _topo(root, order, stack, check_freed=True)
        t = here()
        if t.backward_depth:
            # a backward called from a hook of another one: set aside the outer pass's
            # partial sums on the nodes both graphs share, and give them back afterwards
            stash = [(v, v._g) for v in order if v._g is not None]
            for v, _ in stash:
                v._g = None
        t.backward_depth += 1
        try:
            return propagate(order)
        finally:
            t.backward_depth -= 1
    except BaseException:
        # a pass that stopped half-way leaves partial sums behind (a finished one has
        # cleared them node by node): clear them, so a later pass starts clean
        for v in order:
            v._g = None
        raise
    finally:
        if stash:
            for v, g in stash:
                v._g = g


def _topo(root, order, stack, check_freed=False):
    """Put every Value ``root`` depends on (that requires grad) into ``order``, output first.

    An iterative depth-first search (post-order), so depth never meets the recursion
    limit. Marks in ``_n`` are this pass's own (``base`` open, ``base + 1`` done; anything
    lower is unseen), so an interleaved traversal of a shared graph never misreads them.
    """
    base = next(_PASSES)
    done_mark = base + 1
    if root.__class__ is list:           # several outputs (graphgrad.grad): one walk for all
        stack.extend(reversed(root))
    else:
        stack.append(root)
    pop, push, done = stack.pop, stack.append, order.append
    while stack:
        v = pop()
        n = v._n
        if n == base:                        # all inputs finished: v comes after them
            v._n = done_mark
            done(v)
            continue
        if n == done_mark:                   # reached again through another consumer
            continue
        ins = v._inputs
        if ins is None:
            v._n = done_mark
            done(v)
            continue
        if v._saved is not None and check_freed and _is_spent(v._saved):
            _raise_freed(v)
        v._n = base
        push(v)
        # the first input is pushed first, so it finishes last, just before v, and
        # follows v in the reversed order: the lecture's right-to-left walk
        for p in ins:
            if p.requires_grad and p._n < base:
                push(p)
    order.reverse()
    return order


def _marks_of(root) -> set:
    """The pass marks (``_n``) found on the gates (non-leaf nodes) ``root`` depends on."""
    seen, marks, stack = set(), set(), [root]
    while stack:
        v = stack.pop()
        if v._inputs is None or id(v) in seen:
            continue
        seen.add(id(v))
        marks.add(v._n)
        stack.extend(p for p in v._inputs if p.requires_grad)
    return marks


def _raise_freed(v):
    raise BackwardError(f"backward: the graph through '{v._op.name if v._op else v.name}' was already "
                        "freed by an earlier backward(); pass retain_graph=True to the first "
                        "backward() to run it again")


def _exclusive_refs() -> int:
    """sys.getrefcount of an array held only by a Value's ``_g`` slot and one local name:
    measured, not assumed, so the in-place test below stays right on any CPython."""
    class _Probe:
        __slots__ = ("_g",)
    probe = _Probe()
    probe._g = np.empty(1)
    old = probe._g
    return getrefcount(old)


_EXCLUSIVE = _exclusive_refs()


def _again(old, grads) -> int:
    """The reference count ``old`` has when it is the pending sum and arrives once more from
    the same backward (``x * x`` sends one array along both edges): the sum's own references,
    the loop's name for the arriving gradient and one per place in the op's result tuple. Only
    then is doubling it in place unseen by anyone (a trace's step holds it once more)."""
    return _EXCLUSIVE + 1 + sum(1 for x in grads if x is old)


def _view_refs() -> tuple:
    """sys.getrefcount, as ``_sole_view`` reads them, of a view held by one name of the
    caller's and of a buffer held only by that view's ``.base``."""
    def probe(g):
        b = g.base
        return getrefcount(g), getrefcount(b)
    view = np.empty((2, 2)).T
    return probe(view)


_VIEW_ALONE, _VIEW_ONLY = _view_refs()


def _sole_view(g) -> bool:
    """Whether ``g`` is a writeable view of a buffer that nothing but ``g`` holds (col2im's
    transposed image, a weight gradient sliced from a wider product): handing ``g`` itself
    to a leaf's ``.grad`` then aliases nothing the engine or an op could write, so the copy
    is skipped. A broadcast (read-only), a view held elsewhere too (an intermediate's
    ``.grad``, a trace), a slice of an array kept elsewhere (a pending sum, an op's saved
    buffer, another view) is still copied."""
    b = g.base
    return (b.__class__ is _ndarray and b.base is None and g.flags.writeable and b.flags.owndata
            and getrefcount(g) == _VIEW_ALONE and getrefcount(b) == _VIEW_ONLY)


def _propagate(order, grad, retain_graph, trace):
    """The plain ``backward()``: the one loop with raw data (see :func:`propagate`)."""
    return propagate(order, [order[0]], [grad], free=not retain_graph, trace=trace)


def propagate(order, roots, grads, *, graph=False, free=True, write=True, want=None, trace=False):
    """The one backward loop: each node's vector-Jacobian product in topological order
    (outputs first), for the plain pass (raw data) and the ``create_graph`` pass (``graph``:
    every op's backward runs on Values, so what it computes is itself recorded).

    ``free``: release the saved buffers (``retain_graph`` False); ``write``: store ``.grad``
    (and each leaf's ``grad_value`` in a graph pass); ``want``: ``{id(value): [positions]}``
    of the Values whose gradients to return (the result is then a list of them by position,
    None where one was not reached); ``trace``: return a BackwardTrace.

    Two strategies inside: scalar add/mul/relu gates on floats are inlined in a plain pass
    (nearly every node of a scalar net), and a gradient arriving at a Value that already
    has a pending sum the engine alone holds is added into it in place (no fresh array of
    the parameter's size per fan-out); an array anyone else holds (an intermediate's
    ``.grad``, a trace, another edge) is never written.
    """
    if graph:
        from . import higher as _h
    for r, gr in zip(roots, grads):
        if graph and gr.__class__ is not Value:
            gr = _h._const(gr)
        r._g = gr if r._g is None else r._g + gr
    found = [None] * sum(len(p) for p in want.values()) if want else None
    steps = [] if trace else None
    anomaly = False if STATE.fast else here().anomaly
    # the gates inlined below for float nodes (None in anomaly mode and in a graph pass)
    add_op, mul_op, relu_op = (None, None, None) if anomaly or graph else (_ADD, _MUL, _RELU)
    handed = set()          # ids of arrays already stored as some leaf's .grad
    # A node made at the current write clock cannot have been written after (no write
    # happened since): one int compare per node; only nodes older than the latest write
    # anywhere get the full check of their inputs. Hooks may write, so re-read after them.
    clock = STATE.clock
    if graph:                            # a gradient graph is recorded even inside no_grad()
        enabled = set_switch("grad_enabled", True)       # (this thread only)
    try:
        for v in order:
            g = v._g
            v._g = None
            if g is None:                    # every consumer sent None: a zero gradient
                if graph:
                    g = _h._zero(v, True)
                else:
                    d = v._data
                    g = 0.0 if d.__class__ is float else np.zeros_like(d)
            if v._meta is not None and "hooks" in v._meta:
                before = g
                g = _h._hooks(v._meta["hooks"], g, v, True) if graph else _run_hooks(v._meta["hooks"], g, v)
                _note_hooks(v, before, g)
                clock = STATE.clock
            if want is not None:
                for i in want.get(id(v), ()):
                    found[i] = g
            ins = v._inputs
            if ins is None:                  # a leaf: accumulate across calls
                if not write:
                    continue
                if graph:
                    _h._store_leaf(v, g, True)
                    continue
                if g.__class__ is not float:
                    if id(g) in handed or (g.base is not None and not _sole_view(g)):
                        g = g.copy()
                    handed.add(id(g))
                old = v._grad
                if old is None:
                    v._grad = g
                else:
                    v._grad = old + g
                    note_accumulated(v, g)
                continue
            if write:
                v._grad = g._data if graph else g
            op = v._op
            if g.__class__ is float and (op is mul_op or op is add_op):
                # the scalar fast path, inlined: a float output means float inputs, and these
                # three gates (with relu below) are nearly every node of a scalar net (saves a
                # call and a Ctx each; the property tests check these lines against local())
                if v._vers != clock and _stale(v):
                    _check_versions(v)
                a, b = ins
                if op is mul_op:
                    ga, gb = g * b._data, g * a._data
                else:
                    ga = gb = g
                if trace:
                    steps.append(_step(len(steps), v, g, (ga, gb)))
                if free:
                    v._saved = _SPENT
                if a.requires_grad:
                    old = a._g
                    a._g = ga if old is None else old + ga
                if b.requires_grad:
                    old = b._g
                    b._g = gb if old is None else old + gb
                continue
            if op is relu_op and g.__class__ is float:
                if v._vers != clock and _stale(v):
                    _check_versions(v)
                a = ins[0]
                ga = g if a._data > 0.0 else 0.0
                if trace:
                    steps.append(_step(len(steps), v, g, (ga,)))
                if free:
                    v._saved = _SPENT
                if a.requires_grad:
                    old = a._g
                    a._g = ga if old is None else old + ga
                continue
            if graph and not op.twice_differentiable and op.expand is None:
                raise BackwardError(
                    f"backward(create_graph=True): '{op.name}' is once differentiable (its backward is not "
                    "written to run on Values, so its gradient cannot be differentiated again); drop "
                    "create_graph, or write the op's backward with operators/numpy on ctx.inputs and set "
                    f"{type(op).__name__}.twice_differentiable = True, or give it an expand(ctx) that "
                    "builds its forward from primitive gates")
            if v._vers != clock and _stale(v):
                _check_versions(v)
            if graph:
                ctx = ctx_of(v, graph=True)
                with group(f"∂{op.name}"):    # the gradient graph, one cluster per gate
                    # a fused op that declares its expansion: the expansion's VJP, recorded
                    grads_v = _h._graph_grads(v, op.backward(ctx, g) if op.expand is None
                                              else _h.expanded_vjp(v, ctx, g))
                raw_grads = tuple(None if x is None else x._data for x in grads_v)
            else:
                ctx = ctx_of(v)
                if steps is None and not anomaly and len(ins) == 2 and ins[0] is ins[1]:
                    ctx.fold = True          # x * x: no trace shows the two edges apart
                grads_v = op.backward(ctx, g)
                # the contract, checked on every node: a tuple, one gradient per input, each of
                # its input's kind, shape and dtype (the all-correct case costs a few compares)
                if grads_v.__class__ is not tuple or len(grads_v) != len(ins):
                    grads_v = _bad_grads(v, grads_v)
                else:
                    for p, gp in zip(ins, grads_v):
                        if gp is not None and p.requires_grad:
                            d = p._data
                            c = gp.__class__
                            if c is float:
                                if d.__class__ is not float:
                                    grads_v = _bad_grads(v, grads_v)
                                    break
                            elif (c is not _ndarray or d.__class__ is float or gp.shape != d.shape
                                  or gp.dtype != d.dtype):
                                grads_v = _bad_grads(v, grads_v)
                                break
                raw_grads = grads_v
            if anomaly:
                _anomaly_backward(v, raw_grads)
            if trace:
                steps.append(_step(len(steps), v, g._data if graph else g, raw_grads,
                                   ctx_of(v, strict=False) if graph else ctx))
            if free:
                v._saved = _spend(v._saved)
            for p, gp in zip(ins, grads_v):
                if gp is not None and p.requires_grad:
                    old = p._g
                    if old is None:
                        p._g = gp
                    elif (old.__class__ is _ndarray and old.base is None and old.flags.writeable
                          and getrefcount(old) == (_EXCLUSIVE if gp is not old else _again(old, grads_v))):
                        np.add(old, gp, out=old)     # a sum only the engine holds: in place
                    else:
                        p._g = old + gp
            grads_v = raw_grads = gp = old = None   # drop this node's arrays (_sole_view counts holders)
    finally:
        if graph:
            set_switch("grad_enabled", enabled)
    if want is not None:
        return found
    return BackwardTrace(order[0], steps) if trace else None


def _note_hooks(v, before, after) -> None:
    """Keep what ``v``'s consumers sent when a hook changed it (``Value.grad_notes`` reads
    it, so a diagram can show both); forget it when this pass's hooks kept the gradient."""
    a, b = getattr(before, "_data", before), getattr(after, "_data", after)
    if after is before or (np.shape(a) == np.shape(b) and np.array_equal(a, b)):
        v._meta.pop("grad_before_hooks", None)
    else:
        v._meta["grad_before_hooks"] = np.array(a, copy=True) if a.__class__ is not float else a


def note_accumulated(v, g) -> None:
    """A leaf's ``.grad`` now sums several backward passes: keep this pass's part and the
    count (``Value.grad_notes``); ``clear_grad`` and the ``.grad`` setter forget them."""
    m = v._meta
    if m is None:
        m = v._meta = {}
    m["grad_passes"] = m.get("grad_passes", 1) + 1
    d = getattr(g, "_data", g)
    m["grad_this_pass"] = np.array(d, copy=True) if d.__class__ is not float else d


def _run_hooks(hooks, g, v):
    for hook in list(hooks):
        r = hook(np.float64(g) if g.__class__ is float else g)
        if r is not None:
            name = getattr(hook, "__name__", type(hook).__name__)
            who = lambda: f"hook {name} on {_who(v)}"  # noqa: E731
            if isinstance(r, Value):
                raise BackwardError(f"{who()} returned a Value; return raw data (a float or a numpy array)")
            g = hook_data(r, g, who)
    return g


def hook_data(r, g, who):
    """A hook's replacement for gradient data ``g``, checked (numbers of g's shape) and
    converted to g's kind and dtype; ``who()`` names the hook in the error."""
    arr = np.asarray(r)
    if arr.dtype.kind not in "fiu":
        raise BackwardError(f"{who()} returned data of dtype {arr.dtype}; return float data "
                            f"of shape {shape_of(g)}")
    if arr.shape != shape_of(g):
        raise BackwardError(f"{who()} returned a gradient of shape {arr.shape} but the Value "
                            f"has shape {shape_of(g)}")
    return _to_data(r, None if g.__class__ is float else g.dtype, "hook")


def _step(index, v, g, grads, ctx=None):
    ins = v._inputs
    if ctx is None:
        ctx = ctx_of(v)
    return BackwardStep(index=index, output=v, op=v._op.name, label=v.label, inputs=ins, upstream=g,
                        local=v._op.local(ctx), formulas=v.local_formulas(), group=v.group,
                        downstream=tuple(gi if p.requires_grad else None for p, gi in zip(ins, grads)))


# ---------------------------------------------------------------- replaying a finished pass
def trace_of(root: Value) -> BackwardTrace:
    """The trace of the last ``root.backward()``, rebuilt from what the graph keeps.

    Works after a plain ``backward()`` (no ``retain_graph``, no ``trace``): each node's
    gradient is still on the Value and each op's backward is run again on it, without
    changing any ``.grad``. Fails with one sentence if a fused op released its saved
    buffers (pass ``retain_graph=True`` or ``trace=True`` to that backward) or if some
    Value's data was changed since the forward pass.

    >>> x, y, z = (Value(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    >>> f = (x + y) * z
    >>> f.backward()
    >>> trace_of(f)[0].downstream
    (-4.0, 3.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace_of: expected a Value, got {type(root).__name__}")
    if not root.requires_grad:
        raise BackwardError("trace_of: this Value does not require grad, so no backward pass ran through it")
    if root._grad is None:
        raise BackwardError("trace_of: this Value has no gradient yet; call backward() on it first")
    # each pass leaves its own mark on every node it walked: if some gate of this graph
    # carries another mark, a later backward from another output rewrote its gradient
    last = _marks_of(root)
    if len(last) > 1:
        raise BackwardError("trace_of: a later backward() from another output went through part of this "
                            "graph and replaced its gradients, so the last pass from this Value cannot be "
                            "rebuilt; call backward(trace=True) on it instead")
    order = _topo(root, [], [])
    for v in order:                      # leave the marks of the pass this trace describes
        if v._inputs is not None and last:
            v._n = next(iter(last))
    steps = []
    for v in order:
        if v._inputs is None:
            continue
        g = v._grad
        if g is None:
            raise BackwardError(f"trace_of: '{v._op.name}' ({_who(v)}) has no gradient, so the last "
                                "backward() did not start from this Value; call backward() on it first")
        if v._saved is _FREED:
            raise BackwardError(f"trace_of: backward() released the saved buffers of '{v._op.name}', so its "
                                "step cannot be replayed; pass retain_graph=True (or trace=True) to backward()")
        if _stale(v):
            _check_versions(v, "trace_of")
        ctx = ctx_of(v)
        grads = v._op.backward(ctx, g)
        grads = _bad_grads(v, grads)
        steps.append(_step(len(steps), v, g, grads, ctx))
    return BackwardTrace(root, steps)

"""Gradcheck gate by gate for PyTorch: which call's backward is wrong (a custom
``torch.autograd.Function`` included), named, with its module path and source line, and drawn.

``torch.autograd.gradcheck`` reports the whole Jacobian of a function. Here each call the
function makes on tensors that require grad (``linear``, ``tanh``, ``+``, a custom
Function's ``apply``, ...) is one gate: its backward, with the upstream gradient it gets
in the check's backward pass, is compared with central differences of that call re-run
in float64 on copies of its arguments. The result is graphgrad's plain-data
:class:`graphgrad.GateReport` (its ``output`` a :class:`viz.GraphData` of the calls), so
it prints and draws like a graphgrad report (``viz.render(report, "f.svg")``).

How calls are seen: a ``TorchFunctionMode`` (as ``viz.record_torch``) for torch functions
and tensor methods, and, while the check runs, ``torch.autograd.Function.apply`` wrapped
for custom Functions (which no function mode sees). Module calls give the group path.
This module keeps its own record of the calls because re-running a gate needs the
callable and its exact arguments, which the recorder's GraphData does not keep.

>>> import torch
>>> class Twice(torch.autograd.Function):
...     @staticmethod
...     def forward(ctx, a):
...         return 2 * a
...     @staticmethod
...     def backward(ctx, g):
...         return 3 * g                       # wrong on purpose
>>> x = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
>>> r = check_torch_gates(lambda x: Twice.apply(x.tanh()).sum(), x)
>>> [(f.op, f.input, f.kind) for f in r.failures]
[('Twice', 0, 'backward')]
"""
from __future__ import annotations

import itertools
import os
import sys
from typing import Any, Callable

import numpy as np

from .graphdata import GraphData, Node

_HERE = os.path.dirname(os.path.abspath(__file__))


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("PyTorch is not installed: pip install 'graphgrad[torch]'") from None
    return torch


class _Call:
    __slots__ = ("func", "name", "args", "kwargs", "out", "site", "group")

    def __init__(self, func, name, args, kwargs, out, site, group):
        self.func, self.name, self.args, self.kwargs = func, name, args, kwargs
        self.out, self.site, self.group = out, site, group


def _site() -> str | None:
    """'file:line: code' of the innermost frame outside torch, viz and graphgrad."""
    import linecache
    torch_dir = os.path.dirname(os.path.abspath(_torch().__file__))
    f = sys._getframe(1)
    while f is not None:
        fn = os.path.abspath(f.f_code.co_filename)
        if not (fn.startswith(torch_dir) or fn.startswith(_HERE) or "contextlib" in fn
                or fn.startswith(os.path.join(os.path.dirname(_HERE), "graphgrad"))):
            code = linecache.getline(fn, f.f_lineno).strip()
            return f"{fn}:{f.f_lineno}" + (f": {code}" if code else "")
        f = f.f_back
    return None


def _tensors(args, kwargs):
    """``[(where, tensor)]`` for the tensor arguments: where is ("a", i), ("a", i, j) for
    the j-th tensor of a list argument, or ("k", name)."""
    torch = _torch()
    found = []
    for i, a in enumerate(args):
        if isinstance(a, torch.Tensor):
            found.append((("a", i), a))
        elif isinstance(a, (list, tuple)):
            found.extend((("a", i, j), b) for j, b in enumerate(a) if isinstance(b, torch.Tensor))
    for k, a in kwargs.items():
        if isinstance(a, torch.Tensor):
            found.append((("k", k), a))
    return found


def _replace(args, kwargs, where, t):
    args, kwargs = list(args), dict(kwargs)
    if where[0] == "k":
        kwargs[where[1]] = t
    elif len(where) == 2:
        args[where[1]] = t
    else:
        seq = list(args[where[1]])
        seq[where[2]] = t
        args[where[1]] = type(args[where[1]])(seq) if isinstance(args[where[1]], tuple) else seq
    return args, kwargs


class _Recorder:
    """Records the calls (and module groups) of one forward pass."""

    def __init__(self):
        self.calls, self.stack, self.depth = [], [], 0
        self.instances = itertools.count(1)        # one id per module call: a group instance
        self.param_names, self.keep = {}, []

    def record(self, func, name, args, kwargs):
        torch = _torch()
        if self.depth:
            return func(*args, **kwargs)
        self.depth += 1
        try:
            out = func(*args, **kwargs)
        finally:
            self.depth -= 1
        ins = _tensors(args, kwargs)
        if isinstance(out, torch.Tensor) and out.grad_fn is not None and any(t.requires_grad for _, t in ins) \
                and not any(out is t for _, t in ins):
            self.calls.append(_Call(func, name, args, dict(kwargs), out, _site(), tuple(self.stack)))
        return out

    def __enter__(self):
        torch = _torch()
        from torch.nn.modules import module as nn_module
        from torch.overrides import TorchFunctionMode
        rec = self

        class Mode(TorchFunctionMode):
            def __torch_function__(self, func, types, args=(), kwargs=None):
                name = getattr(func, "__name__", str(func))
                if name == "__get__":        # a property (t.T): name it by the attribute
                    name = getattr(getattr(func, "__self__", None), "__name__", name)
                return rec.record(func, name.strip("_") or name, args, kwargs or {})

        self._orig_apply = torch.autograd.Function.__dict__["apply"]
        orig = self._orig_apply.__func__

        def apply(cls, *args, **kwargs):
            return rec.record(lambda *a, **k: orig(cls, *a, **k), cls.__name__, args, kwargs)

        torch.autograd.Function.apply = classmethod(apply)
        def enter(module, args):
            if not self.stack:                     # the outermost module names its parameters
                for pname, p in module.named_parameters():
                    self.param_names.setdefault(id(p), pname)
                    self.keep.append(p)
            self.stack.append((type(module).__name__, next(self.instances)))

        def leave(module, args, output):          # returns None: the output stays as it is
            self.stack.pop()

        self._handles = [nn_module.register_module_forward_pre_hook(enter),
                         nn_module.register_module_forward_hook(leave, always_call=True)]
        self._mode = Mode()
        self._mode.__enter__()
        return self

    def __exit__(self, *exc):
        torch = _torch()
        try:
            self._mode.__exit__(*exc)
        finally:
            torch.autograd.Function.apply = self._orig_apply
            for h in self._handles:
                h.remove()
        return False


def check_torch_gates(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                      rtol: float = 1e-3, seed: int = 0, names: dict | None = None):
    """Check every call ``fn(*inputs)`` makes on tensors that require grad, on its own:
    its backward against central differences of the call re-run in float64 (inputs of up
    to 256 entries entry by entry, larger ones at 64 random entries and one random
    direction). Returns a :class:`graphgrad.GateReport` (failures in forward order;
    ``output`` is the calls' :class:`viz.GraphData`, so ``viz.render(report, "f.svg")``
    draws it with the failing gates in red). ``names``: ``{"W1": tensor}`` names leaves.

    >>> import torch
    >>> x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    >>> check_torch_gates(lambda x: (x.sin() * x).sum(), x).ok
    True
    """
    torch = _torch()
    from graphgrad import GateFailure, GateReport
    from graphgrad.gradcheck import check_eps
    check_eps(eps, "check_torch_gates")
    for k, t in enumerate(inputs):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"check_torch_gates: input {k} is a {type(t).__name__}; pass torch tensors "
                            "(requires_grad=True for those to check)")
    if not any(t.requires_grad for t in inputs):
        raise ValueError("check_torch_gates: no input requires grad; create them with requires_grad=True")
    with _Recorder() as rec:
        out = fn(*inputs)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"check_torch_gates: fn must return a torch tensor, got {type(out).__name__}")
    rng = np.random.default_rng(seed)
    calls = rec.calls
    weights = torch.ones_like(out) if out.numel() == 1 else \
        torch.as_tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype)
    loss = (out * weights).sum()
    leaves = _leaves(calls, inputs)
    wanted = [c.out for c in calls] + [t for t in leaves if t.requires_grad]
    ups = torch.autograd.grad(loss, wanted, retain_graph=True, allow_unused=True) if wanted else []
    up_of = {id(t): g for t, g in zip(wanted, ups)}
    failures, unchecked = [], []
    from graphgrad.localize import Unchecked, numeric_rows
    for k, c in enumerate(calls):
        up = up_of.get(id(c.out))
        if up is None:
            continue
        ins = _tensors(c.args, c.kwargs)
        need = [(j, w, t) for j, (w, t) in enumerate(ins) if t.requires_grad and t.is_floating_point()]
        if not need:
            continue
        # the gate alone: re-run on detached leaves (a gradient taken from the recorded output
        # would also flow along other paths to an argument, e.g. to x through sin(x) in sin(x) * x)
        alone = [(w, t.detach().requires_grad_(True) if (t.requires_grad and t.is_floating_point())
                  else t.detach()) for w, t in ins]
        args, kwargs = c.args, c.kwargs
        for w, t in alone:
            args, kwargs = _replace(args, kwargs, w, t)
        try:
            with torch.enable_grad():
                again = c.func(*args, **kwargs)
            grads = torch.autograd.grad(again, [alone[j][1] for j, _, _ in need], grad_outputs=up,
                                        allow_unused=True)
        except Exception as e:           # noqa: BLE001 - a call that cannot run alone is not checked
            unchecked.append(Unchecked(k, c.name, tuple(name for name, _ in c.group),
                                       f"it cannot be re-run on its own ({type(e).__name__}: {e})", c.site))
            continue
        wide = [(w, t.detach().to(torch.float64) if t.is_floating_point() else t.detach()) for w, t in ins]
        upw = up.detach().to(torch.float64).numpy()
        why = _rerun_problem(c, wide)
        if why is not None:              # a random call (dropout) cannot be checked: say so, never accuse
            unchecked.append(Unchecked(k, c.name, tuple(name for name, _ in c.group), why, c.site))
            continue
        for (j, w, t), g in zip(need, grads):
            a = np.zeros(tuple(t.shape)) if g is None else g.detach().to(torch.float64).numpy()

            def forward(ds, c=c, j=j):
                args, kwargs = c.args, c.kwargs
                for m, (wm, tm) in enumerate(wide):
                    tm = torch.from_numpy(np.asarray(ds[0])) if m == j else tm
                    args, kwargs = _replace(args, kwargs, wm, tm)
                with torch.no_grad():
                    r = c.func(*args, **kwargs)
                return float(np.sum(r.detach().to(torch.float64).numpy() * upw))

            x0 = wide[j][1].numpy().copy()
            rows, expected = numeric_rows(forward, [x0], 0, a, rng, eps, atol, rtol)
            bad = sorted((r for r in rows if r[0]), key=lambda r: -r[2])
            if bad:
                failures.append(GateFailure(
                    position=k, op=c.name, label=c.name, group=tuple(name for name, _ in c.group), input=_arg_position(w), kind=(
                        "kink" if all(r[5] for r in bad) else "backward"),
                    worst=tuple((r[1], r[3], r[4], r[2]) for r in bad[:5]), bad=len(bad), checked=len(rows),
                    site=c.site, node=f"g{k}", upstream=upw, expected=expected, actual=a))
    graph = _graph(calls, leaves, out, up_of, {**{n: t for t in rec.keep if (n := rec.param_names.get(id(t)))},
                                               **(names or {})}, inputs)
    ids = {f"g{k}": graph.lookup[id(c.out)] for k, c in enumerate(calls) if id(c.out) in graph.lookup}
    import dataclasses
    failures = [dataclasses.replace(f, node=ids.get(f.node)) for f in failures]
    return GateReport(failures=tuple(failures), gates=len(calls), output=graph, source="torch",
                      unchecked=tuple(unchecked))


def _rerun_problem(c, wide) -> str | None:
    """Why call ``c`` cannot be checked on its own (its float64 re-run does not give its
    output again), or None."""
    torch = _torch()
    args, kwargs = c.args, c.kwargs
    for w, t in wide:
        args, kwargs = _replace(args, kwargs, w, t)
    try:
        with torch.no_grad():
            again = c.func(*args, **kwargs)
        ok = torch.allclose(again.to(torch.float64), c.out.detach().to(torch.float64), rtol=1e-4, atol=1e-6,
                            equal_nan=True)
    except Exception as e:              # noqa: BLE001 - any failure to re-run means: cannot check
        return f"it cannot be re-run on float64 copies of its arguments ({type(e).__name__}: {e})"
    return None if ok else "re-run on the same arguments it gives another output (random, or state)"


def _arg_position(where) -> int:
    return where[1] if where[0] == "a" else -1


def _leaves(calls, inputs) -> list:
    made = {id(c.out) for c in calls}
    seen, out = set(), []
    for t in list(inputs) + [t for c in calls for _, t in _tensors(c.args, c.kwargs)]:
        if id(t) not in made and id(t) not in seen:
            seen.add(id(t))
            out.append(t)
    return out


def _np(t):
    if t is None:
        return None
    a = t.detach().cpu()
    a = a.to(_torch().float64) if a.is_floating_point() else a
    a = a.numpy().copy()
    return float(a) if a.ndim == 0 and a.dtype == np.float64 else a


def _graph(calls, leaves, out, up_of, names, inputs) -> GraphData:
    """The calls as plain data: leaves, then one gate per call, in the order they ran."""
    by_id = {id(t): n for n, t in names.items()}
    for k, t in enumerate(inputs):
        by_id.setdefault(id(t), f"input{k}" if len(inputs) > 1 else "input")
    node_of, nodes = {}, []
    made = {id(c.out) for c in calls}
    needed = set()                       # leaves some call reads (a constant scalar is folded)
    for c in calls:
        needed.update(id(t) for _, t in _tensors(c.args, c.kwargs))
    for t in leaves:
        if id(t) not in needed or id(t) in made:
            continue
        nid = f"n{len(nodes)}"
        node_of[id(t)] = nid
        name = by_id.get(id(t))
        nodes.append(Node(id=nid, label=name or "", op="leaf", value=_np(t), grad=_np(up_of.get(id(t))),
                          name=name, meta={"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")}))
    for k, c in enumerate(calls):
        ins = _tensors(c.args, c.kwargs)
        nid = f"n{len(nodes)}"
        listed = [(w, t) for w, t in ins if id(t) in node_of]
        nodes.append(Node(id=nid, label=c.name, op=c.name, inputs=tuple(node_of[id(t)] for _, t in listed),
                          input_pos=tuple(_arg_position(w) for w, _ in listed), value=_np(c.out),
                          grad=_np(up_of.get(id(c.out))),
                          group=c.group,
                          meta={"shape": list(c.out.shape), "site": c.site or ""}))
        node_of[id(c.out)] = nid
    root = node_of.get(id(out), nodes[-1].id if nodes else "n0")
    return GraphData(nodes=tuple(nodes), root=root, source="torch", lookup=dict(node_of))


def torch_gradcheck(fn: Callable[..., Any], *inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                    rtol: float = 1e-3, localize: bool = True) -> bool:
    """``torch.autograd.gradcheck`` of ``fn`` (inputs float64), and when it fails a
    :class:`graphgrad.GradcheckError` naming the failing calls (see
    :func:`check_torch_gates`; the error's ``report`` draws them, and under
    ``pytest -p graphgrad.viz.pytest_plugin`` the picture is written and its path printed).

    >>> import torch
    >>> x = torch.randn(3, dtype=torch.float64, requires_grad=True)
    >>> torch_gradcheck(lambda x: x.tanh().sum(), x)
    True
    """
    __tracebackhide__ = True
    torch = _torch()
    from graphgrad import GradcheckError
    if torch.autograd.gradcheck(fn, tuple(inputs), eps=eps, atol=atol, rtol=rtol, raise_exception=False):
        return True
    lines = ["torch.autograd.gradcheck: the Jacobian of fn differs from central differences"]
    report = None
    if localize:
        report = check_torch_gates(fn, *inputs, eps=eps, atol=atol, rtol=rtol)
        lines.append(str(report))
    err = GradcheckError("\n".join(lines))
    err.report = report
    raise err


def check_recording(recording: Any, *functions: Any, forwards: dict | None = None, eps: float = 1e-6,
                    atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0):
    """Check the gates of a ``viz.record_torch`` recording (or its :class:`viz.TraceData`)
    from the plain data alone: for each gate whose forward you name, the downstream
    gradient PyTorch's backward sent (recorded by hooks) against central differences of
    that forward, in float64, at the recorded input values with the recorded upstream.

    ``functions``: custom ``torch.autograd.Function`` classes (matched by class name, as
    the recorder names their gates); ``forwards``: ``{op name: callable}`` for any other
    gate whose tensor inputs are all its arguments (``{"tanh": torch.tanh}``). Gates with
    no forward given are counted, not checked. Returns a :class:`graphgrad.GateReport`
    (``viz.render(report, "f.svg")`` draws it).

    >>> import torch, viz
    >>> w = torch.tensor([0.5, -1.0], requires_grad=True)
    >>> with viz.record_torch() as rec:
    ...     loss = torch.tanh(w).sum(); loss.backward()
    >>> check_recording(rec, forwards={"tanh": torch.tanh}).ok
    True
    """
    torch = _torch()
    from graphgrad import GateFailure, GateReport
    from graphgrad.gradcheck import check_eps
    from graphgrad.localize import Unchecked, numeric_rows
    from .sources import as_trace
    check_eps(eps, "check_recording")
    table = dict(forwards or {})
    for fn in functions:
        if not (isinstance(fn, type) and hasattr(fn, "apply")):
            raise TypeError(f"check_recording: {fn!r} is not a torch.autograd.Function class; pass "
                            "other forwards as forwards={'op name': callable}")
        table.setdefault(fn.__name__, fn.apply)
    # the custom Functions the recorder saw are checked without being named
    for name, cls in (recording.custom_functions() if hasattr(recording, "custom_functions") else {}).items():
        table.setdefault(name, cls.apply)
    trace = as_trace(recording, who="check_recording")
    graph = trace.graph
    rng = np.random.default_rng(seed)
    failures, unchecked = [], []
    order = {n.id: k for k, n in enumerate(graph.gates())}
    for s in sorted(trace, key=lambda s: order.get(s.node, 0)):
        n = graph.node(s.node)
        forward = table.get(n.op) or table.get(n.label)
        k = order.get(n.id, 0)
        group = tuple(name for name, _ in n.group)
        if forward is None:
            continue
        pos = n.positions()
        if tuple(pos) != tuple(range(len(pos))) or s.upstream is None:
            unchecked.append(Unchecked(k, n.op, group, "its arguments are not all recorded tensors "
                                       "(folded constants or keywords)"))
            continue
        values = [np.asarray(graph.node(i).value, dtype=np.float64) for i in n.inputs]
        up = np.asarray(s.upstream, dtype=np.float64)
        for i, d in enumerate(s.downstream):
            if d is None:
                continue
            a = np.asarray(d, dtype=np.float64)

            def f(ds, i=i):
                args = [torch.from_numpy(np.array(ds[0] if j == i else v)) for j, v in enumerate(values)]
                with torch.no_grad():
                    r = forward(*args)
                return float(np.sum(r.detach().to(torch.float64).numpy() * up))

            rows, expected = numeric_rows(f, [values[i].copy()], 0, a, rng, eps, atol, rtol)
            bad = sorted((r for r in rows if r[0]), key=lambda r: -r[2])
            if bad:
                failures.append(GateFailure(
                    position=k, op=n.op, label=n.label, group=group, input=pos[i],
                    kind="kink" if all(r[5] for r in bad) else "backward",
                    worst=tuple((r[1], r[3], r[4], r[2]) for r in bad[:5]), bad=len(bad), checked=len(rows),
                    site=_where(n.meta or {}), input_name=graph.node(n.inputs[i]).name, node=n.id,
                    upstream=up, expected=expected, actual=a))
    return GateReport(failures=tuple(failures), gates=len(order), output=graph, source="torch",
                      unchecked=tuple(unchecked))


def _where(meta: dict) -> str | None:
    """The source line of a recorded gate, with a custom Function's class and where its
    backward is defined: ``"net.py:12: y = Bad.apply(x) (mymod.Bad.backward at net.py:5)"``."""
    site = meta.get("site") or None
    if meta.get("function"):
        back = f"{meta['function']}.backward" + (f" at {meta['backward']}" if meta.get("backward") else "")
        site = f"{site} ({back})" if site else back
    return site

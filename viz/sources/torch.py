"""PyTorch as a viz source: record a forward and backward pass as GraphData / TraceData.

Two ways in:

* :func:`record_torch` — a ``with`` block that records, at the level the user wrote it,
  every torch function call on a tensor that requires grad (``linear``, ``relu``,
  ``conv2d``, ``cross_entropy``, ``+``, ``*``, ``sum``, ...), each ``nn.Module`` call as a
  group, the forward values, and from hooks on PyTorch's ``grad_fn`` nodes the upstream
  and per-input downstream gradient of every gate. Needs ``backward()`` inside the block.

  >>> import torch, torch.nn as nn, torch.nn.functional as F
  >>> model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
  >>> with record_torch() as rec:
  ...     loss = F.cross_entropy(model(torch.randn(5, 4)), torch.tensor([0, 1, 0, 1, 1]))
  ...     loss.backward()
  >>> g = rec.graph(); t = rec.trace()      # plain data for every viz view
  >>> [n.label for n in g.gates()], [s.node for s in t] == [n.id for n in reversed(g.gates())]
  (['linear', 'relu', 'linear', 'cross_entropy'], True)

* :func:`tensor_graph` (``as_graph(loss)``) — after ``loss.backward()`` without recording:
  the structure only, read from ``grad_fn``; PyTorch's internal nodes are drawn as they
  are (``Addmm``, ``T``, ``Relu``), leaves carry their value and ``.grad``, every other
  value is None (PyTorch does not keep them; we do not read its private ``_saved_*``).

How the recorder maps PyTorch's nodes to the user's gates: one user call can be several
``grad_fn`` nodes (``linear`` on a 2-D input is ``AddmmBackward0`` + ``TBackward0``). Right
after the call, the nodes from its output's ``grad_fn`` down to the ``grad_fn`` of each
tensor argument (or the ``AccumulateGrad`` of a leaf) are that gate's sub-graph; a
pre-hook on the output node gives the upstream gradient, post-hooks on the nodes with an
edge out of the sub-graph give the downstream gradient per argument. Graphs this cannot
map faithfully (in-place ops on views, ``torch.compile``d code, several backward passes)
raise a ``RecordingError`` (a ValueError) naming the cause instead of drawing a wrong picture.

Costs: values and gradients are kept by reference with PyTorch's version counter
(``_torch_values._Ref``): an in-place op the recorder sees copies the values it overwrites
first, and a write it did not see is refused when the graph is drawn. Leaves are copied (an
optimizer may step them). A recorded step of MNIST, resnet18-style, GPT, Transformer and
LSTM models costs about 1.1-1.5x the plain step (``bench/bench_torch_record.py --models``).
Record one training step of a network you mean to look at. Limits, each a clear error:
in-place ops on views, ``torch.compile``, several backward passes or
``torch.autograd.grad`` in one block, modules with full backward hooks.

Multi-output ops (``split``, ``chunk``, ``unbind``, ``torch.max(x, dim)``, ``sort``, ``topk``,
``var_mean``, ``nn.LSTM``/``GRU``/``RNN`` and their cells, ``F.multi_head_attention_forward``)
are one gate with an output wire each (``viz.graphdata`` says how). A custom
``torch.autograd.Function`` is one gate named after its class whose downstream gradients are
what its ``backward`` returned (formula "custom backward"); it is recorded when ``apply``
returns (``Function.apply`` is wrapped inside the block), so it sits in the module group that
called it, with that source line (``meta["site"]``), its class (``meta["function"]``) and where
its backward is defined (``meta["backward"]``).

torch is imported only when a function here is called, so ``import viz`` stays light.
"""
from __future__ import annotations

import dataclasses
import itertools
import sys

import numpy as np

from ..graphdata import GraphData, Node, StepData, TraceData
from ._torch_ops import (_NAMED_INPUTS, _OUTPUT_NAMES, _UNMAPPABLE, _canon, _custom_class, _fn_name, _formulas,
                         _label, _local)
from ._torch_values import (RecordingError, RecordingStateError, _full, _np, _Ref, _snap, _written,
                            torch_allclose)
from ._torch_values import _sum_to  # noqa: F401  (upstream × local summed to a shape: the tests' check)

__all__ = ["record_torch", "TorchRecording", "RecordingError", "tensor_graph", "handles", "as_graph", "as_trace",
           "is_node", "inputs_of"]

NOT_INSTALLED = "PyTorch is not installed: pip install 'graphgrad[torch]'"


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError(NOT_INSTALLED) from None
    return torch


def _check_version(version: str) -> None:
    """The hooks used here (Node.register_prehook, module hooks with always_call) need torch 2.1."""
    try:
        major, minor = (int(p) for p in version.split("+")[0].split(".")[:2])
    except ValueError:
        return                   # a development build: let it try
    if (major, minor) < (2, 1):
        raise RuntimeError(f"record_torch needs PyTorch 2.1 or newer (this is {version}): "
                           "pip install -U torch")




# ------------------------------------------------------------------ the recording
class _Tensor:
    """A node of the recorded graph: one tensor value (a leaf, an external input or a gate output)."""

    __slots__ = ("key", "kind", "value", "grad", "name", "requires_grad", "gate", "node", "hits", "meta",
                 "obj_id", "hooked")

    def __init__(self, key, kind, value, name=None, requires_grad=False, meta=None):
        self.key, self.kind, self.value, self.name = key, kind, value, name
        self.requires_grad = requires_grad
        self.grad, self.gate, self.node, self.hits = None, None, None, 0
        self.obj_id = None           # id() of the user's tensor, for GraphData.lookup
        self.hooked = False          # a tensor hook was registered on it (it may change its gradient)
        self.meta = meta or {}


class _Gate:
    __slots__ = ("op", "label", "inputs", "input_pos", "consts", "kwargs", "out", "outs", "group",
                 "internal", "downstream", "upstream", "fired", "order", "shared", "edges", "fires",
                 "custom", "node", "inner", "where")

    def __init__(self, op, label, inputs, input_pos, consts, kwargs, group):
        self.op, self.label, self.inputs, self.input_pos = op, label, inputs, input_pos
        self.consts, self.kwargs, self.group = consts, kwargs, group
        self.out, self.internal, self.upstream, self.fired, self.order = None, (), None, 0, None
        self.outs = []               # every output (_Tensor); a multi-output gate has several
        self.fires = {}              # id(output grad_fn) -> pre-hook calls (each runs once a pass)
        self.custom = False          # a torch.autograd.Function: its backward is the user's
        self.node = None             # the GraphData id of a multi-output gate's own node
        self.inner = ()              # outputs whose grad_fn another output's backward also feeds
        self.downstream = [None] * len(inputs)
        self.shared = set()          # input positions whose gradient is counted at another position
        self.edges = {}              # id(internal node) -> [(next_functions index, input position)]
        self.where = {}              # a custom Function's "site" (its apply call) and "function"


def _unmappable(problem: str) -> ValueError:
    return RecordingError(f"record_torch: cannot map this PyTorch graph back to your operations: {problem}")


class TorchRecording:
    """What :func:`record_torch` recorded; ``graph()`` and ``trace()`` turn it into plain data.

    >>> import torch
    >>> w = torch.ones(3, requires_grad=True)
    >>> with record_torch() as rec:
    ...     loss = (w * 2.0).sum(); loss.backward()
    >>> rec.graph().node(rec.graph().root).label
    'sum'
    """

    def __init__(self, names=None, modules=(), model=None):
        self._torch = _torch()
        _check_version(self._torch.__version__)
        self._tensors = {}           # key -> _Tensor
        self._keep = []              # originals whose id() is a key: keep them alive while recording
        self._gates = []
        self._problems = []
        self._handles = []           # grad_fn hook handles, removed on exit
        self._fire = itertools.count()
        self._group_stack = []
        self._group_ids = itertools.count(1)
        self._param_names = {}
        self._backward_roots = []    # key of each tensor backward() was called on
        self._backward_calls = 0
        self._grad_calls = 0
        self._in_hook = False
        self._active = False
        self._mode = None
        self._module_handles = []
        self._acc_hooked = set()
        self._gate_fns = set()       # id of each recorded gate's output grad_fn
        self._custom = {}            # id(grad_fn) of a torch.autograd.Function -> its gate
        self._had_grad = set()       # id(_Tensor) of leaves whose .grad was set before the block used them
        self._custom_wired = {}      # id(grad_fn) -> its head hook's [(output_nr, output)]
        self._custom_classes = {}    # gate name -> the torch.autograd.Function class (for checks)
        self._nodes_keep = []
        self._root_tensor = None
        self._results = []           # weak references to the recorded results, after the block
        self._lazy = []              # gate outputs whose value is a _Ref (copied before an in-place write)
        self._used = False
        self._trace = None
        if names:
            for k, v in dict(names).items():
                if isinstance(v, str):           # {id(t): "W"}, as every source takes
                    self._param_names[k] = v
                else:                            # {"W": t}
                    self._param_names[id(v)] = k
                    self._keep.append(v)
        if model is not None:
            modules = (*modules, model)
        for m in modules:
            self._name_module(m)
        self._graph = None

    # -------------------------------------------------------------- context
    def __enter__(self):
        if self._used:
            raise RuntimeError("record_torch: this recording was already used; start a new one with "
                               "another `with viz.record_torch() as rec:`")
        self._used = True
        from torch.nn.modules import module as nn_module
        self._mode = _mode_class()(self)
        pre = nn_module.register_module_forward_pre_hook(self._module_pre)
        # always_call: the post-hook runs even when a forward raises, so groups stay balanced
        post = nn_module.register_module_forward_hook(self._module_post, always_call=True)
        self._module_handles = [pre, post]
        self._mode.__enter__()
        self._wrap_apply()
        self._active = True
        return self

    def _wrap_apply(self):
        """Record a custom ``torch.autograd.Function``'s outputs as soon as ``apply`` returns
        (no function mode sees ``apply``): its gate then sits in the module group that called
        it, with the source line of the call, not where its output is first read."""
        Function = self._torch.autograd.Function
        self._orig_apply = Function.__dict__["apply"]
        orig, rec = self._orig_apply.__func__, self

        def apply(cls, *args, **kwargs):
            out = orig(cls, *args, **kwargs)
            if rec._active and not rec._in_hook:
                outs = out if isinstance(out, (tuple, list)) else (out,)
                for t in outs:
                    if isinstance(t, rec._torch.Tensor) and _custom_class(t.grad_fn) is not None \
                            and rec._key(t) not in rec._tensors:
                        r = rec._custom_output(t)
                        if r is not None and r.gate is not None and not r.gate.where:
                            from ..torch_check import _site
                            rec._custom_classes.setdefault(cls.__name__, cls)
                            r.gate.where = {"site": _site() or "",
                                            "function": f"{cls.__module__}.{cls.__qualname__}",
                                            "backward": _defined_at(cls.backward)}
            return out

        Function.apply = classmethod(apply)

    def custom_functions(self) -> dict:
        """``{gate name: class}`` of the custom ``torch.autograd.Function``s this recording
        saw called (``viz.torch_check.check_recording`` re-runs their forwards).

        >>> import torch, viz
        >>> class Twice(torch.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, a): return 2 * a
        ...     @staticmethod
        ...     def backward(ctx, g): return 2 * g
        >>> w = torch.ones(2, requires_grad=True)
        >>> with viz.record_torch() as rec:
        ...     Twice.apply(w).sum().backward()
        >>> list(rec.custom_functions())
        ['Twice']
        """
        return dict(self._custom_classes)

    def _unwrap_apply(self):
        orig = getattr(self, "_orig_apply", None)
        if orig is not None:
            self._torch.autograd.Function.apply = orig
            self._orig_apply = None

    def __exit__(self, exc_type, exc, tb):
        self._active = False
        self._unwrap_apply()
        try:
            if self._mode is not None:
                self._mode.__exit__(exc_type, exc, tb)
        finally:
            for h in self._module_handles + self._handles:
                h.remove()
            self._module_handles, self._handles = [], []
            self._mode = None
            if exc_type is None:
                self._audit()
                # weak references to the recorded results: a script's exposed ``h`` is part of
                # this recording's one diagram (inputs_of), not a diagram of its own
                import weakref
                ids = {r.obj_id for r in self._tensors.values() if r.gate is not None}
                self._results = [weakref.ref(t) for t in {id(t): t for t in self._keep
                                                          if id(t) in ids}.values()]
            # the originals may go; the grad_fn nodes stay, so their ids stay unique for name()
            self._keep = []
        return False

    def _audit(self):
        """What happened to the user's tensors after they were recorded, while they are still
        at hand: a tensor hook (its gradient may differ from what its consumers sent), a leaf
        changed in place after the forward pass (an optimizer step in the block), a ``.grad``
        that holds more than this pass (several backward passes without ``zero_grad``)."""
        torch = self._torch
        by_obj = {r.obj_id: r for r in self._tensors.values() if r.obj_id is not None}
        changed, seen = [], set()
        for t in self._keep:
            r = by_obj.get(id(t)) if isinstance(t, torch.Tensor) else None
            if r is None or id(r) in seen:
                continue
            seen.add(id(r))
            if getattr(t, "_backward_hooks", None):
                r.hooked = True
            if r.kind != "leaf":
                continue
            v = t.detach()
            if v.shape == r.value.shape and v.dtype == r.value.dtype and not torch.equal(v, r.value):
                changed.append(r)
            if id(r) in self._had_grad and t.grad is not None and r.grad is not None:
                mine = _full(r.grad)
                if t.grad.shape == mine.shape and not torch.equal(t.grad, mine):
                    r.meta["grad_note"] = "this pass; .grad holds more (accumulated over passes)"
                    r.meta["grad_attr"] = _plain(_np(t.grad.detach().clone()))
        if changed:
            import warnings
            first = changed[0]
            who = first.name or f"a leaf tensor of shape {tuple(first.value.shape)}"
            more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
            warnings.warn(f"record_torch: {who}{more} changed after the forward pass read it (an "
                          "optimizer step inside the with block?); the drawing shows the values the "
                          "forward pass used, so call optimizer.step() after the block", stacklevel=3)
            for r in changed:
                r.meta["changed_after_forward"] = True

    def name(self, **tensors) -> "TorchRecording":
        """Name tensors for the drawing, inside the block or after it: ``rec.name(h=h, loss=loss)``.

        A leaf gets the name as its label; a gate's output wire gets it as its name.
        """
        for name, t in tensors.items():
            if not isinstance(t, self._torch.Tensor):
                raise TypeError(f"record_torch.name: {name}= must be a tensor, got {type(t).__name__}")
            r = self._tensors.get(self._key(t))
            if r is not None:
                r.name = name
            elif self._active:
                self._param_names[id(t)] = name      # a leaf not used yet
                self._keep.append(t)
            else:
                raise ValueError(f"record_torch.name: {name}= is not a tensor of this recording")
            self._graph = None
        return self

    # -------------------------------------------------------------- module groups
    def _name_module(self, m):
        for name, p in itertools.chain(m.named_parameters(), m.named_buffers()):
            if id(p) not in self._param_names:
                self._param_names[id(p)] = name
                self._keep.append(p)

    def _module_pre(self, module, args):
        if not self._group_stack:
            self._name_module(module)
            first = args[0] if args else None
            if isinstance(first, self._torch.Tensor) and id(first) not in self._param_names:
                self._param_names[id(first)] = "input"
                self._keep.append(first)
        self._group_stack.append((type(module).__name__, next(self._group_ids), id(module)))

    def _module_post(self, module, args, output):
        # pop to this module's own entry, so a forward that raised cannot leave stale groups
        for i in range(len(self._group_stack) - 1, -1, -1):
            if self._group_stack[i][2] == id(module):
                del self._group_stack[i:]
                break

    # -------------------------------------------------------------- forward recording
    def _key(self, t):
        fn = t.grad_fn
        if fn is None:
            return ("leaf", id(t))
        return (id(fn), t.output_nr)

    def _tensor_for(self, t, key, fn_name, pos):
        rec = self._tensors.get(key)
        if rec is not None:
            return rec
        fn = t.grad_fn
        if _custom_class(fn) is not None and self._active:
            return self._custom_output(t)
        name = self._param_names.get(id(t))
        if fn is None:
            kind = "leaf"
            if name is None:
                role = _NAMED_INPUTS.get(fn_name, ())
                name = role[pos] if pos < len(role) else None
        else:
            problem = _UNMAPPABLE.get(_fn_name(fn))
            if problem is not None:
                self._problems.append(problem)
            kind = "external"      # computed before the block (or by code the mode cannot see)
            if problem is None and self._reaches_recorded(fn):
                self._problems.append(
                    f"an input of {fn_name} was computed inside the block by an operation the "
                    f"recorder cannot see ({_fn_name(fn)}"
                    + ("; module full backward hooks insert these, remove them while recording)"
                       if _fn_name(fn).startswith("BackwardHookFunction") else ")"))
            self._nodes_keep.append(fn)
            self._hook_total(fn, key)
        rec = _Tensor(key, kind, t.detach().clone(), name, t.requires_grad,
                      {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")})
        rec.obj_id = id(t)
        if kind == "leaf" and t.grad is not None:
            self._had_grad.add(id(rec))      # .grad from an earlier pass: this one adds to it
        self._tensors[key] = rec
        self._keep.append(t)
        return rec

    def _custom_output(self, t):
        """The output ``t`` of a ``torch.autograd.Function``, recorded as (an output of) one gate
        named after the class. ``Function.apply`` is invisible to a TorchFunctionMode (its forward
        runs with grad off), so the gate is made when its output is first read: its inputs are
        its grad_fn's edges, its backward's gradients the downstream ones (local: "custom backward")."""
        fn = t.grad_fn
        gate = self._custom.get(id(fn))
        if gate is None:
            name = fn._forward_cls.__name__
            ins, pos, wired = [], [], []
            for j, (nxt, nr) in enumerate(fn.next_functions):
                if nxt is None:
                    continue             # an input that needs no gradient (or not a tensor)
                if hasattr(nxt, "variable"):
                    v = nxt.variable
                    r = self._tensor_for(v, ("leaf", id(v)), name, j)
                    self._hook_leaf(nxt, r)
                else:
                    r = self._tensors.get((id(nxt), nr))
                    if r is None:
                        self._problems.append(f"an input of the custom Function {name} was computed by "
                                              f"an operation the recorder cannot see ({_fn_name(nxt)})")
                        continue
                ins.append(r)
                pos.append(j)
            gate = _Gate(name, name, ins, tuple(pos), [], {}, tuple((g[0], g[1]) for g in self._group_stack))
            gate.custom = True
            gate.internal = (_fn_name(fn),)
            gate.edges = {id(fn): [(j, i) for i, j in enumerate(pos)]}
            self._custom[id(fn)] = gate
            self._gates.append(gate)
            self._nodes_keep.append(fn)

            def post(grad_inputs, grad_outputs, gate=gate, pos=tuple(pos)):
                for i, j in enumerate(pos):
                    if grad_inputs[j] is not None:
                        gate.downstream[i] = _snap(grad_inputs[j])
            self._handles.append(fn.register_hook(post))
            self._hook_head(gate, fn, wired)
            self._custom_wired[id(fn)] = wired
        self._outputs(gate, [t], fn._forward_cls.__name__)
        rec = gate.outs[-1]
        self._custom_wired[id(fn)].append((t.output_nr, rec))
        return rec

    def _reaches_recorded(self, fn) -> bool:
        """Does grad_fn ``fn`` depend on a recorded gate? Then it was made inside the block."""
        seen, stack = {id(fn)}, [fn]
        while stack:
            node = stack.pop()
            for nxt, _ in node.next_functions:
                if nxt is None or id(nxt) in seen:
                    continue
                if id(nxt) in self._gate_fns:
                    return True
                seen.add(id(nxt))
                stack.append(nxt)
        return False

    def _hook_total(self, fn, key):
        nr = key[1]

        def pre(grad_outputs, key=key, nr=nr):
            r = self._tensors.get(key)
            if r is not None and grad_outputs[nr] is not None:
                r.hits += 1
                r.grad = _snap(grad_outputs[nr])
        self._handles.append(fn.register_prehook(pre))

    def _hook_leaf(self, acc, rec):
        if id(acc) in self._acc_hooked:
            return
        self._acc_hooked.add(id(acc))
        self._nodes_keep.append(acc)

        def pre(grad_outputs, rec=rec):
            if grad_outputs[0] is not None:
                rec.hits += 1
                rec.grad = _snap(grad_outputs[0])
        self._handles.append(acc.register_prehook(pre))

    def _record(self, func, args, kwargs):
        """Run ``func`` and record it as a gate when it produces a tensor that requires grad."""
        torch = self._torch
        Tensor = torch.Tensor
        if func is Tensor.backward or func is torch.autograd.backward:
            return self._run_backward(func, "backward", args, kwargs)
        if func is torch.autograd.grad:
            return self._run_backward(func, "grad", args, kwargs)
        name = getattr(func, "__name__", str(func))
        if name == "__get__":        # a property (t.T, t.mT): name it by the attribute
            name = getattr(getattr(func, "__self__", None), "__name__", name)
        flat = []
        for pos, a in enumerate(itertools.chain(args, kwargs.values())):
            if isinstance(a, Tensor):
                flat.append((pos, a))
            elif isinstance(a, (list, tuple)):
                flat.extend((pos, b) for b in a if isinstance(b, Tensor))
        if not any(t.requires_grad for _, t in flat):
            return func(*args, **kwargs)
        keys = [self._key(t) for _, t in flat]        # before the call: in-place ops move grad_fn
        before = [t.grad_fn for _, t in flat]
        written = _written(name, args, kwargs, Tensor)
        if written and self._lazy:
            self._materialize(written)
        out = func(*args, **kwargs)
        outs = [o for o in (out if isinstance(out, (tuple, list)) else (out,))
                if isinstance(o, Tensor) and o.grad_fn is not None]
        for (_, t), fn in zip(flat, before):
            if t.grad_fn is not fn and not any(t is o for o in outs):
                problem = _UNMAPPABLE.get(_fn_name(t.grad_fn) if t.grad_fn is not None else "")
                self._problems.append(problem or f"{name} changed a tensor in place without returning it")
        if not outs:
            return out
        multi = isinstance(out, (tuple, list)) and sum(isinstance(o, Tensor) for o in out) > 1
        if not multi and self._key(outs[0]) in keys:   # an input handed back (x.float() on a float)
            return out
        if multi:
            # every tensor of the result is an output wire (max's indices too: no gradient, but a
            # value a later gather reads); one handed back unchanged is not an output
            outs = [o for o in out if isinstance(o, Tensor) and self._key(o) not in keys]
        op = _canon(name)
        consts = [a for a in args if isinstance(a, (int, float)) and not isinstance(a, bool)]
        if op in ("sub", "div", "pow") and args and not isinstance(args[0], Tensor):
            op = "r" + op            # torch.pow(2, t) is 2**t
        ins = [self._tensor_for(t, k, op, pos) for (pos, t), k in zip(flat, keys)]
        # positions among the op's operands: ``1 - t`` arrives as __rsub__(t, 1), t is operand 1
        pos = (1,) if op in ("rsub", "rdiv", "rpow") and len(ins) == 1 else tuple(p for p, _ in flat)
        gate = _Gate(op, _label(op, consts, len(ins)), ins, pos, consts,
                     {k: v for k, v in kwargs.items() if isinstance(v, (int, float, bool, str))},
                     tuple((g[0], g[1]) for g in self._group_stack))
        self._outputs(gate, outs, name)
        self._map(gate, keys, flat, outs)
        self._gates.append(gate)
        return out

    def _materialize(self, written):
        """Copy the recorded values that an in-place op is about to overwrite (the tensor, or any
        view of the same storage: ``out += identity``, ``relu_``), while they still hold them."""
        ptrs = set()
        for t in written:
            try:
                ptrs.add(t.untyped_storage().data_ptr())
            except (RuntimeError, NotImplementedError):   # no storage (a tensor subclass)
                return
        for r in self._lazy:
            v = r.value
            if isinstance(v, _Ref) and v.t._version == v.ver and v.t.untyped_storage().data_ptr() in ptrs:
                r.value = v.t.clone()

    def _outputs(self, gate, outs, name):
        """Record ``outs`` (the user's tensors) as the output wires of ``gate``."""
        for o in outs:
            okey = self._key(o)
            rec = _Tensor(okey, "gate", _Ref(o), None, o.requires_grad,
                          {"shape": list(o.shape), "dtype": str(o.dtype).replace("torch.", ""), "op": name})
            rec.gate = gate
            rec.obj_id = id(o)
            gate.outs.append(rec)
            self._lazy.append(rec)
            self._tensors[okey] = rec
            self._keep.append(o)
            if o.grad_fn is not None:
                self._gate_fns.add(id(o.grad_fn))
        gate.out = gate.outs[0]

    def _map(self, gate, keys, flat, outs):
        """Find the gate's grad_fn sub-graph and hook it (see the module docstring)."""
        bound = {}                   # (id(node), nr) -> input positions, in order
        leaf_pos = {}                # id(leaf tensor) -> input positions
        for i, ((_, t), k) in enumerate(zip(flat, keys)):
            if not t.requires_grad:
                continue
            if k[0] == "leaf":
                leaf_pos.setdefault(id(t), []).append(i)
            else:
                bound.setdefault(k, []).append(i)
        # the output nodes: one for most ops; a multi-output op's outputs may come from several
        # (nn.LSTM: the layer's node for ``output``, a stack for ``h_n`` and another for ``c_n``)
        heads = {}                   # id(grad_fn) -> (grad_fn, [(output_nr, output _Tensor)])
        for o, r in zip(outs, gate.outs):
            if o.grad_fn is not None:
                heads.setdefault(id(o.grad_fn), (o.grad_fn, []))[1].append((o.output_nr, r))
        fns = [fn for fn, _ in heads.values()]
        internal, seen, stack = [], {id(f) for f in fns}, list(reversed(fns))
        edges, inner = {}, set()
        while stack:                 # iterative: a gate's sub-graph is small, but never recurse
            node = stack.pop()
            internal.append(node)
            problem = _UNMAPPABLE.get(_fn_name(node))
            if problem is not None:
                self._problems.append(problem)
            for j, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                pos = bound.get((id(nxt), nr))
                if pos is None and hasattr(nxt, "variable"):
                    pos = leaf_pos.get(id(nxt.variable))
                    if pos is None:
                        self._problems.append(f"{gate.op} reads a tensor that requires grad but is not "
                                              "among its arguments; the recorder cannot place it")
                        continue
                    self._hook_leaf(nxt, gate.inputs[pos[0]])
                if pos is not None:
                    edges.setdefault(id(node), []).append((j, pos))
                    continue
                if (id(nxt), nr) in self._tensors or id(nxt) in seen:
                    if id(nxt) in heads:
                        inner.add(id(nxt))  # lstm_cell: h = o * tanh(c) reads the output c
                    if id(nxt) not in seen:
                        self._problems.append(f"{gate.op} reads an earlier result that is not among its "
                                              "arguments; the recorder cannot place it")
                    continue
                seen.add(id(nxt))
                stack.append(nxt)
        # which input position each edge feeds: repeated inputs (x * x) are told apart by
        # position when the gate is one node whose edges line up with its arguments
        positional = (len(internal) == 1 and len(internal[0].next_functions) == len(flat))
        final = {}
        for nid, lst in edges.items():
            final[nid] = []
            for j, pos in lst:
                if len(pos) == 1:
                    final[nid].append((j, pos[0]))
                elif positional and j in pos:
                    final[nid].append((j, j))
                else:
                    final[nid].append((j, pos[0]))
                    gate.shared.update(pos[1:])
        gate.internal = tuple(_fn_name(n) for n in internal)
        gate.edges = final
        # such an output's grad_fn sees its consumers' gradient plus the gate's own inner one;
        # the wire shows what its consumers sent (summed when the graph is built)
        gate.inner = tuple(r for fid in inner for _, r in heads[fid][1])
        self._nodes_keep.extend(internal)
        for fn, wired in heads.values():
            self._hook_head(gate, fn, wired)
        for node in internal:
            if id(node) not in final:
                continue

            def post(grad_inputs, grad_outputs, gate=gate, lst=final[id(node)]):
                done = {}            # AddBackward0 sends one tensor to both inputs: copy it once
                for j, i in lst:
                    g = grad_inputs[j]
                    if g is None:
                        continue
                    snap = done.get(id(g))
                    if snap is None:
                        snap = done[id(g)] = _snap(g)
                    d = gate.downstream[i]
                    gate.downstream[i] = snap if d is None else _full(d) + _full(snap)
            self._handles.append(node.register_hook(post))

    def _hook_head(self, gate, fn, wired):
        """A pre-hook on an output node of ``gate``: the total gradient of each output it makes."""
        key = id(fn)

        def pre(grad_outputs):
            # runs once the outputs' gradients are complete (all consumers added in): the totals.
            # A multi-output gate's step comes after its last output node ran (its inputs'
            # producers run later still), so ``order`` is the last firing's.
            n = gate.fires[key] = gate.fires.get(key, 0) + 1
            gate.fired = max(gate.fired, n)
            if gate.order is None or len(gate.outs) > 1:
                gate.order = next(self._fire)
            for nr, r in wired:
                if grad_outputs[nr] is not None:
                    r.grad = _snap(grad_outputs[nr])
        self._handles.append(fn.register_prehook(pre))

    def _run_backward(self, func, name, args, kwargs):
        if name == "grad":
            self._grad_calls += 1
        else:
            self._backward_calls += 1
            roots = args[0] if args else kwargs.get("tensors", kwargs.get("self"))
            roots = roots if isinstance(roots, (list, tuple)) else [roots]
            for r in roots:
                if isinstance(r, self._torch.Tensor) and r.grad_fn is not None:
                    if _custom_class(r.grad_fn) is not None:
                        self._tensor_for(r, self._key(r), "backward", 0)    # a custom Function's loss
                    self._backward_roots.append(self._key(r))
                    self._root_tensor = r          # for inputs_of(rec): the CLI's "is an output"
        self._in_hook = True
        try:
            return func(*args, **kwargs)
        finally:
            self._in_hook = False

    # -------------------------------------------------------------- output
    def _check(self):
        if self._active:
            raise RecordingStateError("record_torch: call graph() / trace() after the with block has ended")
        if self._problems:
            raise _unmappable(self._problems[0])
        if not self._gates:
            raise RecordingError("record_torch: no operation on a tensor that requires grad was recorded; "
                             "create the parameters or inputs with requires_grad=True (nn.Module "
                             "parameters are) and run the forward pass inside the with block")
        if self._grad_calls:
            raise RecordingError("record_torch: torch.autograd.grad was called inside the block; the recorder "
                             "follows one loss.backward(), call that instead")
        if self._backward_calls > 1 or any(g.fired > 1 for g in self._gates):
            raise RecordingError("record_torch: backward ran more than once through the recorded graph "
                             f"({self._backward_calls} backward calls); record one forward and one "
                             "backward per with block")
        if not any(g.fired for g in self._gates):
            raise RecordingStateError("record_torch: backward() was not called inside the with block, so there "
                               "are no gradients to show; call loss.backward() before the block ends "
                               "(for the structure alone use viz.sources.torch.tensor_graph(loss))")

    def _root(self):
        for key in self._backward_roots:
            r = self._tensors.get(key)
            if r is not None and r.gate is not None:
                return r
        if self._backward_roots:
            raise RecordingError("record_torch: backward() was called on a tensor computed outside the "
                             "with block; compute the loss inside it")
        return min((g for g in self._gates if g.order is not None), key=lambda g: g.order).out

    def graph(self) -> GraphData:
        """The recorded graph as :class:`GraphData` (values, gradients, groups, locals).

        ``rec.graph().node(rec.graph().root).value`` is the loss.
        """
        if self._graph is None:
            self._check()
            self._graph = self._build()
        return self._graph

    def trace(self) -> TraceData:
        """The backward pass as :class:`TraceData`: one step per gate, in the order PyTorch ran them.

        ``[s.node for s in rec.trace()]``
        """
        g = self.graph()
        if self._trace is not None and self._trace.graph is g:
            return self._trace
        steps = []
        for gate in sorted((x for x in self._gates if x.order is not None and x.out.node is not None),
                           key=lambda x: x.order):
            if len(gate.outs) > 1:
                # one step for the whole gate: the upstream of each output wire (None: unused)
                n = g.node(gate.node)
                upstream = tuple(_np(o.grad) for o in gate.outs)
            else:
                n = g.node(gate.out.node)
                upstream = n.grad
            steps.append(StepData(index=len(steps), node=n.id, upstream=upstream,
                                  downstream=tuple(_np(d) for d in gate.downstream),
                                  local=n.local, formulas=n.formulas))
        self._trace = TraceData(graph=g, steps=tuple(steps))
        return self._trace

    def _build(self) -> GraphData:
        root = self._root()
        # keep what the root depends on (a metric computed alongside is not part of the loss)
        need, stack = {id(root)}, [root]
        while stack:
            r = stack.pop()
            if r.gate is not None:
                for i in r.gate.inputs:
                    if id(i) not in need:
                        need.add(id(i))
                        stack.append(i)
                for o in r.gate.outs:           # a multi-output gate is drawn with every output
                    need.add(id(o))
        for r in self._tensors.values():
            r.node = None
        inner = {id(r) for gate in self._gates for r in gate.inner}
        hooked = {id(r): r for r in self._tensors.values() if r.hooked and r is not root and r.grad is not None}
        totals = self._consumer_totals(inner | set(hooked)) if inner or hooked else {}
        for gate in self._gates:
            for r in gate.inner:
                r.grad = totals.get(id(r))
        for key, r in hooked.items():
            sent = totals.get(key)
            # the tensor hook ran between its consumers and the wire: the wire carries what
            # flows on, and says what the consumers sent
            if sent is not None and not torch_allclose(sent, _full(r.grad)):
                r.meta["grad_note"] = "changed by a hook"
                r.meta["grad_before_hook"] = _plain(_np(sent))
        order = []
        for gate in self._gates:
            gate.node = None
            if id(gate.out) not in need:
                continue
            for i in gate.inputs:
                if i.node is None and id(i) in need:
                    i.node = f"n{len(order)}"
                    order.append(i)
            if len(gate.outs) > 1:
                gate.node = f"n{len(order)}"
                order.append(gate)
            for o in gate.outs:
                o.node = f"n{len(order)}"
                order.append(o)
        nodes = []
        for r in order:
            if isinstance(r, _Gate):
                nodes.append(self._multi_node(r))
                continue
            meta = dict(r.meta)
            if r.gate is None:
                meta["kind"] = r.kind
                nodes.append(Node(id=r.node, label=r.name or "", op="leaf", inputs=(),
                                  value=_np(r.value), grad=_np(r.grad), name=r.name, meta=meta))
                continue
            gate = r.gate
            if len(gate.outs) > 1:
                k = gate.outs.index(r)
                meta.update(output_of=gate.node, index=k)
                known = _OUTPUT_NAMES.get(gate.op, ())
                name = r.name or (known[k] if k < len(known) else None)
                nodes.append(Node(id=r.node, label=f"[{k}]", op="output", inputs=(gate.node,),
                                  value=_np(r.value), name=name, grad=_np(r.grad), group=gate.group,
                                  formulas=(f"output {k} of {gate.label}",), meta=meta))
                continue
            ins = tuple(i.node for i in gate.inputs)
            vals = [_np(i.value) for i in gate.inputs]
            out = _np(r.value)
            local = _local(gate.op, [np.asarray(v) for v in vals], gate.consts,
                           None if out is None else np.asarray(out), gate.kwargs)
            if local is not None and len(local) != len(ins):
                local = None
            meta["grad_fn"] = list(gate.internal)
            meta.update(gate.where)
            if gate.shared:
                meta["shared_inputs"] = sorted(gate.shared)
            nodes.append(Node(id=r.node, label=gate.label, op=gate.op, inputs=ins, value=out, name=r.name,
                              grad=_np(r.grad), group=gate.group, local=local,
                              formulas=self._gate_formulas(gate), input_pos=gate.input_pos, meta=meta))
        return _graphdata(nodes, root.node, "torch",
                          {r.obj_id: r.node for r in order if getattr(r, "obj_id", None) is not None})

    def _consumer_totals(self, wanted) -> dict:
        """id(_Tensor) -> the sum of what its consumers sent it, for the ids in ``wanted``. Its
        grad_fn's own total can differ: a multi-output gate's inner use of an output (set as
        the wire's gradient) or a tensor hook that changed it (shown beside the wire's)."""
        totals = {}
        for gate in self._gates:
            for r, d in zip(gate.inputs, gate.downstream):
                if id(r) in wanted and d is not None:
                    totals[id(r)] = _full(d) if id(r) not in totals else totals[id(r)] + _full(d)
        return totals

    @staticmethod
    def _gate_formulas(gate) -> tuple:
        if gate.custom:
            return tuple("custom backward" if i.requires_grad else
                         "no gradient: this input does not require grad" for i in gate.inputs)
        return _formulas(gate.op, len(gate.inputs), gate.internal, gate.consts,
                         [i.requires_grad for i in gate.inputs])

    def _multi_node(self, gate) -> Node:
        """The node of a multi-output gate itself (see ``viz.graphdata``: its outputs are the
        ``op="output"`` nodes after it, each drawn as one of its output wires)."""
        meta = {"outputs": [o.node for o in gate.outs], "grad_fn": list(gate.internal),
                "shape": list(gate.out.meta.get("shape", ())), "dtype": gate.out.meta.get("dtype"), **gate.where}
        if gate.shared:
            meta["shared_inputs"] = sorted(gate.shared)
        return Node(id=gate.node, label=gate.label, op=gate.op, inputs=tuple(i.node for i in gate.inputs),
                    value=None, grad=None, group=gate.group, formulas=self._gate_formulas(gate),
                    input_pos=gate.input_pos, meta=meta)


def _defined_at(fn) -> str:
    """'file:line' where ``fn`` (a custom Function's backward) is defined, or ''."""
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    return f"{code.co_filename}:{code.co_firstlineno}" if code is not None else ""


def _plain(a):
    """A number or array as JSON-friendly data for ``Node.meta`` (a float or nested lists)."""
    return a.tolist() if isinstance(a, np.ndarray) else a


def _graphdata(nodes, root, source, lookup) -> GraphData:
    """GraphData with deterministic group numbers and, where the format has them, ``lookup``
    (id of the user's tensor -> node id, valid while those tensors live)."""
    try:
        from ..graphdata import number_groups
    except ImportError:          # an older graphdata: the recording's own call numbers
        number_groups = None
    if number_groups is not None:
        paths = number_groups([n.group for n in nodes])
        nodes = [n if n.group == p else dataclasses.replace(n, group=p) for n, p in zip(nodes, paths)]
    if "lookup" in GraphData.__dataclass_fields__:
        return GraphData(nodes=tuple(nodes), root=root, source=source, lookup=lookup)
    return GraphData(nodes=tuple(nodes), root=root, source=source)


def _mode_class():
    """The TorchFunctionMode subclass (made on first use: torch is imported lazily)."""
    global _MODE
    if _MODE is None:
        from torch.overrides import TorchFunctionMode

        class _RecordMode(TorchFunctionMode):
            def __init__(self, rec):
                super().__init__()
                self.rec = rec

            def __torch_function__(self, func, types, args=(), kwargs=None):
                kwargs = kwargs or {}
                rec = self.rec
                if rec._in_hook or not rec._active:
                    return func(*args, **kwargs)
                return rec._record(func, args, kwargs)
        _MODE = _RecordMode
    return _MODE


_MODE = None


def record_torch(*modules, names=None, model=None) -> TorchRecording:
    """Record a PyTorch forward and backward pass for viz: ``with record_torch() as rec: ...``.

    Every torch function call on a tensor that requires grad becomes a gate, each
    ``nn.Module`` call a group; ``loss.backward()`` must run inside the block. Leaves are
    named after the parameters of the outermost module called (``"0.weight"``,
    ``"fc1.bias"``) and ``"input"`` for its first argument; ``names={id(W1): "W1"}`` (or
    ``{"W1": W1}``), ``model=net`` or modules passed here name more. Afterwards
    ``rec.graph()`` / ``rec.trace()``; ``viz.Diagram(rec, names=..., model=...)`` names
    tensors after the fact too.

    >>> import torch
    >>> w = torch.ones(2, requires_grad=True)
    >>> with record_torch(names={"w": w}) as rec:
    ...     loss = (w * 3.0).sum()
    ...     loss.backward()
    >>> [n.label for n in rec.graph().nodes]
    ['w', '*3', 'sum']
    """
    return TorchRecording(names=names, modules=modules, model=model)


# ------------------------------------------------------------------ structure only
def _fn_label(name: str) -> str:
    name = name.rsplit("::", 1)[-1]
    for suffix in ("Backward0", "Backward1", "Backward"):
        if name.endswith(suffix):
            return name[: -len(suffix)] or name
    return name


def tensor_graph(t, names=None, model=None) -> GraphData:
    """The structure of ``t``'s autograd graph from ``grad_fn`` alone (no recording needed).

    Gates are PyTorch's own nodes (``Addmm``, ``T``, ``Relu``), drawn as they are; leaves
    are the ``AccumulateGrad`` variables with their value and ``.grad``; ``names`` maps
    names to tensors (``dict(model.named_parameters())``). Intermediate values and
    gradients are None: PyTorch does not keep them (record with :func:`record_torch`).

    >>> import torch
    >>> fc = torch.nn.Linear(3, 2)
    >>> loss = fc(torch.ones(4, 3)).sum(); loss.backward()
    >>> g = tensor_graph(loss, names=dict(fc.named_parameters()))
    >>> [n.label for n in g.nodes]
    ['bias', 'weight', 'T', 'Addmm', 'Sum']
    """
    torch = _torch()
    if not isinstance(t, torch.Tensor):
        raise TypeError(f"tensor_graph: expected a torch.Tensor, got {type(t).__name__}")
    if t.grad_fn is None:
        raise ValueError("tensor_graph: this tensor has no grad_fn (it is a leaf or does not require "
                         "grad), so there is no graph to draw; compute it from tensors with "
                         "requires_grad=True")
    by_id = _id_names(names, model)
    # the adapters' one iterative walk: inputs before the nodes that read them, no recursion
    from ._walk import topo_order
    order = topo_order(t.grad_fn, lambda node: [n for n, _ in node.next_functions if n is not None])
    ids = {id(node): f"n{i}" for i, node in enumerate(order)}
    nodes = []
    for node in order:
        nid = ids[id(node)]
        if hasattr(node, "variable"):
            v = node.variable
            name = by_id.get(id(v))
            nodes.append(Node(id=nid, label=name or "", op="leaf", value=_np(v.detach().clone()),
                              grad=_np(v.grad.detach().clone()) if v.grad is not None else None,
                              name=name, meta={"shape": list(v.shape), "grad_fn": _fn_name(node)}))
            continue
        ins = tuple(ids[id(n)] for n, _ in node.next_functions if n is not None)
        value = _np(t.detach().clone()) if node is t.grad_fn else None
        label = _fn_label(_fn_name(node))
        nodes.append(Node(id=nid, label=label, op=label.lower(),
                          inputs=ins, value=value, grad=None,
                          formulas=tuple("computed by PyTorch" for _ in ins),
                          meta={"grad_fn": _fn_name(node), "structure_only": True}))
    return GraphData(nodes=tuple(nodes), root=ids[id(t.grad_fn)], source="torch-structure")


# ------------------------------------------------------------------ registry entry points
# viz.sources dispatches here for a torch object or a TorchRecording (it checks the type's
# module, so nothing imports torch before a torch object is drawn).
def handles(obj) -> bool:
    """True for what this adapter reads (a recording or a torch tensor); never imports torch.

    >>> handles(1.0)
    False
    """
    if isinstance(obj, TorchRecording):
        return True
    mod = type(obj).__module__ or ""
    return mod == "torch" or mod.startswith("torch.")


def _is_tensor(obj) -> bool:
    torch = sys.modules.get("torch")          # a tensor exists only once torch is imported
    return torch is not None and isinstance(obj, torch.Tensor)


def as_graph(obj, names=None, model=None, **_opts) -> GraphData:
    """GraphData of a :class:`TorchRecording`, or (structure only, see :func:`tensor_graph`) of
    a tensor after ``backward()``; ``names`` (name -> tensor) or ``model`` (an ``nn.Module``)
    names a tensor graph's leaves.

    >>> import torch
    >>> w = torch.ones(2, requires_grad=True)
    >>> with record_torch() as rec:
    ...     (w * w).sum().backward()
    >>> as_graph(rec).source
    'torch'
    """
    if isinstance(obj, TorchRecording):
        return _renamed(obj.graph(), names, model)
    return tensor_graph(obj, names=names, model=model)


def _id_names(names, model) -> dict:
    """``id(tensor) -> name`` from ``names`` (``{id(t): "W"}``, as every source takes, or
    ``{"W": t}``) and ``model`` (an ``nn.Module``: its parameter and buffer names)."""
    out = {}
    if model is not None:
        if not hasattr(model, "named_parameters"):
            raise TypeError(f"viz: model= for a PyTorch graph must be an nn.Module, got {type(model).__name__}")
        for k, t in itertools.chain(model.named_parameters(), model.named_buffers()):
            out.setdefault(id(t), k)
    for k, v in dict(names or {}).items():
        if isinstance(k, str) and not isinstance(v, str):
            out[id(v)] = k
        elif isinstance(v, str):
            out[k] = v
        else:
            raise TypeError("viz: names= maps id(tensor) to a name ({id(W): 'W'}) or a name to a tensor, "
                            f"got {type(k).__name__} -> {type(v).__name__}")
    return out


def _renamed(g: GraphData, names, model) -> GraphData:
    """``g`` with the tensors in ``names`` named (they win) and ``model``'s parameters named
    where the recording left them unnamed."""
    if not names and model is None:
        return g
    explicit = _id_names(names, None)
    from_model = _id_names(None, model)
    by_node = {}
    for obj, nid in g.lookup.items():
        name = explicit.get(obj)
        if name is None and obj in from_model and g.node(nid).name is None:
            name = from_model[obj]
        if name is not None:
            by_node[nid] = name
    if not by_node:
        return g
    nodes = []
    for n in g.nodes:
        name = by_node.get(n.id)
        if name is None:
            nodes.append(n)
        else:
            nodes.append(dataclasses.replace(n, name=name, label=name if n.is_leaf else n.label))
    return GraphData(nodes=tuple(nodes), root=g.root, source=g.source, lookup=g.lookup)


def as_trace(obj, who: str = "viz", **_opts) -> TraceData:
    """TraceData of a :class:`TorchRecording`; a bare tensor keeps no per-gate gradients.

    >>> import torch
    >>> w = torch.ones(2, requires_grad=True)
    >>> with record_torch() as rec:
    ...     (w * w).sum().backward()
    >>> len(as_trace(rec)) == len(rec.graph().gates())
    True
    """
    if isinstance(obj, TorchRecording):
        t = obj.trace()
        g = _renamed(t.graph, _opts.get("names"), _opts.get("model"))
        return t if g is t.graph else TraceData(graph=g, steps=t.steps)
    raise ValueError(f"{who}: stepping through a PyTorch backward pass needs a recording (a tensor "
                     "keeps no per-gate gradients): with viz.record_torch() as rec: loss = ...; "
                     "loss.backward(), then pass rec")


def is_node(obj) -> bool:
    """A recording, or a tensor in an autograd graph: what a script may expose for the CLI.

    >>> is_node("loss")
    False
    """
    if isinstance(obj, TorchRecording):
        return True
    return _is_tensor(obj) and (obj.grad_fn is not None or obj.requires_grad)


def inputs_of(obj) -> tuple:
    """What ``obj`` was computed from, as far as PyTorch keeps it: a recording's loss tensor;
    for a tensor, the leaf tensors its graph reads (PyTorch keeps no link from a node to the
    intermediate tensors, so a script exposing ``h`` and ``loss`` draws both).

    >>> import torch
    >>> w = torch.ones(2, requires_grad=True)
    >>> inputs_of(w), len(inputs_of((w * w).sum()))
    ((), 1)
    """
    if isinstance(obj, TorchRecording):
        alive = [t for t in (ref() for ref in obj._results) if t is not None and t is not obj._root_tensor]
        return ((obj._root_tensor,) if obj._root_tensor is not None else ()) + tuple(alive)
    if not _is_tensor(obj) or obj.grad_fn is None:
        return ()
    out, seen, stack = [], {id(obj.grad_fn)}, [obj.grad_fn]
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None or id(nxt) in seen:
                continue
            seen.add(id(nxt))
            if hasattr(nxt, "variable"):
                out.append(nxt.variable)
            else:
                stack.append(nxt)
    return tuple(out)

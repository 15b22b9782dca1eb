"""What the PyTorch recorder knows about ops: canonical names, gate labels, local-derivative
formulas and values, output names of multi-output ops, and the grad_fn patterns it refuses.

One table per question, read by :mod:`viz.sources.torch` when it builds the plain-data graph.

>>> _label("mul", [0.5], 1), _canon("__radd__"), _OUTPUT_NAMES["lstm"]
('*0.5', 'add', ('output', 'h_n', 'c_n'))
"""
from __future__ import annotations

import numpy as np

# canonical op name for torch's spellings of the same operation
_CANON = {
    "__add__": "add", "__radd__": "add", "__iadd__": "add", "add_": "add",
    "__sub__": "sub", "__isub__": "sub", "sub_": "sub", "subtract": "sub",
    "__rsub__": "rsub",
    "__mul__": "mul", "__rmul__": "mul", "__imul__": "mul", "mul_": "mul", "multiply": "mul",
    "__truediv__": "div", "__itruediv__": "div", "div_": "div", "true_divide": "div", "divide": "div",
    "__rtruediv__": "rdiv", "__rdiv__": "rdiv",
    "__matmul__": "matmul", "__rmatmul__": "matmul", "mm": "matmul", "bmm": "matmul",
    "__pow__": "pow", "pow_": "pow", "__ipow__": "pow", "__rpow__": "rpow",
    "__neg__": "neg", "negative": "neg", "neg_": "neg",
    "__getitem__": "getitem", "relu_": "relu", "sigmoid_": "sigmoid", "tanh_": "tanh",
    "exp_": "exp", "log_": "log", "sqrt_": "sqrt", "abs_": "abs", "leaky_relu_": "leaky_relu",
    "square_": "square",
}
# the output wires' names of multi-output ops (a name the user gave wins)
_OUTPUT_NAMES = {
    "lstm": ("output", "h_n", "c_n"), "gru": ("output", "h_n"), "rnn_tanh": ("output", "h_n"),
    "rnn_relu": ("output", "h_n"), "lstm_cell": ("h", "c"),
    "max": ("values", "indices"), "min": ("values", "indices"), "sort": ("values", "indices"),
    "topk": ("values", "indices"), "var_mean": ("var", "mean"), "std_mean": ("std", "mean"),
    "multi_head_attention_forward": ("attn_output", "attn_weights"),
}
_SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@", "pow": "**", "neg": "-x",
           "sigmoid": "σ", "square": "**2", "multi_head_attention_forward": "multi_head_attention"}

_FORMULAS = {
    "add": ("d(x+y)/dx = 1", "d(x+y)/dy = 1"),
    "sub": ("d(x-y)/dx = 1", "d(x-y)/dy = -1"),
    "rsub": ("d(c-x)/dx = -1",),
    "mul": ("d(x*y)/dx = y", "d(x*y)/dy = x"),
    "div": ("d(x/y)/dx = 1/y", "d(x/y)/dy = -x/y²"),
    "rdiv": ("d(c/x)/dx = -c/x²",),
    "rpow": ("d(c^x)/dx = c^x·ln c",),
    "where": ("no gradient to the condition", "d where(c,x,y)/dx = c", "d where(c,x,y)/dy = 1 - c"),
    "pow": ("d(x^k)/dx = k·x^(k-1)", "d(x^y)/dy = x^y·ln x"),
    "neg": ("d(-x)/dx = -1",),
    "relu": ("d relu(x)/dx = 1 if x > 0 else 0",),
    "sigmoid": ("dσ(x)/dx = σ(x)(1 - σ(x))",),
    "tanh": ("d tanh(x)/dx = 1 - tanh²(x)",),
    "exp": ("d(e^x)/dx = e^x",),
    "log": ("d(ln x)/dx = 1/x",),
    "sqrt": ("d(√x)/dx = 1/(2√x)",),
    "abs": ("d|x|/dx = sign(x) (0 at 0)",),
    "square": ("d(x²)/dx = 2·x",),
    "leaky_relu": ("d/dx = 1 if x > 0 else α",),
    "clone": ("d clone(x)/dx = 1",),
    "matmul": ("d(A@B)/dA → upstream @ Bᵀ", "d(A@B)/dB → Aᵀ @ upstream"),
    "linear": ("d linear/dx → upstream @ W", "d linear/dW → upstreamᵀ @ x",
               "d linear/db → upstream summed over the batch"),
    "conv2d": ("dL/dx = col2im(Wᵀ · upstream)", "dL/dW = upstream · im2col(x)ᵀ",
               "dL/db = upstream summed over batch and positions"),
    "max_pool2d": ("dL/dx = upstream routed to each window's max, 0 elsewhere",),
    "avg_pool2d": ("dL/dx = upstream / k² spread over each window",),
    "cross_entropy": ("dL/ds = (softmax(s) - onehot(y)) / N",),
    "nll_loss": ("dL/dlogp = -onehot(y) / N",),
    "mse_loss": ("dL/dx = 2(x - y)/N", "dL/dy = -2(x - y)/N"),
    "sum": ("d(Σx)/dx = 1 (upstream copied to every summed entry)",),
    "mean": ("d mean(x)/dx = 1/n",),
    "flatten": ("upstream reshaped back to the input's shape",),
    "view": ("upstream reshaped back to the input's shape",),
    "reshape": ("upstream reshaped back to the input's shape",),
    "t": ("upstream transposed back",),
    "transpose": ("upstream transposed back",),
    "permute": ("upstream permuted back",),
    "getitem": ("upstream scattered back to the selected entries",),
    "softmax": ("dL/dx = s ⊙ (upstream - Σ upstream ⊙ s)",),
    "log_softmax": ("dL/dx = upstream - softmax(x) · Σ upstream",),
    "split": ("dL/dx = the outputs' upstreams side by side (0 for an unused piece)",),
    "split_with_sizes": ("dL/dx = the outputs' upstreams side by side (0 for an unused piece)",),
    "chunk": ("dL/dx = the outputs' upstreams side by side (0 for an unused piece)",),
    "unbind": ("dL/dx = the outputs' upstreams stacked (0 for an unused one)",),
    "max": ("dL/dx = upstream routed to each maximum's position, 0 elsewhere",),
    "min": ("dL/dx = upstream routed to each minimum's position, 0 elsewhere",),
    "sort": ("dL/dx = upstream scattered back to the sorted entries' positions",),
    "topk": ("dL/dx = upstream scattered to the top-k entries' positions, 0 elsewhere",),
}

_NAMED_INPUTS = {"cross_entropy": (None, "target"), "nll_loss": (None, "target"),
                 "mse_loss": (None, "target")}
# grad_fn names whose graphs cannot be mapped back to the user's calls
_UNMAPPABLE = {
    "CopySlices": "an in-place operation on a view (x[i] = ..., x[:, 0].mul_(...)) rewrote the "
                  "graph (CopySlices); write it out of place (torch.where, torch.cat, or clone() "
                  "before the in-place op)",
    "AsStridedBackward0": "an in-place operation on a view rewrote the graph (AsStridedBackward0); "
                          "write it out of place (torch.where, torch.cat, or clone() first)",
    "AsStridedBackward1": "an in-place operation on a view rewrote the graph (AsStridedBackward1); "
                          "write it out of place (torch.where, torch.cat, or clone() first)",
    "CompiledFunctionBackward": "the graph comes from torch.compile'd code, whose fused kernels hide "
                                "the operations; record the model without torch.compile",
}


def _custom_class(fn):
    """The ``torch.autograd.Function`` subclass whose backward ``fn`` is, else None (the
    BackwardHookFunction that module full backward hooks insert is not the user's op)."""
    cls = getattr(fn, "_forward_cls", None)
    return None if cls is None or cls.__name__ == "BackwardHookFunction" else cls


def _fn_name(node) -> str:
    """A grad_fn's class name without the C++ namespace (``torch::autograd::CopySlices``)."""
    return node.name().rsplit("::", 1)[-1]


def _num(c) -> str:
    return f"{c:g}" if isinstance(c, float) else str(c)


def _canon(name: str) -> str:
    return _CANON.get(name, name)


def _label(op: str, consts: list, n_tensors: int) -> str:
    """Gate text: a symbol for arithmetic, a Python-number operand folded in (``*0.5``)."""
    if op in ("rsub", "rdiv", "rpow") and consts:
        return {"rsub": "{}-x", "rdiv": "{}/x", "rpow": "{}**x"}[op].format(_num(consts[0]))
    sym = _SYMBOL.get(op)
    if sym is None:
        return op
    if consts and n_tensors == 1 and op in ("add", "sub", "mul", "div", "pow"):
        return sym + _num(consts[0])
    return sym


def _as_float(x):
    return x if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def _local(op, ins, consts, out, kwargs):
    """d(out)/d(input) per tensor input as a value (elementwise ops), else None.

    Computed from the recorded forward values (numpy), so a stepper's upstream × local
    (summed over broadcast axes) can be checked against the downstream PyTorch sent.
    """
    n = len(ins)
    c = _as_float(consts[0]) if consts else None
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if op == "add":
            alpha = kwargs.get("alpha", 1)
            return (1.0, float(alpha)) if n == 2 else (1.0,)
        if op == "sub":
            alpha = kwargs.get("alpha", 1)
            return (1.0, -float(alpha)) if n == 2 else (1.0,)
        if op == "rsub" and n == 1:
            return (-float(kwargs.get("alpha", 1)),)
        if op == "neg":
            return (-1.0,)
        if op == "clone" and n == 1:
            return (1.0,)
        if op == "mul":
            if n == 2:
                return ins[1], ins[0]
            return (float(c),) if c is not None else None
        if op == "div":
            if n == 2:
                return 1.0 / ins[1], -ins[0] / (ins[1] * ins[1])
            return (1.0 / c,) if c is not None else None
        if op == "rdiv" and n == 1 and c is not None:
            return (-c / (ins[0] * ins[0]),)
        if op == "rpow" and n == 1 and c is not None and out is not None:
            return (out * np.log(c),)
        if op == "pow" and n == 1 and c is not None:
            return (c * np.power(ins[0], c - 1),)
        if op == "where" and n == 3:
            c = ins[0].astype(bool)
            return 0.0, c.astype(out.dtype), (~c).astype(out.dtype)
        if n != 1 or out is None:
            return None
        x = ins[0]
        if op == "relu":
            return ((x > 0).astype(out.dtype),)
        if op == "sigmoid":
            return (out * (1 - out),)
        if op == "tanh":
            return (1 - out * out,)
        if op == "exp":
            return (out,)
        if op == "log":
            return (1.0 / x,)
        if op == "sqrt":
            return (0.5 / out,)
        if op == "abs":
            return (np.sign(x),)
        if op == "square":
            return (2 * x,)
        if op == "leaky_relu":
            slope = kwargs.get("negative_slope", consts[0] if consts else 0.01)
            return (np.where(x > 0, 1.0, float(slope)).astype(out.dtype),)
    return None


_CONST_FORMULAS = {"add": ("d(x+c)/dx = 1",), "sub": ("d(x-c)/dx = 1",), "mul": ("d(c·x)/dx = c",),
                   "div": ("d(x/c)/dx = 1/c",), "pow": ("d(x^k)/dx = k·x^(k-1)",)}


def _formulas(op, n, internal, consts=(), needs=None) -> tuple:
    """Per input, the display formula of d(out)/d(input); an input that needs no gradient
    (a target, data) says so."""
    f = _FORMULAS.get(op, ())
    if n == 1 and consts and op in _CONST_FORMULAS:
        f = _CONST_FORMULAS[op]
    out = []
    for i in range(n):
        if needs is not None and not needs[i]:
            out.append("no gradient: this input does not require grad")
        elif i < len(f):
            out.append(f[i])
        else:
            out.append(f"d {op}/d input {i}: computed by PyTorch ({', '.join(internal)})")
    return tuple(out)

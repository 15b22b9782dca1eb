"""How the PyTorch recorder keeps the tensors it shows: by reference with PyTorch's version
counter (:class:`_Ref`), a broadcast gradient as its one distinct slice (:class:`_Expanded`),
and their conversion to the plain numbers and numpy arrays of a GraphData (:func:`_np`).

>>> import torch
>>> t = torch.ones(2)
>>> r = _Ref(t); _np(r).tolist()
[1.0, 1.0]
>>> _ = t.mul_(3)                     # a write the recorder did not see: refused when read
>>> try:
...     _np(r)
... except RecordingError as e:
...     print(str(e).split(" after")[0])
record_torch: a recorded tensor of shape (2,) was changed in place
"""
from __future__ import annotations

import numpy as np


class RecordingError(ValueError):
    """A recording viz cannot draw faithfully; the message says why and what to write instead
    (the CLI prints it as one line and exits 1)."""


class RecordingStateError(RecordingError, RuntimeError):
    """A recording used out of order (graph() inside the block, backward() never called)."""


class _Expanded:
    """A broadcast gradient (``sum``'s backward sends ``upstream.expand(shape)``, stride 0) kept
    as its one distinct slice plus the shape: copying it whole would cost a full-size tensor."""

    __slots__ = ("base", "shape")

    def __init__(self, base, shape):
        self.base, self.shape = base, shape

    def tensor(self):
        return self.base.expand(self.shape)


class _Ref:
    """A recorded tensor kept by reference, not copied: copying every value and gradient was
    most of the recorder's cost. PyTorch counts in-place writes (``_version``, shared by views),
    so a write the recorder did not see coming is detected when the tensor is read, never shown
    silently; one it sees (an in-place op in the block) copies the value first (``_materialize``)."""

    __slots__ = ("t", "ver")

    def __init__(self, t, alias=True):
        # a gradient is held as itself: a reference keeps AccumulateGrad from stealing it as
        # .grad (it copies instead), so a later ``.grad.zero_()`` cannot reach the record
        self.t = t.detach() if alias else t
        self.ver = self.t._version

    def get(self):
        if self.t._version != self.ver:
            raise RecordingError(
                f"record_torch: a recorded tensor of shape {tuple(self.t.shape)} was changed in place "
                "after the recorder read it (outside the operations it sees, or after the block); draw "
                "the recording before changing its tensors, or change a clone()")
        return self.t


def _snap(g):
    """Gradient ``g`` as recorded: by reference (see :class:`_Ref`), a broadcast one as its slice."""
    if g.dim() and 0 in g.stride() and g.numel() > 1:
        g = g.detach()
        idx = tuple(slice(0, 1) if st == 0 else slice(None) for st in g.stride())
        return _Expanded(g[idx].clone(), tuple(g.shape))
    return _Ref(g, alias=g.requires_grad)


def _full(t):
    if isinstance(t, _Ref):
        return t.get()
    return t.tensor() if isinstance(t, _Expanded) else t


def _np(t):
    """A recorded tensor as a float or a numpy array of its own (never a view of a live tensor)."""
    if t is None:
        return None
    if isinstance(t, _Expanded):
        return np.array(np.broadcast_to(_np(t.base), t.shape))
    if isinstance(t, _Ref):
        a = _np(t.get())
        return a.copy() if isinstance(a, np.ndarray) else a
    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    try:
        a = t.numpy()
    except TypeError:           # bfloat16 and other dtypes numpy lacks
        a = t.float().numpy()
    if a.ndim == 0 and a.dtype.kind == "f":
        return float(a)
    return a


def _written(name, args, kwargs, Tensor) -> list:
    """The tensors an op writes in place: ``self`` of ``x.relu_()`` / ``x += y`` / ``x[i] = v`` /
    ``F.relu(x, inplace=True)``, and ``out=``."""
    out = []
    if args and isinstance(args[0], Tensor) and (
            (name.endswith("_") and not name.endswith("__")) or name.startswith("__i")
            or name == "__setitem__" or kwargs.get("inplace") is True):   # nn.ReLU(inplace=True)
        out.append(args[0])
    o = kwargs.get("out")
    if isinstance(o, Tensor):
        out.append(o)
    elif isinstance(o, (tuple, list)):
        out.extend(x for x in o if isinstance(x, Tensor))
    return out


def torch_allclose(a, b) -> bool:
    """Two recorded gradients equal up to float round-off (a sum in another order)."""
    if a.shape != b.shape:
        return False
    import torch                   # loaded already: a and b are torch tensors
    return bool(torch.allclose(a, b, rtol=1e-6, atol=1e-12))


def _sum_to(g, shape):
    """Sum a broadcast gradient back to ``shape`` (the rule upstream × local follows)."""
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, s in enumerate(shape):
        if s == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g

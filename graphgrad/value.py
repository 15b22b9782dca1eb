"""``Value``: a scalar or numpy tensor that records the ops applied to it.

A Value holds its data (a Python float for float64 scalars, the fast path; a numpy
array otherwise), its gradient, and, when it was made by an op while gradients are
recorded, that op and its input Values. Outputs point at inputs and never the other
way round, so a graph forms no reference cycles and is freed as soon as it is dropped.

This module is the Value API and how a node is made: :func:`record_node` is the one way
(``gg.apply`` runs an op's forward and then it; :func:`apply_binary` is the operators'
path; :func:`as_value` lifts numbers to constants); the float fast path of ``+`` and ``*``
inlines it, for speed, which is why node set-up and constant interning live here. The
engine's write paths (:func:`mark_written`, :func:`update_in_place`, :func:`cast_in_place`,
:func:`data_replaced`, :func:`set_tags`) are here too: no module outside the engine assigns a
Value's private slots (a test checks). Data conversion is ``_convert.py``, the ops' math
``ops/``, backprop ``autograd.py``, anomaly checks ``_anomaly.py``.
"""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np

from . import ops as _ops
from ._state import DEFAULTS, STATE, here
from ._anomaly import anomaly_forward as _anomaly_forward
from ._convert import to_data as _to_data
from .errors import ShapeError
from .ops.base import as_data, data_of, shape_of

ndarray = np.ndarray
_F64 = np.dtype(np.float64)
_NP_F64 = np.float64
_new = object.__new__
_ADD, _MUL = _ops.ADD, _ops.MUL


def record_node(op, inputs, data, saved=None, attrs=None) -> "Value":
    """Wrap ``data``, which ``op`` computed from ``inputs``, in a new Value, and record the
    node (op, inputs, saved, attrs) when gradients are recorded and an input requires one.

    The one way a node is made: :func:`apply`, every op's public function and the fused
    ``nn`` layers all end here. ``inputs`` are Values, or numbers and arrays (made constant
    leaves, as the operators do); ``data`` is a float or numpy data (a float64 0-d result
    becomes the float fast path); ``saved`` reaches ``op.backward`` as ``ctx.saved`` and
    ``attrs`` as ``ctx.attrs`` (diagrams show them). Call it when the data is computed
    outside ``op.forward`` or forward needs arguments that are not display attributes
    (labels, masks); otherwise ``gg.apply(op, *inputs, **attrs)`` runs forward for you.

    >>> import graphgrad as gg
    >>> from graphgrad.ops import SUM
    >>> x = gg.Value([1.0, 2.0], requires_grad=True)
    >>> s = gg.record_node(SUM, (x,), np.sum(x.numpy()), attrs={"axis": None, "keepdims": False})
    >>> s.backward(); s.item(), x.grad
    (3.0, array([1., 1.]))
    """
    if inputs.__class__ is not tuple:
        inputs = tuple(inputs)
    for v in inputs:
        if v.__class__ is not Value:      # cold: a number or array operand (or a subclass)
            inputs = tuple(as_value(v) for v in inputs)
            break
    if data.__class__ is not float:
        data = as_data(data) if data.__class__ is ndarray else _result_data(op, data)
    out = _new(Value)
    out._data = data
    out._grad = out.name = out._g = out._meta = None
    out._n = out._version = 0
    return _finish(out, op, inputs, saved, attrs)


def _result_data(op, data):
    if isinstance(data, Value):
        raise TypeError(f"record_node: the data of {getattr(op, 'name', op)!r} is a Value; pass raw data "
                        "(a float or an array), e.g. v.numpy()")
    return as_data(data)



def _finish(out, op, inputs, saved=None, attrs=None):
    """Record ``op`` on a fresh ``out`` if any input requires grad (and check anomalies):
    the end of :func:`record_node`, also of the operators' inlined float fast path."""
    st = DEFAULTS if STATE.fast else here()      # the calling thread's switches (see _state)
    if st.grad_enabled:
        for v in inputs:
            if v.requires_grad:
                out.requires_grad = True
                out._op = op
                out._inputs = inputs
                out._saved = saved
                out._attrs = attrs
                out._group = st.group
                # the write clock now: backward refuses if an input is written after this
                out._vers = STATE.clock
                if st.anomaly:
                    out._meta = {"site": _anomaly_forward(out, op, inputs)}
                return out
    out.requires_grad = False
    out._op = out._inputs = out._saved = out._attrs = out._group = out._vers = None
    if st.anomaly:
        _anomaly_forward(out, op, inputs)
    return out


_CONST_META = {"constant": True}   # shared by all lifted constants; never mutated
# Python ints and bools are lifted as floats (so `x * 2` keeps the scalar fast path) but
# marked, so that an op between an integer array and them can redo the math on the int
# and keep numpy's integer result (`Value(np.arange(3), dtype=np.int64) + 1` is int64)
_INT_META = {"constant": True, "int": True}
_BOOL_META = {"constant": True, "bool": True}
_CONST_CACHE: dict = {}             # float -> constant leaf, so `x * 0.5` allocates nothing new
_INT_CACHE: dict = {}               # int -> its marked constant (apart: 1 == 1.0 in one dict)
_CONST_CACHE_MAX = 4096


def as_value(x) -> "Value":
    """``x`` as a Value: a Value as it is; a Python number or an array becomes a constant
    leaf, as an operand of an operator does (the 1 in ``x + 1``).

    Float and int constants are interned: they are immutable leaves that never require
    grad, and reusing them saves an allocation per op on the scalar fast path.

    >>> import graphgrad as gg
    >>> c = gg.as_value(2.0)
    >>> c.is_constant, c.requires_grad, gg.as_value(c) is c
    (True, False, True)
    """
    if x.__class__ is float:
        c = _CONST_CACHE.get(x)
        if c is not None:
            return c
        d = x
    elif x.__class__ is int:
        c = _INT_CACHE.get(x)
        return c if c is not None else _lift_int(x)
    elif isinstance(x, Value):          # a subclass of Value is a Value, not a constant
        return x
    elif isinstance(x, (int, float, np.number, np.bool_)) and not isinstance(x, (complex, np.complexfloating)):
        if isinstance(x, (float, np.floating)):
            d = float(x) if not isinstance(x, np.floating) or x.dtype == _F64 else np.asarray(x)
        else:
            return _lift_int(x)
    else:
        d = _to_data(x, None, "operand", keep_int=True)
    c = new_leaf(d, meta=_CONST_META)
    if x.__class__ is float and x != 0.0 and x == x and len(_CONST_CACHE) < _CONST_CACHE_MAX:
        _CONST_CACHE[x] = c
    return c


def _lift_int(x):
    """A Python/numpy int or bool operand: a float constant marked as integral (see
    _INT_META); beyond 2**53, where a float would round it, an int64 0-d array."""
    if isinstance(x, (bool, np.bool_)):
        return new_leaf(float(x), meta=_BOOL_META)
    if not -2 ** 53 <= x <= 2 ** 53:
        return new_leaf(np.asarray(x), meta=_CONST_META)
    c = new_leaf(float(x), meta=_INT_META)
    if x.__class__ is int and len(_INT_CACHE) < _CONST_CACHE_MAX:
        _INT_CACHE[x] = c               # immutable and never requires grad, as the floats above
    return c


def _int_operand(v):
    """The Python int (or bool) a marked constant stands for, else None."""
    m = v._meta
    if m is _INT_META:
        return int(v._data)
    if m is _BOOL_META:
        return bool(v._data)
    return None


def _redo_integral(op, a, b, data):
    """``data`` = op(a, b) came out float; if one side is an integer/bool array and the
    other an int lifted as a float, compute again on the int (numpy's integer result)."""
    if data.__class__ is not float and data.dtype.kind != "f":
        return data
    for c, other, first in ((b, a, False), (a, b, True)):
        k = _int_operand(c)
        if k is None:
            continue
        od = other._data
        if od.__class__ is ndarray and od.dtype.kind in "biu":
            try:
                r = op.forward(od, k)[0] if not first else op.forward(k, od)[0]
            except ValueError as e:    # e.g. integers to negative integer powers
                raise ValueError(f"{op.name}: {e} (integer Value of shape {od.shape} with {k!r}); "
                                 "use a float Value (.astype(np.float64))") from None
            return as_data(r)
    return data


def mark_written(v) -> None:
    """Stamp ``v`` as written now (its data changed in place): a graph made from the old
    data refuses backward. Every write path calls this: ``.data =``, optimiser steps,
    ``load_state_dict``, ``Module.to``."""
    v._version = STATE.clock = STATE.clock + 1


def clear_grad(v) -> None:
    """Forget ``v``'s gradient in both its forms: ``.grad`` and, after a create_graph pass,
    ``.grad_value`` (which would otherwise keep accumulating, and keep its graph alive).
    Every zero_grad calls this."""
    v._grad = None
    m = v._meta
    if m is not None:
        for k in _GRAD_KEYS:
            m.pop(k, None)


# what ``_meta`` keeps about the current ``.grad`` (forgotten with it); grad_notes reads them
_GRAD_KEYS = ("grad_value", "grad_passes", "grad_this_pass")


# The engine's write paths for code outside it (optimisers, Module.to, gradcheck, nn's
# Parameter): each one keeps the rules a write must keep (version stamp, dtype, gradient)
# in one place, so no module outside the engine assigns a Value's private slots.

def cast_in_place(v, dtype) -> None:
    """Change ``v``'s data to the float ``dtype`` in place (``Module.to`` casts its parameters
    so): the data is converted, the gradient (of the old dtype) forgotten, and ``v`` stamped
    written, so a graph made before refuses backward.

    >>> w = Value([1.0, 2.0], requires_grad=True)
    >>> cast_in_place(w, np.float32); w.dtype
    dtype('float32')
    """
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"cast_in_place: a Value is cast in place to a floating dtype, got {dt}; "
                        "use v.astype(dtype) for a new Value of another kind")
    v._data = as_data(np.asarray(v.numpy(), dtype=dt))     # float64 0-d: the float fast path
    mark_written(v)
    clear_grad(v)


def update_in_place(v, update, state=None) -> bool:
    """Run an optimiser's rule ``update(w, g, state)``, which changes the array ``w`` in place
    from the gradient ``g`` (``state``: the rule's own, e.g. momentum buffers, passed as it
    is), on ``v``'s data and gradient, and stamp ``v`` written (a graph
    made before refuses backward). The data keeps its dtype (``g`` is cast to it); a float64
    scalar goes through a 1-element array and stays a float. False, and nothing done, when
    ``v`` has no gradient.

    >>> w = Value([1.0, 2.0], requires_grad=True)
    >>> (w * w).sum().backward()
    >>> def sgd(w, g, state): w -= 0.1 * g
    >>> update_in_place(w, sgd), w.numpy()
    (True, array([0.8, 1.6]))
    """
    g = v._grad
    if g is None:
        return False
    d = v._data
    mark_written(v)
    if d.__class__ is float:
        arr = np.array([d])
        update(arr, np.array([float(g)]), state)
        v._data = float(arr[0])
    else:
        update(d, np.asarray(g, dtype=d.dtype), state)
    return True


@contextlib.contextmanager
def data_replaced(v, data):
    """Inside the block ``v`` holds ``data`` (a float for a float64 scalar, else an array of
    its shape), after it its own data again, even on an error. Nothing is stamped written:
    numerical differentiation (``gg.numeric_grad``, gradcheck) evaluates a function at
    ``x ± eps`` this way and leaves the graphs made at ``x`` usable. Do not backpropagate a
    graph made inside the block after it (it would see the old data).

    >>> x = Value(1.0)
    >>> with data_replaced(x, 1.5):
    ...     (x * 2).item()
    3.0
    >>> x.item()
    1.0
    """
    old = v._data
    v._data = data
    try:
        yield v
    finally:
        v._data = old


def set_tags(v, **tags) -> None:
    """Keep ``tags`` on ``v`` for the code that made it (``nn.Parameter`` tags its Values
    ``parameter=True``); :func:`get_tag` reads them back. Constants take no tags.

    >>> w = Value(1.0, requires_grad=True)
    >>> set_tags(w, parameter=True); get_tag(w, "parameter"), get_tag(w, "frozen")
    (True, None)
    """
    if v.is_constant:
        raise ValueError("set_tags: constants lifted from Python numbers are shared and take no tags")
    m = v._meta
    if m is None:
        m = v._meta = {}
    m.setdefault("tags", {}).update(tags)


def get_tag(v, name: str, default=None):
    """The tag ``name`` that :func:`set_tags` kept on ``v``, else ``default``.
    ``get_tag(Value(1.0), "parameter") is None``"""
    m = v._meta
    if m is None:
        return default
    t = m.get("tags")
    return default if t is None else t.get(name, default)


def new_leaf(data, name=None, requires_grad=False, meta=None):
    """A new leaf Value around data already in the engine's form (a Python float for a float64
    scalar, else a numpy array): no copy and no checks, unlike ``Value(data)``. ``meta``
    marks constants (see :func:`as_value`).

    >>> new_leaf(np.zeros(2), "z").name, new_leaf(1.5).item()
    ('z', 1.5)
    """
    v = _new(Value)
    v._init_leaf(data, name, requires_grad, meta)
    return v


def _shape_error(op, a, b, sym):
    # an operator shows itself between the shapes ("(2,) + (3,)"); a named function says "and"
    sym = "and" if sym.isidentifier() else sym
    return ShapeError(f"{op}: shapes {shape_of(a._data)} {sym} {shape_of(b._data)} "
                      "cannot be broadcast together")


def apply_binary(op, a, b) -> "Value":
    """Run the elementwise binary ``op`` on Values ``a`` and ``b`` as the operators do
    (``a - b`` is ``apply_binary(SUB, a, b)``): shapes that do not broadcast are one
    sentence naming the op, an integer array with a Python int keeps numpy's integer result.
    The function of a ``Binary`` op (``gg.hypot(a, b)``) is this, after :func:`as_value`.

    >>> from graphgrad.ops import SUB
    >>> apply_binary(SUB, Value([3.0, 4.0]), as_value(1)).numpy()
    array([2., 3.])
    """
    try:
        data = op.forward(a._data, b._data)[0]
    except ValueError:
        raise _shape_error(op.name, a, b, op.symbol) from None
    if data.__class__ is not float:
        data = as_data(data)
        # cold: only an op with an integer-marked constant (a Python int operand) looks again
        if a._meta is not None or b._meta is not None:
            ad, bd = a._data, b._data
            if (ad.__class__ is ndarray and ad.dtype.kind in "biu") or \
                    (bd.__class__ is ndarray and bd.dtype.kind in "biu"):
                data = _redo_integral(op, a, b, data)
    return record_node(op, (a, b), data)


if TYPE_CHECKING:   # the methods attached at import, typed by the generated _value_methods.pyi
    from ._value_methods import ValueMethods as _AttachedMethods
else:
    _AttachedMethods = object


class Value(_AttachedMethods):
    """A scalar or tensor in the graph.

    >>> x = Value(-2.0, requires_grad=True, name="x")
    >>> y = Value(5.0, requires_grad=True, name="y")
    >>> z = Value(-4.0, requires_grad=True, name="z")
    >>> f = (x + y) * z
    >>> f.backward()
    >>> f.item(), x.grad, z.grad
    (-12.0, np.float64(-4.0), np.float64(3.0))
    """

    # _version is the write clock (STATE.clock) of the last write through .data (or an
    # optimiser step), 0 if never written; _vers is the clock when this node was made.
    # _g and _n are scratch space of the backward pass running now (a per-pass mark, so a
    # nested backward does not see the outer one's).
    __slots__ = ("_data", "_grad", "requires_grad", "name", "_op", "_inputs", "_saved",
                 "_attrs", "_group", "_meta", "_g", "_n", "_version", "_vers", "__weakref__")
    # numpy ufuncs and functions on a Value run graphgrad ops (np.exp(v) is v.exp()):
    # _numpy_api.py attaches __array_ufunc__ / __array_function__ (None until it loads:
    # numpy then defers to our reflected operators)
    __array_ufunc__ = None
    __graphgrad_value__ = True       # what graphgrad._convert unwraps (no import cycle)

    def __init__(self, data, requires_grad: bool = False, name: str | None = None, dtype=None):
        if requires_grad is not False and requires_grad is not True and not isinstance(requires_grad, np.bool_):
            raise TypeError(f"Value: requires_grad must be True or False, got {requires_grad!r:.40} "
                            f"({type(requires_grad).__name__})")
        # integer arrays stay integer (indices, labels) unless a gradient is asked for
        d = _to_data(data, dtype, keep_int_arrays=not requires_grad)
        if requires_grad and d.__class__ is not float and d.dtype.kind != "f":
            raise TypeError(f"Value: only floating-point data can require grad, got dtype {d.dtype}; "
                            "pass a float dtype (e.g. dtype=np.float64) or leave requires_grad=False")
        self._init_leaf(d, None if name is None else str(name), bool(requires_grad), None)

    def _init_leaf(self, data, name, requires_grad, meta):
        self._data = data
        self.name = name
        self.requires_grad = requires_grad
        self._meta = meta
        self._grad = self._g = self._op = self._inputs = self._saved = self._attrs = self._group = None
        self._vers = None
        self._n = self._version = 0

    # ------------------------------------------------------------ data and grad
    @property
    def data(self):
        """The value as numpy data (a 0-d ``np.float64`` for float64 scalars).

        Assigning (``v.data = ...``, also ``v.data -= lr * v.grad``, which calls the
        setter) bumps the Value's version: a later backward through an op that used the
        old data raises BackwardError instead of silently mixing old and new numbers.
        Writing into the returned array element-wise (``v.data[0] = 1``) is NOT seen.
        """
        d = self._data
        return np.float64(d) if d.__class__ is float else d

    @data.setter
    def data(self, new):
        mark_written(self)
        if new is self._data:            # `p.data -= lr * p.grad` already updated in place
            return
        if self._data.__class__ is float and (new.__class__ is float or new.__class__ is _NP_F64):
            self._data = float(new)      # a float64 scalar (a scalar net's SGD step): no conversion
            return
        self._data = _to_data(new, None if self._data.__class__ is float else self._data.dtype)

    @property
    def version(self) -> int:
        """A stamp that grows with every write through ``.data`` (or an optimiser step);
        0 if the data was never written. ``v.data = 1.0`` makes ``v.version`` larger."""
        return self._version

    @property
    def grad(self):
        """d(output)/d(self) after ``backward()``; None before."""
        g = self._grad
        return np.float64(g) if g.__class__ is float else g

    @grad.setter
    def grad(self, g):
        if g is None:
            clear_grad(self)
            return
        d = _to_data(g, None, "grad")
        if shape_of(d) != self.shape:
            raise ShapeError(f"grad: a gradient of shape {shape_of(d)} cannot be assigned to a Value of shape "
                             f"{self.shape}; assign one of the Value's shape (or None)")
        self._grad = d
        m = self._meta
        if m is not None:                # no longer the same gradient as .grad
            for k in _GRAD_KEYS:
                m.pop(k, None)

    @property
    def grad_notes(self) -> dict:
        """What ``.grad`` alone does not say, as plain data (empty when nothing): after a
        backward pass where a hook changed this Value's gradient, ``"before_hooks"`` (what
        its consumers sent; ``.grad`` is the hook's result); when a leaf's ``.grad`` adds up
        several passes (no ``zero_grad`` between), ``"passes"`` and ``"this_pass"``.

        >>> w = Value(2.0, requires_grad=True)
        >>> (w * 3).backward(); (w * 3).backward()
        >>> w.grad_notes
        {'passes': 2, 'this_pass': 3.0}
        """
        m = self._meta
        if not m:
            return {}
        out = {}
        if "grad_before_hooks" in m:
            out["before_hooks"] = m["grad_before_hooks"]
        if "grad_passes" in m:
            out["passes"], out["this_pass"] = m["grad_passes"], m["grad_this_pass"]
        return out

    @property
    def shape(self) -> tuple:
        return shape_of(self._data)

    @property
    def dtype(self) -> np.dtype:
        d = self._data
        return _F64 if d.__class__ is float else d.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return 1 if self._data.__class__ is float else self._data.size

    def item(self) -> float:
        """The single number inside, as a Python float. ``Value(3.0).item() == 3.0``"""
        d = self._data
        if d.__class__ is float:
            return d
        if d.size != 1:
            raise ValueError(f"item: only a Value with one element has an item, this one has shape {d.shape}")
        return float(d.reshape(()))

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (0-d for scalars). ``Value(2.0).numpy().shape == ()``"""
        d = self._data
        return np.array(d) if d.__class__ is float else d

    def detach(self) -> "Value":
        """A new leaf sharing this data (no copy), cut from the graph. ``y = x.detach()``"""
        return new_leaf(self._data, self.name)

    def zero_grad(self) -> None:
        """Forget the gradient (sets ``grad`` and ``grad_value`` to None). ``w.zero_grad()``"""
        clear_grad(self)

    # ------------------------------------------------------------ graph (read-only views)
    @property
    def op(self):
        """The op that made this Value (None for leaves)."""
        return self._op

    @property
    def inputs(self) -> tuple:
        """The Values this one was computed from (empty for leaves)."""
        return self._inputs or ()

    @property
    def attrs(self) -> dict:
        """The op's attributes (axis, exponent, ...)."""
        return dict(self._attrs or {})

    @property
    def group(self) -> tuple:
        """Group path of the node that made this Value, e.g. ``("BatchNorm1d",)``."""
        return tuple(name for name, _ in self._group) if self._group else ()

    @property
    def group_instances(self) -> tuple:
        """The group path with one instance id per level, e.g. ``(("Conv2d", 7),)``: each
        ``with gg.group(...)`` block (so each module call) has its own id."""
        return self._group or ()

    @property
    def is_leaf(self) -> bool:
        return self._op is None

    @property
    def is_constant(self) -> bool:
        """True for numbers that an operator lifted into the graph (the 1 in ``x + 1``)."""
        return bool(self._meta and self._meta.get("constant"))

    @property
    def creation_site(self) -> str | None:
        """The user's source line that created this node (recorded in anomaly mode)."""
        return self._meta.get("site") if self._meta else None

    @property
    def label(self) -> str:
        """The gate text for diagrams, e.g. ``*``, ``sum(axis=0)``, ``**2``."""
        return "" if self._op is None else self._op.label(self._attrs or {})

    def local_formulas(self) -> tuple:
        """One formula string per input, e.g. ``("d(x*y)/dx = y", "d(x*y)/dy = x")``."""
        if self._op is None:
            return ()
        return tuple(self._op.formula(i, self._attrs or {}) for i in range(len(self._inputs)))

    def local_grads(self):
        """Local derivatives d(self)/d(input_i) as values for scalar/elementwise ops, else None.

        These are the numbers backward multiplies the upstream gradient by (one per input).
        """
        if self._op is None:
            return None
        from .autograd import ctx_of
        return self._op.local(ctx_of(self, strict=False))

    def register_hook(self, fn):
        """Call ``fn(grad)`` when this Value's gradient is complete during backward.

        If ``fn`` returns something other than None, that replaces the gradient
        (as in PyTorch). Returns a handle with ``remove()``.

        >>> x = Value(3.0, requires_grad=True)
        >>> h = x.register_hook(lambda g: 2 * g)   # doubles the gradient flowing on
        >>> (x * 5).backward(); float(x.grad)
        10.0
        """
        if not callable(fn):
            raise TypeError(f"register_hook: the hook must be a function fn(grad), got {fn!r:.40} "
                            f"({type(fn).__name__})")
        if self.is_constant:
            raise ValueError("register_hook: constants lifted from Python numbers carry no gradient")
        if self._meta is None:
            self._meta = {}
        hooks = self._meta.setdefault("hooks", [])
        hooks.append(fn)
        return _HookHandle(hooks, fn)

    def retain_grad(self) -> None:
        """No-op kept for PyTorch habits: graphgrad keeps every gradient after backward."""

    def backward(self, grad=None, retain_graph: bool | None = None, trace: bool = False,
                 create_graph: bool = False):
        """Backpropagate from this Value; see :func:`graphgrad.autograd.backward`.

        ``create_graph=True`` records the backward pass as a graph of Values, so the
        gradients can be differentiated again (``x.grad_value`` is then a Value).
        """
        from .autograd import backward
        return backward(self, grad=grad, retain_graph=retain_graph, trace=trace, create_graph=create_graph)

    @property
    def grad_value(self):
        """The gradient as a differentiable Value, after ``backward(create_graph=True)``
        (None otherwise); ``.grad`` holds the same numbers as plain data.

        >>> x = Value(3.0, requires_grad=True)
        >>> (x ** 3).backward(create_graph=True)
        >>> x.grad_value.backward()          # d²(x³)/dx² = 6x
        >>> float(x.grad)                    # 27 from the first pass + 18 from the second
        45.0
        """
        m = self._meta
        return None if m is None else m.get("grad_value")

    def astype(self, dtype, copy: bool = True) -> "Value":
        """The data as ``dtype``. Float to float is differentiable (the gradient is cast
        back); to an integer or bool dtype the result is plain data (no gradient).

        >>> Value([1.5, 2.5]).astype(np.float32).dtype
        dtype('float32')
        """
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"astype: {dtype!r} is not a numpy dtype") from None
        if dt.kind not in "biuf":
            raise TypeError(f"astype: a Value holds numbers (float, int or bool dtypes), got {dt}")
        if dt == self.dtype:
            return self
        if dt.kind == "f" and self.dtype.kind == "f":
            return record_node(_ops.CAST, (self,), _ops.CAST.forward(self._data, dtype=dt)[0], attrs={"dtype": dt})
        if dt.kind in "iu" and self.dtype.kind == "f":
            _check_int_cast(self, dt)
        return Value(np.asarray(self._data).astype(dt), dtype=dt)

    def broadcast_to(self, *shape) -> "Value":
        """Repeat size-1 (and add leading) axes up to ``shape``; gradients are summed back.

        >>> Value([[1.0], [2.0]]).broadcast_to(2, 3).shape
        (2, 3)
        """
        shape = _one_or_many(shape)
        shape = tuple(int(s) for s in shape)
        if shape == self.shape:
            return self
        return record_node(_ops.BROADCAST_TO, (self,), _ops.BROADCAST_TO.forward(self._data, shape=shape)[0],
                           attrs={"shape": shape})

    def expand(self, *shape) -> "Value":
        """PyTorch's name for :meth:`broadcast_to`; ``-1`` keeps that axis's size.

        >>> Value([[1.0], [2.0]]).expand(-1, 3).shape
        (2, 3)
        """
        shape = _one_or_many(shape)
        own = (None,) * (len(shape) - self.ndim) + self.shape
        if len(shape) < self.ndim:
            raise ShapeError(f"expand: shape {tuple(shape)} has fewer axes than the Value's {self.shape}")
        sizes = []
        for s, o in zip(shape, own):
            if s == -1:
                if o is None:
                    raise ShapeError(f"expand: -1 is not allowed for a new leading axis (shape {tuple(shape)})")
                s = o
            sizes.append(s)
        return self.broadcast_to(tuple(sizes))

    # ------------------------------------------------------------ display
    def __repr__(self) -> str:
        parts = []
        d = self._data
        if d.__class__ is float or d.size <= 8:
            parts.append(np.array2string(np.asarray(d), precision=4, separator=", ")
                         if d.__class__ is not float else f"{d:.6g}")
        else:
            parts.append(f"shape={d.shape}")
        if d.__class__ is not float and d.dtype != _F64:
            parts.append(f"dtype={d.dtype}")
        if self.name is not None:
            parts.append(f"name={self.name!r}")
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        if self._grad is not None:
            g = self._grad
            parts.append(f"grad={g:.6g}" if g.__class__ is float else
                         ("grad=" + np.array2string(g, precision=4, separator=", ") if g.size <= 8
                          else f"grad=<{g.shape}>"))
        elif self.requires_grad and self._op is None:
            parts.append("requires_grad=True")
        return f"Value({', '.join(parts)})"

    def __float__(self) -> float:
        return self.item()

    def __int__(self) -> int:
        return int(self.item())          # as int(torch.tensor(2.5)) == 2

    def __array__(self, dtype=None, copy=None):
        # np.asarray(v), np.array([v, w]), np.mean([x, x + 2]), np.ma, ... (as PyTorch does
        # for a tensor that requires grad: a silent constant would drop the gradient)
        if self.requires_grad:
            raise TypeError("numpy: a Value that requires grad cannot become a numpy array (np.asarray, a "
                            "list of Values given to a numpy function, np.ma, ...) without losing its "
                            "gradient; use v.numpy() for its numbers, or graphgrad ops (gg.stack([...]), "
                            "v.mean()) to keep the graph")
        d = self._data
        return np.array(d, dtype=dtype) if d.__class__ is float or dtype is not None or copy else d

    @property
    def _mask(self):
        # numpy.ma's operators (masked + v) read a Value's raw data through its `_data`
        # attribute, never calling __array__; they then ask getattr(v, "_mask", nomask):
        # refuse here when the gradient would be dropped (AttributeError otherwise: the
        # Value is then a constant, and hasattr(v, "_mask") stays False)
        if self.requires_grad:
            raise TypeError("numpy.ma: a masked array combined with a Value that requires grad would drop "
                            "its gradient; use np.ma.filled(m, fill) for plain numbers and gg.where(mask, x, "
                            "fill) to mask a Value")
        raise AttributeError("_mask")

    def __len__(self) -> int:
        if self._data.__class__ is float or self._data.ndim == 0:
            raise TypeError("len() of a 0-d Value: a scalar has no length (list(v) and torch.tensor(v) "
                            "ask for one); use v.item() for its number or v.numpy() for an array")
        return len(self._data)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    # ------------------------------------------------------------ arithmetic (hot path)
    def __add__(self, other):
        if other.__class__ is not Value:
            other = as_value(other)             # returns a Value subclass as it is
        a, b = self._data, other._data
        if a.__class__ is float and b.__class__ is float:
            # the scalar fast path, inlined: one allocation, no numpy
            out = _new(Value)
            out._data = a + b
            out._grad = out.name = out._g = out._meta = None
            out._n = out._version = 0
            # STATE.fast: no thread is in no_grad/anomaly/group (else the general path asks)
            if (self.requires_grad or other.requires_grad) and STATE.fast:
                out.requires_grad = True
                out._op = _ADD
                out._inputs = (self, other)
                out._vers = STATE.clock
                out._saved = out._attrs = out._group = None
            else:
                return _finish(out, _ADD, (self, other))
            return out
        return apply_binary(_ADD, self, other)

    def __radd__(self, other):
        return as_value(other).__add__(self)

    def __mul__(self, other):
        if other.__class__ is not Value:
            other = as_value(other)
        a, b = self._data, other._data
        if a.__class__ is float and b.__class__ is float:
            out = _new(Value)
            out._data = a * b
            out._grad = out.name = out._g = out._meta = None
            out._n = out._version = 0
            if (self.requires_grad or other.requires_grad) and STATE.fast:
                out.requires_grad = True
                out._op = _MUL
                out._inputs = (self, other)
                out._vers = STATE.clock
                out._saved = out._attrs = out._group = None
            else:
                return _finish(out, _MUL, (self, other))
            return out
        return apply_binary(_MUL, self, other)

    def __rmul__(self, other):
        return as_value(other).__mul__(self)

    def __sub__(self, other):
        return apply_binary(_ops.SUB, self, other if other.__class__ is Value else as_value(other))

    def __rsub__(self, other):
        return apply_binary(_ops.SUB, as_value(other), self)

    def __truediv__(self, other):
        return apply_binary(_ops.DIV, self, other if other.__class__ is Value else as_value(other))

    def __rtruediv__(self, other):
        return apply_binary(_ops.DIV, as_value(other), self)

    def __floordiv__(self, other):
        return apply_binary(_ops.FLOOR_DIVIDE, self, other if other.__class__ is Value else as_value(other))

    def __rfloordiv__(self, other):
        return apply_binary(_ops.FLOOR_DIVIDE, as_value(other), self)

    def __mod__(self, other):
        return apply_binary(_ops.REMAINDER, self, other if other.__class__ is Value else as_value(other))

    def __rmod__(self, other):
        return apply_binary(_ops.REMAINDER, as_value(other), self)

    def __pow__(self, other):
        if isinstance(other, Value):
            return apply_binary(_ops.POW, self, other)
        if other.__class__ is ndarray:
            if other.ndim:                  # an array of exponents: a constant operand
                return apply_binary(_ops.POW, self, as_value(other))
            other = other[()]
        if not isinstance(other, (int, float, np.integer, np.floating)):
            raise TypeError(f"pow: the exponent must be a number or a Value, got {type(other).__name__}")
        if self._data.__class__ is ndarray and self._data.dtype.kind in "biu" and \
                isinstance(other, (int, np.integer)):
            return apply_binary(_ops.POW, self, _lift_int(other))     # int ** int stays int, as numpy
        return _unary(_ops.POW_CONST, self, exponent=float(other))

    def __rpow__(self, other):
        return apply_binary(_ops.POW, as_value(other), self)

    def __neg__(self):
        return _unary(_ops.NEG, self)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        other = other if other.__class__ is Value else as_value(other)
        return record_node(_ops.MATMUL, (self, other), _ops.MATMUL.forward(self._data, other._data)[0])

    def __rmatmul__(self, other):
        return as_value(other).__matmul__(self)

    # comparisons give plain (non-differentiable) booleans / boolean arrays
    def __lt__(self, other):
        return self._data < data_of(other)

    def __le__(self, other):
        return self._data <= data_of(other)

    def __gt__(self, other):
        return self._data > data_of(other)

    def __ge__(self, other):
        return self._data >= data_of(other)

    # == and != compare the data elementwise, like < and numpy (a bool for a scalar, a bool
    # array for a tensor). Hashing stays by identity, so Values work as dict keys and in
    # sets (those compare hashes, and a Value is only ever hash-equal to itself); but
    # `v in some_list` and `list.index(v)` compare data: look Values up by id() instead.
    def __eq__(self, other):
        return self._data == data_of(other)

    def __ne__(self, other):
        return self._data != data_of(other)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        """Truth of a one-element Value (as numpy/PyTorch); ambiguous for more elements."""
        d = self._data
        if d.__class__ is float:
            return d != 0.0
        if d.size != 1:
            raise ValueError(f"bool: the truth value of a Value of shape {d.shape} is ambiguous; "
                             "use (v != 0).any() or (v != 0).all()")
        return bool(d.reshape(()))

    # ------------------------------------------------------------ methods
    def relu(self):
        """max(0, x); gradient 0 at 0. ``Value(-1.0).relu().item() == 0.0``"""
        # written out (not made from RELU below) for the float fast path of scalar nets
        d = self._data
        if d.__class__ is float:
            return record_node(_ops.RELU, (self,), d if d > 0.0 else 0.0)
        return _unary(_ops.RELU, self)

    def clip(self, lo=None, hi=None):
        """Clamp to [lo, hi]; gradient 1 inside (bounds included), 0 outside.

        >>> Value([-2.0, 0.5, 3.0]).clip(-1, 1).numpy()
        array([-1. ,  0.5,  1. ])
        """
        if lo is None and hi is None:
            raise ValueError("clip: give at least one of lo and hi")
        if isinstance(lo, Value) or isinstance(hi, Value):    # bounds with gradients (torch.clamp's)
            from .ops.arithmetic import clip_values
            return clip_values(self, lo, hi)
        return _unary(_ops.CLIP, self, lo=lo, hi=hi)

    def sum(self, axis=None, keepdims: bool = False):
        """Sum over ``axis`` (all by default). ``Value([1., 2.]).sum().item() == 3.0``"""
        return _reduce(_ops.SUM, self, axis, keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        """Mean over ``axis``. ``Value([1., 3.]).mean().item() == 2.0``"""
        return _reduce(_ops.MEAN, self, axis, keepdims)

    def max(self, axis=None, keepdims: bool = False):
        """Max over ``axis``; ties split the gradient evenly. ``Value([1., 3.]).max().item() == 3.0``"""
        return _reduce(_ops.MAX, self, axis, keepdims)

    def min(self, axis=None, keepdims: bool = False):
        """Min over ``axis``; ties split the gradient evenly. ``Value([1., 3.]).min().item() == 1.0``"""
        return _reduce(_ops.MIN, self, axis, keepdims)

    def reshape(self, *shape):
        """Same entries, new shape. ``Value([1., 2., 3., 4.]).reshape(2, 2).shape == (2, 2)``"""
        shape = _one_or_many(shape)
        for s in shape:
            if not isinstance(s, (int, np.integer)) or isinstance(s, (bool, np.bool_)):
                raise TypeError(f"reshape: sizes must be integers, got {s!r} in {tuple(shape)} "
                                f"(for shape {self.shape})")
        shape = tuple(int(s) for s in shape)
        return record_node(_ops.RESHAPE, (self,), _ops.RESHAPE.forward(self._data, shape=shape)[0],
                           attrs={"shape": shape})

    def flatten(self):
        """1-D copy of the entries. ``Value([[1., 2.]]).flatten().shape == (2,)``"""
        return self.reshape(-1)

    def transpose(self, *axes):
        """Permute axes (reverse them by default). ``Value([[1., 2.]]).transpose().shape == (2, 1)``"""
        axes = _one_or_many(axes)
        nd = self.ndim
        for a in axes:
            if not isinstance(a, (int, np.integer)) or isinstance(a, (bool, np.bool_)):
                raise TypeError(f"transpose: axes must be integers, got {a!r} in {tuple(axes)}")
        if axes:
            # negative axes counted from the end, so backward's inverse permutation is right
            if len(axes) != nd or sorted(a % nd if -nd <= a < nd else a for a in axes) != list(range(nd)):
                raise ShapeError(f"transpose: axes {tuple(axes)} are not a permutation of the "
                                 f"{nd} axes of shape {self.shape}")
            axes = tuple(int(a) % nd for a in axes)
        else:
            axes = None
        if self._data.__class__ is float:
            return self
        return record_node(_ops.TRANSPOSE, (self,), _ops.TRANSPOSE.forward(self._data, axes=axes)[0],
                           attrs={"axes": axes})

    @property
    def T(self):
        """Reversed axes, as numpy's ``.T``."""
        return self.transpose()

    def __getitem__(self, index):
        index = _raw_index(index)
        return record_node(_ops.GETITEM, (self,), _ops.GETITEM.forward(self._data, index=index)[0],
                           attrs={"index": index})


def _unary_method(op):
    def method(self):
        return _unary(op, self)
    method.__name__ = method.__qualname__ = op.method
    method.__doc__ = op.doc
    return method


# Value.exp, .log, ... from the ops' own public names (one definition per op)
for _op in _ops.UNARY_METHODS:
    if _op.method not in Value.__dict__:
        setattr(Value, _op.method, _unary_method(_op))
Value.__abs__ = Value.abs


def apply(op, *inputs, **attrs) -> Value:
    """Run ``op`` (an :class:`graphgrad.ops.Op`) on Values or numbers and record it:
    ``op.forward`` on the inputs' data, then :func:`record_node` with its result.

    This is how layers add fused ops with their own analytic backward:
    ``op.forward(*datas, **attrs)`` returns ``(out_data, saved)`` (a bare result, not a
    tuple, counts as ``(result, None)``); ``saved`` reaches ``op.backward`` as
    ``ctx.saved`` (released after backward unless ``retain_graph``) and ``attrs`` as
    ``ctx.attrs`` (also shown on diagrams). See ``help(graphgrad.Op)`` for the contract.

    >>> from graphgrad.ops import SIGMOID
    >>> apply(SIGMOID, Value(0.0)).item()
    0.5
    """
    if not isinstance(op, _ops.Op):
        raise TypeError(f"apply: expected a graphgrad.ops.Op instance, got {type(op).__name__} "
                        "(subclass Op and pass an instance, e.g. apply(MyOp(), x))")
    vs = tuple(v if v.__class__ is Value else as_value(v) for v in inputs)
    # anomaly mode names the op that made a NaN/Inf: numpy's own warning would only repeat it
    with np.errstate(all="ignore") if not STATE.fast and here().anomaly else _NULL:
        r = op.forward(*[v._data for v in vs], **attrs)
    if r.__class__ is tuple:
        if len(r) != 2:
            raise TypeError(f"apply: {op.name}.forward returned a tuple of {len(r)} items; return "
                            "(out_data, saved), or (out_data, None) when backward needs nothing")
        data, saved = r
    else:                                # a bare result: nothing saved for backward
        data, saved = r, None
    if isinstance(data, Value):
        raise TypeError(f"apply: {op.name}.forward returned a Value; return raw data (a float or an array)")
    return record_node(op, vs, data, saved, attrs or None)


def _check_int_cast(v, dt):
    """NaN, inf or out-of-range floats have no integer value: numpy would make up one."""
    a = np.asarray(v._data)
    info = np.iinfo(dt)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(a) | (a < info.min) | (a >= float(info.max) + 1)
    if bad.any():
        n = int(bad.sum())
        raise ValueError(f"astype: {n} entr{'y' if n == 1 else 'ies'} of the Value (shape {v.shape}), "
                         f"e.g. {a[bad].flat[0]!r}, cannot be cast to {dt} (NaN, inf or out of range); "
                         "replace them first, e.g. gg.where(x.isfinite(), x, 0)")


def _one_or_many(args):
    """``f(2, 3)`` and ``f((2, 3))`` alike, as numpy's reshape/transpose take them."""
    return args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args


def _raw_index(index):
    if isinstance(index, tuple):
        return tuple(_raw_index(i) for i in index)
    if isinstance(index, Value):
        index = index._data
    if isinstance(index, list):
        index = np.asarray(index)
    if isinstance(index, np.ndarray) and index.dtype.kind == "f":
        if not np.all(index == np.floor(index)):
            raise TypeError("getitem: index arrays must hold integers")
        index = index.astype(np.intp)
    if isinstance(index, float):
        raise TypeError("getitem: indices must be integers, slices or integer arrays, got a float")
    return index


def _unary(op, x, **attrs):
    with np.errstate(all="ignore") if not STATE.fast and here().anomaly else _NULL:
        data = op.forward(x._data, **attrs)[0] if attrs else op.f(x._data)
    return record_node(op, (x,), data, attrs=attrs or None)


def _reduce(op, x, axis, keepdims):
    axis = _ops.base.norm_axis(axis, x.ndim, op.name)
    data = op.forward(x._data, axis=axis, keepdims=bool(keepdims))[0]
    return record_node(op, (x,), data, attrs={"axis": axis, "keepdims": bool(keepdims)})


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


_NULL = _Null()


class _HookHandle:
    __slots__ = ("_hooks", "_fn")

    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self) -> None:
        """Unregister the hook."""
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)

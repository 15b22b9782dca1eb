"""What every primitive op is made of, and the helpers their backward passes share.

The op contract (public: ``graphgrad.Op``; see ``help(graphgrad.Op)`` for a worked
custom op). An op is a small object whose parts sit side by side so the chain rule
stays visible:

* ``forward(*datas, **attrs) -> (out_data, saved)``: computes on raw data (a Python
  ``float`` for float64 scalars, else a numpy array) and returns what backward needs.
* ``backward(ctx, g) -> tuple``: the vector-Jacobian product. ``ctx`` is a :class:`Ctx`
  (the input data, the saved values, the attributes, the output data and which inputs
  need a gradient); ``g`` is the upstream gradient. Returns one gradient per input
  (``None`` where none is needed), each with its input's shape and dtype.
* ``formulas``: one display string per input, e.g. ``"d(x*y)/dx = y"``.
* ``local(ctx)``: for scalar and elementwise ops, the local derivative values
  (one per input) that backward multiplies the upstream by; ``None`` for tensor ops,
  whose local Jacobian is only described.
"""
from __future__ import annotations

import numpy as np

from ..errors import ShapeError

ndarray = np.ndarray
_float64 = np.dtype(np.float64)


class _ValueModule:
    """``graphgrad.value``'s names, looked up on first use and kept: value.py imports the
    ops, so the front functions beside them (``gg.flip`` beside ``Flip``) reach ``Value``,
    ``as_value``, ``record_node`` and ``apply`` through :data:`V` at call time, never at import.

    >>> V.Value(2.0).item()
    2.0
    """

    def __getattr__(self, name):
        from .. import value
        obj = getattr(value, name)
        setattr(self, name, obj)        # the next lookup is a plain attribute
        return obj


V = _ValueModule()


class Ctx:
    """What an op's ``backward(ctx, g)`` and ``local(ctx)`` see of its node.

    ``inputs``      the input data, one per input (a Python float or a numpy array)
    ``saved``       the second value ``forward`` returned (None if it returned nothing)
    ``attrs``       the op's keyword attributes (a dict; do not modify)
    ``out``         the output data
    ``needs_grad``  one bool per input: whether that input wants a gradient
    ``fold``        True if inputs 0 and 1 are one Value and no trace watches the edges

    With ``fold`` set, backward may send the two edges' summed gradient along edge 0 and None
    along edge 1 (``x * x``: one pass for 2·x·g instead of g·x on each edge).

    >>> ctx = Ctx((2.0, 3.0), out=6.0)
    >>> ctx.inputs, ctx.needs_grad
    ((2.0, 3.0), (True, True))
    """

    __slots__ = ("inputs", "saved", "attrs", "out", "needs_grad", "fold")

    def __init__(self, inputs, saved=None, attrs=None, out=None, needs_grad=None):
        self.inputs = tuple(inputs)
        self.saved = saved
        self.attrs = {} if attrs is None else attrs
        self.out = out
        self.needs_grad = (True,) * len(self.inputs) if needs_grad is None else tuple(needs_grad)
        self.fold = False

    @property
    def create_graph(self) -> bool:
        """True in a ``create_graph`` pass: inputs, out and g are then Values, and what
        backward computes from them is recorded (so it can be differentiated again)."""
        return is_value(self.out)

    def __repr__(self) -> str:
        shapes = ", ".join(str(shape_of(d)) for d in self.inputs)
        return f"<Ctx inputs of shape {shapes}; needs_grad={self.needs_grad}; attrs={self.attrs}>"


class Op:
    """Base class of graphgrad ops, built-in and user-written (``gg.apply(op, *inputs)``
    runs one; ``gg.record_node(op, inputs, data)`` records data computed outside forward).

    Subclass it and fill in ``forward`` and ``backward`` (and, for diagrams, ``name``,
    ``symbol``, ``formulas``; for an elementwise op, ``local``):

    * ``forward(self, *datas, **attrs)`` gets the raw data of the inputs (a Python
      float for float64 scalars, else a numpy array) and the keyword attributes given
      to ``apply``. It returns ``(out_data, saved)``: ``saved`` is anything backward
      needs (None for nothing). A bare result (not a tuple) is taken as
      ``(result, None)``; a tuple must have exactly two items.
    * ``backward(self, ctx, g)`` gets a :class:`graphgrad.ops.Ctx` -- ``ctx.inputs``
      (input data), ``ctx.saved``, ``ctx.attrs``, ``ctx.out`` (output data),
      ``ctx.needs_grad`` -- and the upstream gradient ``g`` (the output's shape). It
      returns a tuple with one gradient per input: an array of that input's shape and
      dtype (a float for a float input), or None where ``ctx.needs_grad`` is False.
      The engine checks the count, shapes and dtypes and raises a
      :class:`graphgrad.BackwardError` naming the op, the input and both shapes.
    * ``local(self, ctx)`` (elementwise ops only): the local derivatives, one per
      input, such that backward is ``upstream * local[i]`` summed back to the input's
      shape; diagrams and the stepper show them. Tensor ops leave it returning None.

    Gradients of gradients: in ``backward(create_graph=True)`` or ``gg.grad(...,
    create_graph=True)`` the engine calls ``backward`` with ``g``, ``ctx.inputs`` and
    ``ctx.out`` as Values (``ctx.create_graph`` is True; ``ctx.saved`` and ``ctx.attrs``
    are as forward left them), so what it computes is recorded as a graph. A backward
    written with operators, numpy ufuncs and functions (``np.exp``, ``np.where``,
    ``np.sum`` dispatch to graphgrad ops on Values), :func:`fit`, :func:`unbroadcast` and
    :func:`run` works both ways; set ``twice_differentiable = True`` on such an op. Keep
    in ``saved`` only what is constant in the inputs (masks, indices, shapes). A fused op
    whose backward is numpy-only declares ``expand(ctx)`` instead (its forward from
    primitive gates on the input Values): the create_graph pass differentiates that.

    Never write into ``ctx.inputs`` or ``ctx.out``; the engine refuses a backward if a
    Value's data was replaced or changed through ``.data`` after the forward pass.

    A worked custom op, checked against central differences:

    >>> import numpy as np, graphgrad as gg
    >>> class Cube(gg.Op):
    ...     name, symbol, formulas = "cube", "x³", ("d(x³)/dx = 3x²",)
    ...     elementwise = True
    ...     def forward(self, a):
    ...         return a ** 3, None            # (out, saved): nothing to save
    ...     def local(self, ctx):
    ...         (a,) = ctx.inputs
    ...         return (3 * a ** 2,)
    ...     def backward(self, ctx, g):
    ...         return (g * self.local(ctx)[0],)
    >>> x = gg.Value(np.array([1.0, -2.0]), requires_grad=True)
    >>> y = gg.apply(Cube(), x)
    >>> y.sum().backward()
    >>> x.grad
    array([ 3., 12.])
    >>> gg.gradcheck(lambda x: gg.apply(Cube(), x), x)
    True
    """

    name = "op"
    symbol = "op"
    formulas: tuple = ()
    elementwise = False
    # True once backward is written so it also runs on Values (see "Gradients of gradients"
    # below); a create_graph pass through an op without it raises "once differentiable"
    twice_differentiable = False
    # A fused op may declare its expansion instead: ``expand(self, ctx) -> Value`` builds
    # the same forward from primitive gates on ``ctx.inputs`` (the node's input Values;
    # ``ctx.attrs``, ``ctx.saved`` as forward left them, constants only). A create_graph
    # pass then differentiates that expansion (its vector-Jacobian product, itself recorded)
    # and never calls ``backward`` on Values: the fast ``backward`` serves plain passes only.
    expand = None

    def forward(self, *datas, **attrs):
        raise NotImplementedError(f"{type(self).__name__}.forward: subclasses of Op define forward")

    def backward(self, ctx, g):
        raise NotImplementedError(f"{type(self).__name__}.backward: subclasses of Op define backward")

    def local(self, ctx):
        """Local derivatives d(out)/d(input_i) as values, or None for tensor ops."""
        return None

    def label(self, attrs) -> str:
        """Text of the gate in diagrams; may depend on the op's attributes."""
        return self.symbol

    def formula(self, i: int, attrs) -> str:
        """Display formula of the local gradient for input ``i``."""
        return self.formulas[i] if i < len(self.formulas) else ""

    def __repr__(self) -> str:
        return f"<op {self.name}>"


def as_data(r):
    """Normalise a numpy/Python result to graphgrad's two data kinds.

    float64 scalars become Python floats (the fast path); everything else an ndarray.
    """
    c = r.__class__
    if c is float:
        return r
    if c is ndarray:
        if r.ndim == 0 and r.dtype == _float64:
            return float(r)
        return r
    if c is np.float64 or c is int or c is bool:
        return float(r)
    return np.asarray(r)


def is_value(x) -> bool:
    """True for a graphgrad Value (checked by a class flag: base.py cannot import Value)."""
    return getattr(x.__class__, "__graphgrad_value__", False)


def data_of(x):
    """The data a Value holds, as the engine keeps it (a Python float for a float64 scalar,
    else the numpy array itself, no copy); anything that is not a Value as it is. How code
    outside value.py reads a Value's data for an op's forward or a constant mask.

    >>> data_of(V.Value(np.array([1.0, 2.0]))), data_of(V.Value(2.0)), data_of(3)
    (array([1., 2.]), 2.0, 3)
    """
    return x._data if is_value(x) else x


def run(op, *args, **attrs):
    """Run ``op`` on raw data (returns raw data) or, if any argument is a Value, record it
    (returns a Value): how a backward calls another op and stays differentiable.

    >>> from graphgrad.ops import SUM
    >>> run(SUM, np.ones(3), axis=None, keepdims=False)
    3.0
    """
    for a in args:
        if is_value(a):
            return V.apply(op, *args, **attrs)
    r = op.forward(*args, **attrs)
    return as_data(r[0] if r.__class__ is tuple else r)


def shape_of(d) -> tuple:
    return () if d.__class__ is float else d.shape


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched, to get ``shape``."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def fit(g, x):
    """Make gradient ``g`` match input data ``x`` in kind, shape and dtype (``x`` and ``g``
    may be Values, in a create_graph pass: the result is then a recorded Value)."""
    if x.__class__ is float:
        return g if g.__class__ is float else float(np.sum(g))
    if x.__class__ is not ndarray:
        return _fit_value(g, x)
    if g.__class__ is not ndarray or g.shape != x.shape:
        if is_value(g):                   # a recorded gradient fitted to raw data (a saved array)
            return _fit_value(g, x)
        # asarray again: summing every axis (a 0-d input) gives a numpy scalar, not an array
        g = np.asarray(unbroadcast(np.asarray(g), x.shape))
        if g.shape != x.shape:            # a scalar upstream for a tensor input
            g = np.broadcast_to(g, x.shape).copy()
    if g.dtype != x.dtype:
        if x.dtype.kind != "f" and g.dtype.kind == "f":
            return g      # never truncate a gradient to ints: the engine's dtype check names it
        g = g.astype(x.dtype)
    return g


def _fit_value(g, x):
    if not is_value(g):                   # a constant gradient (e.g. a zero): raw, like x's data
        return fit(g, x._data if is_value(x) else np.asarray(x))
    if g.shape != x.shape:
        g = unbroadcast(g, x.shape)
        if g.shape != x.shape:            # a scalar upstream for a tensor input
            g = np.broadcast_to(g, x.shape)
    if g.dtype != x.dtype:
        if x.dtype.kind != "f" and g.dtype.kind == "f":
            return g      # as in fit: an integer input gets no truncated gradient
        g = g.astype(x.dtype)
    return g


def is_float(*ds) -> bool:
    for d in ds:
        if d.__class__ is not float:
            return False
    return True


def div(a, b):
    """a / b with numpy's semantics on the float path too (inf/nan, never ZeroDivisionError)."""
    try:
        return a / b
    except ZeroDivisionError:
        with np.errstate(all="ignore"):
            return float(np.float64(a) / b)


def power(a, b):
    """a ** b with numpy's semantics on the float path (nan for a negative base with a
    fractional exponent rather than a complex number; inf rather than ZeroDivisionError)."""
    if a.__class__ is float and b.__class__ is float:
        try:
            r = a ** b
        except (ZeroDivisionError, OverflowError):
            r = None
        if r is None or r.__class__ is complex:
            with np.errstate(all="ignore"):
                return float(np.power(np.float64(a), b))
        return r
    with np.errstate(divide="ignore", invalid="ignore"):
        return a ** b


def is_int(a) -> bool:
    """True for a Python or numpy integer, not a bool (an axis, a count, a repeat).

    >>> is_int(2), is_int(np.int64(2)), is_int(True), is_int(2.0)
    (True, True, False, False)
    """
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def norm_axis(axis, ndim, op):
    """``axis`` as a sorted-free tuple of non-negative ints (None: all axes), checked.

    As numpy's sum does, a 0-d input accepts axis 0 or -1 (and reduces nothing); the
    result is then None, since reducing "all" axes of a 0-d tensor is the same thing.
    ``op`` names the op in the error a bad axis gets.

    >>> norm_axis(-1, 3, "sum"), norm_axis((0, -1), 2, "sum"), norm_axis(None, 2, "sum")
    ((2,), (0, 1), None)
    """
    if axis is None:
        return None
    if is_int(axis):
        axes = (axis,)
    else:
        try:
            axes = tuple(axis)
        except TypeError:
            raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}") from None
    out = []
    for ax in axes:
        if not is_int(ax):
            raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
        if not ((ax in (0, -1)) if ndim == 0 else -ndim <= ax < ndim):
            raise ShapeError(f"{op}: axis {ax} is out of range for a tensor with {ndim} dimension(s)")
        out.append(int(ax) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ShapeError(f"{op}: axis {tuple(axes)} names the same axis twice (shape has {ndim} dimension(s))")
    if ndim == 0:
        return None
    return tuple(out)

"""The graph sources every view test runs on, one builder per engine.

A builder takes a case name and returns a :class:`Case` (or None when that engine cannot
express the case). To run the view tests on another engine, add a builder to
``BUILDERS``; ``source_cases()`` gives the pytest parameters.

Cases (the numbers are the lectures'):
* ``addmul``: f = (x + y) * z at x=-2, y=5, z=-4 (cs231n): grads x -4, y -4, z 3.
* ``neuron``: o = tanh(x1*w1 + x2*w2 + b), x1=2, x2=0, w1=-3, w2=1, b=6.8813735870195432
  (micrograd lecture): o 0.7071, grads x1 -1.5, w1 1.0, x2 0.5, w2 0, b 0.5.
* ``square``: y = x * x + x at x=3 (a repeated input and a fan-out): y 12, x.grad 7.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest

B = 6.8813735870195432


@dataclass
class Case:
    source: str
    name: str
    graph: object              # what a user hands to viz.to_dot / viz.Diagram
    trace: object              # what a user hands to viz.Stepper
    expect: dict               # wire name -> (value, gradient)
    out: tuple                 # (value, gradient) of the output
    gates: int                 # gates drawn
    keep: list = field(default_factory=list)    # objects the test must keep alive


CASES = ("addmul", "neuron", "square")


# ---------------------------------------------------------------- graphgrad
def graphgrad_case(name):
    import graphgrad as gg

    def leaf(v, n):
        return gg.Value(v, requires_grad=True, name=n)
    if name == "addmul":
        x, y, z = leaf(-2.0, "x"), leaf(5.0, "y"), leaf(-4.0, "z")
        q = x + y
        q.name = "q"
        f = q * z
        f.name = "f"
        t = f.backward(trace=True)
        return Case("graphgrad", name, f, t, {"x": (-2, -4), "y": (5, -4), "z": (-4, 3), "q": (3, -4)},
                    (-12, 1), 2)
    if name == "neuron":
        x1, x2, w1, w2, b = leaf(2.0, "x1"), leaf(0.0, "x2"), leaf(-3.0, "w1"), leaf(1.0, "w2"), leaf(B, "b")
        n = x1 * w1 + x2 * w2 + b
        n.name = "n"
        o = n.tanh()
        o.name = "o"
        t = o.backward(trace=True)
        return Case("graphgrad", name, o, t, NEURON, (math.sqrt(0.5), 1.0), 5)
    if name == "square":
        x = leaf(3.0, "x")
        y = x * x + x
        y.name = "y"
        t = y.backward(trace=True)
        return Case("graphgrad", name, y, t, {"x": (3, 7)}, (12, 1), 2)
    return None


NEURON = {"x1": (2, -1.5), "x2": (0, 0.5), "w1": (-3, 1.0), "w2": (1, 0.0), "b": (B, 0.5),
          "n": (math.atanh(math.sqrt(0.5)), 0.5)}


# ---------------------------------------------------------------- micrograd 0.1.0
def micrograd_case(name):
    from micrograd.engine import Value

    def leaf(v, n):
        x = Value(v)
        x.label = n              # 0.1.0 has no labels; the adapter reads one if it is set
        return x
    if name == "addmul":
        x, y, z = leaf(-2.0, "x"), leaf(5.0, "y"), leaf(-4.0, "z")
        q = x + y
        q.label = "q"
        f = q * z
        f.label = "f"
        f.backward()
        return Case("micrograd", name, f, f, {"x": (-2, -4), "y": (5, -4), "z": (-4, 3), "q": (3, -4)},
                    (-12, 1), 2)
    if name == "square":
        x = leaf(3.0, "x")
        y = x * x + x
        y.label = "y"
        y.backward()
        return Case("micrograd", name, y, y, {"x": (3, 7)}, (12, 1), 2)
    return None                  # no tanh in micrograd 0.1.0: the lecture's Value covers it


# ---------------------------------------------------------------- the lecture's Value
class Value:
    """The micrograd lecture notebook's Value (with label, tanh and exp), as typed there."""

    def __init__(self, data, _children=(), _op='', label=''):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data})"

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), '+')

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), '*')

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, (int, float))
        out = Value(self.data ** other, (self,), f'**{other}')

        def _backward():
            self.grad += other * (self.data ** (other - 1)) * out.grad
        out._backward = _backward
        return out

    def __rmul__(self, other):
        return self * other

    def __radd__(self, other):
        return self + other

    def __truediv__(self, other):
        return self * other ** -1

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def tanh(self):
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = Value(t, (self,), 'tanh')

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def exp(self):
        x = self.data
        out = Value(math.exp(x), (self,), 'exp')

        def _backward():
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)
        build_topo(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()


def lecture_case(name):
    if name == "neuron":
        x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
        w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
        b = Value(B, label="b")
        x1w1 = x1 * w1
        x2w2 = x2 * w2
        n = x1w1 + x2w2 + b
        n.label = "n"
        o = n.tanh()
        o.label = "o"
        o.backward()
        return Case("lecture", name, o, o, NEURON, (math.sqrt(0.5), 1.0), 5)
    if name == "addmul":
        x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
        q = x + y
        q.label = "q"
        f = q * z
        f.label = "f"
        f.backward()
        return Case("lecture", name, f, f, {"x": (-2, -4), "y": (5, -4), "z": (-4, 3), "q": (3, -4)},
                    (-12, 1), 2)
    return None


BUILDERS = {"graphgrad": graphgrad_case, "micrograd": micrograd_case, "lecture": lecture_case}
try:                          # every view test also runs on a PyTorch recording, where torch is installed
    import torch as _torch    # noqa: F401
except ImportError:
    pass
else:
    def torch_case(name):
        from test_viz_torch import torch_case as build
        return build(name)
    BUILDERS["torch"] = torch_case


def source_cases(only=None):
    """pytest params ``(builder, case name)`` for every engine that can build the case."""
    out = []
    for src, build in BUILDERS.items():
        for name in CASES:
            if only and name not in only:
                continue
            if build(name) is not None:
                out.append(pytest.param(src, name, id=f"{src}-{name}"))
    return out


def build(src, name) -> Case:
    return BUILDERS[src](name)

"""The plain-data graph and trace that every view reads.

A :class:`GraphData` is what a diagram needs, and nothing engine-specific: nodes (leaves
and gates) in topological order with a label, their ordered inputs, the forward value,
the gradient and the group path. A :class:`TraceData` is what a stepper needs: per
backward step, the gate, its upstream gradient, the local derivatives (where an
elementwise value exists) and the downstream gradient sent to each input.

Every source has an adapter that produces these two objects (graphgrad's ``Value``,
micrograd's ``Value``, a PyTorch recording); the views (DOT, render, stepper, exports)
read only them. Values are plain numbers or numpy arrays, never framework tensors, so a
graph can be drawn after the framework's own objects are gone, and compared, copied or
serialised without it.

>>> g = GraphData(nodes=(
...     Node(id="n0", label="x", op="leaf", inputs=(), value=2.0, grad=3.0, name="x"),
...     Node(id="n1", label="**2", op="pow", inputs=("n0",), value=4.0, grad=1.0,
...          local=(4.0,), formulas=("d(x^2)/dx = 2·x",)),
... ), root="n1", source="example")
>>> g.node("n1").inputs, [n.id for n in g.leaves()]
(('n0',), ['n0'])

Multi-output gates (``q, k, v = x.split(n, dim=2)``, ``torch.max(x, dim=1)``, ``nn.LSTM``)
are plain nodes too, so a view that knows nothing of them still draws something true:

* the gate itself is one node with its inputs, ``value=None``, ``grad=None`` and
  ``meta["outputs"]``, the ids of its output nodes in output order;
* each output is a node with ``op="output"``, ``label="[k]"``, ``inputs=(gate id,)``, its own
  value and gradient (None for an output nothing used) and ``meta["output_of"]`` /
  ``meta["index"]``. The circuit (``viz/graph.py``) draws it as the k-th output wire of the
  gate, not as a gate of its own; an older view draws a small ``[k]`` gate instead;
* the trace has one step for the whole gate (none for its outputs): its ``upstream`` is a
  tuple with one gradient (or None) per output, its ``downstream`` one per input as usual.

>>> m = GraphData(nodes=(
...     Node(id="n0", label="x", op="leaf", value=[1.0, 2.0], name="x"),
...     Node(id="n1", label="split", op="split", inputs=("n0",), meta={"outputs": ["n2", "n3"]}),
...     Node(id="n2", label="[0]", op="output", inputs=("n1",), value=[1.0],
...          meta={"output_of": "n1", "index": 0}),
...     Node(id="n3", label="[1]", op="output", inputs=("n1",), value=[2.0],
...          meta={"output_of": "n1", "index": 1}),
... ), root="n3")
>>> outputs_of(m.node("n1")), is_output(m.node("n3"))
(('n2', 'n3'), True)
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    """One node of the graph: a leaf (``inputs == ()``) or a gate with its output wire.

    * ``id``: stable within one graph (``"n0"``, ``"n1"``, ... in topological order).
    * ``label``: the gate text as drawn (``"+"``, ``"*-1"``, ``"1/x"``, ``"σ"``, ``"linear"``);
      for a leaf, its display name (may be ``""``).
    * ``op``: the op's name (``"add"``, ``"mul"``, ``"linear"``; ``"leaf"`` for leaves).
    * ``inputs``: input node ids in argument order; a repeated input repeats (``x*x`` is
      ``("n0", "n0")``). Constants folded into the label are left out, and ``input_pos``
      then gives each listed input's position among the op's arguments.
    * ``value`` / ``grad``: forward value and total gradient (a float or numpy array;
      ``grad`` is None where no gradient was computed).
    * ``group``: the group-instance path, ``(("Linear", 3), ("ReLU", 4))`` outermost first.
    * ``local``: per listed input, the local derivative d(out)/d(input) as a value (scalar
      and elementwise ops), or None where only the formula describes it.
    * ``formulas``: per listed input, the display formula of the local derivative.
    * ``constant``: True for a constant drawn as a node (an array constant, say).
    * ``tooltip``: the gate's hover text; None means the label and ``formulas``, one per
      line (graphgrad's adapter also lists the formulas of folded constants).
    * ``meta``: free-form, JSON-friendly extras an adapter wants to keep (dtype, source op).
      The views read ``meta["shape"]`` and ``meta["dtype"]`` where ``value`` is None (a
      structure-only graph), so a wire still shows its shape; ``meta["grad_note"]`` (a short
      caveat drawn under the gradient: "changed by a hook", "this pass; .grad holds more"),
      ``meta["grad_before_hook"]`` (what the consumers sent before a tensor hook changed it)
      and ``meta["grad_attr"]`` (the ``.grad`` attribute when it holds more than this pass),
      which the stepper narrates; and the multi-output keys below.
    """

    id: str
    label: str
    op: str
    inputs: tuple = ()
    value: object = None
    grad: object = None
    name: str | None = None
    group: tuple = ()
    local: tuple | None = None
    formulas: tuple = ()
    input_pos: tuple | None = None
    constant: bool = False
    tooltip: str | None = None
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_leaf(self) -> bool:
        return not self.inputs and self.op == "leaf"

    def slot(self, pos: int) -> int:
        """Index into ``inputs``/``local``/``formulas`` of the op's argument ``pos``."""
        return pos if self.input_pos is None else self.input_pos.index(pos)

    def positions(self) -> tuple:
        """The op's argument position of each listed input (``input_pos`` or 0, 1, ...)."""
        return tuple(range(len(self.inputs))) if self.input_pos is None else self.input_pos


@dataclass(frozen=True)
class GraphData:
    """Nodes in topological order (inputs before the gates that read them) and the root id.

    ``lookup`` maps ``id(source object) -> node id`` for callers that pick nodes by the
    framework's own objects (``to_dot(f, local=some_value)``); it is valid while those
    objects are alive and is left out of comparisons.

    >>> import graphgrad as gg, viz
    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> g = viz.as_graph(x * x)
    >>> [n.label for n in g.nodes], g.node(g.root).inputs      # x*x reads its input twice
    (['x', '*'], ('n0', 'n0'))
    """

    nodes: tuple
    root: str
    source: str = "graphgrad"
    lookup: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def node(self, node_id: str) -> Node:
        """The node with this id.

        >>> GraphData(nodes=(Node(id="n0", label="x", op="leaf", value=2.0),), root="n0").node("n0").value
        2.0
        """
        index = self.__dict__.get("_index")
        if index is None:
            index = {n.id: n for n in self.nodes}
            object.__setattr__(self, "_index", index)
        try:
            return index[node_id]
        except KeyError:
            raise KeyError(f"GraphData: no node with id {node_id!r}") from None

    def leaves(self) -> list:
        """The leaf nodes, in order. ``[n.name for n in g.leaves()]``"""
        return [n for n in self.nodes if n.is_leaf]

    def gates(self) -> list:
        """The gate nodes, in topological order."""
        return [n for n in self.nodes if not n.is_leaf]

    def consumers(self, node_id: str) -> list:
        """Ids of the gates that read ``node_id`` (each once, in order)."""
        return [n.id for n in self.nodes if node_id in n.inputs]


def outputs_of(node: Node) -> tuple:
    """The output node ids of a multi-output gate (empty for every other node).

    >>> outputs_of(Node(id="n1", label="+", op="add"))
    ()
    """
    return tuple(node.meta.get("outputs", ()))


def is_output(node: Node) -> bool:
    """True for an output node of a multi-output gate (drawn as one of its wires).

    >>> is_output(Node(id="n2", label="[0]", op="output", inputs=("n1",), meta={"output_of": "n1"}))
    True
    """
    return node.op == "output" and "output_of" in node.meta


def number_groups(paths) -> list:
    """Renumber group-instance paths by the position of each instance's first gate.

    ``paths[i]`` is node ``i``'s path ``((name, key), ...)`` (outermost first; ``()`` for
    leaves and ungrouped gates) with any hashable ``key`` telling instances apart (an
    engine counter, a module call id). The result keeps the structure but numbers each
    instance by the first node (in topological order) inside it, so the same graph gives
    the same groups in every process.

    >>> number_groups([(), (("Linear", 97),), (("Linear", 97),), (("Linear", 12),)])
    [(), (('Linear', 1),), (('Linear', 1),), (('Linear', 3),)]
    """
    first = {}
    for i, path in enumerate(paths):
        keys = tuple(k for _, k in path)
        for d in range(1, len(keys) + 1):
            first.setdefault(keys[:d], i)
    out = []
    for path in paths:
        keys = tuple(k for _, k in path)
        out.append(tuple((path[d - 1][0], first[keys[:d]]) for d in range(1, len(path) + 1)))
    return out


@dataclass(frozen=True)
class StepData:
    """One backward step at gate ``node``: ``upstream × local[i] = downstream[i]``.

    ``downstream[i]`` is the gradient sent to ``inputs[i]`` of that node (None where that
    input needs none); ``local`` is None where the local derivative has no value form.
    """

    index: int
    node: str
    upstream: object
    downstream: tuple
    local: tuple | None = None
    formulas: tuple = ()


@dataclass(frozen=True)
class TraceData:
    """A backward pass as data: the graph (with final gradients) and its steps in run order.

    >>> import graphgrad as gg, viz
    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> t = viz.as_trace((x * 3.0).backward(trace=True))
    >>> len(t), t[0].upstream, t[0].local, t[0].downstream     # upstream × local = downstream
    (1, 1.0, (3.0,), (3.0,))
    """

    graph: GraphData
    steps: tuple

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i) -> StepData:
        return self.steps[i]

    def __iter__(self):
        return iter(self.steps)

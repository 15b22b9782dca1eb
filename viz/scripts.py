"""Run a user's script and find what to draw: the Values it exposes and the backward
traces it produced (used by ``graphgrad render``, ``graphgrad step`` and the gallery).

A script may define ``TITLE``, ``ABOUT`` and ``DIAGRAMS = [(name, options, caption), ...]``;
without ``DIAGRAMS`` every exposed output Value (one no other exposed Value depends on)
is drawn.
"""
from __future__ import annotations

import contextlib
import os
import runpy
from dataclasses import dataclass, field


@dataclass
class Script:
    """What running a script gave: its namespace, output Values and backward traces."""

    path: str
    namespace: dict
    traces: dict = field(default_factory=dict)     # id(root Value) -> BackwardTrace

    @property
    def title(self) -> str:
        return str(self.namespace.get("TITLE") or os.path.splitext(os.path.basename(self.path))[0])

    @property
    def about(self) -> str:
        return str(self.namespace.get("ABOUT") or "")

    def values(self) -> dict:
        """Exposed graph nodes by name: graphgrad or micrograd Values, PyTorch tensors, any
        object a :mod:`viz.sources` adapter reads (names starting with ``_`` are private)."""
        from .sources import is_node
        return {k: v for k, v in self.namespace.items() if not k.startswith("_") and is_node(v)}

    def outputs(self) -> list:
        """Names of the exposed Values that no other exposed Value was computed from."""
        from .sources import inputs_of
        from .sources._walk import topo_order
        vals = self.values()
        used = set()
        for v in vals.values():
            if inputs_of(v):
                used.update(id(u) for u in topo_order(v, inputs_of) if u is not v)
        return [k for k, v in vals.items() if id(v) not in used and inputs_of(v)]

    def diagrams(self, name: str | None = None) -> list:
        """``[(name, Value, options, caption)]`` to draw (one named Value if ``name``)."""
        vals = self.values()
        if name is not None:
            if name not in vals:
                raise KeyError(f"{self.path}: no Value named {name!r}; it exposes "
                               f"{', '.join(sorted(vals)) or 'no Values'}")
            return [(name, vals[name], {}, "")]
        listed = self.namespace.get("DIAGRAMS")
        if listed:
            out = []
            for item in listed:
                n, opts, caption = (tuple(item) + ({}, ""))[:3]
                if n not in vals:
                    raise KeyError(f"{self.path}: DIAGRAMS names {n!r}, which is not a Value in the script")
                out.append((n, vals[n], dict(opts or {}), caption))
            return out
        return [(n, vals[n], {}, "") for n in self.outputs()]

    def options(self, opts=None, **overrides):
        """The drawing :class:`viz.Options` for one diagram: the script's DIAGRAMS options,
        then ``overrides`` that are not None (the command line's flags). A micrograd
        network the script exposes (an ``nn.MLP``, say) names the groups, and the
        script's variable names name the Values that have no name of their own.
        """
        from .options import Options
        o = Options.of(dict(opts or {}), who=f"{self.path}: DIAGRAMS options")
        o = o.replace(**{k: v for k, v in overrides.items() if v is not None})
        if o.model is None:
            model = self.model()
            if model is not None:
                o = o.replace(model=model)
        if o.names is None:
            o = o.replace(names={id(v): k for k, v in self.values().items()})
        return o

    def model(self):
        """The first exposed micrograd network (``MLP``, ``Layer``, ``Neuron``), else None."""
        for k, v in self.namespace.items():
            if k.startswith("_") or isinstance(v, type):
                continue
            if (type(v).__module__ or "").split(".")[0] == "micrograd" and hasattr(v, "parameters"):
                return v
        return None

    def trace_for(self, value):
        """The backward trace recorded when the script called ``backward`` on ``value``."""
        return self.traces.get(id(value))


@contextlib.contextmanager
def capture_traces(store: dict):
    """Record a trace for every ``backward()`` call inside the block (``store[id(root)]``).

    Scripts call ``f.backward()`` without ``trace=True``; the stepper still needs the
    trace, which the engine's ``record_traces()`` collects.
    """
    import graphgrad
    with graphgrad.record_traces() as traces:
        try:
            yield store
        finally:
            for t in traces:
                store[id(t.output)] = t


def run_script(path) -> Script:
    """Execute ``path`` (not as ``__main__``) and collect its Values and traces.

    >>> s = run_script("examples/01_add_mul.py")        # doctest: +SKIP
    >>> [n for n, *_ in s.diagrams()]
    ['f']
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such script: {path}")
    traces: dict = {}
    with capture_traces(traces):
        ns = runpy.run_path(path, run_name="__graphgrad__")
    return Script(path, ns, traces)

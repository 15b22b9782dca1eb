"""Step through the backward pass one gate at a time: upstream × local = downstream.

A :class:`Stepper` reads the engine's backward trace (it never recomputes gradients).
Frame 0 is the seed (d out/d out = 1); frame k is the trace's step k-1. Every frame
is the *same* drawing, laid out once with every gradient at its final width: a frame
only changes colours, hides gradients not yet reached and writes partial sums, so
nothing moves between steps.

Front ends: :meth:`Stepper.frame_svg` (one frame as SVG), :meth:`Stepper.to_html`
(one self-contained page), Jupyter display (ipywidgets slider and buttons when
installed), and ``graphgrad step SCRIPT.py`` in a terminal.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np

from . import graph as _graph
from .dot import circuit_to_dot, diagram_numbers, shape_dtype
from .graphdata import is_output, outputs_of
from .fmt import arithmetic, fmt_number, gradient_of_shape, resolve_fmt, sum_text, tensor_lines
from .i18n import gradient_text, say
from .options import Options

if TYPE_CHECKING:                      # annotations only
    import ipywidgets

    from ._types import Collapse, PathLike, StepSource

HIGHLIGHT_FILL = "#fff59d"
PARTIAL_COLOR = "#ef6c00"
SVG_NS = "http://www.w3.org/2000/svg"


def _scalar(x) -> bool:
    return np.size(x) == 1


def _each(upstream) -> tuple:
    """A step's upstream gradients: one, or one per output of a multi-output gate (a tuple)."""
    return upstream if isinstance(upstream, tuple) else (upstream,)


def _f(x) -> float:
    return float(np.asarray(x, dtype=np.float64).reshape(()))


class Stepper:
    """Walk a backward pass gate by gate.

    ``source`` is anything :func:`viz.sources.as_trace` reads: a graphgrad Value (its
    backward pass is run with a trace, keeping any gradients it already had) or a
    ``BackwardTrace`` from ``f.backward(trace=True)``, a micrograd Value after
    ``backward()`` (its pass is replayed, the user's gradients untouched), a PyTorch
    recording, or a TraceData. ``options``/keywords: a :class:`viz.Options` (``fmt``,
    ``collapse``, ``max_nodes``, ``max_values``, ``title``, ``rankdir``, ``local``). With
    ``local=True`` (or some nodes) the edges carry the local gradients and
    ``upstream × local = downstream`` as in ``to_dot(..., local=True)``, each appearing
    when its gate runs. With
    ``forward=True`` the frames first walk the forward pass (values appear gate by
    gate, left to right), then the backward pass.

    >>> import graphgrad as gg
    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> st = Stepper((x * x).exp())
    >>> len(st), st.next().label
    (3, 'exp')
    """

    def __init__(self, source: Any, options: Options | None = None, *, forward: bool = False,
                 **kw: Any):
        from .sources import as_trace
        o = Options.of(options, who="Stepper", **kw)
        self.options = o
        self.trace = as_trace(source, who="Stepper", **o.adapter_options())
        self.graph = self.trace.graph
        self.root = self.graph.node(self.graph.root)
        self.max_values = o.max_values
        self.title = o.title
        self.circuit = _graph.build(self.graph, collapse=o.collapse, max_nodes=o.max_nodes)
        self._final = _final_grads(self.trace)
        # one format for the frames, the panel and the drawing alike (viz.fmt.resolve_fmt)
        self.fmt = resolve_fmt(o.fmt, list(diagram_numbers(self.circuit, lambda n: self._final.get(n.id)))
                               + [x for s in self.trace for x in (*_each(s.upstream), *(s.local or ()),
                                                                  *s.downstream)])
        self.options = o = o.replace(fmt=self.fmt)
        self.forward = bool(forward)
        self._frames = (forward_frames(self) if forward else []) + backward_frames(self)
        for k, f in enumerate(self._frames):
            f.index = k
        self.index = 0
        self._svg = None
        self._drawing = None
        # a big graph drawn collapsed because of its size (not asked for): decks say so
        self._auto_collapsed = (len(self.graph.nodes) if o.collapse is None
                                and any(g.collapsed for g in self.circuit.gates) else 0)

    # ------------------------------------------------------------ navigation
    def __len__(self) -> int:
        """Number of frames: the seed plus one per gate of the backward pass."""
        return len(self._frames)

    def goto(self, i: int) -> "Frame":
        """Jump to frame ``i`` (negative counts from the end) and return it."""
        n = len(self)
        if not isinstance(i, (int, np.integer)):
            raise TypeError(f"Stepper.goto: the frame index must be an int, got {type(i).__name__}")
        if not -n <= i < n:
            raise IndexError(f"Stepper.goto: frame {i} is out of range; this backward pass has "
                             f"{n} frames (0 = seed .. {n - 1})")
        self.index = int(i) % n
        return self.frame

    def next(self) -> "Frame":
        """Advance one gate (stays on the last frame at the end)."""
        return self.goto(min(self.index + 1, len(self) - 1))

    def prev(self) -> "Frame":
        """Go back one gate (stays on the seed at the start)."""
        return self.goto(max(self.index - 1, 0))

    @property
    def frame(self) -> "Frame":
        """The current frame."""
        return self._frames[self.index]

    def __getitem__(self, i) -> "Frame":
        return self._frames[i]

    def __iter__(self):
        return iter(self._frames)

    # current-step accessors (the issue's vocabulary)
    @property
    def node(self):
        """The graph Node whose gate runs in the current frame (the output for the seed)."""
        return self.frame.value

    @property
    def upstream(self):
        return self.frame.upstream

    @property
    def local(self):
        return self.frame.local

    @property
    def downstream(self):
        return self.frame.downstream

    # ------------------------------------------------------------ drawing
    def dot(self) -> str:
        """DOT of the final frame (every gradient in place); all frames share its layout."""
        grads = {w.node.id: self._final.get(w.node.id) for w in self.circuit.wires}
        o = self.options.replace(show="both", title=None)
        return circuit_to_dot(self.circuit, o, grads=grads)

    def laid_out(self, format: str = "svg", edit=None) -> bytes:
        """Graphviz's drawing of :meth:`dot` (``svg``, ``json``, ...), at the positions of
        ``options.layout`` when one is given (:class:`viz.Layout`). ``edit``: a function
        applied to the DOT text first (viz.tikz uses it)."""
        from .render import run_dot
        dot = self.dot() if edit is None else edit(self.dot())
        if self.options.layout is None:
            return run_dot(dot, format)
        from . import layout as _layout
        lay = _layout.of(self.options.layout, "Stepper")
        return run_dot(lay.pin(dot, self.circuit), format, args=_layout.PIN_ARGS)

    def base_svg(self) -> str:
        """The laid-out SVG every frame restyles (rendered once)."""
        if self._svg is None:
            self._svg = self.laid_out("svg").decode("utf-8")
        return self._svg

    def drawing(self):
        """The laid-out SVG split into items, each styled once per look (:class:`viz.deck.FrameDrawing`)."""
        if getattr(self, "_drawing", None) is None:
            from .deck import FrameDrawing
            self._drawing = FrameDrawing(self)
        return self._drawing

    def frame_svg(self, i: int | None = None) -> str:
        """SVG of frame ``i`` (default: the current one): the current gate highlighted,
        gradients shown only where the backward pass has reached."""
        f = self._frames[self.index if i is None else i]
        svg = self.drawing().svg(f.index, portable=False)
        return svg[svg.find("<svg"):]          # no XML prolog: the SVG goes inline into HTML

    def with_lang(self, lang: str) -> "Stepper":
        """A copy narrating in ``lang`` ("en" or "ko"), with the same layout and trace."""
        from .pages import with_lang
        return with_lang(self, lang)

    def local_edges(self, i: int | None = None) -> set:
        """Edge ids whose local gradient is written in frame ``i``: the input edges of every
        gate the backward pass has run so far (none in the forward pass)."""
        k = self.index if i is None else i % len(self)
        shown: set = set()
        for f in self._frames[:k + 1]:
            if f.phase == "backward":
                shown.update(f.edges)
        return shown

    def text(self, i: int | None = None, width: int | None = None) -> str:
        """The frame's heading and arithmetic as plain text (what the terminal prints).

        ``width``: wrap every line at this many characters (a terminal's width); a wrapped
        line goes on indented under itself, so a long tensor stays readable.

        >>> import graphgrad as gg
        >>> x = gg.Value([[0.5, 1.5, 2.5, 3.5], [4.5, 5.5, 6.5, 7.5]], requires_grad=True, name="x")
        >>> st = Stepper((x * x).sum())
        >>> max(len(line) for line in st.text(2, width=40).splitlines()) <= 40
        True
        """
        f = self._frames[self.index if i is None else i]
        lines = [f.heading] + ["  " + line for line in f.lines]
        if width is None:
            return "\n".join(lines)
        return "\n".join(wrap_line(line, width) for line in lines)

    def to_html(self, path: PathLike | None = None) -> str:
        """One self-contained HTML page (inline SVG, CSS and JS; no network) with Prev/Next
        buttons, a slider, ←/→ keys, a step counter and the arithmetic panel. Writes it to
        ``path`` when given; returns the HTML text.

        >>> import graphgrad as gg
        >>> w0, x0, w1, x1, w2 = (gg.Value(v, requires_grad=True, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")])
        >>> f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
        >>> Stepper(f).to_html("neuron_steps.html").startswith("<!DOCTYPE html>")
        True
        """
        from .stepper_html import page
        html = page(self)
        if path is not None:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(html)
        return html

    # ------------------------------------------------------------ slide exports (viz/frames.py, viz/tikz.py)
    def save_frames(self, directory, format: str = "svg", **options) -> list:
        """One file per frame (svg, png or pdf) in ``directory``; see :func:`viz.frames.save_frames`."""
        from .frames import save_frames
        return save_frames(self, directory, format=format, **options)

    def to_pdf(self, path=None, **options) -> bytes:
        """One vector PDF, one captioned page per frame; see :func:`viz.frames.frames_pdf`
        (``steps``, ``stride``, ``slide``, ``min_pt``, ``caption``, ``title``, ``lang``)."""
        from .frames import frames_pdf
        return frames_pdf(self, path, **options)

    def save_animation(self, path, **options) -> str:
        """Animated GIF (.gif) or APNG (.png); see :func:`viz.frames.animation`."""
        from .frames import animation
        return animation(self, path, **options)

    def to_beamer(self, path=None, **options) -> str:
        """A Beamer frame whose overlays build the backward pass; see :func:`viz.tikz.to_beamer`."""
        from .tikz import to_beamer
        return to_beamer(self, path, **options)

    def frames_json(self) -> list:
        """The frames as JSON-able dicts, each complete (the HTML page stores only the
        changes from one frame to the next: :func:`viz.stepper_html.frame_changes`)."""
        return [f.as_json() for f in self._frames]

    # ------------------------------------------------------------ notebook
    def widget(self) -> ipywidgets.VBox:
        """An ipywidgets box: the frame's SVG and arithmetic, a slider, Prev/Next buttons."""
        from graphgrad._extras import require
        require("ipywidgets", "notebook", "viz.Stepper.widget()")
        import ipywidgets as W
        view = W.HTML(self._widget_html())
        slider = W.IntSlider(value=self.index, min=0, max=len(self) - 1, description="step",
                             continuous_update=True)
        prev_b, next_b = W.Button(description="◀ Prev"), W.Button(description="Next ▶")

        def show(change=None):
            self.goto(slider.value)
            view.value = self._widget_html()

        slider.observe(show, names="value")
        prev_b.on_click(lambda _b: setattr(slider, "value", max(0, slider.value - 1)))
        next_b.on_click(lambda _b: setattr(slider, "value", min(len(self) - 1, slider.value + 1)))
        box = W.VBox([W.HBox([prev_b, slider, next_b]), view])
        box.stepper_controls = (slider, prev_b, next_b, view)   # handles for tests and users
        return box

    def _widget_html(self) -> str:
        import html as _h
        f = self.frame
        lines = "".join(f"<div>{_h.escape(t)}</div>" for t in f.lines)
        return (f'<div style="font-family:Helvetica,Arial,sans-serif"><b>{_h.escape(f.heading)}</b>'
                f'<div style="font-family:monospace;margin:4px 0 8px">{lines}</div>'
                f'{self.frame_svg()}</div>')

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """In a kernel: the live widget, plus the self-contained page as ``text/html``, so a
        saved notebook still shows a working stepper where the widget cannot run (nbviewer,
        a notebook reopened without its kernel; front ends pick the widget when they can).
        Outside one: the page, the current frame's SVG and the text."""
        try:
            from IPython import get_ipython
            kernel = get_ipython() is not None and getattr(get_ipython(), "kernel", None) is not None
        except ImportError:
            kernel = False
        static = {"text/html": self.static_html(), "text/plain": repr(self)}
        if kernel:
            try:
                bundle = dict(self.widget()._repr_mimebundle_(include=include, exclude=exclude))
            except ImportError:
                pass
            else:
                bundle.update(static)
                return bundle
        return {**static, "image/svg+xml": self.frame_svg()}

    def static_html(self) -> str:
        """The stepper page (:meth:`to_html`) inside a sandboxed ``<iframe srcdoc>``: one HTML
        fragment that works in a notebook output with no kernel and no widget manager."""
        import html as _h
        return (f'<iframe srcdoc="{_h.escape(self.to_html(), quote=True)}" style="width:100%;height:560px;'
                'border:1px solid #ddd" sandbox="allow-scripts" title="backward pass stepper"></iframe>')

    def __repr__(self) -> str:
        return f"<viz.Stepper frame {self.index}/{len(self) - 1}: {self.frame.heading}>"


class Frame:
    """One frame: which gate runs, its numbers, and which gradients are known so far.

    ``value`` is the graph :class:`~viz.graphdata.Node` of the gate's output (the root for
    the seed); ``node_id`` the drawn gate (or collapsed box) it highlights.
    """

    def __init__(self, index, value, node_id, label, upstream, local, downstream, heading, lines,
                 grads, fresh, edges, group=(), values=None, phase="backward"):
        self.index, self.value, self.node_id, self.label = index, value, node_id, label
        self.upstream, self.local, self.downstream = upstream, local, downstream
        self.heading, self.lines = heading, lines
        self.grads = grads        # wire id -> (text or None, final?) for wires reached so far
        self.fresh = fresh        # wire ids that received a gradient in this frame
        self.edges = edges        # edge ids of the running gate
        self.group = group
        self.values = values      # wire ids whose forward value is shown (None: all)
        self.phase = phase        # "forward" or "backward"

    def as_json(self) -> dict:
        return {"node": self.node_id, "label": self.label, "heading": self.heading,
                "lines": self.lines, "grads": {k: [t, fin] for k, (t, fin) in self.grads.items()},
                "fresh": self.fresh, "edges": self.edges, "values": self.values, "phase": self.phase}

    def __repr__(self) -> str:
        return f"<Frame {self.index}: {self.heading}>"


# ---------------------------------------------------------------- building the frames
def _check_trace(trace):
    """A trace whose steps do not fit its graph gets one clear sentence, not a wrong frame."""
    g = trace.graph
    for s in trace:
        try:
            n = g.node(s.node)
        except KeyError:
            raise ValueError(f"Stepper: step {s.index} of the {g.source} trace names node {s.node!r}, "
                             "which is not in its graph") from None
        if len(s.downstream) != len(n.inputs):
            raise ValueError(f"Stepper: step {s.index} of the {g.source} trace sends {len(s.downstream)} "
                             f"gradients to gate {n.label!r} ({n.id}), which has {len(n.inputs)} inputs; "
                             "downstream must list one entry (or None) per input")


def _final_grads(trace) -> dict:
    """node id -> its complete gradient, from the trace alone."""
    _check_trace(trace)
    g = trace.graph
    final = {}
    if len(trace):
        final[g.root] = trace[0].upstream
    else:
        final[g.root] = g.node(g.root).grad
    for s in trace:
        final[s.node] = s.upstream
    for s in trace:
        for p, d in zip(g.node(s.node).inputs, s.downstream):
            if d is not None and g.node(p).is_leaf:
                final[p] = d if p not in final else final[p] + d
    return final


def _caveats(n, circuit, fmt, lang) -> list:
    """What the narration must add about node ``n``'s gradient: a hook changed it, ``.grad``
    holds several passes (the adapters put these in ``meta``)."""
    out = []
    if n.meta.get("grad_before_hook") is not None:
        out.append(say("hook_changed", lang, who=_name(n, circuit), sent=_fmt_value(n.meta["grad_before_hook"], fmt),
                       now=_fmt_value(n.grad, fmt)))
    if n.meta.get("grad_attr") is not None:
        out.append(say("grad_accumulated", lang, who=_name(n, circuit), value=_fmt_value(n.meta["grad_attr"], fmt)))
    return out


def _name(n, circuit) -> str:
    """How the panel calls a wire: its name, else ``out(σ)`` for the output of a σ gate."""
    if n.name:
        return n.name
    if is_output(n):             # output k of a multi-output gate: out(split)[1]
        return f"out({circuit.graph.node(n.meta['output_of']).label})[{n.meta.get('index', 0)}]"
    if not n.is_leaf:
        return f"out({n.label})"
    return circuit.wire_of.get(n.id) or "input"


def _bracket(name: str) -> str:
    """A name as it reads after "d": bracketed when it is compound (``x1*w1 + x2*w2``)."""
    plain = name.replace("_", "").replace(".", "").replace("(", "").replace(")", "")
    if plain.isalnum() or (name.startswith("out(") and name.endswith(")")):
        return name
    return f"({name})"


def deriv(top: str, bottom: str) -> str:
    """The derivative's label ``dtop/dbottom``, compound names bracketed.

    >>> deriv("o", "x1*w1 + x2*w2"), deriv("L", "0.weight"), deriv("f", "q")
    ('do/d(x1*w1 + x2*w2)', 'dL/d0.weight', 'df/dq')
    """
    return f"d{_bracket(top)}/d{_bracket(bottom)}"


def backward_frames(st) -> list:
    """The Stepper ``st``'s frames of the backward pass: the output's gradient, then one gate at a time.

    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> [f.phase for f in backward_frames(viz.Stepper(x * x))]
    ['backward', 'backward']
    """
    c, trace, fmt, graph = st.circuit, st.trace, st.fmt, st.graph
    wires = {w.id: w for w in c.wires}
    need = {}                     # wire id -> number of contributions it will receive
    for s in trace:
        for p, d in zip(graph.node(s.node).inputs, s.downstream):
            w = c.wire_of.get(p)
            if d is not None and w is not None:
                need[w] = need.get(w, 0) + 1
    acc, got, parts = {}, {}, {}
    root_w = c.wire_of[st.root.id]
    seed = st._final[st.root.id]

    def text(wid, g):
        shape, _ = shape_dtype(wires[wid].node)
        return _fmt_value(g, fmt) if _scalar(g) and shape == () else None

    state = {root_w: (text(root_w, seed), True)}
    out_name = _name(st.root, c)
    lang = st.options.lang       # the narration's sentences come from viz.i18n's table
    frames = [Frame(0, st.root, root_w, "seed", None, None, (seed,),
                    say("seed_heading", lang, n=len(trace), out=out_name),
                    [f"{deriv(out_name, out_name)} = {_fmt_value(seed, fmt)}",
                     say("seed_next", lang)],
                    dict(state), [root_w], [])]
    for k, s in enumerate(trace, start=1):
        v = graph.node(s.node)
        node_id = c.gate_of.get(v.id, c.wire_of.get(v.id))
        out_w = c.wire_of.get(v.id)
        edges = []
        label = v.label
        if isinstance(s.upstream, tuple):
            # a multi-output gate (viz.graphdata): one upstream per output wire, "—" where unused
            lines = [say("upstream", lang, deriv=deriv(out_name, _name(graph.node(o), c)),
                         value=_fmt_value(u, fmt)) for o, u in zip(outputs_of(v), s.upstream)]
        else:
            lines = [say("upstream", lang, deriv=deriv(out_name, _name(v, c)),
                         value=_fmt_value(s.upstream, fmt))]
            lines += _caveats(v, c, fmt, lang)
        fresh = []
        for i, (pid, d) in enumerate(zip(v.inputs, s.downstream)):
            p = graph.node(pid)
            w = c.wire_of.get(pid)
            if w is not None and node_id:
                edges.append(f"e_{w}_{node_id}")
            if d is None:
                continue
            formula = s.formulas[i] if i < len(s.formulas) else ""
            lo = s.local[i] if s.local is not None and i < len(s.local) else None
            who = _name(p, c)
            if lo is not None and _scalar(s.upstream) and _scalar(lo) and _scalar(d):
                up, prod = _f(s.upstream), _f(s.upstream) * _f(lo)
                if np.isclose(prod, _f(d), rtol=1e-6, atol=1e-9):
                    arith = arithmetic(up, _f(lo), _f(d), fmt)
                else:        # local() and backward disagree: never print a false equation
                    arith = (f"{_fmt_value(up, fmt)} × {_fmt_value(_f(lo), fmt)} = {_fmt_value(prod, fmt)}, "
                             f"but backward sent {_fmt_value(_f(d), fmt)} ⚠ local() and backward of {label} disagree")
                lines.append(say("upstream_local", lang, who=who, formula=formula, arith=arith))
            elif lo is not None:
                # elementwise op on tensors: the same rule, entry by entry
                up, lo = np.asarray(s.upstream), np.asarray(lo)
                small = max(up.size, lo.size, np.size(d)) <= st.max_values
                if small and np.broadcast_shapes(up.shape, lo.shape) == np.shape(d):
                    lines.append(say("upstream_local_elementwise", lang, who=who, up=_fmt_value(up, fmt),
                                     lo=_fmt_value(lo, fmt), d=_fmt_value(d, fmt), formula=formula))
                else:
                    how = "" if np.shape(d) == up.shape else say("summed_broadcast", lang)
                    lines.append(say("elementwise_shape", lang, who=who, how=how, formula=formula,
                                     grad=gradient_text(np.shape(d), lang)))
                    if np.size(d) <= st.max_values:
                        lines.append("    = " + _fmt_value(d, fmt))
            else:
                lines.append(say("formula_shape", lang, who=who, formula=formula, grad=gradient_text(np.shape(d), lang)))
                if np.size(d) <= st.max_values:
                    lines.append("    = " + " ".join(t.strip() for t in tensor_lines(np.asarray(d), fmt, st.max_values)))
            if w is None:
                continue
            acc[w] = d if w not in acc else acc[w] + d
            got[w] = got.get(w, 0) + 1
            parts.setdefault(w, []).append(d)
            final = got[w] == need[w]
            if final and p.is_leaf:
                lines += ["    " + x for x in _caveats(p, c, fmt, lang)]
            fresh.append(w)
            state[w] = (text(w, acc[w]), final)
            if need[w] > 1:
                status = say("complete", lang) if final else say("more_to_come", lang, k=need[w] - got[w])
                if _scalar(d) and shape_dtype(wires[w].node)[0] == ():
                    lines.append("    " + say("fans_out_add", lang, who=who, status=status,
                                                sum=sum_text([_f(x) for x in parts[w]], fmt)))
                else:
                    lines.append("    " + say("fans_out_count", lang, who=who, got=got[w], need=need[w],
                                                status=status))
        if out_w and node_id:
            edges.append(f"e_{node_id}_{out_w}")
        group = tuple(name for name, _ in v.group)
        heading = say("gate_heading", lang, k=k, n=len(trace), label=label) + \
            (f"  [{' / '.join(group)}]" if group else "")
        frames.append(Frame(k, v, node_id, label, s.upstream, s.local, s.downstream, heading, lines,
                            dict(state), fresh, edges, group))
    return frames


def forward_frames(st) -> list:
    """Frames of the forward pass: the inputs, then one gate (or group box) at a time.

    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> len(forward_frames(viz.Stepper(x * x)))
    2
    """
    c, fmt = st.circuit, st.fmt
    wires = {w.id: w for w in c.wires}
    shown = [w.id for w in c.wires if w.producer is None]
    n = len(c.gates)
    lang = st.options.lang
    frames = [Frame(0, st.root, None, "inputs", None, None, None,
                    say("forward_inputs", lang, n=n),
                    [f"{_name(wires[w].node, c)} = {_fmt_value(wires[w].node.value, fmt)}" for w in shown],
                    {}, [], [], values=list(shown), phase="forward")]
    for k, g in enumerate(c.gates, start=1):
        args = [_fmt_value(wires[w].node.value, fmt) for _, w in g.inputs]
        if len(args) == 2 and g.label in ("+", "-", "*", "/", "@", "**", "max", "min"):
            expr = f"{args[0]} {g.label} {args[1]}" if g.label not in ("max", "min") else \
                f"{g.label}({args[0]}, {args[1]})"
        else:
            expr = f"{g.label}({', '.join(args)})"
        lines = [f"{_name(wires[w].node, c)} = {expr} = {_fmt_value(wires[w].node.value, fmt)}"
                 for w in g.outputs]
        shown = shown + list(g.outputs)
        edges = [f"e_{w}_{g.id}" for _, w in g.inputs] + [f"e_{g.id}_{w}" for w in g.outputs]
        frames.append(Frame(k, g.node, g.id, g.label, None, None, None,
                            say("forward_gate", lang, k=k, n=n, label=g.label), lines, {}, [], edges,
                            values=list(shown), phase="forward"))
    return frames


def wrap_line(line: str, width: int) -> str:
    """One panel line wrapped at ``width`` (at least 20); continuations indented 4 more than the line.

    >>> print(wrap_line("  x = 1.0 from a gate with a long name", 20))
      x = 1.0 from a
          gate with a
          long name
    """
    import textwrap
    width = max(int(width), 20)           # a silly-narrow terminal still gets whole numbers
    if len(line) <= width:
        return line
    lead = len(line) - len(line.lstrip(" "))

    def wrap(text, long_words):
        return textwrap.wrap(text, width=width, initial_indent=" " * lead, subsequent_indent=" " * (lead + 4),
                             break_on_hyphens=False, break_long_words=long_words)
    # first keep a tensor's rows whole ("[1.00, 2.00]" glued by a placeholder), else plain words
    glued = wrap(line.lstrip(" ").replace(", ", ",\0"), False)
    if all(len(t) <= width for t in glued):
        return "\n".join(t.replace(",\0", ", ") for t in glued)
    return "\n".join(wrap(line.lstrip(" "), True))


def _fmt_value(g, fmt) -> str:
    if g is None:
        return "—"
    if _scalar(g):
        return fmt_number(_f(g), fmt)
    return " ".join(t.strip() for t in tensor_lines(np.asarray(g), fmt, 16))

"""One options object for every drawing: ``to_dot``, ``render``, ``Diagram``, ``Stepper``, the CLI.

A new drawing choice is one field here (and the view that reads it), not an edit to
every signature. Each entry point takes ``options=`` and/or the same names as keyword
arguments (keywords win).

>>> o = Options(fmt="g", collapse="sigmoid")
>>> o.replace(show="values").show, o.fmt
('values', 'g')
>>> Options.of(o, fmt=".3g").fmt
'.3g'
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .fmt import AUTO_FMT

DEFAULT_MAX_NODES = 400
SHOW = ("both", "values", "grads")
RANKDIR = ("auto", "LR", "TB", "RL", "BT")


@dataclass(frozen=True)
class Options:
    """Drawing choices.

    * ``show``: "both" (default), "values" or "grads".
    * ``fmt``: number format (".2f" as in the slides, "g" for bare integers, ".3g", or a
      callable ``float -> str``). The default, "auto", gives each diagram one format:
      ".2f", or ".3g" throughout when some number would not show in ".2f".
    * ``local``: True to write every input edge's local gradient and ``upstream × local =
      downstream``; or some nodes (the engine's objects, node ids or Nodes) to do it for
      those gates only. The stepper writes each one when its gate runs.
    * ``collapse``: group name(s) to draw as one box, True for all, False for none; None
      (default) collapses only when the graph has more than ``max_nodes`` nodes.
    * ``max_nodes``: node budget for automatic collapsing (None: no budget).
    * ``max_values``: tensors with at most this many entries show their numbers, larger
      ones a summary.
    * ``rankdir``: layout direction: "auto" (default: "LR" as the slides, "TB" for a long
      picture, see :func:`viz.graph.auto_rankdir`), "LR", "TB", "RL" or "BT".
    * ``title``: a heading drawn above the graph (the stepper uses it as the page title).
    * ``model``: the network whose structure names the groups where the graph itself has
      none (micrograd: an ``nn.MLP``, ``Layer`` or ``Neuron``); passed to the adapter.
    * ``names``: ``{id(obj): name}`` for nodes the engine leaves unnamed (micrograd
      0.1.0 has no labels; ``graphgrad render`` fills it from the script's variables);
      passed to the adapter.
    * ``flow``: the gradient-flow overlay (:mod:`viz.flow`): None (default, the plain
      drawing), "grad" (colour gates and wires by mean |gradient|) or "ratio" (by mean
      |gradient| / mean |value|); dead ReLUs and saturated sigmoid/tanh units are marked
      and counted on their gate (per layer on a collapsed network).
    * ``lang``: the language of the stepper's narration, "en" (default) or "ko"
      (strings in :mod:`viz.i18n`).
    * ``layout``: a :class:`viz.Layout` (or a Stepper) whose node positions this drawing
      keeps, so the plain, ``local=True``, collapsed and expanded drawings of one graph
      line up (:mod:`viz.layout`); None (default): laid out on its own.

    >>> opts = Options(show="grads", fmt=".3g")
    >>> opts.show, opts.replace(show="values").show, opts.max_values
    ('grads', 'values', 16)
    """

    show: str = "both"
    fmt: object = AUTO_FMT
    local: object = False
    collapse: object = None
    max_nodes: int | None = DEFAULT_MAX_NODES
    max_values: int = 16
    rankdir: str = "auto"
    title: str | None = None
    model: object = None
    names: dict | None = None
    lang: str = "en"
    flow: str | None = None
    layout: object = None

    def adapter_options(self) -> dict:
        """What the source adapter gets (:func:`viz.sources.as_graph`'s ``opts``).

        >>> Options(names={1: "a"}).adapter_options()
        {'names': {1: 'a'}}
        """
        return {k: v for k, v in (("model", self.model), ("names", self.names)) if v is not None}

    def __post_init__(self):
        if self.show not in SHOW:
            raise ValueError(f"viz.Options: show must be 'both', 'values' or 'grads', got {self.show!r}")
        if self.rankdir not in RANKDIR:
            raise ValueError(f"viz.Options: rankdir must be auto, LR, TB, RL or BT, got {self.rankdir!r}")
        if not (callable(self.fmt) or isinstance(self.fmt, str)):
            raise TypeError(f"viz.Options: fmt must be a format string such as '.2f' or a callable, "
                            f"got {type(self.fmt).__name__}")
        if self.max_nodes is not None and (not isinstance(self.max_nodes, int) or self.max_nodes < 1):
            raise ValueError(f"viz.Options: max_nodes must be a positive int or None, got {self.max_nodes!r}")
        if self.flow not in (None, "grad", "ratio"):
            raise ValueError(f"viz.Options: flow must be None, 'grad' or 'ratio', got {self.flow!r}")
        if self.lang not in ("en", "ko"):
            raise ValueError(f"viz.Options: lang must be 'en' or 'ko', got {self.lang!r}")
        if not isinstance(self.max_values, int) or self.max_values < 0:
            raise ValueError(f"viz.Options: max_values must be an int >= 0, got {self.max_values!r}")

    def replace(self, **changes) -> "Options":
        """A copy with some fields changed (unknown names raise a clear TypeError).

        >>> Options().replace(fmt="g").fmt
        'g'
        """
        _check_names(changes)
        return dataclasses.replace(self, **changes)

    @classmethod
    def of(cls, options=None, who: str = "viz.Options", **changes) -> "Options":
        """``options`` (an Options, a dict of fields, or None) with ``changes`` applied.

        >>> Options.of({"fmt": "g"}, show="grads")        # doctest: +ELLIPSIS
        Options(show='grads', fmt='g', ...)
        """
        try:
            return cls._of(options, changes)
        except (TypeError, ValueError) as e:
            msg = str(e)
            if who != "viz.Options" and msg.startswith("viz.Options:"):
                msg = who + ":" + msg[len("viz.Options:"):]
            raise type(e)(msg) from None

    @classmethod
    def _of(cls, options, changes):
        if options is None:
            base = cls()
        elif isinstance(options, cls):
            base = options
        elif isinstance(options, dict):
            _check_names(options)
            base = cls(**options)
        else:
            raise TypeError(f"viz.Options: expected viz.Options or a dict, got {type(options).__name__}")
        return base.replace(**changes) if changes else base

    def items(self) -> dict:
        """The fields as a dict (for ``**`` into the keyword forms).

        >>> Options().items()["show"]
        'both'
        """
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


FIELDS = tuple(f.name for f in dataclasses.fields(Options))


def _check_names(d):
    bad = sorted(set(d) - set(FIELDS))
    if bad:
        raise TypeError(f"viz.Options: unknown option {bad[0]!r}; the options are {', '.join(FIELDS)}")

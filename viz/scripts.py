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
import signal
import threading
import traceback
from dataclasses import dataclass, field

from ._validate import check_timeout


class ScriptError(Exception):
    """The user's script raised. ``traceback`` is its traceback from the script's own
    frames down (file and line as Python prints them), without graphgrad's runner frames.

    >>> with open("broken.py", "w") as f:
    ...     _ = f.write("x = 1\\ny = x / 0\\n")
    >>> try:
    ...     run_script("broken.py")
    ... except ScriptError as e:
    ...     print(e.traceback)
    Traceback (most recent call last):
      File "broken.py", line 2, in <module>
        y = x / 0
    ...ZeroDivisionError: division by zero
    """

    def __init__(self, path: str, exception: BaseException):
        self.path, self.exception = path, exception
        self.traceback = _script_traceback(path, exception)
        super().__init__(f"{path} raised {type(exception).__name__}: {exception}")


class ScriptTimeout(Exception):
    """The user's script ran longer than the ``timeout`` given to :func:`run_script`."""


class _Alarm(BaseException):
    # a BaseException, so that a script's own ``except Exception:`` cannot swallow the timeout
    pass


def _script_traceback(path: str, exc: BaseException) -> str:
    """``exc``'s traceback starting at the script's first frame (runpy and viz frames dropped)."""
    target = os.path.abspath(path)
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != target:
        tb = tb.tb_next
    # tb is None for a SyntaxError: its message carries the file and line itself
    return "".join(traceback.format_exception(type(exc), exc, tb))


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


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise :class:`_Alarm` in the main thread after ``seconds`` (SIGALRM; None: no limit)."""
    if seconds is None:
        yield
        return

    def on_alarm(signum, frame):
        raise _Alarm()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_script(path, timeout: float | None = None) -> Script:
    """Execute ``path`` (not as ``__main__``) and collect its Values and traces.

    An exception in the script becomes :class:`ScriptError` (its traceback from the
    script's own frames); running past ``timeout`` seconds raises :class:`ScriptTimeout`.
    ``KeyboardInterrupt`` and ``SystemExit`` pass through unchanged.

    >>> import pathlib
    >>> from graphgrad import viz
    >>> s = run_script(pathlib.Path(viz.__file__).parent / "gallery_examples" / "01_add_mul.py")
    >>> [n for n, *_ in s.diagrams()]
    ['f']
    """
    path = os.fspath(path)
    check_timeout(timeout, "run_script", allow_none=True)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such script: {path}")
    if timeout is not None and (not hasattr(signal, "setitimer")
                                or threading.current_thread() is not threading.main_thread()):
        raise ValueError("run_script: timeout= needs the main thread of a POSIX process; "
                         "run without a timeout here")
    traces: dict = {}
    try:
        with _time_limit(timeout), capture_traces(traces):
            ns = runpy.run_path(path, run_name="__graphgrad__")
    except _Alarm:
        raise ScriptTimeout(f"{path} did not finish within {timeout:g} s (timeout); "
                            "raise --timeout or make the script smaller") from None
    except Exception as e:
        raise ScriptError(path, e) from None
    return Script(path, ns, traces)

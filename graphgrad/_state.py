"""The switches read on every op (grad recording, anomaly mode, group path), per thread.

As in PyTorch, ``no_grad()``, ``detect_anomaly()``, ``group()``, ``record_traces()`` (and
``nn.expanded()``) hold for the thread that entered them: one thread inside ``no_grad()``
does not stop another thread's ops from being recorded. The truth is each thread's
:class:`_Thread` record, reached through a ``threading.local`` (:func:`here`); a thread
starts with gradients on, anomaly mode off, no group, no trace sink.

Reading a ``threading.local`` costs far more than a plain attribute (callgrind: about 1,400
instructions, a dict lookup per base class and a string compare), so the op fast path and
backward read one process-wide flag instead: ``STATE.fast`` is True while *no* thread has a
switch away from its default, and then :data:`DEFAULTS` hold for every thread. As soon as
one thread leaves the defaults it is False, which sends ops to the general path, and that
path reads the calling thread's record through :func:`switches`. ``STATE.clock`` (the write
clock) is process-wide: a write is a write. (There is deliberately no process-wide
``grad_enabled``: code that needs it calls ``switches()``.)
"""
from __future__ import annotations

import threading


class _State:
    __slots__ = ("fast", "clock")

    def __init__(self) -> None:
        self.fast = True           # no thread has left the defaults: ops need not ask here()
        # the write clock: +1 on every write through Value.data (and optimiser steps). A
        # Value's _version is the clock of its last write, a node's _vers the clock when it
        # was made, so "written after the forward" is one int compare, no per-node tuple
        self.clock = 0


class _Thread:
    """One thread's switches, a plain object: one ``threading.local`` read reaches them all."""
    __slots__ = ("grad_enabled", "anomaly", "group", "trace_sink", "expand", "backward_depth")

    def __init__(self) -> None:
        self.grad_enabled = True   # False inside no_grad()
        self.anomaly = False       # True inside detect_anomaly()
        self.group = None          # ((name, instance id), ...) of the open group blocks, or None
        self.trace_sink = None     # a list inside record_traces(): every backward's trace
        self.expand = False        # True inside nn.expanded()
        self.backward_depth = 0    # backward passes running now (> 1: one called from a hook)


class _Local(threading.local):
    def __init__(self) -> None:    # runs once in each thread that reads it
        self.t = _Thread()


STATE = _State()
_LOCAL = _Local()
# the switches of every thread while STATE.fast (what switches() returns then); never written.
# A _Thread like a thread's own record, so that `st.grad_enabled` stays a specialised slot read
DEFAULTS = _Thread()
_LOCK = threading.Lock()
_off_default = [0]                 # threads whose switches are not all the defaults


def here() -> _Thread:
    """The calling thread's record (``expand``, ``backward_depth`` and the switches).

    >>> here().backward_depth
    0
    """
    return _LOCAL.t


def switches():
    """The object whose ``grad_enabled``, ``anomaly``, ``group`` and ``trace_sink`` hold for
    the calling thread.

    >>> switches().grad_enabled
    True
    """
    return DEFAULTS if STATE.fast else _LOCAL.t


def _default(t) -> bool:
    return t.grad_enabled is True and t.anomaly is False and t.group is None and t.trace_sink is None


def set_switch(name: str, value):
    """Set the calling thread's switch ``name`` to ``value``; returns the old value.

    >>> old = set_switch("grad_enabled", False); _ = set_switch("grad_enabled", old); old
    True
    """
    t = _LOCAL.t
    old = getattr(t, name)
    was = _default(t)
    setattr(t, name, value)
    now = _default(t)
    if was is not now:
        with _LOCK:
            _off_default[0] += 1 if was else -1
            STATE.fast = not _off_default[0]
    return old

"""The switches read on every op (grad recording, anomaly mode, group path), per thread.

As in PyTorch, ``no_grad()``, ``detect_anomaly()``, ``group()`` (and ``nn.expanded()``)
hold for the thread that entered them: one thread inside ``no_grad()`` does not stop
another thread's ops from being recorded. The truth is :data:`LOCAL`, a
``threading.local``; a thread starts with gradients on, anomaly mode off, no group.

Reading a ``threading.local`` costs about 25 ns more than a plain attribute, three times
per scalar op, so the op fast path reads one process-wide flag instead: ``STATE.fast`` is
True while *no* thread has a switch away from its default (gradients on, anomaly off, no
group), and then the defaults hold for every thread. As soon as one thread leaves the
defaults it is False, which sends every op to the general path, and that path reads the
calling thread's switches through :func:`switches`. ``STATE.clock`` (the write clock) is
process-wide: a write is a write. (There is deliberately no process-wide ``grad_enabled``:
code that needs it calls ``switches()`` or reads ``LOCAL``.)
"""
from __future__ import annotations

import threading


class _Defaults:
    """The switches of every thread while ``STATE.fast``: what :func:`switches` returns then."""
    __slots__ = ()
    grad_enabled = True
    anomaly = False
    group = None


DEFAULTS = _Defaults()


class _State:
    __slots__ = ("fast", "clock")

    def __init__(self) -> None:
        self.fast = True           # no thread has left the defaults: ops need not ask LOCAL
        # the write clock: +1 on every write through Value.data (and optimiser steps). A
        # Value's _version is the clock of its last write, a node's _vers the clock when it
        # was made, so "written after the forward" is one int compare, no per-node tuple
        self.clock = 0


class _Local(threading.local):
    """One thread's switches (``__init__`` runs once in each thread that reads them)."""

    def __init__(self) -> None:
        self.grad_enabled = True   # False inside no_grad()
        self.anomaly = False       # True inside detect_anomaly()
        self.group = None          # ((name, instance id), ...) of the open group blocks, or None
        self.expand = False        # True inside nn.expanded()
        self.trace_sink = None     # a list inside record_traces(): every backward's trace
        self.backward_depth = 0    # backward passes running now (> 1: one called from a hook)


STATE = _State()
LOCAL = _Local()
_LOCK = threading.Lock()
_off_default = [0]                 # threads whose grad_enabled/anomaly/group are not the defaults


def switches():
    """The object whose ``grad_enabled``, ``anomaly`` and ``group`` hold for the calling thread.

    >>> switches().grad_enabled
    True
    """
    return DEFAULTS if STATE.fast else LOCAL


def _default(loc) -> bool:
    return loc.grad_enabled is True and loc.anomaly is False and loc.group is None


def set_switch(name: str, value):
    """Set the calling thread's switch ``name`` to ``value``; returns the old value.

    >>> old = set_switch("grad_enabled", False); _ = set_switch("grad_enabled", old); old
    True
    """
    loc = LOCAL
    old = getattr(loc, name)
    was = _default(loc)
    setattr(loc, name, value)
    now = _default(loc)
    if was is not now:
        with _LOCK:
            _off_default[0] += 1 if was else -1
            STATE.fast = not _off_default[0]
    return old

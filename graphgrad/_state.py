"""Process-wide switches read on every op: grad recording, anomaly mode, group path.

Kept in one tiny object so the hot path pays a single attribute read per switch.
"""
from __future__ import annotations


class _State:
    __slots__ = ("grad_enabled", "anomaly", "group", "trace_sink", "backward_depth", "clock")

    def __init__(self) -> None:
        self.grad_enabled = True   # False inside no_grad()
        self.anomaly = False       # True inside detect_anomaly()
        self.group = None          # ((name, instance id), ...) of the open group blocks, or None
        self.trace_sink = None     # a list inside record_traces(): every backward's trace
        self.backward_depth = 0    # backward passes running now (> 1: one called from a hook)
        # the write clock: +1 on every write through Value.data (and optimiser steps). A
        # Value's _version is the clock of its last write, a node's _vers the clock when it
        # was made, so "written after the forward" is one int compare, no per-node tuple
        self.clock = 0


STATE = _State()

"""Optionally run the block loops of the fused ops on several cores (off by default).

numpy releases the GIL inside its elementwise loops, so disjoint blocks of one op can
run on two cores at once: alone, a ReLU-mask multiply of 2M float32 took 1.7 ms on one
thread and 0.9 ms on two (idle 2-core machine), and T2's max-pool backward 4.1 → 3.2 ms.
But inside a whole conv step it lost: the step took 24.6 ms with two threads and 21.2 ms
with one, because OpenBLAS's threads keep spinning on both cores for a while after each
GEMM and the pool's thread has to fight them. So the default is one thread;
``GRAPHGRAD_NUM_THREADS=n`` (or :func:`set_num_threads`) turns the splitting on, which
may pay on machines with more cores than BLAS uses.

Only tensors of at least ``MIN_SIZE`` elements are split (below that the hand-off costs
more than it saves). A forked child starts without the pool's threads, so the pool is
dropped after ``fork`` and made again on first use.
"""
from __future__ import annotations

import os
import threading

MIN_SIZE = 1 << 20
_pool = None
_lock = threading.Lock()
_threads: int | None = None


def num_threads() -> int:
    """How many threads the fused ops use for large tensors (1 unless configured). ``num_threads() >= 1``"""
    global _threads
    if _threads is None:
        env = os.environ.get("GRAPHGRAD_NUM_THREADS", "")
        if env.strip().isdigit() and int(env) >= 1:
            _threads = int(env)
        else:
            _threads = 1
    return _threads


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (1: everything on the calling thread). ``set_num_threads(1)``"""
    global _threads, _pool
    if int(n) < 1:
        raise ValueError(f"set_num_threads: need at least 1 thread, got {n}")
    with _lock:
        _threads = int(n)
        if _pool is not None:
            _pool.shutdown(wait=False)
            _pool = None


def _executor():
    global _pool
    with _lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor
            _pool = ThreadPoolExecutor(max_workers=max(1, num_threads() - 1),
                                       thread_name_prefix="graphgrad-nn")
        return _pool


def _after_fork():
    global _pool
    _pool = None          # the child has none of the parent's threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def parts(n: int, size: int) -> int:
    """How many parts to cut ``n`` units of work (``size`` elements in all) into."""
    t = num_threads()
    return 1 if t <= 1 or size < MIN_SIZE or n < 2 else min(t, n)


def run_parts(fn, items: list, size: int) -> list:
    """``fn(group)`` for contiguous groups of ``items``, in parallel when ``size`` is large;
    returns the results in order (one per group). Each group gets its own call, so
    ``fn`` can keep per-call scratch buffers and partial sums.
    """
    k = parts(len(items), size)
    if k == 1:
        return [fn(items)]
    bounds = [len(items) * i // k for i in range(k + 1)]
    groups = [items[bounds[i]:bounds[i + 1]] for i in range(k)]
    ex = _executor()
    futures = [ex.submit(fn, grp) for grp in groups[1:]]
    first = fn(groups[0])
    return [first] + [f.result() for f in futures]

"""Allocator policy for tensor-sized temporaries (glibc only).

Each layer step makes several arrays of megabytes (im2col columns, activations,
gradients) and frees them again. glibc serves blocks above its mmap threshold
(128 KiB, adapting up to 32 MiB) with fresh ``mmap`` pages and trims freed memory at
the top of the heap back to the system, so every step pays page faults again
(about 2,000 per 8 MiB array). Measured with peer-bench (``run.py --quick``, 2 cores,
other load present), graphgrad's conv+ReLU+maxpool step (T2: 64×3×32×32, f32) took
85-98 ms with glibc's defaults and 64-72 ms with this policy (1.9-2.6× → 1.0-1.2× the
hand-written numpy step), its BatchNorm step (T3) 1.2-1.7 ms → 0.9-1.1 ms. So on import ``graphgrad.nn`` asks glibc to keep up to 256 MiB of freed
memory for reuse (``M_TRIM_THRESHOLD``) and to serve blocks below 32 MiB from the heap
(``M_MMAP_THRESHOLD``), as ``graphgrad`` already tunes the cyclic GC. Settings a program
made through ``MALLOC_*`` environment variables are left alone; ``GRAPHGRAD_MALLOC=default``
turns this off, and :func:`restore_malloc` puts glibc's default values back (its
adaptive mmap threshold stays off once set). The cost: a process
keeps freed memory (up to the trim threshold) instead of returning it to the system.
"""
from __future__ import annotations

import os

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
TRIM_THRESHOLD = 256 << 20
MMAP_THRESHOLD = 32 << 20          # glibc's maximum on 64-bit
_GLIBC_DEFAULTS = {_M_TRIM_THRESHOLD: 128 << 10, _M_MMAP_THRESHOLD: 128 << 10}
_tuned = False


def _mallopt():
    import ctypes
    try:
        fn = ctypes.CDLL(None).mallopt      # the running process's own libc
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return fn


def tune_malloc() -> bool:
    """Keep freed tensor memory for reuse (see the module notes). Returns True if applied.

    >>> from graphgrad.nn import _memory; _memory.tune_malloc() in (True, False)
    True
    """
    global _tuned
    if os.environ.get("GRAPHGRAD_MALLOC", "").lower() == "default":
        return False
    if any(k.startswith("MALLOC_") for k in os.environ):
        return False
    import platform
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    fn = _mallopt()
    if fn is None:
        return False
    ok = fn(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and fn(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    _tuned = _tuned or ok
    return ok


def restore_malloc() -> None:
    """Put glibc's default thresholds back (freed memory is returned to the system again)."""
    global _tuned
    fn = _mallopt() if _tuned else None
    if fn is not None:
        for k, v in _GLIBC_DEFAULTS.items():
            fn(k, v)
    _tuned = False

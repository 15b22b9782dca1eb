"""The allocator policy graphgrad.nn applies on import: applied, opt-out, restorable."""
import os
import platform
import subprocess
import sys

import pytest

from graphgrad.nn import _memory

pytestmark = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                                reason="the policy is glibc-only")

PROBE = ("import graphgrad.nn as nn, graphgrad.nn._memory as m; print(m._tuned)")


def _run(env_extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "GRAPHGRAD_MALLOC"))}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_applied_on_import_and_opt_out():
    assert _run({}) == "True"
    assert _run({"GRAPHGRAD_MALLOC": "default"}) == "False"
    assert _run({"MALLOC_ARENA_MAX": "2"}) == "False"     # a program's own malloc settings win


def test_restore_and_reapply():
    _memory.restore_malloc()
    assert _memory._tuned is False
    if not any(k.startswith("MALLOC_") for k in os.environ) and os.environ.get("GRAPHGRAD_MALLOC") != "default":
        assert _memory.tune_malloc() is True and _memory._tuned is True

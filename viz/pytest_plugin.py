"""A pytest plugin: a failed ``gradcheck`` writes the picture of its failing gate.

Turn it on with ``pytest -p graphgrad.viz.pytest_plugin`` (or ``pytest_plugins = ["graphgrad.viz.pytest_plugin"]``
in a ``conftest.py``). When a test fails with a :class:`graphgrad.GradcheckError` whose
localisation found failing gates, the graph with those gates in red is written to
``gradcheck-failures/<test>.svg`` under pytest's root folder (``--gradcheck-pictures=DIR``
chooses another folder, e.g. one a CI job keeps as an artefact) and its path is printed
at the end of the failure.
"""
from __future__ import annotations

import os
import re

import pytest

DEFAULT_FOLDER = "gradcheck-failures"


def pytest_addoption(parser):
    parser.addoption("--gradcheck-pictures", default=None, metavar="DIR",
                     help="folder for the pictures of failing gradcheck gates "
                          f"(default: {DEFAULT_FOLDER}/ under the root folder)")


def picture_name(nodeid: str) -> str:
    """A file name for a test id: ``tests/test_a.py::test_b[1]`` -> ``test_a.py-test_b-1.svg``.

    >>> picture_name("tests/test_a.py::test_b[1]")
    'test_a.py-test_b-1.svg'
    """
    tail = nodeid.split("/")[-1]
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", tail).strip("-") + ".svg"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when != "call" or call.excinfo is None:
        return
    report = getattr(call.excinfo.value, "report", None)
    if report is None or not getattr(report, "failures", ()):
        return
    folder = item.config.getoption("gradcheck_pictures") or os.path.join(str(item.config.rootpath),
                                                                          DEFAULT_FOLDER)
    path = os.path.join(folder, picture_name(item.nodeid))
    try:
        from .gradcheck_view import gradcheck_picture
        gradcheck_picture(report, path)
        text = f"failing gate drawn in {path}"
    except Exception as e:          # a picture that cannot be drawn must not hide the failure
        text = f"the failing gate's picture was not written ({type(e).__name__}: {e})"
    longrepr = rep.longrepr
    if hasattr(longrepr, "addsection"):
        longrepr.addsection("gradcheck picture", text)
    else:
        rep.sections.append(("gradcheck picture", text))

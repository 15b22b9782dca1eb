"""Every ``python`` code block of the documentation site's own pages (``docs/**/*.md``) runs
as a reader would paste it: the blocks of one page in order, in one namespace, in a
temporary folder; a ``test_`` function a block defines is called; a file a block says it
writes (a ``"name.svg"``, ``.png`` or ``.html`` literal) exists afterwards.

(The guide pages come from README.md, whose snippets continue one another; see
``tests/test_engine_readme.py``.)
"""
from __future__ import annotations

import contextlib
import io
import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
WRITES = re.compile(r"""["']([\w.-]+\.(?:svg|png|html))["']""")


# written by docs/_ext/graphgrad_docs.py at build time (git-ignored): the guide is README.md cut
# into pages, so its blocks are README's
GENERATED = {"api", "gallery", "guide", "companion", "_build"}


def _pages() -> list[pathlib.Path]:
    return sorted(p for p in DOCS.rglob("*.md") if p.relative_to(DOCS).parts[0] not in GENERATED
                  and BLOCK.search(p.read_text(encoding="utf-8")))


PAGES = _pages()


def test_the_pages_with_code_are_found():
    # a pattern that matched nothing would make the test below vacuous
    names = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert {"concepts.md", "start/student.md", "start/lecturer.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_page_code_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ns = {"__name__": "docs_page"}
    out = io.StringIO()
    blocks = BLOCK.findall(page.read_text(encoding="utf-8"))
    with contextlib.redirect_stdout(out):
        for i, code in enumerate(blocks):
            exec(compile(code, f"{page.name} (block {i + 1})", "exec"), ns)
        for name, f in list(ns.items()):
            if name.startswith("test_") and callable(f):
                f()
    written = sorted({m for code in blocks for m in WRITES.findall(code)})
    missing = [f for f in written if not (tmp_path / f).is_file() or (tmp_path / f).stat().st_size == 0]
    assert not missing, f"{page.name}: the code says it writes {missing}, but they are not there"
    # what a page's comment promises a print shows
    for code in blocks:
        for shown in re.findall(r"print\(.*\)\s*#.*?\"(.+?)\"", code):
            assert shown in out.getvalue(), f"{page.name}: a comment promises {shown!r}; the code printed {out.getvalue()!r}"

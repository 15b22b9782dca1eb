"""The documentation site builds from the checkout with warnings as errors, has a page for
every public name, shows the gallery's pictures, and every internal link resolves."""
from __future__ import annotations

import html.parser
import importlib
import pathlib
import sys
import time
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import graphgrad_docs  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    from graphgrad.viz.cli import main
    out = tmp_path_factory.mktemp("site")
    t0 = time.perf_counter()
    status = main(["docs", "-o", str(out), "--strict"])
    print(f"docs built in {time.perf_counter() - t0:.0f} s")
    assert status == 0, "the documentation site has Sphinx warnings (see the output above)"
    return out


@pytest.mark.slow
def test_every_public_name_has_a_page(site):
    missing = []
    for modname, _ in graphgrad_docs.API:
        for name in graphgrad_docs.public_names(modname):
            if not (site / "api" / "generated" / f"{modname}.{name}.html").is_file():
                missing.append(f"{modname}.{name}")
    assert not missing, f"no API page for {missing}"
    # and the list itself is the public surface: __all__ where a module has one
    import graphgrad as gg
    import inspect
    modules = {n for n in gg.__all__ if inspect.ismodule(getattr(gg, n))}      # gg.linalg: a page of its own
    assert set(graphgrad_docs.public_names("graphgrad")) == set(gg.__all__) - modules
    assert all(f"graphgrad.{m}" in dict(graphgrad_docs.API) for m in modules)
    assert "Stepper" in graphgrad_docs.public_names("graphgrad.viz")


@pytest.mark.slow
def test_gallery_pages_show_their_pictures(site):
    from graphgrad.viz.gallery import GALLERY
    for fname in GALLERY:
        page = (site / "gallery" / fname.replace(".py", ".html")).read_text(encoding="utf-8")
        imgs = [src for src in _Links.of(page).srcs if src.endswith(".svg")]
        assert imgs, f"{fname}: the gallery page has no diagram"
        for src in imgs:
            svg = (site / "gallery" / src).resolve()
            assert svg.is_file() and b"<svg" in svg.read_bytes()[:2000], f"{fname}: {src} is not an SVG"
        assert "literal-block" in page or "highlight-python" in page, f"{fname}: the script's source is missing"
    assert (site / "companion" / "index.html").is_file()


@pytest.mark.slow
def test_every_internal_link_resolves(site):
    broken = []
    pages = list(site.rglob("*.html"))
    ids: dict[pathlib.Path, set] = {}
    for page in pages:
        if "_modules" in page.parts or "companion" in page.relative_to(site).parts:
            continue                     # highlighted source, and the companion's own pages
        links = _Links.of(page.read_text(encoding="utf-8"))
        for url in links.hrefs + links.srcs:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(("mailto:", "javascript:")):
                continue
            target = (page.parent / urllib.parse.unquote(parts.path)).resolve() if parts.path else page
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {url}")
            elif parts.fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(_Links.of(target.read_text(encoding="utf-8")).ids)
                if parts.fragment not in ids[target]:
                    broken.append(f"{page.relative_to(site)} -> {url} (no such anchor)")
    assert len(pages) > 300
    assert not broken, "\n".join(broken[:30])


def test_readme_sections_become_guide_pages_and_links_follow_them():
    text = "# t\n\nintro\n\n## Alpha one\n\nsee [b](#beta-sub)\n\n```sh\n## not a heading\n```\n\n## Beta\n\n### Beta sub\n"
    sections = graphgrad_docs.readme_sections(text)
    assert [(t, s) for t, s, _ in sections] == [("Alpha one", "alpha-one"), ("Beta", "beta")]
    assert "## not a heading" in "\n".join(sections[0][2])


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.srcs, self.ids = [], [], []

    @classmethod
    def of(cls, text: str) -> "_Links":
        p = cls()
        p.feed(text)
        return p

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        if tag in ("img", "script") and a.get("src"):
            self.srcs.append(a["src"])
        if tag == "link" and a.get("href"):
            self.hrefs.append(a["href"])


def test_pages_of_names_that_are_gone_are_removed(tmp_path):
    # a checkout that built the site before a rename keeps the old generated pages; Sphinx
    # would build them and (with -W) fail that they are in no toctree
    gen = tmp_path / "api" / "generated"
    gen.mkdir(parents=True)
    (gen / "graphgrad.no_longer_public.rst").write_text("x\n")
    (gen / "graphgrad.Value.rst").write_text("kept\n")
    (tmp_path / "api" / "graphgrad_shaping.rst").write_text("a module page that is gone\n")
    graphgrad_docs.write_api(tmp_path)
    assert not (gen / "graphgrad.no_longer_public.rst").exists()
    assert not (tmp_path / "api" / "graphgrad_shaping.rst").exists()
    assert (gen / "graphgrad.Value.rst").read_text() == "kept\n"
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "an-old-section.md").write_text("# gone\n")
    graphgrad_docs.write_guide(tmp_path, ROOT / "README.md")
    assert not (tmp_path / "guide" / "an-old-section.md").exists()
    assert (tmp_path / "guide" / "index.md").exists()

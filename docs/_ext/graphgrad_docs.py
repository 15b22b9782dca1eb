"""Sphinx extension: writes the generated pages of graphgrad's site before Sphinx reads them.

* ``api/*.rst``: one autosummary table per public module, listing every public name (the
  module's ``__all__``, else what it defines without a leading underscore), so a new public
  function gets its page without an edit here;
* ``gallery/*.rst``: one page per lecture-gallery script, with its diagrams (rendered by the
  same code as ``graphgrad gallery``) and its source;
* ``guide/*.md``: the README, one ``##`` section a page (the README stays the one source);
* ``companion/``: the study notes' question pages, built by :func:`graphgrad.viz.companion.build_companion`
  and copied into the site as they are.
"""
from __future__ import annotations

import importlib
import inspect
import pathlib
import re
import tempfile

# (module, heading): the public surface, in the order a reader meets it
API = [
    ("graphgrad", "graphgrad: Value, ops, backward, gradcheck"),
    ("graphgrad.linalg", "graphgrad.linalg: linear algebra"),
    ("graphgrad.nn", "graphgrad.nn: modules and layers"),
    ("graphgrad.nn.functional", "graphgrad.nn.functional: layers as functions"),
    ("graphgrad.nn.init", "graphgrad.nn.init: weight initialisation"),
    ("graphgrad.optim", "graphgrad.optim: optimisers and schedules"),
    ("graphgrad.data", "graphgrad.data: datasets and preprocessing"),
    ("graphgrad.train", "graphgrad.train: fit, babysitting checks, search"),
    ("graphgrad.viz", "graphgrad.viz: diagrams, stepper, exports"),
    ("graphgrad.viz.plots", "graphgrad.viz.plots: training plots"),
]


def public_names(modname: str) -> list[str]:
    """The documented names of a module: ``__all__``, else its own public functions and classes."""
    mod = importlib.import_module(modname)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n, o in vars(mod).items() if not n.startswith("_")
                 and (inspect.isfunction(o) or inspect.isclass(o))
                 and getattr(o, "__module__", "").startswith(modname)]
    # sub-modules listed in __all__ (graphgrad.nn.init) have their own page
    return sorted({n for n in names if not inspect.ismodule(getattr(mod, n, None))}, key=str.lower)


_BARS = re.compile(r"(?<![\\`|])\|([^|`\s][^|`]*?)\|(?![`|_])")


def _rst_text(text: str) -> str:
    """Plain text (a caption, a docstring line) made safe for reST: ``|x|`` is a norm, not a
    substitution; ``*`` and backquotes are characters, not markup."""
    return _BARS.sub(r"\\|\1\\|", text)


def escape_docstring(app, what, name, obj, options, lines) -> None:
    """``autodoc-process-docstring``: the docstrings write |x| for an absolute value."""
    lines[:] = [_rst_text(line) for line in lines]


def _write(path: pathlib.Path, text: str) -> None:
    # rewrite only on change, so Sphinx's incremental build stays incremental
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _prune(folder: pathlib.Path, keep: set[str], suffixes: tuple[str, ...]) -> None:
    """Remove the pages an earlier build generated for names that are gone (a renamed section,
    a function no longer public): Sphinx would build them and warn they are in no toctree."""
    if folder.is_dir():
        for f in folder.iterdir():
            if f.suffix in suffixes and f.name not in keep:
                f.unlink()


def write_api(src: pathlib.Path) -> None:
    toc, pages = [], set()
    for modname, heading in API:
        pages.update(f"{modname}.{n}.rst" for n in public_names(modname))
        slug = modname.replace(".", "_")
        lines = [heading, "=" * len(heading), "", f".. currentmodule:: {modname}", "",
                 f".. automodule:: {modname}", "   :no-members:", "", ".. autosummary::",
                 "   :toctree: generated", "   :nosignatures:", ""]
        lines += [f"   {n}" for n in public_names(modname)]
        _write(src / "api" / f"{slug}.rst", "\n".join(lines) + "\n")
        toc.append(f"   {slug}")
    _prune(src / "api" / "generated", pages, (".rst",))
    _prune(src / "api", {f"{m.replace('.', '_')}.rst" for m, _ in API} | {"index.rst"}, (".rst",))
    _write(src / "api" / "index.rst", "API reference\n=============\n\nEvery public name, from its docstring.\n\n"
           ".. toctree::\n   :maxdepth: 1\n\n" + "\n".join(toc) + "\n")


def write_gallery(src: pathlib.Path) -> None:
    from graphgrad.viz.dot import to_dot
    from graphgrad.viz.gallery import GALLERY, examples_dir
    from graphgrad.viz.render import run_dot
    from graphgrad.viz.scripts import run_script
    out = src / "gallery"
    out.mkdir(parents=True, exist_ok=True)
    toc = []
    for fname in GALLERY:
        stem = fname[:-3]
        script = run_script(examples_dir() / fname)
        title = script.title
        about = re.sub(r"([*`|_\\])", r"\\\1", script.about or "")
        lines = [title, "=" * len(title), "", about, ""]
        for k, (name, value, opts, caption) in enumerate(script.diagrams()):
            svg = run_dot(to_dot(value, **opts), "svg", 60.0).decode("utf-8")
            _write(out / f"{stem}_{k}.svg", svg)
            cap = re.sub(r"([*`|_\\])", r"\\\1", caption or "")
            lines += [f".. figure:: {stem}_{k}.svg", f"   :alt: {name}", "", f"   **{name}**"
                      + (f": {cap}" if cap else ""), ""]
        lines += ["The script", "----------", "",
                  f"``graphgrad gallery`` runs this file (``viz/gallery_examples/{fname}``):", "",
                  f".. literalinclude:: ../../viz/gallery_examples/{fname}", "   :language: python", ""]
        _write(out / f"{stem}.rst", "\n".join(lines))
        toc.append(f"   {stem}")
    _write(out / "index.rst", "Lecture gallery\n===============\n\ncs231n's backprop circuits, drawn by "
           "graphgrad from the scripts in ``viz/gallery_examples``: forward values above each wire (green), "
           "gradients below (red).\n\n.. toctree::\n   :maxdepth: 1\n\n" + "\n".join(toc) + "\n")


def copy_companion(app) -> None:
    from graphgrad.viz.companion import build_companion
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="graphgrad-companion-"))
    build_companion(tmp, lang="en", log=lambda *a, **k: None)
    app.config.html_extra_path = [str(tmp)]      # lands as <site>/companion/...


# ---------------------------------------------------------------- the user guide, from README.md
def _slug(heading: str) -> str:
    """GitHub's (and MyST's) anchor of a heading: lower case, punctuation dropped, spaces to '-'."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return s.replace(" ", "-")


def readme_sections(readme: str) -> list[tuple[str, str, list[str]]]:
    """``[(title, slug, lines)]``: README.md cut at its ``## `` headings (the set-up block
    and the title before the first one are left out: the site's index says the same)."""
    sections, cur, in_code = [], None, False
    for line in readme.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.startswith("## "):
            title = line[3:].strip()
            cur = (title, _slug(title), [])
            sections.append(cur)
        elif cur is not None:
            cur[2].append(line)
    return sections


def write_guide(src: pathlib.Path, readme_path: pathlib.Path) -> None:
    sections = readme_sections(readme_path.read_text(encoding="utf-8"))
    pages = [(title, slug) for title, slug, _ in sections]
    # every heading's anchor -> the page it lands on, so README's #links keep working across pages
    where = {}
    for title, slug, lines in sections:
        where[slug] = slug
        for line in lines:
            m = re.match(r"(#{3,6}) (.*)", line)
            if m:
                where[_slug(m.group(2))] = slug
    toc = []
    for title, slug, lines in sections:
        body, in_code = [], False
        for line in lines:
            if line.startswith("```"):
                in_code = not in_code
            if not in_code:
                m = re.match(r"(#{3,6}) (.*)", line)
                if m:                                      # one level up: the section is the page
                    line = "#" * (len(m.group(1)) - 1) + " " + m.group(2)

                def relink(m):
                    target = where.get(m.group(1))
                    if target is None:
                        return m.group(0)
                    return f"]({target}.md#{m.group(1)})" if target != slug else f"](#{m.group(1)})"
                line = re.sub(r"\]\(#([\w\-]+)\)", relink, line)
            body.append(line)
        text = f"# {title}\n" + "\n".join(body).rstrip() + "\n"
        _write(src / "guide" / f"{slug}.md", text)
        toc.append(f"{slug}")
    _prune(src / "guide", {f"{s}.md" for s in toc} | {"index.md"}, (".md",))
    _write(src / "guide" / "index.md", "# User guide\n\nThe project's README, one section a page.\n\n"
           "```{toctree}\n:maxdepth: 1\n\n" + "\n".join(toc) + "\n```\n")


def write_pages(app, config) -> None:
    """``config-inited``: write the generated sources before Sphinx lists the documents."""
    src = pathlib.Path(app.srcdir)
    write_api(src)
    write_gallery(src)
    write_guide(src, src.parent / "README.md")


def on_builder_inited(app) -> None:
    if app.builder.format == "html":
        copy_companion(app)


def setup(app):
    app.connect("config-inited", write_pages)
    app.connect("builder-inited", on_builder_inited)
    app.connect("autodoc-process-docstring", escape_docstring)
    return {"version": "1", "parallel_read_safe": True}

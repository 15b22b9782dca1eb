"""DOT text → SVG/PNG/PDF through a Graphviz ``dot`` binary, and the notebook ``Diagram``.

The binary is found in this order: ``$GRAPHGRAD_DOT``, the ``graphviz-pure`` binary
installed by pip next to this Python (a static, offline Rust port of Graphviz), then
``graphviz-pure`` or ``dot`` on PATH. Every call has a timeout, so a pathological graph
fails with a message instead of hanging a lecture.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:                      # annotations only
    from graphgrad import Value

    from ._types import PathLike
    from .options import Options

from .formats import FORMATS  # noqa: F401  (the one format list; kept importable from here)

DEFAULT_TIMEOUT = 120.0


class RenderError(RuntimeError):
    """Graphviz is missing, failed, or took too long."""


def find_dot() -> str:
    """Path of the Graphviz-compatible executable used for rendering.

    >>> import os
    >>> os.path.basename(find_dot()) in ("graphviz-pure", "dot") or "GRAPHGRAD_DOT" in os.environ
    True
    """
    env = os.environ.get("GRAPHGRAD_DOT")
    if env:
        found = shutil.which(env) or (env if os.path.exists(env) else None)
        if not found:
            raise RenderError(f"GRAPHGRAD_DOT={env!r} is not an executable; unset it to use graphviz-pure")
        return found
    scripts = sysconfig.get_path("scripts")
    for cand in (os.path.join(scripts, "graphviz-pure"), os.path.join(scripts, "graphviz-pure.exe"),
                 shutil.which("graphviz-pure"), shutil.which("dot")):
        if cand and os.path.exists(cand):
            return cand
    raise RenderError("no Graphviz found: pip install graphviz-pure==0.2.2 "
                      "(or apt-get install graphviz, or set GRAPHGRAD_DOT)")


def _system_dot() -> str | None:
    """A real (C) Graphviz ``dot``, which can write PDF; graphviz-pure cannot."""
    env = os.environ.get("GRAPHGRAD_DOT")
    for cand in ((shutil.which(env) if env else None), shutil.which("dot")):
        if cand and "graphviz-pure" not in os.path.basename(cand):
            return cand
    return None


def run_dot(dot_text: str, format: str = "svg", timeout: float = DEFAULT_TIMEOUT,
            binary: str | None = None, args: tuple = ()) -> bytes:
    """Lay out and draw ``dot_text``; returns the file's bytes (``svg``, ``png``, ...).

    >>> b"<svg" in run_dot("digraph { a -> b }")
    True
    """
    from ._validate import check_timeout
    check_timeout(timeout, "run_dot")
    exe = binary or find_dot()
    try:
        proc = subprocess.run([exe, *args, f"-T{format}"], input=dot_text.encode("utf-8"),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderError(f"render: Graphviz took more than {timeout:g} s on a graph of "
                          f"{dot_text.count(' -> ')} edges; open it as the interactive page instead "
                          "(viz.explore(value).to_html('page.html'), which lays out only what is shown), "
                          "or give it groups (model= for micrograd, gg.group blocks, a recorded "
                          "nn.Module) and keep the default collapse, which picks a level that fits") from None
    except OSError as e:
        raise RenderError(f"render: cannot run Graphviz at {exe!r} ({e})") from None
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RenderError(f"render: Graphviz ({os.path.basename(exe)}) failed to draw {format}: {err[:500]}")
    if not proc.stdout or not _looks_like(proc.stdout, format):
        # a broken or wrong binary that exits 0 must not leave an empty or foreign file behind
        got = "no" if not proc.stdout else f"{len(proc.stdout)} bytes that are not"
        raise RenderError(f"render: Graphviz at {exe!r} exited without an error but wrote {got} {format} "
                          "output; point GRAPHGRAD_DOT at a working dot (or unset it for graphviz-pure)")
    return proc.stdout


# how each format's file begins (a format not listed is only checked for being non-empty)
_MAGIC = {"svg": (b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE"), "png": (b"\x89PNG",), "pdf": (b"%PDF",),
          "gif": (b"GIF8",), "jpg": (b"\xff\xd8",), "jpeg": (b"\xff\xd8",)}


def _looks_like(data: bytes, format: str) -> bool:
    """Whether ``data`` begins as a ``format`` file does. ``_looks_like(b"%PDF-1.5", "pdf")``"""
    heads = _MAGIC.get(format)
    return heads is None or data.lstrip().startswith(heads)


def dot_to_pdf(dot_text: str, timeout: float = DEFAULT_TIMEOUT, dpi: int = 300) -> bytes:
    """PDF bytes, vector: through the system ``dot`` named by ``$GRAPHGRAD_DOT`` when set,
    else from graphviz-pure's SVG with svglib + reportlab (:mod:`viz.pdf`, the ``slides``
    extra). Only when neither is there: a system ``dot`` on PATH, else a ``dpi`` raster
    wrapped in a PDF by Pillow (with a warning).
    """
    env = os.environ.get("GRAPHGRAD_DOT")
    sys_dot = _system_dot()
    if env and sys_dot:
        return run_dot(dot_text, "pdf", timeout, binary=sys_dot)
    from . import pdf as _pdf
    try:
        return _pdf.svg_to_pdf(run_dot(dot_text, "svg", timeout).decode("utf-8"))
    except _pdf.SlidesDependencyError:
        if sys_dot:
            return run_dot(dot_text, "pdf", timeout, binary=sys_dot)
    try:
        from PIL import Image
    except ImportError:
        raise RenderError("render: vector PDF needs pip install 'graphgrad[slides]' (or a system "
                          "Graphviz); SVG and PNG work without either") from None
    import io
    png = run_dot(dot_text.replace("graph [", f"graph [dpi={int(dpi)} ", 1), "png", timeout)
    warnings.warn("render: svglib/reportlab are not installed, so the PDF holds a raster image "
                  f"({dpi} dpi); pip install 'graphgrad[slides]' for vector PDF",
                  stacklevel=3)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "PDF", resolution=float(dpi))
    return buf.getvalue()


def render(value: Any, path: PathLike, format: str | None = None, timeout: float = DEFAULT_TIMEOUT,
           options: Options | None = None, *, scale: float | None = None, dpi: float | None = None,
           size: tuple[float, float] | None = None, ratio: float | str | None = None,
           slide: str | tuple[float, float] | None = None, min_pt: float | None = None, **kw: Any) -> str:
    """Draw the graph of ``value`` into ``path`` (any format in :data:`viz.formats.FORMATS`:
    svg, png, pdf, or dot/json text).

    The format comes from ``format`` or the file's extension; ``options`` (a
    :class:`viz.Options`) and keywords are the drawing choices of :func:`viz.to_dot`
    (``rankdir="TB"`` stacks a long chain top to bottom). PNG resolution: ``scale=2``
    (twice the default 96 dpi) or ``dpi=300``. ``size=(w, h)`` in inches scales the drawing
    to fit that box (``(13.33, 7.5)`` for a 16:9 slide); ``ratio`` is Graphviz's
    height/width control (a number, or "fill", "compress", ...). ``slide="16:9"`` (or
    "4:3", "a4", or (width, height) in points) puts the drawing on one page of that size,
    scaled to fit, centred and padded, with no text under ``min_pt`` (14) points, else a
    :class:`viz.pages.SlideFitError` saying what to do (svg, png at 1920 px wide for 16:9, or pdf;
    the same preset as ``graphgrad render --slide`` and the decks).
    Returns the path written.

    >>> import graphgrad as gg
    >>> f = (gg.Value(2.0, requires_grad=True, name="w") * 3.0).tanh()
    >>> f.backward()
    >>> render(f, "neuron.svg")
    'neuron.svg'
    """
    from . import formats, sizing
    from ._validate import check_timeout
    from .dot import to_dot
    from .options import Options
    check_timeout(timeout, "render")
    path = os.fspath(path)
    fmt = formats.get(format or os.path.splitext(path)[1].lstrip(".") or "svg")
    opts = Options.of(options, who="render", **kw)
    res = sizing.png_dpi(scale, dpi)
    if slide is None and min_pt is not None:
        raise ValueError("render: min_pt= is the smallest text on a slide= page; give slide=\"16:9\" "
                         "(or \"4:3\", \"a4\") too, or leave min_pt out")
    if slide is not None and (size is not None or ratio is not None):
        raise ValueError("render: slide= sets the page's size and shape itself; leave size= and ratio= out")
    if res is not None and fmt.name != "png" and slide is None:
        raise ValueError(f"render: scale=/dpi= set a PNG's resolution; {fmt.name} is vector or text, "
                         "so use size=(width, height) in inches instead")
    if slide is not None:
        from . import pages
        data = pages.slide_bytes(value, fmt.name, opts, slide=slide,
                                 min_pt=pages.SlideOptions.min_pt if min_pt is None else min_pt,
                                 scale=scale, dpi=dpi, timeout=timeout)
    elif fmt.from_dot is None:
        data = fmt.write(value, opts, timeout)
    else:
        # slide options (viz/sizing.py): graph attributes graphviz-pure honours
        text = to_dot(value, opts)           # top-to-bottom ports come from the DOT writer itself
        text = sizing.with_graph_attrs(text, dpi=None if res is None else f"{res:g}",
                                       size=None if size is None else sizing.size_attr(size),
                                       ratio=None if ratio is None else sizing.ratio_attr(ratio))
        data = fmt.from_dot(text, timeout)
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        raise FileNotFoundError(f"render: the folder {folder!r} of {path!r} does not exist (or is a file); "
                                "create it first")
    with open(path, "wb") as fh:
        fh.write(data)
    return path


class Diagram:
    """A drawn graph that shows itself inline in Jupyter (SVG) and saves to files.

    >>> import graphgrad as gg
    >>> f = gg.Value(2.0, requires_grad=True, name="x") * 3.0
    >>> d = Diagram(f, fmt="g")
    >>> d.save("f.png")
    'f.png'
    """

    def __init__(self, value: Any, options: Options | None = None, **kw: Any):
        from .dot import to_dot
        from .options import Options
        from .sources import as_graph
        self.options = Options.of(options, who="Diagram", **kw)
        # the graph as plain data, read once: later changes to the engine's objects (an
        # optimizer step) do not change a diagram already made
        self.graph = self.value = as_graph(value, who="Diagram", **self.options.adapter_options())
        self.source = to_dot(self.graph, self.options)     # fail early on bad options
        self._svg = None

    def svg(self) -> str:
        """The SVG text (rendered once, then cached)."""
        if self._svg is None:
            self._svg = run_dot(self.source, "svg").decode("utf-8")
        return self._svg

    def save(self, path: PathLike, format: str | None = None, **page: Any) -> str:
        """Write svg/png/pdf/dot/json by extension; returns the path. ``page``: :func:`render`'s
        ``scale``, ``dpi``, ``size``, ``ratio``, ``slide``, ``min_pt`` (``d.save("f.png", slide="16:9")``)."""
        return render(self.graph, path, format=format, options=self.options, **page)

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"image/svg+xml": self.svg(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        n = self.source.count("class=")
        return f"<viz.Diagram of {n} nodes>"

"""The Jacobian view of a vector gate (cs231n lecture 4, p57): the full matrix dy/dx as a
heat map beside the gate, computed from the graph one row at a time by vector-Jacobian
products: ``y.backward(grad=e_i)`` with a one-hot ``e_i`` gives row i, dy_i/dx.

An elementwise gate (max(0, x), sigmoid, x * c) has a diagonal Jacobian: y_i depends on x_i
only. A matmul y = W x has the dense Jacobian W.

>>> import numpy as np, graphgrad as gg
>>> x = gg.Value(np.array([1.0, -2.0, 3.0]), requires_grad=True, name="x")
>>> jacobian(gg.relu(x), x).tolist()
[[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
"""
from __future__ import annotations


import numpy as np


def jacobian(y, x) -> np.ndarray:
    """dy/dx of shape (y.size, x.size), one VJP per output entry through the engine's public
    ``backward(grad=one_hot, retain_graph=True)``. ``x`` must require grad; its ``.grad`` is
    cleared (the rows' one-hot gradients are not a loss's).

    >>> import graphgrad as gg
    >>> x = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    >>> jacobian(x * 3.0, x).tolist()
    [[3.0, 0.0], [0.0, 3.0]]
    """
    import graphgrad as gg
    if not isinstance(y, gg.Value) or not isinstance(x, gg.Value):
        raise TypeError(f"jacobian: y and x must be graphgrad Values, got {type(y).__name__} and {type(x).__name__}")
    if not x.requires_grad:
        raise ValueError("jacobian: x does not require grad; create it with Value(..., requires_grad=True)")
    ys, xs = np.shape(y.numpy()), np.shape(x.numpy())
    m, n = int(np.prod(ys)), int(np.prod(xs))
    if m * n > 4_000_000:
        raise ValueError(f"jacobian: dy/dx would be {m}×{n}; take a smaller slice (at most 4,000,000 entries)")
    J = np.zeros((m, n))
    try:
        for i in range(m):
            e = np.zeros(m)
            e[i] = 1.0
            x.zero_grad()       # leaves accumulate: each row starts from nothing
            y.backward(grad=e.reshape(ys) if ys else 1.0, retain_graph=True)
            g = x.grad
            J[i] = 0.0 if g is None else np.asarray(g, dtype=float).reshape(-1)
    finally:
        x.zero_grad()
    return J


def numeric_jacobian(f, x0: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of ``f`` (numpy in, numpy out) at ``x0``: the check for :func:`jacobian`.

    >>> numeric_jacobian(lambda v: 2 * v, np.ones(2)).round(6).tolist()
    [[2.0, 0.0], [0.0, 2.0]]
    """
    x0 = np.asarray(x0, dtype=float)
    cols = []
    for j in range(x0.size):
        d = np.zeros(x0.size)
        d[j] = h
        d = d.reshape(x0.shape)
        cols.append((np.asarray(f(x0 + d), float) - np.asarray(f(x0 - d), float)).reshape(-1) / (2 * h))
    return np.stack(cols, axis=1)


def is_diagonal(J: np.ndarray) -> bool:
    """True when every off-diagonal entry is 0 (an elementwise gate).

    >>> is_diagonal(np.eye(3)), is_diagonal(np.ones((2, 2)))
    (True, False)
    """
    J = np.asarray(J)
    return J.shape[0] == J.shape[1] and not np.any(J - np.diag(np.diag(J)))


def jacobian_view(y, x, path=None, lecture_shape: str | None = None, title: str | None = None,
                  lang: str = "en"):
    """The gate's diagram (drawn from the graph) beside its Jacobian's heat map; writes a PNG
    when ``path`` is given and returns it, else returns the matplotlib Figure.
    ``lecture_shape`` notes the slide's size (e.g. "4096 × 4096") when the example is smaller;
    ``lang="ko"`` writes the titles and axis labels in Korean (viz.i18n's words).

    >>> import graphgrad as gg, numpy as np
    >>> x = gg.Value(np.array([1.0, -2.0, 3.0]), requires_grad=True, name="x")
    >>> jacobian_view(gg.relu(x), x, "relu_jacobian.png")
    'relu_jacobian.png'
    """
    from graphgrad._extras import require
    require("matplotlib", "train", "viz.jacobian_view")
    import matplotlib

    from .dot import to_dot
    from .i18n import figure_rc
    from .render import run_dot
    rc = figure_rc(lang)
    J = jacobian(y, x)
    with matplotlib.rc_context(rc):
        return _draw(J, run_dot(to_dot(y, max_values=0), "png"), path, lecture_shape, title, lang)


def _draw(J, png, path, lecture_shape, title, lang):
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.image import imread

    from .i18n import say
    fig = Figure(figsize=(10, 4.2), dpi=100)
    FigureCanvasAgg(fig)
    ax0, ax1 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
    ax0.imshow(imread(io.BytesIO(png)))
    ax0.axis("off")
    ax0.set_title(title or say("jac_gate", lang), fontsize=10)
    lim = float(np.abs(J).max()) or 1.0
    im = ax1.imshow(J, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
    fig.colorbar(im, ax=ax1, fraction=0.046)
    kind = say("jac_diagonal" if is_diagonal(J) else "jac_dense", lang)
    note = say("jac_lecture", lang, shape=lecture_shape) if lecture_shape else ""
    ax1.set_title(say("jac_title", lang, rows=J.shape[0], cols=J.shape[1], kind=kind, note=note), fontsize=10)
    ax1.set_xlabel(say("jac_x", lang))
    ax1.set_ylabel(say("jac_y", lang))
    from .plots import finish_figure
    return finish_figure(fig, path, tight=True)

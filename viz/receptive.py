"""Receptive fields of convolution (cs231n lecture 5, p31 and p67): which input pixels one
output unit sees through stacked conv/pool layers, found from the graph (a one-hot gradient
at that unit, backpropagated to the input: the pixels it reaches are the field), checked
against the formula r_out = r_in + (k - 1)·jump_in, jump_out = jump_in·stride.

>>> rf = receptive_field([("conv", 3, 1), ("conv", 3, 1)], 9)
>>> rf["size"], rf["formula"][-1]
(5, 5)
"""
from __future__ import annotations


import numpy as np


def _side(v) -> int:
    """A layer size as one int: Conv2d stores (h, w) pairs as PyTorch does; the field is
    followed along one side, so a non-square size is refused."""
    if isinstance(v, (tuple, list)):
        if len(set(v)) != 1:
            raise ValueError(f"receptive_field: only square kernels, strides and paddings, got {tuple(v)}")
        v = v[0]
    return int(v)


def _layer_spec(layer):
    """(kind, k, stride, padding) for a tuple or a graphgrad layer."""
    if isinstance(layer, tuple):
        kind, k, s = (tuple(layer) + (1,))[:3]
        pad = layer[3] if len(layer) > 3 else 0
        if kind not in ("conv", "pool"):
            raise ValueError(f"receptive_field: layer kind must be 'conv' or 'pool', got {kind!r}")
        return kind, int(k), int(s), int(pad)
    name = type(layer).__name__
    if name == "Conv2d":
        return "conv", _side(layer.kernel_size), _side(layer.stride), _side(layer.padding)
    if name in ("MaxPool2d", "AvgPool2d"):
        k = _side(layer.kernel_size)
        return "pool", k, _side(layer.stride or k), _side(layer.padding)
    if name in ("ReLU", "Tanh", "Sigmoid", "Identity", "BatchNorm2d", "LeakyReLU"):
        return None              # pointwise: the field does not grow
    raise ValueError(f"receptive_field: cannot follow a {name} layer; pass conv/pool layers or "
                     "('conv'|'pool', kernel, stride[, padding]) tuples")


def formula_sizes(layers) -> list:
    """r after each layer by r_out = r_in + (k - 1)·jump_in (r starts at 1, jump at 1).

    >>> formula_sizes([("conv", 5, 1), ("pool", 2, 2), ("conv", 5, 1)])
    [5, 6, 14]
    """
    r, jump, out = 1, 1, []
    for layer in layers:
        spec = _layer_spec(layer)
        if spec is None:
            continue
        _, k, s, _ = spec
        r, jump = r + (k - 1) * jump, jump * s
        out.append(r)
    return out


def receptive_field(layers, input_size: int, unit=None) -> dict:
    """Run a 1-channel ``input_size``² image through ``layers`` in graphgrad and backpropagate a
    one-hot gradient from one output unit (``unit=(row, col)``, default the centre one).
    Returns ``{"mask": bool (H, W) of the pixels it sees, "size": the field's side, "formula":
    formula_sizes(layers), "out_shape": (h, w), "unit": (row, col)}``.

    Weights are all ones and pooling is averaged for the probe, so no path cancels and every
    pixel in the window gets a nonzero gradient (a max-pool routes to one pixel per window,
    but the unit still *sees* the whole window).

    >>> int(receptive_field([("conv", 3, 2)], 7)["mask"].sum())
    9
    """
    import graphgrad as gg
    from graphgrad.nn import functional as F
    specs = [s for s in (_layer_spec(l) for l in layers) if s is not None]
    if not specs:
        raise ValueError("receptive_field: no conv or pool layer given")
    x = gg.Value(np.ones((1, 1, input_size, input_size)), requires_grad=True, name="image")
    h = x
    for kind, k, s, pad in specs:
        if kind == "conv":
            h = F.conv2d(h, gg.Value(np.ones((1, 1, k, k))), None, stride=s, padding=pad)
        else:
            h = F.avg_pool2d(h, k, s, pad)
    oh, ow = h.shape[2], h.shape[3]
    if oh < 1 or ow < 1:
        raise ValueError(f"receptive_field: a {input_size}×{input_size} input is too small for these layers")
    r, c = unit if unit is not None else (oh // 2, ow // 2)
    if not (0 <= r < oh and 0 <= c < ow):
        raise ValueError(f"receptive_field: unit {(r, c)} is outside the {oh}×{ow} output")
    g = np.zeros(h.shape)
    g[0, 0, r, c] = 1.0
    h.backward(grad=g)
    mask = np.asarray(x.grad)[0, 0] != 0
    rows, cols = np.nonzero(mask)
    size = int(max(rows.max() - rows.min(), cols.max() - cols.min()) + 1) if len(rows) else 0
    centre = ((rows.min() + rows.max()) / 2, (cols.min() + cols.max()) / 2) if len(rows) else (r, c)
    return {"mask": mask, "size": size, "centre": centre, "formula": formula_sizes(layers), "out_shape": (oh, ow), "unit": (r, c)}


def receptive_field_view(layers, input_size: int, path=None, image=None, lang: str = "en"):
    """One panel per stack depth: the input pixels the centre unit of layer 1, 2, ... sees,
    titled with the measured size and the formula's. Writes a PNG when ``path`` is given;
    ``lang="ko"`` titles the panels in Korean.

    >>> receptive_field_view([("conv", 3, 1)] * 3, 15, "rf.png")
    'rf.png'
    """
    from graphgrad._extras import require
    require("matplotlib", "train", "viz.receptive_field_view")
    import matplotlib

    from .i18n import figure_rc
    with matplotlib.rc_context(figure_rc(lang)):
        return _draw_fields(layers, input_size, path, image, lang)


def _draw_fields(layers, input_size, path, image, lang):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .i18n import say
    layers = [l for l in layers if _layer_spec(l) is not None]
    n = len(layers)
    fig = Figure(figsize=(2.6 * n, 3.3), dpi=100)
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots(1, n))
    for i, ax in enumerate(axes):
        rf = receptive_field(layers[:i + 1], input_size)
        base = np.zeros((input_size, input_size)) if image is None else np.asarray(image, float)
        if image is not None:
            ax.imshow(base, cmap="gray", interpolation="nearest")
        ax.imshow(np.ma.masked_where(~rf["mask"], rf["mask"]), cmap="Reds", alpha=0.6 if image is not None else 1,
                  interpolation="nearest", vmin=0, vmax=1.4)
        ax.plot(*rf["centre"][::-1], "s", color="#1565c0", ms=4)
        ax.set_xticks(np.arange(-.5, input_size, 1), minor=True)
        ax.set_yticks(np.arange(-.5, input_size, 1), minor=True)
        ax.grid(which="minor", color="#ccc", lw=0.4)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        kind, k, s, _ = _layer_spec(layers[i])
        ax.set_title(say("rf_title", lang, kind=kind, k=k, s=s, size=rf["size"], formula=rf["formula"][-1]), fontsize=9)
    from .plots import finish_figure
    return finish_figure(fig, path, tight=True)


def filter_images(weight, path=None, title: str | None = None, lang: str = "en"):
    """A conv layer's filters (out, in, k, k) as a grid of images (lecture 5 p37): RGB when
    in = 3, else the mean over input channels in grey. Writes a PNG when ``path`` is given;
    ``lang="ko"`` titles it in Korean.

    >>> import numpy as np
    >>> filter_images(np.random.default_rng(0).normal(size=(8, 3, 3, 3)), "filters.png")
    'filters.png'
    """
    from graphgrad._extras import require
    require("matplotlib", "train", "viz.filter_images")
    import matplotlib

    from .i18n import figure_rc
    with matplotlib.rc_context(figure_rc(lang)):
        return _draw_filters(weight, path, title, lang)


def _draw_filters(weight, path, title, lang):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .i18n import say
    W = np.asarray(weight.numpy() if hasattr(weight, "numpy") else weight, dtype=float)
    if W.ndim != 4:
        raise ValueError(f"filter_images: expected conv weights of shape (out, in, k, k), got {W.shape}")
    n = W.shape[0]
    cols = min(n, 8)
    rows = -(-n // cols)
    fig = Figure(figsize=(1.3 * cols, 1.4 * rows + 0.4), dpi=100)
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots(rows, cols)).reshape(-1)
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= n:
            continue
        w = W[i]
        ax.set_title(say("filter_i", lang, i=i), fontsize=8)      # the index the response maps refer to
        if w.shape[0] == 3:
            img = np.transpose(w, (1, 2, 0))
            img = (img - img.min()) / (np.ptp(img) or 1.0)
            ax.imshow(img, interpolation="nearest")
        else:
            ax.imshow(w.mean(axis=0), cmap="gray", interpolation="nearest")
    fig.suptitle(title or say("filters_title", lang), fontsize=10)
    from .plots import finish_figure
    return finish_figure(fig, path)

"""Number formatting for diagrams: one policy shared by the renderer and the stepper.

Values are computed in float64 and rounded only here, for display. ``fmt`` is a
format spec (``".2f"``, the cs231n default; ``"g"`` for the integer figures; ``".3g"``
for significant digits) or any callable ``float -> str``.
"""
from __future__ import annotations

import math

import numpy as np

DEFAULT_FMT = ".2f"
AUTO_FMT = "auto"        # viz.Options' default: one format for the whole diagram (resolve_fmt)
SMALL_FMT = ".3g"        # what "auto" picks when some number would not show in DEFAULT_FMT


def needs_other_fmt(x, fmt=DEFAULT_FMT) -> bool:
    """True when a finite non-zero entry of ``x`` falls outside what the fixed-point
    ``fmt`` shows as itself (it would round to 0, or be 10^6 or more).

    >>> needs_other_fmt([0.5, 2.0]), needs_other_fmt([0.5, 2.5e-05]), needs_other_fmt(3e6)
    (False, True, True)
    """
    d = decimals_of(fmt)
    if d is None:
        return False
    if isinstance(x, (float, int)):             # scalars (most of a lecture graph): no numpy call
        ax = abs(float(x))
        return ax != 0 and math.isfinite(ax) and (ax < 0.5 * 10.0 ** -d or ax >= 1e6)
    a = np.abs(np.asarray(x, dtype=np.float64))
    a = a[np.isfinite(a) & (a != 0)]
    return bool(a.size) and (float(a.min()) < 0.5 * 10.0 ** -d or float(a.max()) >= 1e6)


def resolve_fmt(fmt, arrays) -> object:
    """The one number format of a diagram. A format the user asked for is kept as it is;
    ``"auto"`` is ``".2f"`` (the slides'), or ``".3g"`` for every number when some number
    of ``arrays`` would not show in ``.2f`` (a tiny gradient as ``2.5e-05`` next to a
    ``0.73``, or a product line mixing ``0.000025`` and ``2.5e-05``, is what this avoids).

    >>> resolve_fmt("auto", [[0.73, -0.2]]), resolve_fmt("auto", [[0.73, 2.5e-05]]), resolve_fmt(".2f", [1e-9])
    ('.2f', '.3g', '.2f')
    """
    if fmt != AUTO_FMT:
        return fmt
    for a in arrays:
        if a is not None and needs_other_fmt(a, DEFAULT_FMT):
            return SMALL_FMT
    return DEFAULT_FMT


def fmt_number(x, fmt=DEFAULT_FMT) -> str:
    """One number as the slides print it; ``-0.00`` becomes ``0.00``, NaN/inf are spelled out.

    >>> fmt_number(0.7310585786), fmt_number(-0.001), fmt_number(-12.0, "g")
    ('0.73', '-1.0e-03', '-12')
    """
    if callable(fmt):
        return str(fmt(float(x)))
    if fmt == AUTO_FMT:                  # unresolved (a caller that drew no whole diagram)
        fmt = DEFAULT_FMT
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    spec = fmt[2:-1] if fmt.startswith("{:") and fmt.endswith("}") else fmt
    s = format(x, spec)
    if x != 0.0 and spec.endswith("f") and _is_zero(s):
        # a tiny non-zero number must not read as an exact 0 (that means "no gradient")
        s = format(x, ".1e")
    elif spec.endswith("f") and abs(x) >= 1e6:
        s = format(x, ".2e")
    if _is_zero(s) and s.startswith("-"):
        s = s[1:]
    return s


def _is_zero(s: str) -> bool:
    return all(c in "-+0.,e" for c in s)


def decimals_of(fmt) -> int | None:
    """Decimals of a fixed-point spec (``".2f"`` -> 2), else None."""
    if callable(fmt):
        return None
    if fmt == AUTO_FMT:
        fmt = DEFAULT_FMT
    spec = fmt[2:-1] if fmt.startswith("{:") and fmt.endswith("}") else fmt
    if spec.endswith("f") and spec[:-1].lstrip(".").isdigit():
        return int(spec[:-1].lstrip("."))
    return None


def fmt_shape(shape) -> str:
    """``(2, 3)`` style text; a 0-d shape says ``scalar`` (``()`` reads as nothing on a slide).

    >>> fmt_shape((4,)), fmt_shape(())
    ('(4,)', 'scalar')
    """
    shape = tuple(int(s) for s in shape)
    return "scalar" if shape == () else str(shape)


def gradient_of_shape(shape) -> str:
    """``gradient of shape (2, 3)``, or ``scalar gradient`` for a 0-d one.

    >>> gradient_of_shape(()), gradient_of_shape((3,))
    ('scalar gradient', 'gradient of shape (3,)')
    """
    return "scalar gradient" if tuple(shape) == () else f"gradient of shape {fmt_shape(shape)}"


def tensor_lines(a, fmt=DEFAULT_FMT, max_values: int = 16) -> list:
    """Rows of text for a small tensor, or a two-line summary for a large (or wide) one.

    >>> tensor_lines(np.array([[0.1, 0.5], [-0.3, 0.8]]))
    ['[[0.10, 0.50]', ' [-0.30, 0.80]]']
    """
    a = np.asarray(a)
    if a.size == 0:
        return ["[]"]
    if a.size > max_values or (a.ndim >= 1 and a.shape[-1] > 6):
        # too many numbers (or too wide a row) to read: summarise
        f = a.astype(np.float64, copy=False)
        ok = np.isfinite(f)
        finite = f[ok]
        bad = non_finite_text(f, ok)
        if finite.size == 0:
            return [bad]
        mean = float(finite.mean())
        scale = float(np.abs(finite).max())
        if abs(mean) <= 1e-6 * scale:
            mean = 0.0          # round-off around an exact zero (e.g. after BatchNorm), not data
        # the statistics are of the finite entries: say so, and how many others there are
        lines = [f"mean {fmt_number(mean, fmt)}",
                 f"[{fmt_number(finite.min(), fmt)}, {fmt_number(finite.max(), fmt)}]"]
        return lines + [bad] if bad else lines
    if a.ndim == 0:
        return [fmt_number(a, fmt)]
    if a.ndim == 1:
        return ["[" + ", ".join(fmt_number(v, fmt) for v in a) + "]"]
    # ndim >= 2: one text row per innermost vector, brackets like numpy
    flat = a.reshape(-1, a.shape[-1])
    rows = []
    n = len(flat)
    depth = a.ndim - 1
    for i, row in enumerate(flat):
        body = "[" + ", ".join(fmt_number(v, fmt) for v in row) + "]"
        pre = "[" * depth if i == 0 else " " * depth
        post = "]" * depth if i == n - 1 else ""
        rows.append(pre + body + post)
    return rows


def non_finite_text(a, finite=None) -> str:
    """How many entries of ``a`` are not finite (``"3 -inf, 1 nan"``), or ``""`` when none.

    A summary's mean and range are of the finite entries only; this line keeps a tensor that
    is half ``-inf`` (a causal mask, ``masked_fill``'s output) from reading as ordinary.

    >>> non_finite_text(np.array([1.0, -np.inf, np.nan, -np.inf, np.inf])), non_finite_text([1.0])
    ('2 -inf, 1 inf, 1 nan', '')
    """
    f = np.asarray(a, dtype=np.float64)
    if finite is None:
        finite = np.isfinite(f)
    n_bad = f.size - int(np.count_nonzero(finite))
    if n_bad == 0:
        return ""
    parts = []
    for word, count in (("-inf", np.count_nonzero(f == -np.inf)), ("inf", np.count_nonzero(f == np.inf)),
                        ("nan", np.count_nonzero(np.isnan(f)))):
        if count:
            parts.append(f"{int(count)} {word}")
    return ", ".join(parts)


def arithmetic(upstream, local, downstream, fmt=DEFAULT_FMT) -> str:
    """``upstream × local = downstream`` with operands printed precisely enough that the
    shown product rounds to the shown result (the slides' 0.2 × 2 = 0.4 trap).

    >>> arithmetic(0.19661193, 2.0, 0.39322387)
    '0.197 × 2.00 = 0.39'
    """
    d = decimals_of(fmt)
    shown = fmt_number(downstream, fmt)
    if d is None:
        return f"{fmt_number(upstream, fmt)} × {fmt_number(local, fmt)} = {shown}"
    up, lo = float(upstream), float(local)
    best = None
    for extra in range(0, 7):
        for ku, kl in ((d + extra, d), (d, d + extra), (d + extra, d + extra)):
            ru, rl = round(up, ku), round(lo, kl)
            if fmt_number(ru * rl, fmt) == shown:
                best = (ku, kl)
                break
        if best:
            break
    ku, kl = best or (d + 6, d + 6)
    return f"{fmt_number(up, f'.{ku}f')} × {fmt_number(lo, f'.{kl}f')} = {shown}"


def sum_text(parts, fmt=DEFAULT_FMT) -> str:
    """``a + b − c = total`` for gradients adding up at a fan-out, with just enough
    decimals on the parts that they visibly add up to the shown total.

    >>> sum_text([0.512144, -0.035762, 1.583187])
    '0.512 − 0.036 + 1.583 = 2.06'
    """
    total = float(sum(float(p) for p in parts))
    shown = fmt_number(total, fmt)
    d = decimals_of(fmt)
    k = d
    if d is not None:
        for extra in range(0, 7):
            k = d + extra
            if fmt_number(sum(round(float(p), k) for p in parts), fmt) == shown:
                break
    spec = f".{k}f" if d is not None else fmt
    out = fmt_number(parts[0], spec)
    for p in parts[1:]:
        p = float(p)
        out += (" − " if p < 0 else " + ") + fmt_number(abs(p), spec)
    return f"{out} = {shown}"

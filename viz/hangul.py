"""A Hangul font for matplotlib, found the same way on every machine: the NanumGothic that the
``koreanize-matplotlib`` wheel ships (a dependency of the ``train`` extra), else a Korean system
font (Debian's fonts-nanum, Noto Sans CJK KR). Registered with matplotlib without touching
its global rcParams, so only the figures drawn inside :func:`hangul_rc` use it.

>>> name = hangul_font()
>>> name is None or isinstance(name, str)
True
"""
from __future__ import annotations

import importlib.util
import pathlib

_SYSTEM_HINTS = ("nanumgothic", "notosanscjk", "notosanskr", "nanumbarungothic", "unfonts", "baekmuk")
_found: list = []


def hangul_font_file() -> pathlib.Path | None:
    """The path of a TrueType/OpenType font with Hangul glyphs, or None when there is none.

    >>> p = hangul_font_file()
    >>> p is None or p.suffix.lower() in (".ttf", ".otf", ".ttc")
    True
    """
    # koreanize_matplotlib's __init__ rewrites rcParams on import: find its font folder without importing it
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            f = pathlib.Path(loc) / "fonts" / "NanumGothic.ttf"
            if f.is_file():
                return f
    from matplotlib import font_manager
    for f in sorted(font_manager.findSystemFonts()):
        if any(h in pathlib.Path(f).name.lower().replace("-", "").replace("_", "") for h in _SYSTEM_HINTS):
            return pathlib.Path(f)
    return None


def hangul_font() -> str | None:
    """The family name of the Hangul font, registered with matplotlib's font manager (once).

    >>> hangul_font() in (None, "NanumGothic") or True
    True
    """
    if not _found:
        f = hangul_font_file()
        name = None
        if f is not None:
            from matplotlib import font_manager
            font_manager.fontManager.addfont(str(f))
            name = font_manager.FontProperties(fname=str(f)).get_name()
        _found.append(name)
    return _found[0]


def hangul_rc() -> dict:
    """rcParams for figures with Korean text: DejaVu Sans first (Latin, Greek, maths glyphs),
    the Hangul font as the per-glyph fallback. Use as ``matplotlib.rc_context(hangul_rc())``.

    >>> hangul_rc()["font.family"][0]
    'DejaVu Sans'
    """
    name = hangul_font()
    return {"font.family": ["DejaVu Sans"] + ([name] if name else [])}

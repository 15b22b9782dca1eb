"""How the page draws each element: SVG fragments with ``{placeholders}``, in the cs231n
colours of :mod:`viz.dot`. This is the one definition of the page's look; the page's
script only fills the placeholders (escaped) and places the fragments where its layout
puts them, so the styling is never written a second time in JavaScript.

Fragments are drawn around the element's centre (0, 0). ``{w}``/``{x0}`` are the width
and left edge the script measures from the text; ``{label}``, ``{info}``, ``{value}``,
``{grad}``, ``{text}`` are texts.

>>> sorted(TEMPLATES)[:3], STYLE["value"]
(['box', 'cluster', 'gate_box'], '#2e7d32')
"""
from __future__ import annotations

from ..dot import FONT, GRAD_COLOR, GROUP_COLOR, LOCAL_COLOR, MUTED_COLOR, NAME_COLOR, VALUE_COLOR

FAIL_COLOR = "#d50000"
HIGHLIGHT = "#fff59d"

STYLE = {"value": VALUE_COLOR, "grad": GRAD_COLOR, "local": LOCAL_COLOR, "group": GROUP_COLOR,
         "muted": MUTED_COLOR, "name": NAME_COLOR, "fail": FAIL_COLOR, "highlight": HIGHLIGHT,
         "font": FONT, "decimals": 2,
         # sizes the layout reads: a gate's radius, the height of boxes, a character's width
         "r": 15, "box_h": 26, "group_h": 48, "char_w": 7.2, "rank_gap": 86, "node_gap": 34}

TEMPLATES = {
    "gate_circle": ('<circle class="shape" r="15" fill="#ffffff" stroke="#424242" stroke-width="1.2"/>'
                    '<text y="5" text-anchor="middle" font-size="14" fill="#212121">{label}</text>'),
    "gate_box": ('<rect class="shape" x="{x0}" y="-13" width="{w}" height="26" rx="7" fill="#ffffff" '
                 'stroke="#424242" stroke-width="1.2"/>'
                 '<text y="5" text-anchor="middle" font-size="13" fill="#212121">{label}</text>'),
    "box": ('<rect class="shape" x="{x0}" y="-24" width="{w}" height="48" rx="8" fill="#e3f2fd" '
            f'stroke="{GROUP_COLOR}" stroke-width="1.4"/>'
            f'<text y="-5" text-anchor="middle" font-size="13" font-weight="bold" fill="{GROUP_COLOR}">'
            '{label}</text>'
            f'<text y="13" text-anchor="middle" font-size="10" fill="{MUTED_COLOR}">{{info}}</text>'),
    "leaf": f'<text y="5" text-anchor="middle" font-size="14" fill="{NAME_COLOR}">{{label}}</text>',
    "wire": (f'<text class="wv" y="-5" font-size="11" fill="{VALUE_COLOR}">{{value}}</text>'
             f'<text class="wg" y="13" font-size="11" fill="{GRAD_COLOR}">{{grad}}</text>'),
    "local": f'<text class="loc" font-size="9" fill="{LOCAL_COLOR}">{{text}}</text>',
    "cluster": (f'<rect x="{{x0}}" y="{{y0}}" width="{{w}}" height="{{h}}" rx="10" fill="none" '
                f'stroke="{GROUP_COLOR}" stroke-width="1.3"/>'
                f'<text class="ctitle" x="{{tx}}" y="{{ty}}" font-size="12" fill="{GROUP_COLOR}">'
                '{label} \u2212</text>'),
}

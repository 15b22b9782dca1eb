"""The self-contained HTML stepper page: one inline SVG (laid out once), the frames as
JSON, and a small script that restyles the SVG per frame. No network, no modules,
no fetch(): it works from ``file://``, in slides and in a notebook iframe."""
from __future__ import annotations

import html
import json

from .dot import GRAD_COLOR, VALUE_COLOR
from .stepper import HIGHLIGHT_FILL, PARTIAL_COLOR


def _json_for_script(data) -> str:
    """JSON safe inside <script>: no '</script>' or '<!--' can close or confuse the tag."""
    return (json.dumps(data, ensure_ascii=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def page(st) -> str:
    """The page's HTML text for a :class:`viz.stepper.Stepper`."""
    svg = st.base_svg()
    svg = svg[svg.find("<svg"):]
    title = st.title or "backward pass"
    frames = _json_for_script(st.frames_json())
    wires = _json_for_script([w.id for w in st.circuit.wires])
    n = len(st)
    return _TEMPLATE.format(
        title=html.escape(title), svg=svg, frames=frames, wires=wires, last=n - 1, n=n,
        grad=GRAD_COLOR, value=VALUE_COLOR, hi=HIGHLIGHT_FILL, partial=PARTIAL_COLOR)


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#212121;background:#fafafa}}
header{{padding:12px 20px;background:#263238;color:#fff}}
header h1{{font-size:19px;margin:0}}
.controls{{display:flex;align-items:center;gap:10px;padding:10px 20px;background:#fff;border-bottom:1px solid #ddd;position:sticky;top:0}}
.controls button{{font-size:15px;padding:5px 14px;border:1px solid #90a4ae;border-radius:5px;background:#eceff1;cursor:pointer}}
.controls button:disabled{{opacity:.4;cursor:default}}
#slider{{flex:1;max-width:520px}}
#status{{font-weight:bold;min-width:110px}}
.hint{{color:#757575;font-size:13px}}
#panel{{margin:12px 20px;padding:10px 14px;background:#fff;border-left:5px solid {grad};border-radius:4px;box-shadow:0 1px 2px rgba(0,0,0,.1)}}
#heading{{font-weight:bold;margin-bottom:4px}}
#lines div{{font-family:Menlo,Consolas,monospace;font-size:14px;white-space:pre-wrap;line-height:1.5}}
#figure{{margin:0 20px 20px;overflow:auto;background:#fff;border:1px solid #eceff1;border-radius:6px;padding:6px}}
#figure svg{{height:auto}}  /* natural size: wide graphs scroll, the current gate is scrolled into view */
.pending{{fill-opacity:0}}
.partial{{fill:{partial}}}
g.current ellipse,g.current path,g.current polygon{{fill:{hi};stroke:{grad};stroke-width:2.5}}
g.hot path{{stroke:{grad};stroke-width:2.2}}
g.hot polygon{{fill:{grad};stroke:{grad}}}
g.fresh polyline{{stroke:{grad};stroke-width:2.5}}
</style></head>
<body data-step="0">
<header><h1>{title}</h1></header>
<div class="controls">
<button id="prev" type="button">&#9664; Prev</button>
<input id="slider" type="range" min="0" max="{last}" value="0" aria-label="step">
<button id="next" type="button">Next &#9654;</button>
<span id="status">step 0 / {last}</span>
<span class="hint">&larr; / &rarr; keys step; gradients appear as backprop reaches them (orange: partial sum at a fan-out)</span>
</div>
<div id="panel"><div id="heading"></div><div id="lines"></div></div>
<div id="figure">{svg}</div>
<script type="application/json" id="frames">{frames}</script>
<script type="application/json" id="wires">{wires}</script>
<script>
(function () {{
  var frames = JSON.parse(document.getElementById("frames").textContent);
  var wires = JSON.parse(document.getElementById("wires").textContent);
  var svg = document.querySelector("#figure svg");
  var grads = {{}};       // wire id -> [text elements drawn in the gradient colour]
  var vals = {{}};        // wire id -> [text elements drawn in the value colour]
  var finals = {{}};      // wire id -> their final text
  wires.forEach(function (id) {{
    var g = svg.getElementById ? svg.getElementById(id) : document.getElementById(id);
    if (!g) return;
    var ts = Array.prototype.filter.call(g.querySelectorAll("text"), function (t) {{
      return (t.getAttribute("fill") || "").toLowerCase() === "{grad}";
    }});
    grads[id] = ts;
    vals[id] = Array.prototype.filter.call(g.querySelectorAll("text"), function (t) {{
      return (t.getAttribute("fill") || "").toLowerCase() === "{value}";
    }});
    finals[id] = ts.map(function (t) {{ return t.textContent; }});
  }});
  var marked = [];
  function mark(el, cls) {{ if (el) {{ el.classList.add(cls); marked.push([el, cls]); }} }}
  var i = 0;
  function show(k) {{
    i = Math.max(0, Math.min(frames.length - 1, k));
    var f = frames[i];
    marked.forEach(function (m) {{ m[0].classList.remove(m[1]); }});
    marked = [];
    Object.keys(grads).forEach(function (id) {{
      var st = f.grads[id], ts = grads[id];
      ts.forEach(function (t, j) {{
        t.classList.remove("pending"); t.classList.remove("partial");
        t.textContent = finals[id][j];
        if (!st || (!st[1] && st[0] === null)) {{ t.classList.add("pending"); }}
        else if (!st[1]) {{ t.classList.add("partial"); if (st[0] !== null && ts.length === 1) t.textContent = st[0]; }}
      }});
    }});
    var shown = f.values ? new Set(f.values) : null;
    Object.keys(vals).forEach(function (id) {{
      vals[id].forEach(function (t) {{
        if (shown && !shown.has(id)) t.classList.add("pending"); else t.classList.remove("pending");
      }});
    }});
    var cur = f.node ? document.getElementById(f.node) : null;
    mark(cur, "current");
    if (cur && cur.scrollIntoView) {{ cur.scrollIntoView({{block: "nearest", inline: "center"}}); }}
    f.edges.forEach(function (e) {{ mark(document.getElementById(e), "hot"); }});
    f.fresh.forEach(function (w) {{ mark(document.getElementById(w), "fresh"); }});
    document.getElementById("heading").textContent = f.heading;
    var box = document.getElementById("lines");
    box.textContent = "";
    f.lines.forEach(function (line) {{
      var d = document.createElement("div"); d.textContent = line; box.appendChild(d);
    }});
    document.getElementById("status").textContent = "step " + i + " / " + (frames.length - 1);
    document.getElementById("slider").value = i;
    document.getElementById("prev").disabled = (i === 0);
    document.getElementById("next").disabled = (i === frames.length - 1);
    document.body.setAttribute("data-step", i);
    document.body.setAttribute("data-node", f.node || "");
    document.body.setAttribute("data-phase", f.phase);
  }}
  document.getElementById("prev").addEventListener("click", function () {{ show(i - 1); }});
  document.getElementById("next").addEventListener("click", function () {{ show(i + 1); }});
  document.getElementById("slider").addEventListener("input", function (e) {{ show(parseInt(e.target.value, 10)); }});
  document.addEventListener("keydown", function (e) {{
    if (e.target && e.target.id === "slider") return;   // the range input steps by itself
    if (e.key === "ArrowRight") {{ show(i + 1); e.preventDefault(); }}
    else if (e.key === "ArrowLeft") {{ show(i - 1); e.preventDefault(); }}
  }});
  show(0);
}})();
</script>
</body></html>
"""

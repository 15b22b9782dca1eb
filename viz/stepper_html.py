"""The self-contained HTML stepper page: one inline SVG (laid out once), the frames as
JSON, and a small script that restyles the SVG per frame. No network, no modules,
no fetch(): it works from ``file://``, in slides and in a notebook iframe.

The page stores each frame as its *change* from the previous one
(:func:`frame_changes`), so its size grows with the graph, not with graph × steps
(a full copy of every gradient in every frame made an 800-node page 9 MB). The script
applies the changes forward, and their inverses (worked out once on load) backward.
"""
from __future__ import annotations

import html
import json

from .dot import GRAD_COLOR, LOCAL_COLOR, VALUE_COLOR
from .stepper import HIGHLIGHT_FILL, PARTIAL_COLOR


def _json_for_script(data) -> str:
    """JSON safe inside <script>: no '</script>' or '<!--' can close or confuse the tag."""
    return (json.dumps(data, ensure_ascii=False)
            .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def frame_states(st):
    """Each frame's drawing state as three maps: ``g`` wire id -> [gradient text, final?]
    (wires reached), ``h`` wire id -> 1 (forward values not yet computed), ``l`` edge id ->
    1 (local gradients written). Yields one dict of the three per frame."""
    wires = [w.id for w in st.circuit.wires]
    local = st.options.local is not None and st.options.local is not False
    loc: dict = {}
    for f in st:
        hide = {} if f.values is None else dict.fromkeys(set(wires) - set(f.values), 1)
        if local and f.phase == "backward":
            loc = {**loc, **dict.fromkeys(f.edges, 1)}
        yield {"g": {k: [t, fin] for k, (t, fin) in f.grads.items()}, "h": hide, "l": loc}


def _diff(old: dict, new: dict, keys=None) -> dict:
    """The entries of ``new`` that differ from ``old``, and None for keys it dropped;
    ``keys`` limits the look to the keys that can have changed."""
    look = new.keys() | old.keys() if keys is None else keys
    out = {}
    for k in look:
        if k in new:
            if old.get(k) != new[k]:
                out[k] = new[k]
        elif k in old:
            out[k] = None
    return out


def frame_changes(st) -> list:
    """The frames as the page stores them: per frame its heading, panel lines, current
    gate, highlighted edges and fresh wires, and ``d``, the change of each map of
    :func:`frame_states` from the frame before (frame 0: from an empty drawing).

    >>> import graphgrad as gg, viz
    >>> x = gg.Value(2.0, requires_grad=True, name="x")
    >>> ch = frame_changes(viz.Stepper((x * x).exp()))
    >>> [sorted(c["d"].get("g", {})) for c in ch]
    [['v2'], ['v1'], ['v0']]
    """
    out = []
    prev = {"g": {}, "h": {}, "l": {}}
    prev_phase = None
    for f, cur in zip(st, frame_states(st)):
        d = {}
        for m in ("g", "h", "l"):
            keys = None
            if m == "g" and prev_phase == "backward" and f.phase == "backward":
                keys = f.fresh          # within the backward pass only fresh wires change
            if m == "l" and prev_phase == f.phase:
                keys = f.edges if f.phase == "backward" else ()
            if m == "h" and not prev[m] and not cur[m]:
                keys = ()
            change = _diff(prev[m], cur[m], keys)
            if change:
                d[m] = change
        out.append({"node": f.node_id, "heading": f.heading, "lines": f.lines, "fresh": f.fresh,
                    "edges": f.edges, "phase": f.phase, "d": d})
        prev, prev_phase = cur, f.phase
    return out


def replay(changes) -> list:
    """The full states back from :func:`frame_changes` (what the page's script does;
    the tests compare it with :func:`frame_states`)."""
    state = {"g": {}, "h": {}, "l": {}}
    states = []
    for c in changes:
        for m, change in c["d"].items():
            for k, v in change.items():
                if v is None:
                    state[m].pop(k, None)
                else:
                    state[m][k] = v
        states.append({m: dict(v) for m, v in state.items()})
    return states


def page(st) -> str:
    """The page's HTML text for a :class:`viz.stepper.Stepper`."""
    svg = st.base_svg()
    svg = svg[svg.find("<svg"):]
    title = st.title or "backward pass"
    frames = _json_for_script(frame_changes(st))
    wires = _json_for_script([w.id for w in st.circuit.wires])
    n = len(st)
    text = _TEMPLATE.format(
        title=html.escape(title), svg=svg, frames=frames, wires=wires, last=n - 1, n=n,
        grad=GRAD_COLOR, value=VALUE_COLOR, local=LOCAL_COLOR, hi=HIGHLIGHT_FILL, partial=PARTIAL_COLOR)
    if st.options.lang == "ko":           # the page's own words; the narration is already Korean
        for en, ko in _KO:
            text = text.replace(en, ko, 1)
    return text


_KO = (('<html lang="en">', '<html lang="ko">'), ("&#9664; Prev</button>", "&#9664; 이전</button>"),
       ("Next &#9654;</button>", "다음 &#9654;</button>"),
       ("<style>", "<style>\nbody{word-break:keep-all}"),      # Korean wraps between words, not inside one
       ('<span id="status">step 0 /', '<span id="status">단계 0 /'),
       ('textContent = "step " + i', 'textContent = "단계 " + i'),
       ("&larr; / &rarr; keys step; gradients appear as backprop reaches them (orange: partial sum at a fan-out)",
        "&larr; / &rarr; 키로 한 단계씩 넘깁니다. 기울기는 역전파가 닿는 선부터 나타납니다 "
        "(주황색: 여러 곳에 쓰인 값에 지금까지 더해진 기울기)"))


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#212121;background:#fafafa}}
header{{padding:12px 20px;background:#263238;color:#fff}}
header h1{{font-size:19px;margin:0}}
.controls{{display:flex;align-items:center;gap:10px;padding:10px 20px;background:#fff;border-bottom:1px solid #ddd;position:sticky;top:0}}
.controls button{{font-size:15px;padding:5px 14px;border:1px solid #90a4ae;border-radius:5px;background:#eceff1;cursor:pointer;white-space:nowrap}}
.controls button:disabled{{opacity:.4;cursor:default}}
#slider{{flex:1;max-width:520px}}
#status{{font-weight:bold;min-width:110px}}
.hint{{color:#757575;font-size:13px}}
#panel{{margin:0 20px 20px;padding:10px 14px;background:#fff;border-left:5px solid {grad};border-radius:4px;box-shadow:0 1px 2px rgba(0,0,0,.1)}}
#heading{{font-weight:bold;margin-bottom:4px}}
#lines div{{font-family:Menlo,Consolas,monospace;font-size:14px;white-space:pre-wrap;line-height:1.5}}
#figure{{margin:12px 20px;max-height:72vh;overflow:auto;background:#fff;border:1px solid #eceff1;border-radius:6px;padding:6px}}
#figure svg{{height:auto}}  /* natural size: big graphs scroll inside the box (so the caption under it stays in view), the current gate is scrolled into view */
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
<div id="figure">{svg}</div>
<div id="panel"><div id="heading"></div><div id="lines"></div></div>
<script type="application/json" id="frames">{frames}</script>
<script type="application/json" id="wires">{wires}</script>
<script>
(function () {{
  var frames = JSON.parse(document.getElementById("frames").textContent);
  var wires = JSON.parse(document.getElementById("wires").textContent);
  var svg = document.querySelector("#figure svg");
  function colored(g, c) {{
    return Array.prototype.filter.call(g.querySelectorAll("text"), function (t) {{
      return (t.getAttribute("fill") || "").toLowerCase() === c;
    }});
  }}
  var grads = {{}};       // wire id -> [text elements drawn in the gradient colour]
  var vals = {{}};        // wire id -> [text elements drawn in the value colour]
  var finals = {{}};      // wire id -> their final text
  var locs = {{}};        // edge id -> [local-gradient text elements]
  wires.forEach(function (id) {{
    var g = document.getElementById(id);
    if (!g) return;
    grads[id] = colored(g, "{grad}");
    vals[id] = colored(g, "{value}");
    finals[id] = grads[id].map(function (t) {{ return t.textContent; }});
    grads[id].forEach(function (t) {{ t.classList.add("pending"); }});   // the empty drawing
  }});
  Array.prototype.forEach.call(svg.querySelectorAll("g.edge"), function (g) {{
    var ts = colored(g, "{local}");
    if (ts.length) {{ locs[g.id] = ts; ts.forEach(function (t) {{ t.classList.add("pending"); }}); }}
  }});
  // each frame stores its change d from the frame before; undo[k] restores frame k-1
  var state = {{g: {{}}, h: {{}}, l: {{}}}};
  function apply(d, keepUndo) {{
    var back = {{}};
    Object.keys(d).forEach(function (m) {{
      var ch = d[m], u = {{}};
      Object.keys(ch).forEach(function (k) {{
        u[k] = (k in state[m]) ? state[m][k] : null;
        if (ch[k] === null) delete state[m][k]; else state[m][k] = ch[k];
        draw(m, k);
      }});
      back[m] = u;
    }});
    return back;
  }}
  var drawing = false;
  function draw(m, k) {{
    if (!drawing) return;
    var v = state[m][k];
    if (m === "g") {{
      var ts = grads[k];
      if (!ts) return;
      ts.forEach(function (t, j) {{
        t.classList.remove("pending"); t.classList.remove("partial");
        t.textContent = finals[k][j];
        if (!v || (!v[1] && v[0] === null)) {{ t.classList.add("pending"); }}
        else if (!v[1]) {{ t.classList.add("partial"); if (v[0] !== null && ts.length === 1) t.textContent = v[0]; }}
      }});
    }} else if (m === "h") {{
      (vals[k] || []).forEach(function (t) {{ if (v) t.classList.add("pending"); else t.classList.remove("pending"); }});
    }} else {{
      (locs[k] || []).forEach(function (t) {{ if (v) t.classList.remove("pending"); else t.classList.add("pending"); }});
    }}
  }}
  var undo = frames.map(function (f) {{ return apply(f.d); }});   // on load: the inverses
  for (var k = frames.length - 1; k >= 0; k--) apply(undo[k]);     // back to the empty drawing
  drawing = true;
  var marked = [];
  function mark(el, cls) {{ if (el) {{ el.classList.add(cls); marked.push([el, cls]); }} }}
  var i = -1;
  function show(k) {{
    k = Math.max(0, Math.min(frames.length - 1, k));
    while (i < k) {{ i += 1; apply(frames[i].d); }}
    while (i > k) {{ apply(undo[i]); i -= 1; }}
    var f = frames[i];
    marked.forEach(function (m) {{ m[0].classList.remove(m[1]); }});
    marked = [];
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

// graphgrad's interactive page: explore (expand/collapse, fold, search, zoom, hover), step,
// what-if and exercise, over the page document in #gg-data (viz/page/data.py is its spec).
// The look comes from D.templates (viz/page/draw.py), the arithmetic from GG_RULES
// (viz/page/rules.js); this file only lays out what is visible and fills templates.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("gg-data").textContent);
  var N = D.nodes, G = D.groups, T = D.templates, S = D.style, ST = D.steps;
  var BUDGET = 40;                      // items in the first view
  function num(x) {
    if (typeof x === "string") return x === "nan" ? NaN : (x === "inf" ? Infinity : -Infinity);
    return x;
  }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  function fill(tpl, o) {
    return tpl.replace(/\{(\w+)\}/g, function (m, k) { return o[k] === undefined ? "" : esc(o[k]); });
  }
  function fmt(x) {
    if (x === null || x === undefined) return "";
    if (isNaN(x)) return "nan";
    if (!isFinite(x)) return x > 0 ? "inf" : "-inf";
    var s = x.toFixed(S.decimals);
    if (x !== 0 && Number(s) === 0) s = x.toExponential(1);
    else if (Math.abs(x) >= 1e6) s = x.toExponential(2);
    if (Number(s) === 0 && s.charAt(0) === "-") s = s.slice(1);
    return s;
  }
  N.forEach(function (n, i) {
    n.i = i; n.in = n["in"] || []; n.cons = [];
    if (n.v !== undefined) n.v = num(n.v);
    if (n.g !== undefined) n.g = num(n.g);
    if (n.local) n.local = n.local.map(num);
    if (n.k === "gate" && n.grp >= 0) n.direct = true;
  });
  N.forEach(function (n) { n.in.forEach(function (p) { N[p].cons.push(n.i); }); });
  ST.forEach(function (s) { s.up = num(s.up); s.down = s.down.map(num); if (s.local) s.local = s.local.map(num); });
  G.forEach(function (g, k) { g.k = k; g.kids = []; g.direct = 0; });
  G.forEach(function (g) { if (g.parent >= 0) G[g.parent].kids.push(g.k); });
  N.forEach(function (n) { if (n.k === "gate" && n.grp >= 0) G[n.grp].direct++; });
  G.forEach(function (g) { g.own = 0; });
  N.forEach(function (n) { if (n.param && n.grp >= 0) G[n.grp].own++; });

  // ------------------------------------------------------------ state
  var open = {};                         // group index -> expanded
  var rankdir = D.rankdir || "TB";
  var mode = "explore";                  // "explore" | "step" | "exercise"
  var step = -1;
  function tensorOf(n, t, fallback) {   // a small tensor's entries (what-if), else the scalar
    return t ? {s: n.shape, d: t.map(num)} : fallback;
  }
  var cur = {v: N.map(function (n) { return tensorOf(n, n.vt, n.v); }),
             g: N.map(function (n) { return tensorOf(n, n.gt, n.g); }),
             local: N.map(function (n) { return n.local; })};
  var steps = ST.map(function (s) { return {node: s.node, up: s.up, down: s.down.slice(), local: s.local}; });
  var ex = {k: 0, j: 0, revealed: {}};   // exercise: current step/input, revealed node grads
  var view = {x: 0, y: 0, s: 1};
  var layout = null;
  var hits = [], hitAt = -1;

  // ------------------------------------------------------------ what is visible
  function topBox(k) {                   // outermost collapsed group at or above k, or -1
    var chain = [];
    while (k >= 0) { chain.push(k); k = G[k].parent; }
    for (var c = chain.length - 1; c >= 0; c--) if (!open[chain[c]]) return chain[c];
    return -1;
  }
  function visible() {
    var box = G.map(function (g, k) { return topBox(k); });
    var rep = new Array(N.length);
    N.forEach(function (n, i) {
      if (n.k === "gate") rep[i] = (n.grp >= 0 && box[n.grp] >= 0) ? "b" + box[n.grp] : "n" + i;
    });
    N.forEach(function (n, i) {
      if (n.k !== "leaf") return;
      if (n.param && n.cons.length && n.cons.every(function (c) { return rep[c].charAt(0) === "b"; })) rep[i] = null;
      else rep[i] = "n" + i;
    });
    var items = {}, order = [], edges = {}, elist = [];
    function item(id, i) {
      var it = items[id];
      if (!it) {
        it = items[id] = {id: id, first: i, ins: [], outs: [], wires: {}};
        if (id.charAt(0) === "b") { it.group = +id.slice(1); it.kind = "box"; }
        else { it.node = +id.slice(1); it.kind = N[it.node].k === "leaf" ? "leaf" : "gate"; }
        order.push(it);
      }
      return it;
    }
    N.forEach(function (n, i) {
      if (rep[i] === null) return;
      var it = item(rep[i], i);
      if (n.k !== "gate") return;
      n.in.forEach(function (p) {
        if (rep[p] === null || rep[p] === rep[i]) return;
        var key = rep[p] + ">" + rep[i];
        var e = edges[key];
        if (!e) {
          e = edges[key] = {a: items[rep[p]], b: it, wires: []};
          elist.push(e); items[rep[p]].outs.push(e); it.ins.push(e);
        }
        if (e.wires.indexOf(p) < 0) e.wires.push(p);
      });
    });
    var out = {id: "out", kind: "out", first: N.length, ins: [], outs: [], wires: {}};
    order.push(out); items.out = out;
    var e0 = {a: items[rep[D.root]], b: out, wires: [D.root]};
    elist.push(e0); e0.a.outs.push(e0); out.ins.push(e0);
    return {items: items, order: order, edges: elist, rep: rep};
  }

  function firstView() {
    open = {};
    var vis = visible().order.length;
    var queue = G.filter(function (g) { return g.parent < 0; }).map(function (g) { return g.k; });
    while (queue.length) {
      var k = queue.shift();
      if (G[k].kind === "fold" || G[k].kind === "auto" || (G[k].gates <= 1 && !G[k].kids.length)) continue;
      var cost = G[k].kids.length + G[k].direct + G[k].own - 1;
      if (vis + cost > BUDGET) continue;
      open[k] = true; vis += cost;
      queue = queue.concat(G[k].kids);
    }
  }

  // ------------------------------------------------------------ layout (layered, visible only)
  function size(it) {
    var cw = S.char_w;
    if (it.kind === "box") {
      var t = boxText(it);
      return {w: Math.max(t.label.length * 8.5, t.info.length * 6.2) + 24, h: S.group_h};
    }
    if (it.kind === "leaf") return {w: Math.max(24, (N[it.node].label || "").length * 8 + 8), h: 20};
    if (it.kind === "out") return {w: 2, h: 2};
    var l = N[it.node].label;
    if (l.length <= 3) return {w: 2 * S.r, h: 2 * S.r};
    return {w: Math.min(24, l.length) * cw + 16, h: S.box_h};
  }
  function boxText(it) {
    var g = G[it.group];
    var info = g.gates + (g.gates === 1 ? " gate" : " gates");
    // torch names its parameters; elsewhere a folded leaf may be an input too (micrograd's x)
    if (g.params) info += " · " + g.params + (D.source.indexOf("torch") === 0 ? " params" : " leaf entries");
    var ins = {}, outs = {};
    it.ins.forEach(function (e) { e.wires.forEach(function (w) { ins[w] = 1; }); });
    it.outs.forEach(function (e) { e.wires.forEach(function (w) { outs[w] = 1; }); });
    info += " · " + Object.keys(ins).length + " in · " + Object.keys(outs).length + " out";
    return {label: g.name + (g.n > 1 ? " \u00d7" + g.n : "") + " +", info: info};
  }
  function labelWidth(i) {
    return 6.3 * Math.max(valueText(i).length, gradText(i).length);
  }
  var WRAP_BAND = 24;                     // ranks per band once a picture is over twice as deep
  function doLayout() {
    var V = visible();
    var items = V.order;
    items.sort(function (a, b) { return a.first - b.first; });
    var TB = rankdir === "TB";
    items.forEach(function (it, idx) { it.idx = idx; it.sz = size(it); it.rank = 0; it.done = false; });
    items.forEach(function (it) {
      it.ins.forEach(function (e) { if (e.a.done) it.rank = Math.max(it.rank, e.a.rank + 1); });
      it.done = true;
    });
    // a side branch moves down next to the gate reading it (micrograd's L2 term: each p*p by
    // its own +, not 337 of them in the first row); readers first, so branches move whole
    for (var q = items.length - 1; q >= 0; q--) {
      var it = items[q];
      if (it.kind !== "gate" || !it.outs.length) continue;      // boxes (the model) stay first
      var lo = Infinity;
      it.outs.forEach(function (e) { lo = Math.min(lo, e.b.rank); });
      if (lo - 1 > it.rank) it.rank = lo - 1;
    }
    items.forEach(function (it) {          // a leaf sits just above its first reader, not at the top
      if (it.kind !== "leaf" || !it.outs.length) return;
      var r = Infinity, gates = it.outs.filter(function (e) { return e.b.kind !== "box"; });
      // a parameter read both inside a closed box and by open gates (micrograd's L2 term
      // reads every weight) sits by the gates: the box holds it already
      (N[it.node].param && gates.length ? gates : it.outs).forEach(function (e) { r = Math.min(r, e.b.rank); });
      it.rank = Math.max(0, r - 1);
    });
    var ranks = [];
    items.forEach(function (it) { (ranks[it.rank] = ranks[it.rank] || []).push(it); });
    for (var r = 0; r < ranks.length; r++) if (!ranks[r]) ranks[r] = [];
    function cross(it) { return TB ? it.sz.w + 44 : it.sz.h + 28; }
    function place(rk, want) {
      rk.sort(function (a, b) { return want(a) - want(b) || a.idx - b.idx; });
      var pos = -Infinity, shift = 0;
      rk.forEach(function (it) {
        var w = want(it), half = cross(it) / 2;
        it.x = Math.max(w, pos + half + S.node_gap / 2);
        pos = it.x + half + S.node_gap / 2;
        shift += w - it.x;
      });
      if (rk.length) { shift /= rk.length; rk.forEach(function (it) { it.x += shift; }); }
    }
    function mean(list, f, dflt) {
      var s = 0, c = 0;
      list.forEach(function (x) { var v = f(x); if (v !== undefined && !isNaN(v)) { s += v; c++; } });
      return c ? s / c : dflt;
    }
    var init = 0;
    ranks.forEach(function (rk) {
      rk.forEach(function (it, j) { it.x = (init++) * 0; it.x = j * 60; });
    });
    for (var pass = 0; pass < 4; pass++) {
      var down = pass % 2 === 0;
      var seq = down ? ranks : ranks.slice().reverse();
      seq.forEach(function (rk) {
        place(rk, function (it) {
          var list = down ? it.ins.map(function (e) { return e.a; }) : it.outs.map(function (e) { return e.b; });
          return mean(list, function (o) { return o.x; }, it.x);
        });
      });
    }
    // a long picture (an opened 700-gate chain) wraps into side-by-side bands of BAND ranks
    // (only where no module frame is open: a frame split over bands would cover the others)
    var framed = Object.keys(open).some(function (k) { return open[k] && G[k].kind !== "auto"; });
    var BAND = ranks.length > 2 * WRAP_BAND && !framed ? WRAP_BAND : ranks.length;
    if (BAND < ranks.length) {
      // a chain's barycentres drift sideways rank by rank (tens of thousands of pixels over
      // 700 gates), and far readers pull items apart: pack each rank, in its order, centred
      ranks.forEach(function (rk) {
        rk.sort(function (a, b) { return a.x - b.x; });
        var pos = 0;
        rk.forEach(function (it) { it.x = pos + cross(it) / 2; pos += cross(it) + S.node_gap; });
        rk.forEach(function (it) { it.x -= pos / 2; });
      });
      var end = 0;
      for (var b0 = 0; b0 < ranks.length; b0 += BAND) {
        var lo = Infinity, hi = -Infinity;
        ranks.slice(b0, b0 + BAND).forEach(function (rk) {
          rk.forEach(function (it) { lo = Math.min(lo, it.x - cross(it) / 2); hi = Math.max(hi, it.x + cross(it) / 2); });
        });
        if (lo === Infinity) continue;
        var shift = end - lo;
        ranks.slice(b0, b0 + BAND).forEach(function (rk) { rk.forEach(function (it) { it.x += shift; }); });
        end += hi - lo + 80;
      }
    }
    var main = 0;
    ranks.forEach(function (rk, r) {
      if (r % BAND === 0) main = 0;        // each band starts at the top
      var depth = 0;
      rk.forEach(function (it) { depth = Math.max(depth, TB ? it.sz.h : it.sz.w); });
      var gap = TB ? 52 : 40;
      if (!TB) rk.forEach(function (it) {   // left to right: room for the wire's value/grad text
        var w = it.kind === "box" ? 0 : (it.kind === "out" ? 0 : labelWidth(it.node));
        it.outs.forEach(function (e) { if (e.wires.length === 1) w = Math.max(w, labelWidth(e.wires[0])); });
        gap = Math.max(gap, w + 24);
      });
      rk.forEach(function (it) { it.y = main + depth / 2; });
      main += depth + gap;
    });
    items.forEach(function (it) {          // (x: across ranks, y: along) -> screen
      if (TB) { it.px = it.x; it.py = it.y; } else { it.px = it.y; it.py = it.x; }
    });
    layout = {V: V, items: items, TB: TB};
  }

  // ------------------------------------------------------------ drawing
  function gradShown(i) {
    if (mode === "explore") return cur.g[i];
    if (mode === "exercise") return ex.revealed[i] === undefined ? undefined : ex.revealed[i];
    return stepGrad(i);
  }
  var stepCache = {k: null, g: null};
  function stepGrad(i) {
    if (stepCache.k !== step) {
      var g = {};
      g[D.root] = 1;
      for (var k = 0; k <= step && k < steps.length; k++) {
        var s = steps[k], n = N[s.node];
        n.in.forEach(function (p, j) {
          var d = s.down[j];
          if (d === null || d === undefined) { g[p] = N[p].gs ? "T" : g[p]; return; }   // a tensor arrived
          g[p] = (g[p] || 0) + d;
        });
      }
      stepCache = {k: step, g: g};
    }
    var v = stepCache.g[i];
    return v;
  }
  function valueText(i) {
    var n = N[i];
    if (n.vs) return "[" + n.shape.join("\u00d7") + "] \u03bc " + fmt(n.vs.mean) + (n.vs.nonfinite ? " \u26a0" + n.vs.nonfinite : "");
    if (cur.v[i] === undefined) return n.shape && n.shape.length ? "[" + n.shape.join("\u00d7") + "]" : "";
    return fmt(cur.v[i]);
  }
  function gradText(i) {
    var n = N[i];
    var g = gradShown(i);
    if (n.gs && (mode === "explore" || (g !== undefined && g !== null)))
      return "\u2207 \u03bc " + fmt(n.gs.mean) + (n.gs.nonfinite ? " \u26a0" + n.gs.nonfinite : "");
    if (g === undefined || g === null || g === "T") return mode === "exercise" ? "?" : "";
    return fmt(g);
  }
  function stepItem() {
    if (mode === "explore" || step < 0 || step >= steps.length) return null;
    var k = mode === "exercise" ? ex.k : step;
    if (k >= steps.length) return null;
    return layout.V.rep[steps[k].node];
  }
  function clusterBounds() {              // innermost first, so a frame holds its children's
    var TB = layout.TB, bounds = {}, PAD = 10, TITLE = 18;
    function grow(k, x0, y0, x1, y1) {
      var b = bounds[k] || (bounds[k] = {x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity});
      b.x0 = Math.min(b.x0, x0); b.y0 = Math.min(b.y0, y0); b.x1 = Math.max(b.x1, x1); b.y1 = Math.max(b.y1, y1);
    }
    layout.items.forEach(function (it) {
      var k = it.kind === "box" ? G[it.group].parent : (it.kind === "gate" ? N[it.node].grp : -1);
      if (k >= 0) grow(k, it.px - it.sz.w / 2, it.py - it.sz.h / 2, it.px + it.sz.w / 2 + (TB ? 60 : 0),
                       it.py + it.sz.h / 2 + (TB ? 0 : 16));
    });
    var keys = Object.keys(bounds).map(Number);
    var all = {};
    keys.forEach(function (k) { while (k >= 0) { all[k] = true; k = G[k].parent; } });
    Object.keys(all).map(Number).sort(function (a, b) { return G[b].depth - G[a].depth; }).forEach(function (k) {
      var b = bounds[k];
      if (!b) return;
      b.x0 -= PAD; b.x1 += PAD; b.y0 -= PAD + TITLE; b.y1 += PAD;
      if (G[k].parent >= 0) grow(G[k].parent, b.x0, b.y0, b.x1, b.y1);
    });
    return bounds;
  }
  function render() {
    var TB = layout.TB, out = [];
    var hl = stepItem();
    // clusters: each open group framed around its visible members and its open children
    var bounds = clusterBounds();
    Object.keys(bounds).sort(function (a, b) { return G[a].depth - G[b].depth; }).forEach(function (k) {
      var b = bounds[k];
      out.push('<g class="cluster" data-group="' + k + '">' + fill(T.cluster, {
        x0: b.x0, y0: b.y0, w: b.x1 - b.x0, h: b.y1 - b.y0, tx: b.x0 + 8, ty: b.y0 + 14,
        label: G[k].name + (G[k].n > 1 ? " \u00d7" + G[k].n : "")}) + "</g>");
    });
    // edges, then wire labels at each edge's start
    var labelled = {};
    layout.V.edges.forEach(function (e) {
      var a = e.a, b = e.b, x1, y1, x2, y2, d;
      if (TB) {
        x1 = a.px; y1 = a.py + a.sz.h / 2; x2 = b.px; y2 = b.py - b.sz.h / 2;
        var my = (y1 + y2) / 2;
        d = "M" + x1 + "," + y1 + " C" + x1 + "," + my + " " + x2 + "," + my + " " + x2 + "," + y2;
      } else {
        x1 = a.px + a.sz.w / 2; y1 = a.py; x2 = b.px - b.sz.w / 2; y2 = b.py;
        var mx = (x1 + x2) / 2;
        d = "M" + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + x2 + "," + y2;
      }
      var wires = e.wires.join(" ");
      var hot = hl && (a.id === hl || b.id === hl);
      // a wide transparent twin under each wire, so hovering the wire is easy
      out.push('<path class="hover" data-wires="' + wires + '" d="' + d + '" fill="none" stroke="transparent" stroke-width="9"/>');
      out.push('<path class="edge' + (hot ? " hot" : "") + '" data-wires="' + wires + '" d="' + d +
        '" fill="none" stroke="' + (hot ? S.grad : "#424242") + '" stroke-width="' + (e.wires.length > 1 ? 2.2 : 1.1) +
        '"' + (b.kind === "out" ? "" : ' marker-end="url(#arr)"') + "/>");
      if (e.wires.length > 1) {
        out.push('<text class="nwires" x="' + ((x1 + x2) / 2 + 4) + '" y="' + ((y1 + y2) / 2) +
          '" font-size="10" fill="' + S.muted + '">' + e.wires.length + " wires</text>");
        return;
      }
      var p = e.wires[0], key = a.id + ":" + p;
      if (labelled[key]) return;
      labelled[key] = true;
      var lx = TB ? x1 + 6 : x1 + 8, ly = TB ? y1 + 18 : y1;
      var gv = gradShown(p);
      out.push('<g class="wl" data-node="' + p + '" data-id="' + N[p].id + '" data-v="' + (typeof cur.v[p] === "number" ? cur.v[p] : "") +
        '" data-g="' + (typeof gv === "number" ? gv : "") + '" transform="translate(' + lx + "," + ly + ')">' +
        fill(T.wire, {value: valueText(p), grad: gradText(p)}) + "</g>");
    });
    layout.items.forEach(function (it) {
      if (it.kind === "out") return;
      var body, cls = it.kind, attrs = "";
      if (it.kind === "box") {
        var t = boxText(it);
        body = fill(T.box, {x0: -it.sz.w / 2, w: it.sz.w, label: t.label, info: t.info});
        attrs = ' data-group="' + it.group + '"';
      } else {
        var n = N[it.node];
        attrs = ' data-node="' + it.node + '" data-id="' + n.id + '"';
        if (it.kind === "leaf") body = fill(T.leaf, {label: n.label || n.id});
        else if (n.label.length <= 3) body = fill(T.gate_circle, {label: n.label});
        else body = fill(T.gate_box, {x0: -it.sz.w / 2, w: it.sz.w, label: n.label.length > 24 ? n.label.slice(0, 23) + "\u2026" : n.label});
        if (n.status) cls += " status-" + n.status;
      }
      if (hits.indexOf(it.id) >= 0) cls += " hit";
      if (hl === it.id) cls += " current";
      out.push('<g class="item ' + cls + '" data-item="' + it.id + '"' + attrs + ' transform="translate(' + it.px + "," + it.py + ')">' + body + "</g>");
    });
    document.getElementById("vp").innerHTML = out.join("");
    document.body.setAttribute("data-items", layout.items.length - 1);
  }
  function relayout(fit) { doLayout(); render(); if (fit) fitView(); }

  // ------------------------------------------------------------ zoom, pan, fit
  var svg = document.getElementById("canvas");
  function applyView() {
    document.getElementById("vp").setAttribute("transform", "translate(" + view.x + "," + view.y + ") scale(" + view.s + ")");
  }
  function fitView(minScale) {             // minScale: never smaller (the first view stays readable)
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    layout.items.forEach(function (it) {
      x0 = Math.min(x0, it.px - it.sz.w / 2 - 20); x1 = Math.max(x1, it.px + it.sz.w / 2 + 70);
      y0 = Math.min(y0, it.py - it.sz.h / 2 - 30); y1 = Math.max(y1, it.py + it.sz.h / 2 + 30);
    });
    var R = svg.getBoundingClientRect(), W = R.width || 800, H = R.height || 600;
    view.s = Math.min(1.6, W / (x1 - x0), H / (y1 - y0));
    if (typeof minScale === "number" && view.s < minScale) view.s = minScale;
    view.x = (W - (x1 - x0) * view.s) / 2 - x0 * view.s;
    view.y = (H - (y1 - y0) * view.s) / 2 - y0 * view.s;
    if ((x1 - x0) * view.s > W) view.x = 10 - x0 * view.s;   // too wide: start at the left edge
    if ((y1 - y0) * view.s > H) view.y = 10 - y0 * view.s;   // too tall: start at the top
    applyView();
  }
  function centerOn(it) {
    var R = svg.getBoundingClientRect(), W = R.width || 800, H = R.height || 600;
    view.s = Math.max(view.s, 0.8);
    view.x = W / 2 - it.px * view.s; view.y = H / 2 - it.py * view.s;
    applyView();
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = svg.getBoundingClientRect(), mx = e.clientX - r.left, my = e.clientY - r.top;
    var f = Math.exp(-e.deltaY * 0.0015);
    view.x = mx - (mx - view.x) * f; view.y = my - (my - view.y) * f; view.s *= f;
    applyView();
  }, {passive: false});
  var drag = null;
  svg.addEventListener("mousedown", function (e) { drag = {x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false}; });
  window.addEventListener("mousemove", function (e) {
    if (!drag) return;
    var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    view.x = drag.vx + dx; view.y = drag.vy + dy; applyView();
  });
  window.addEventListener("mouseup", function () { setTimeout(function () { drag = null; }, 0); });

  // ------------------------------------------------------------ expand / collapse
  svg.addEventListener("click", function (e) {
    if (drag && drag.moved) return;
    var t = e.target.closest ? e.target.closest("[data-group],[data-node]") : null;
    if (!t) return;
    if (t.classList.contains("box")) { var k = +t.getAttribute("data-group"); toggle(k, true, layout.V.items["b" + k]); return; }
    if (t.classList.contains("cluster")) { var c = +t.getAttribute("data-group"); toggle(c, false, clusterBounds()[c]); return; }
    if (t.classList.contains("leaf")) {
      var inp = leafInput(+t.getAttribute("data-node"));
      if (inp) inp.focus();
    }
  });
  // expand or collapse group k in place: the frame (or box) keeps the top-centre of what was clicked
  function toggle(k, expand, was) {
    var ax = was.x0 !== undefined ? (was.x0 + was.x1) / 2 : was.px;
    var ay = was.y0 !== undefined ? was.y0 : was.py - was.sz.h / 2;
    open[k] = expand;
    doLayout(); render();
    var now = expand ? clusterBounds()[k] : layout.V.items["b" + k];
    if (!now) return;
    var nx = now.x0 !== undefined ? (now.x0 + now.x1) / 2 : now.px;
    var ny = now.y0 !== undefined ? now.y0 : now.py - now.sz.h / 2;
    view.x += (ax - nx) * view.s; view.y += (ay - ny) * view.s;
    applyView();
  }

  // ------------------------------------------------------------ hover
  var tip = document.getElementById("tip");
  function hist(s, colour) {
    if (!s || !s.hist) return "";
    var m = Math.max.apply(null, s.hist) || 1, bars = "";
    s.hist.forEach(function (h, j) {
      var bh = 30 * h / m;
      bars += '<rect x="' + (j * 10) + '" y="' + (30 - bh) + '" width="9" height="' + bh + '" fill="' + colour + '"/>';
    });
    return '<svg class="hist" width="120" height="32">' + bars + "</svg>";
  }
  function stats(s, name) {
    if (!s) return "";
    return "<div>" + name + ": min " + fmt(s.min) + " · max " + fmt(s.max) + " · mean " + fmt(s.mean) +
      " · std " + fmt(s.std) + " · non-finite " + s.nonfinite + " of " + s.n + "</div>";
  }
  function nodeTip(i) {
    var n = N[i], h = [];
    h.push("<b>" + esc(n.name || n.label || n.id) + "</b> <span class='muted'>" + esc(n.op) + " · " + esc(n.id) + "</span>");
    h.push("<div>shape [" + n.shape.join(", ") + "] · " + esc(n.dtype || "float64") + "</div>");
    if (n.vs) h.push(stats(n.vs, "value") + hist(n.vs, S.value));
    else if (cur.v[i] !== undefined) h.push("<div style='color:" + S.value + "'>value " + esc(cur.v[i]) + "</div>");
    if (n.gs) h.push(stats(n.gs, "grad") + hist(n.gs, S.grad));
    else if (cur.g[i] !== undefined && mode === "explore") h.push("<div style='color:" + S.grad + "'>grad " + esc(cur.g[i]) + "</div>");
    (n.f || []).forEach(function (f) { h.push("<div style='color:" + S.local + "'>" + esc(f) + "</div>"); });
    (n.notes || []).forEach(function (f) { h.push("<div class='note'>" + esc(f) + "</div>"); });
    return h.join("");
  }
  svg.addEventListener("mousemove", function (e) {
    var t = e.target.closest ? e.target.closest("[data-group],[data-node],[data-wires]") : null;
    if (!t || drag) { tip.style.display = "none"; return; }
    var html;
    if (t.hasAttribute("data-node")) html = nodeTip(+t.getAttribute("data-node"));
    else if (t.hasAttribute("data-wires")) {
      var ws = t.getAttribute("data-wires").split(" ");
      html = ws.length === 1 ? nodeTip(+ws[0]) : ws.length + " wires: " + ws.slice(0, 8).map(function (w) { return esc(N[+w].name || N[+w].id); }).join(", ");
    } else {
      var g = G[+t.getAttribute("data-group")];
      html = "<b>" + esc(g.name) + (g.n > 1 ? " \u00d7" + g.n : "") + "</b><div>" + g.gates + " gates · " + g.params +
        " parameter entries</div><div class='muted'>" + (t.classList.contains("box") ? "click to expand" : "click the title to collapse") + "</div>";
    }
    tip.innerHTML = html; tip.style.display = "block";
    tip.style.left = (e.clientX + 14) + "px"; tip.style.top = (e.clientY + 14) + "px";
  });
  svg.addEventListener("mouseleave", function () { tip.style.display = "none"; });

  // ------------------------------------------------------------ search
  function openAbove(k) { while (k >= 0) { open[k] = true; k = G[k].parent; } }
  function search(q) {
    q = q.trim().toLowerCase();
    hits = []; hitAt = -1;
    var st = document.getElementById("search-status");
    if (!q) { st.textContent = ""; render(); return; }
    var found = [];
    N.forEach(function (n, i) {
      if ((n.name || "").toLowerCase().indexOf(q) >= 0 || n.label.toLowerCase().indexOf(q) >= 0 || n.op.toLowerCase() === q) found.push(i);
    });
    G.forEach(function (g, k) { if (g.name.toLowerCase().indexOf(q) >= 0) found.push("g" + k); });
    st.textContent = found.length + " match" + (found.length === 1 ? "" : "es");
    if (!found.length) { render(); return; }
    var first = found[0];
    if (typeof first === "number") openAbove(N[first].grp);
    else openAbove(G[+first.slice(1)].parent);
    doLayout();
    var rep = layout.V.rep;
    found.forEach(function (f) {
      var id = typeof f === "number" ? rep[f] : "b" + f.slice(1);
      if (id && layout.V.items[id] && hits.indexOf(id) < 0) hits.push(id);
    });
    render();
    if (hits.length) centerOn(layout.V.items[hits[0]]);
  }
  document.getElementById("search").addEventListener("keydown", function (e) {
    if (e.key === "Enter") search(this.value);
    e.stopPropagation();
  });

  // ------------------------------------------------------------ step mode and narration
  function name(i) { var n = N[i]; return n.name || (n.k === "leaf" ? n.id : n.label + " (" + n.id + ")"); }
  function narrate() {
    var el = document.getElementById("narr");
    var st = document.getElementById("status");
    document.body.setAttribute("data-mode", mode);
    if (mode === "explore") {
      st.textContent = "explore"; document.body.removeAttribute("data-step"); document.body.removeAttribute("data-node");
      el.innerHTML = "<p>Click a blue box to open it, its title to close it. Scroll to zoom, drag to pan. " +
        "<b>Step</b> (or \u2192) walks the backward pass" + (steps.length ? " (" + steps.length + " steps)" : " (no trace in this graph)") + ".</p>";
      return;
    }
    var k = mode === "exercise" ? ex.k : step;
    st.textContent = "step " + k + " / " + (steps.length - 1);
    document.body.setAttribute("data-step", k);
    if (k >= steps.length) { el.innerHTML = "<p>Done: every gradient has arrived.</p>"; return; }
    var s = steps[k], n = N[s.node];
    document.body.setAttribute("data-node", n.id);
    if (over && mode === "step") { narrateOver(el); return; }
    var h = ["<p><b>Gate " + esc(n.label) + "</b> <span class='muted'>" + esc(n.op) + " · " + esc(n.id) + "</span></p>"];
    var rep = layout.V.rep[s.node];
    if (rep && rep.charAt(0) === "b") {
      var g = G[+rep.slice(1)];
      h.push("<p class='muted'>inside the collapsed box " + esc(g.name) + " (open it to see this gate)</p>");
    }
    h.push("<p>upstream gradient <span style='color:" + S.grad + "'>" + fmt(s.up) + "</span></p>");
    n.in.forEach(function (p, j) {
      var f = n.f ? n.f[j] : "", loc = s.local ? s.local[j] : null;
      if (mode === "exercise" && !(j < ex.j || ex.doneStep)) {
        if (j === ex.j) h.push("<p>to " + esc(name(p)) + ": " + esc(f) + " \u2192 your turn</p>");
        return;
      }
      if (loc !== null && loc !== undefined && s.up !== null) {
        h.push("<p class='rule'>to " + esc(name(p)) + ": <span style='color:" + S.grad + "'>" + fmt(s.up) + "</span> \u00d7 <span style='color:" +
          S.local + "'>" + fmt(loc) + "</span> = <span style='color:" + S.grad + "'>" + fmt(s.down[j]) + "</span>" +
          (f ? " <span class='muted'>(" + esc(f) + ")</span>" : "") + "</p>");
      } else {
        h.push("<p class='rule'>to " + esc(name(p)) + ": " + esc(f || "gradient sent") + "</p>");
      }
    });
    el.innerHTML = h.join("");
  }
  var over = null;                       // stepping over a collapsed box: {box, from, to}
  function goStep(k) {
    if (!steps.length) return;
    if (mode === "explore") mode = "step";
    var dir = k >= step ? 1 : -1;
    if (over && dir > 0) k = over.to + 1;      // leave the box we stepped over
    if (over && dir < 0) k = over.from - 1;
    step = Math.max(0, Math.min(steps.length - 1, k));
    over = null;
    var s = steps[step];
    var n = N[s.node];
    if (n.grp >= 0 && mode === "step" && document.getElementById("into").checked) { openAbove(n.grp); doLayout(); }
    else if (mode === "step") {                 // over a collapsed box: all its steps as one
      var r = layout.V.rep[s.node];
      if (r && r.charAt(0) === "b") {
        var a = step, b = step;
        while (a - 1 >= 0 && layout.V.rep[steps[a - 1].node] === r) a--;
        while (b + 1 < steps.length && layout.V.rep[steps[b + 1].node] === r) b++;
        over = {box: r, from: a, to: b};
        step = b;
      }
    }
    stepCache.k = null;
    render(); narrate();
  }
  function narrateOver(el) {             // a box stepped over: the gradients it sends out, summed
    var it = layout.V.items[over.box], g = G[it.group];
    var h = ["<p><b>" + esc(g.name) + (g.n > 1 ? " \u00d7" + g.n : "") + "</b> <span class='muted'>as one gate: steps " +
             over.from + "\u2013" + over.to + "</span></p>"];
    it.ins.forEach(function (e) {
      e.wires.forEach(function (p) {
        var v = stepGrad(p);
        h.push("<p class='rule'>to " + esc(name(p)) + ": <span style='color:" + S.grad + "'>" +
               (typeof v === "number" ? fmt(v) : (v ? "\u2207 \u03bc " + fmt(N[p].gs.mean) : "(none yet)")) + "</span></p>");
      });
    });
    if (!it.ins.length) h.push("<p class='muted'>its gradients go to the parameters inside it</p>");
    el.innerHTML = h.join("");
  }
  function setMode(m) {
    mode = m;
    over = null;
    if (m === "explore") { step = -1; }
    if (m === "step") { step = Math.max(step, 0); }
    if (m === "exercise") { ex = {k: 0, j: 0, revealed: {}}; ex.revealed[D.root] = 1; step = 0; }
    stepCache.k = null;
    document.getElementById("expanel").style.display = m === "exercise" ? "block" : "none";
    render(); narrate();
  }
  document.getElementById("next").onclick = function () { goStep(step + 1); };
  document.getElementById("prev").onclick = function () { goStep(step - 1); };
  document.getElementById("explore").onclick = function () { setMode("explore"); };
  document.getElementById("exercise").onclick = function () { setMode("exercise"); };
  document.addEventListener("keydown", function (e) {
    if (e.target && e.target.tagName === "INPUT") return;
    if (e.key === "ArrowRight") { if (mode === "exercise") return; goStep(step + 1); e.preventDefault(); }
    else if (e.key === "ArrowLeft") { if (mode === "exercise") return; goStep(step - 1); e.preventDefault(); }
    else if (e.key === "Escape") setMode("explore");
  });

  // ------------------------------------------------------------ exercise
  function exCheck() {
    var fb = document.getElementById("ex-feedback");
    if (ex.k >= steps.length) { fb.textContent = "All gradients done."; return; }
    var s = steps[ex.k], n = N[s.node], want = s.down[ex.j];
    var got = parseFloat(document.getElementById("ex-answer").value);
    if (want === null || want === undefined || isNaN(want)) { fb.textContent = "This gradient has no number to check; moving on."; advance(); return; }
    var tol = Math.max(0.01, 0.001 * Math.abs(want));   // the lecture's two decimals
    if (isNaN(got) || Math.abs(got - want) > tol) {
      fb.className = "wrong";
      fb.textContent = "Not quite: " + (isNaN(got) ? "type a number" : fmt(got) + " is not the gradient") +
        ". Hint: upstream " + fmt(s.up) + " times the local derivative " + ((n.f || [])[ex.j] || "") + ".";
      document.body.setAttribute("data-ex", "wrong");
      return;
    }
    var p = n.in[ex.j];
    fb.className = "right";
    fb.textContent = "Right: " + fmt(s.up) + " \u00d7 " + fmt(s.local ? s.local[ex.j] : NaN) + " = " + fmt(want) + " flows to " + name(p) + ".";
    document.body.setAttribute("data-ex", "right");
    ex.revealed[p] = (ex.revealed[p] || 0) + want;
    advance();
  }
  function advance() {
    ex.j++;
    document.getElementById("ex-answer").value = "";
    while (ex.k < steps.length && ex.j >= N[steps[ex.k].node].in.length) { ex.k++; ex.j = 0; }
    step = ex.k;
    render(); narrate();
    var q = document.getElementById("ex-question");
    if (ex.k < steps.length) {
      var s = steps[ex.k], n = N[s.node];
      q.textContent = "Gradient that gate " + n.label + " sends to " + name(n.in[ex.j]) + "?";
    } else q.textContent = "Done.";
  }
  document.getElementById("ex-check").onclick = exCheck;
  document.getElementById("ex-answer").addEventListener("keydown", function (e) { if (e.key === "Enter") exCheck(); });

  // ------------------------------------------------------------ what if
  function args(n, vals) {
    var a = [], pos = n.pos || n.in.map(function (_, j) { return j; });
    (n.consts || []).forEach(function (c) { a[c[0]] = num(c[1]); });
    n.in.forEach(function (p, j) { a[pos[j]] = vals[p]; });
    return a;
  }
  function summarize(t) {                // hover statistics of a recomputed small tensor (as data.py's summary)
    var fin = t.d.filter(isFinite), o = {n: t.d.length, nonfinite: t.d.length - fin.length};
    if (!fin.length) return o;
    var lo = Math.min.apply(null, fin), hi = Math.max.apply(null, fin), top = hi > lo ? hi : lo + 1;
    var mean = fin.reduce(function (a, b) { return a + b; }, 0) / fin.length;
    var hist = []; for (var b = 0; b < 12; b++) hist.push(0);
    fin.forEach(function (x) { hist[Math.min(11, Math.floor((x - lo) / (top - lo) * 12))]++; });
    o.min = lo; o.max = hi; o.lo = lo; o.hi = hi; o.mean = mean; o.hist = hist;
    o.std = Math.sqrt(fin.reduce(function (a, x) { return a + (x - mean) * (x - mean); }, 0) / fin.length);
    return o;
  }
  function plus(a, b) {                   // gradient accumulation, scalars or small tensors
    if (a === undefined) return b;
    if (!GG_T.isT(a)) return a + b;
    return {s: a.s, d: a.d.map(function (x, k) { return x + b.d[k]; })};
  }
  function zero(v) { return GG_T.isT(v) ? {s: v.s, d: v.d.map(function () { return 0; })} : 0; }
  function recompute() {
    var v = cur.v.slice(), loc = cur.local.slice(), back = [], sent = [];
    N.forEach(function (n, i) {
      if (n.k !== "gate") return;
      var a = args(n, v), r = GG_T.apply(GG_RULES[D.rules[n.op]], a, n.red);
      var pos = n.pos || n.in.map(function (_, j) { return j; });
      v[i] = r.o; back[i] = r.b;
      loc[i] = r.loc ? n.in.map(function (_, j) { return r.loc[pos[j]]; }) : undefined;
    });
    var g = new Array(N.length);
    g[D.root] = GG_T.isT(v[D.root]) ? {s: v[D.root].s, d: v[D.root].d.map(function () { return 1; })} : 1;
    for (var i = N.length - 1; i >= 0; i--) {
      var n = N[i];
      if (n.k !== "gate") continue;
      if (g[i] === undefined) g[i] = zero(v[i]);
      var pos = n.pos || n.in.map(function (_, j) { return j; }), d = back[i](g[i]);
      sent[i] = n.in.map(function (p, j) { g[p] = plus(g[p], d[pos[j]]); return d[pos[j]]; });
    }
    cur.v = v; cur.local = loc;
    cur.g = N.map(function (n, i) {
      if (n.g === undefined && n.gs === undefined) return undefined;
      return g[i] === undefined ? zero(v[i]) : g[i];
    });
    N.forEach(function (n, i) {           // tensor wires show (and hover) the new statistics
      if (n.vs && GG_T.isT(cur.v[i])) n.vs = summarize(cur.v[i]);
      if (n.gs && GG_T.isT(cur.g[i])) n.gs = summarize(cur.g[i]);
    });
    steps.forEach(function (s) {
      var up = g[s.node];
      s.up = typeof up === "number" ? up : null;
      s.local = loc[s.node] || null;
      s.down = sent[s.node].map(function (x) { return typeof x === "number" ? x : null; });
    });
    stepCache.k = null;
    render(); narrate();
  }
  function whatifPanel() {
    var box = document.getElementById("whatif");
    if (!D.whatif.ok) { box.innerHTML = "<p class='muted'>" + esc(D.whatif.reason) + "</p>"; return; }
    var leaves = N.filter(function (n) { return n.k === "leaf" && !n["const"]; });
    var many = leaves.length > 30;
    if (many) leaves = leaves.filter(function (n) { return n.name; }).slice(0, 30);
    box.innerHTML = "<p><b>What if?</b> change a leaf: forward and backward rerun here." +
      (many ? " Click a leaf in the graph to edit it." : "") + "</p><div id='leaves'></div>";
    leaves.forEach(function (n) { leafInput(n.i); });
  }
  function leafInput(i) {                 // the editor of leaf i (made on first use)
    var n = N[i], id = "leaf-" + n.id, inp = document.getElementById(id);
    if (inp || !D.whatif.ok) return inp;
    var lab = document.createElement("label");
    lab.textContent = (n.name || n.id) + " ";
    var t = GG_T.isT(cur.v[i]);
    // a small tensor: one box per entry (row-major), ids leaf-ID-K
    (t ? cur.v[i].d : [cur.v[i]]).forEach(function (x, k) {
      var box = document.createElement("input");
      box.type = "number"; box.step = "any"; box.id = t ? id + "-" + k : id; box.value = x;
      if (t) { box.className = "entry"; box.title = n.id + " entry " + k + " of [" + n.shape.join("\u00d7") + "]"; }
      box.addEventListener("change", function () {
        var y = parseFloat(box.value);
        if (isNaN(y)) return;
        if (t) {
          var d = cur.v[i].d.slice(); d[k] = y;
          cur.v[i] = {s: cur.v[i].s, d: d};
        } else cur.v[i] = y;
        recompute();
      });
      lab.appendChild(box);
      if (!inp) inp = box;
    });
    document.getElementById("leaves").appendChild(lab);
    return inp;
  }

  // ------------------------------------------------------------ toolbar
  document.getElementById("fit").onclick = function () { fitView(); };
  document.getElementById("dir").onclick = function () {
    rankdir = rankdir === "TB" ? "LR" : "TB";
    this.textContent = rankdir === "TB" ? "left to right" : "top to bottom";
    doLayout(); render(); fitView(0.6);
  };
  document.getElementById("dir").textContent = rankdir === "TB" ? "left to right" : "top to bottom";
  window.GG = {data: D, relayout: relayout, values: function () { return cur.v; },
               grads: function () { return cur.g; }, rules: GG_RULES, layout: function () { return layout; }};

  var t0 = Date.now();
  firstView();
  doLayout(); render(); fitView(0.6); whatifPanel(); narrate();
  document.body.setAttribute("data-ready", String(Date.now() - t0));
})();

// The page's one table of op rules (what-if). Elementwise ops give the forward value `f`
// and local derivatives `d` per input for scalars (`a` holds the op's arguments in argument
// order, folded constants included, `o` the output); GG_T applies them entry by entry to
// small tensors with numpy broadcasting. Reductions and products give a tensor rule `t`
// (forward, and backward `b` from the upstream gradient). viz/page/rules.py reads the op
// names from this table, and tests/test_page_browser.py checks every rule against graphgrad
// in headless Chromium.
var GG_RULES = {
  add: {f: function (a) { return a[0] + a[1]; }, d: function (a, o) { return [1, 1]; }},
  sub: {f: function (a) { return a[0] - a[1]; }, d: function (a, o) { return [1, -1]; }},
  mul: {f: function (a) { return a[0] * a[1]; }, d: function (a, o) { return [a[1], a[0]]; }},
  div: {f: function (a) { return a[0] / a[1]; }, d: function (a, o) { return [1 / a[1], -a[0] / (a[1] * a[1])]; }},
  neg: {f: function (a) { return -a[0]; }, d: function (a, o) { return [-1]; }},
  pow: {f: function (a) { return Math.pow(a[0], a[1]); },
        // as graphgrad (and PyTorch): 0 where the exponent is 0, and d/dy 0 where the base is 0 and y >= 0
        d: function (a, o) { return [a[1] === 0 ? 0 : a[1] * Math.pow(a[0], a[1] - 1),
                                     a[0] === 0 && a[1] >= 0 ? 0 : o * Math.log(a[0])]; }},
  exp: {f: function (a) { return Math.exp(a[0]); }, d: function (a, o) { return [o]; }},
  log: {f: function (a) { return Math.log(a[0]); }, d: function (a, o) { return [1 / a[0]]; }},
  tanh: {f: function (a) { return Math.tanh(a[0]); }, d: function (a, o) { return [1 - o * o]; }},
  sigmoid: {f: function (a) { return a[0] >= 0 ? 1 / (1 + Math.exp(-a[0])) : Math.exp(a[0]) / (1 + Math.exp(a[0])); },
            d: function (a, o) { return [o * (1 - o)]; }},
  relu: {f: function (a) { return a[0] > 0 ? a[0] : 0; }, d: function (a, o) { return [a[0] > 0 ? 1 : 0]; }},
  sqrt: {f: function (a) { return Math.sqrt(a[0]); }, d: function (a, o) { return [0.5 / o]; }},
  sin: {f: function (a) { return Math.sin(a[0]); }, d: function (a, o) { return [Math.cos(a[0])]; }},
  cos: {f: function (a) { return Math.cos(a[0]); }, d: function (a, o) { return [-Math.sin(a[0])]; }},
  // a sum/mean of a scalar is the scalar; of a tensor, over `red.axis` (null: all) with `red.keepdims`
  sum: {f: function (a) { return a[0]; }, d: function (a, o) { return [1]; },
        t: {f: function (a, red) { return GG_T.reduce(a[0], red, false); },
            b: function (a, o, up, red) { return [GG_T.unreduce(a[0], up, red, false)]; }}},
  mean: {f: function (a) { return a[0]; }, d: function (a, o) { return [1]; },
         t: {f: function (a, red) { return GG_T.reduce(a[0], red, true); },
             b: function (a, o, up, red) { return [GG_T.unreduce(a[0], up, red, true)]; }}},
  // vectors and matrices (numpy's 1-D promotion); batched matmul is refused in Python
  matmul: {t: {f: function (a) { return GG_T.matmul(a[0], a[1]); },
               b: function (a, o, up) { return GG_T.matmulBack(a[0], a[1], up); }}},
};

// Small tensors: {s: shape, d: flat row-major entries}; a plain number is a scalar (shape []).
var GG_T = {
  isT: function (x) { return x !== null && typeof x === "object" && x.s !== undefined; },
  shape: function (x) { return GG_T.isT(x) ? x.s : []; },
  size: function (s) { return s.reduce(function (p, k) { return p * k; }, 1); },
  at: function (x, k) { return GG_T.isT(x) ? x.d[k] : x; },
  make: function (s, d) { return s.length ? {s: s, d: d} : d[0]; },
  zeros: function (s) { var d = []; for (var k = 0; k < GG_T.size(s); k++) d.push(0); return d; },
  broadcast: function (shapes) {             // numpy's rule: align right, 1 stretches
    var nd = Math.max.apply(null, shapes.map(function (s) { return s.length; })), out = [];
    for (var ax = 0; ax < nd; ax++) {
      var m = 1;
      shapes.forEach(function (s) {
        var k = s[s.length - nd + ax];
        if (k === undefined || k === 1) return;
        if (m !== 1 && k !== m) throw new Error("shapes do not broadcast: " + JSON.stringify(shapes));
        m = k;
      });
      out.push(m);
    }
    return out;
  },
  index: function (out, s) {                 // flat index into shape s of each entry of shape out
    var n = GG_T.size(out), idx = [], nd = out.length;
    for (var k = 0; k < n; k++) {
      var r = k, j = 0, stride = 1;
      for (var ax = nd - 1; ax >= 0; ax--) {
        var c = r % out[ax]; r = (r - c) / out[ax];
        var sa = ax - (nd - s.length);
        if (sa >= 0) { if (s[sa] !== 1) j += c * stride; stride *= s[sa]; }
      }
      idx.push(j);
    }
    return idx;
  },
  // an elementwise rule over (broadcast) tensors: the output, and backward from the upstream
  elementwise: function (rule, a) {
    var shapes = a.map(GG_T.shape), out = GG_T.broadcast(shapes), n = GG_T.size(out);
    var maps = shapes.map(function (s) { return GG_T.index(out, s); });
    var o = [], loc = a.map(function () { return []; });
    for (var k = 0; k < n; k++) {
      var sa = a.map(function (x, j) { return GG_T.at(x, maps[j][k]); });
      var ok = rule.f(sa), dk = rule.d(sa, ok);
      o.push(ok);
      for (var j = 0; j < a.length; j++) loc[j].push(dk[j]);
    }
    return {o: GG_T.make(out, o), loc: out.length ? null : loc.map(function (l) { return l[0]; }),
            b: function (up) {
              return a.map(function (x, j) {
                if (shapes[j].length === 0 && out.length === 0) return up * loc[j][0];
                var g = GG_T.zeros(shapes[j]);
                for (var k = 0; k < n; k++) g[maps[j][k]] += GG_T.at(up, k) * loc[j][k];
                return GG_T.make(shapes[j], g);
              });
            }};
  },
  axes: function (red, nd) {
    if (red.axis === null || red.axis === undefined) return null;
    return red.axis.map(function (ax) { return ax < 0 ? ax + nd : ax; });
  },
  // the kept shape (reduced axes 1) and output shape of a reduction
  reduced: function (s, red) {
    var axes = GG_T.axes(red, s.length);
    var kept = s.map(function (k, ax) { return axes === null || axes.indexOf(ax) >= 0 ? 1 : k; });
    var out = red.keepdims ? kept : s.filter(function (k, ax) { return !(axes === null || axes.indexOf(ax) >= 0); });
    return {kept: kept, out: out, n: GG_T.size(s) / GG_T.size(kept)};
  },
  reduce: function (x, red, mean) {
    var s = GG_T.shape(x), r = GG_T.reduced(s, red), map = GG_T.index(s, r.kept);
    var o = GG_T.zeros(r.kept);
    for (var k = 0; k < map.length; k++) o[map[k]] += GG_T.at(x, k);
    if (mean) o = o.map(function (v) { return v / r.n; });
    return GG_T.make(r.out, o);
  },
  unreduce: function (x, up, red, mean) {
    var s = GG_T.shape(x), r = GG_T.reduced(s, red), map = GG_T.index(s, r.kept), g = [];
    for (var k = 0; k < map.length; k++) g.push(mean ? GG_T.at(up, map[k]) / r.n : GG_T.at(up, map[k]));
    return GG_T.make(s, g);
  },
  mat: function (x, left) {                  // (rows, cols, entries) with numpy's 1-D promotion
    var s = GG_T.shape(x);
    if (s.length === 2) return [s[0], s[1], x.d];
    if (s.length === 1) return left ? [1, s[0], x.d] : [s[0], 1, x.d];
    throw new Error("matmul: the page evaluates vectors and matrices only, got shape [" + s + "]");
  },
  matmul: function (a, b) {
    var A = GG_T.mat(a, true), B = GG_T.mat(b, false), m = A[0], K = A[1], n = B[1], o = [];
    if (B[0] !== K) throw new Error("matmul: inner sizes differ: " + K + " and " + B[0]);
    for (var i = 0; i < m; i++) for (var j = 0; j < n; j++) {
      var t = 0;
      for (var p = 0; p < K; p++) t += A[2][i * K + p] * B[2][p * n + j];
      o.push(t);
    }
    var out = [];
    if (GG_T.shape(a).length === 2) out.push(m);
    if (GG_T.shape(b).length === 2) out.push(n);
    return GG_T.make(out, o);
  },
  matmulBack: function (a, b, up) {          // dA = up·Bᵀ, dB = Aᵀ·up
    var A = GG_T.mat(a, true), B = GG_T.mat(b, false), m = A[0], K = A[1], n = B[1];
    var ga = GG_T.zeros([m, K]), gb = GG_T.zeros([K, n]);
    for (var i = 0; i < m; i++) for (var j = 0; j < n; j++) {
      var u = GG_T.at(up, i * n + j);
      for (var p = 0; p < K; p++) { ga[i * K + p] += u * B[2][p * n + j]; gb[p * n + j] += A[2][i * K + p] * u; }
    }
    return [GG_T.make(GG_T.shape(a), ga), GG_T.make(GG_T.shape(b), gb)];
  },
  // one gate: {o: output, loc: scalar locals per argument (scalar gates) or null, b: up -> grads}
  apply: function (rule, a, red) {
    var tensor = a.some(GG_T.isT);
    if (rule.t && (tensor || !rule.f)) {
      var o = rule.t.f(a, red || {axis: null, keepdims: false});
      return {o: o, loc: null, b: function (up) { return rule.t.b(a, o, up, red || {axis: null, keepdims: false}); }};
    }
    if (!tensor) {
      var v = rule.f(a), d = rule.d(a, v);
      return {o: v, loc: d, b: function (up) { return d.map(function (l) { return up * l; }); }};
    }
    return GG_T.elementwise(rule, a);
  },
};

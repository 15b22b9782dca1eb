// The page's one table of op rules (what-if): forward value and local derivatives per
// input, for scalars. `a` holds the op's arguments in argument order (folded constants
// included), `o` the output. viz/page/rules.py reads the op names from this table, and
// tests/test_page_browser.py checks every rule against graphgrad in headless Chromium.
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
};

"""The interactive page (viz.explore) in a real headless Chromium: explore, search, hover,
step, what-if (the page's arithmetic against graphgrad's) and exercise mode."""
import math
import pathlib
import random
import re
import sys

import numpy as np
import pytest

import graphgrad as gg
from viz.page import explore
from viz.page.rules import RULES, SCALAR, TENSOR

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_explore import chain, gpt_block, micrograd_demo, neuron, torch40  # noqa: E402



@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    d = tmp_path_factory.mktemp("page")
    out = {}
    f, _ = neuron()
    out["neuron"] = d / "neuron.html"
    explore(f, title="neuron <b>&").to_html(out["neuron"])
    return d, out


def open_page(browser, path):
    page = browser.new_page(viewport={"width": 1400, "height": 850})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(pathlib.Path(path).resolve().as_uri())
    page.wait_for_selector("body[data-ready]", state="attached", timeout=60000)
    page.errors = errors
    return page


def torch_page(d, name, build):
    pytest.importorskip("torch")
    path = d / f"{name}.html"
    if not path.exists():
        rec, _ = build()
        explore(rec, title=name).to_html(path)
    return path


def test_page_is_self_contained(pages):
    _, out = pages
    text = out["neuron"].read_text()
    assert "neuron &lt;b&gt;&amp;" in text
    body = text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for bad in ("http://", "https://", "<script src", "fetch(", " import "):
        assert bad not in body


def test_neuron_opens_with_every_gate_and_the_lecture_numbers(browser, pages):
    _, out = pages
    page = open_page(browser, out["neuron"])
    assert page.errors == []
    assert page.locator(".item.gate").count() == 8
    assert page.locator(".item.leaf").count() == 5
    # value above the wire green, gradient below red: w0's wire reads 2.00 / -0.20
    wl = page.locator('.wl[data-id="n0"]')
    assert wl.locator(".wv").text_content() == "2.00"
    assert wl.locator(".wg").text_content() == "-0.20"
    assert wl.locator(".wv").get_attribute("fill") == "#2e7d32"
    assert wl.locator(".wg").get_attribute("fill") == "#c62828"
    page.close()


def test_step_follows_the_trace_and_narrates(browser, pages):
    _, out = pages
    f, _ = neuron()
    import viz
    trace = viz.as_trace(f)
    page = open_page(browser, out["neuron"])
    for k, s in enumerate(trace.steps):
        page.keyboard.press("ArrowRight")
        assert page.get_attribute("body", "data-step") == str(k)
        assert page.get_attribute("body", "data-node") == s.node
        assert page.locator(f'.item.current[data-id="{s.node}"]').count() == 1
        narr = page.text_content("#narr")
        assert "\u00d7" in narr and "=" in narr
        assert page.locator("#narr").is_visible()
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("body", "data-step") == str(len(trace.steps) - 2)
    page.close()


def neuron_grads(w0):
    x0 = gg.Value(-1.0, requires_grad=True, name="x0"); w0 = gg.Value(w0, requires_grad=True, name="w0")
    x1 = gg.Value(-2.0, requires_grad=True, name="x1"); w1 = gg.Value(-3.0, requires_grad=True, name="w1")
    b = gg.Value(-3.0, requires_grad=True, name="b")
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + b)).exp())
    f.backward()
    import viz
    return {n.id: (float(n.value), float(n.grad)) for n in viz.as_graph(f).nodes}


def test_what_if_w0_from_2_to_1_matches_graphgrad(browser, pages):
    _, out = pages
    page = open_page(browser, out["neuron"])
    page.fill("#leaf-n0", "1")
    page.dispatch_event("#leaf-n0", "change")
    want = neuron_grads(1.0)
    assert want != neuron_grads(2.0)
    seen = 0
    for el in page.locator(".wl").all():
        nid = el.get_attribute("data-id")
        v, g = want[nid]
        assert float(el.get_attribute("data-v")) == pytest.approx(v, rel=1e-12, abs=1e-15)
        assert float(el.get_attribute("data-g")) == pytest.approx(g, rel=1e-12, abs=1e-15)
        seen += 1
    assert seen == 13
    # the drawn numbers follow: w0's wire now reads 1.00
    assert page.locator('.wl[data-id="n0"] .wv').text_content() == "1.00"
    # and the stepper's frames use the new numbers
    page.click("#next")
    assert f"{want['n11'][1]:.2f}" in page.text_content("#narr")
    page.close()


def test_exercise_accepts_the_right_gradient_and_refuses_a_wrong_one(browser, pages):
    _, out = pages
    page = open_page(browser, out["neuron"])
    page.click("#exercise")
    assert page.locator("#expanel").is_visible()
    # gradients are hidden except the output's
    assert page.locator('.wl[data-id="n11"] .wg').text_content() == "?"
    page.fill("#ex-answer", "5")
    page.click("#ex-check")
    assert page.get_attribute("body", "data-ex") == "wrong"
    assert page.locator('.wl[data-id="n11"] .wg').text_content() == "?"
    page.fill("#ex-answer", "-0.53")
    page.click("#ex-check")
    assert page.get_attribute("body", "data-ex") == "right"
    assert "= -0.53" in page.text_content("#ex-feedback")
    assert page.locator('.wl[data-id="n11"] .wg').text_content() == "-0.53"
    page.close()


# ---------------------------------------------------------------- the page's arithmetic
EDGE = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-8, 20.0, -20.0]


def graphgrad_op(op, args):
    """(value, [d out / d arg]) of graphgrad's op ``op`` at ``args``."""
    vs = [gg.Value(a, requires_grad=True) for a in args]
    fn = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "neg": lambda a: -a, "pow": lambda a, b: a ** b,
          "exp": lambda a: a.exp(), "log": lambda a: a.log(), "tanh": lambda a: a.tanh(),
          "sigmoid": lambda a: a.sigmoid(), "relu": lambda a: a.relu(), "sqrt": lambda a: a.sqrt(),
          "sin": lambda a: a.sin(), "cos": lambda a: a.cos(), "sum": lambda a: a.sum(),
          "mean": lambda a: a.mean()}[op]
    with np.errstate(all="ignore"):
        out = fn(*vs)
        assert out.op.name == op
        out.backward()
    return float(out.data), [float(v.grad) for v in vs]


def arity(op):
    return 2 if op in ("add", "sub", "mul", "div", "pow") else 1


def test_every_page_rule_matches_graphgrad_on_random_and_edge_inputs(browser, pages):
    _, out = pages
    page = open_page(browser, out["neuron"])
    rng = random.Random(0)
    cases = []
    for op in sorted(SCALAR):
        k = arity(op)
        pts = [[rng.uniform(-3, 3) for _ in range(k)] for _ in range(20)]
        pts += [[e] if k == 1 else [e, e2] for e in EDGE for e2 in ([2.0, -1.5, 0.0] if k == 2 else [None])]
        if op in ("log", "sqrt"):
            pts = [[abs(p[0]) + 1e-3] for p in pts]
        if op == "pow":
            pts = [[abs(p[0]) + 0.1, p[1]] for p in pts] + [[0.0, 2.0], [0.0, 0.0], [-2.0, 3.0], [2.0, 0.0]]
        if op == "div":
            pts = [p for p in pts if p[1] != 0]
        for p in pts:
            cases.append((op, p))
    got = page.evaluate("""cases => cases.map(function (c) {
        var r = GG_RULES[c[0]], o = r.f(c[1]); return [o, r.d(c[1], o)]; })""", [[op, p] for op, p in cases])
    checked = set()
    for (op, p), (o, d) in zip(cases, got):
        v, grads = graphgrad_op(op, p)
        assert close(o, v), (op, p, o, v)
        for a, b in zip(d, grads):
            assert close(a, b), (op, p, d, grads)
        checked.add(op)
    assert checked == set(SCALAR) and len(SCALAR) >= 16
    page.close()


def test_every_page_rule_matches_graphgrad_on_small_tensors(browser, pages):
    """Every rule of the table on small tensors (broadcasting, every reduction form, each
    matmul shape pair) against graphgrad: the output and the gradients of sum(out · U)."""
    _, out = pages
    page = open_page(browser, out["neuron"])
    rng = np.random.default_rng(1)
    cases = []        # (op, [arrays or floats], red or None)
    pairs = [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((3,), ()), ((), (2, 2)), ((4, 1, 2), (3, 1))]
    for op in sorted(SCALAR - {"sum", "mean"}):
        for sa, sb in (pairs if arity(op) == 2 else [((2, 3), None), ((5,), None), ((1, 4), None)]):
            for edge in (False, True):
                a = rng.uniform(-3, 3, sa)
                if edge:    # edge entries: zeros, ±1, big, tiny
                    a = np.resize(np.array([0.0, -0.0, 1.0, -1.0, 20.0, -20.0, 1e-8, 0.5]), sa)
                args = [a] if sb is None else [a, rng.uniform(-3, 3, sb) if not edge
                                               else np.resize(np.array([2.0, -1.5, 0.0, 3.0]), sb)]
                if op in ("log", "sqrt"):
                    args = [np.abs(args[0]) + 1e-3]
                if op == "pow":
                    args = [np.abs(args[0]) + (0.0 if edge else 0.1), args[1]]
                if op == "div":
                    args[1] = np.where(args[1] == 0, 0.75, args[1])
                cases.append((op, args, None))
    for op in ("sum", "mean"):
        for shape, axis, keep in [((2, 3), None, False), ((2, 3), [0], False), ((2, 3), [1], True),
                                  ((2, 3, 2), [-1], False), ((2, 3, 2), [0, 2], True), ((4,), [0], False),
                                  ((2, 3), None, True), ((2, 3), [0, 1], False)]:
            cases.append((op, [rng.uniform(-3, 3, shape)], {"axis": axis, "keepdims": keep}))
    for sa, sb in [((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 2)), ((3,), (3,)), ((1, 1), (1, 1))]:
        cases.append(("matmul", [rng.uniform(-3, 3, sa), rng.uniform(-3, 3, sb)], None))
    want = []
    for op, args, red in cases:
        vs = [gg.Value(a, requires_grad=True) for a in args]
        with np.errstate(all="ignore"):
            if op in ("sum", "mean"):
                ax = None if red["axis"] is None else tuple(red["axis"])
                o = getattr(vs[0], op)(axis=ax, keepdims=red["keepdims"])
            else:
                o = graphgrad_tensor_op(op, vs)
            assert o.op.name == op
            u = rng.uniform(-2, 2, np.shape(o.data))
            (o * gg.Value(u)).sum().backward() if np.ndim(o.data) else (o * float(u)).backward()
        want.append((np.asarray(o.data), u, [np.asarray(v.grad) for v in vs]))
    js = [[op, [tensor_js(a) for a in args], red, tensor_js(u)] for (op, args, red), (_, u, _) in zip(cases, want)]
    got = page.evaluate("""cases => cases.map(function (c) {
        var r = GG_T.apply(GG_RULES[c[0]], c[1], c[2]); return [r.o, r.b(c[3])]; })""", js)
    assert page.errors == []
    checked = set()
    for (op, args, red), (o, u, grads), (jo, jg) in zip(cases, want, got):
        assert_same(from_js(jo), o, (op, [a.shape for a in args], red))
        for a, b in zip(jg, grads):
            assert_same(from_js(a), b, (op, "grad", [x.shape for x in args], red))
        checked.add(op)
    assert checked == set(RULES) and TENSOR == {"sum", "mean", "matmul"}
    page.close()


def graphgrad_tensor_op(op, vs):
    if op == "matmul":
        return vs[0] @ vs[1]
    if len(vs) == 2:
        return {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
                "div": lambda a, b: a / b, "pow": lambda a, b: a ** b}[op](*vs)
    return -vs[0] if op == "neg" else getattr(vs[0], op)()


def tensor_js(a):
    a = np.asarray(a, dtype=np.float64)
    return float(a) if a.ndim == 0 else {"s": list(a.shape), "d": [float(x) for x in a.ravel()]}


def from_js(x):
    if isinstance(x, dict):
        return np.array([np.nan if e is None else e for e in x["d"]], dtype=np.float64).reshape(x["s"])
    return np.array(np.nan if x is None else x, dtype=np.float64)


def assert_same(got, want, what):
    assert got.shape == np.shape(want), (what, got.shape, np.shape(want))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14, equal_nan=True, err_msg=str(what))


def test_editing_a_tensor_entry_of_the_vectorized_example_gives_graphgrads_gradients(browser, tmp_path):
    import runpy
    ex = runpy.run_path(str(ROOT / "viz" / "gallery_examples" / "05_vectorized.py"))
    path = tmp_path / "vec.html"
    explore(ex["f"]).to_html(path)
    page = open_page(browser, path)
    assert "values fixed" not in page.text_content("#whatif")
    ids = {n["name"]: n["id"] for n in page.evaluate("GG.data.nodes") if n.get("name")}
    box = f"#leaf-{ids['W']}-2"                # W[1, 0]: -0.3 -> 1.25
    assert page.input_value(box) == "-0.3"
    page.fill(box, "1.25")
    page.dispatch_event(box, "change")
    W = gg.Value(np.array([[0.1, 0.5], [1.25, 0.8]]), requires_grad=True)
    x = gg.Value(np.array([0.2, 0.4]), requires_grad=True)
    q = W @ x
    f = (q ** 2).sum()
    f.backward()
    vals, grads = page.evaluate("GG.values()"), page.evaluate("GG.grads()")
    names = [n.get("name") for n in page.evaluate("GG.data.nodes")]
    got = dict(zip(names, zip(vals, grads)))
    assert_same(from_js(got["W"][1]), W.grad, "dW")
    assert_same(from_js(got["x"][1]), x.grad, "dx")
    assert_same(from_js(got["q"][0]), q.data, "q")
    assert_same(from_js(got["f"][0]), f.data, "f")
    assert not np.allclose(W.grad, ex["W"].grad)       # the edit changed the gradients
    # the drawn wire and its hover statistics follow (q's mean)
    qid = ids["q"]
    assert f"\u03bc {q.data.mean():.2f}" in page.text_content(f'.wl[data-id="{qid}"] .wv')
    assert page.errors == []
    page.close()


def close(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or math.isnan(b)
    return a == pytest.approx(b, rel=1e-12, abs=1e-14)


# ---------------------------------------------------------------- bigger graphs
def test_forty_layer_net_first_view_is_small_and_values_fixed(browser, pages):
    d, _ = pages
    path = torch_page(d, "torch40", torch40)
    page = open_page(browser, path)
    assert page.errors == []
    assert int(page.get_attribute("body", "data-items")) <= 10
    # the 40 repeated blocks fold into one box marked x40; no parameter wires outside it
    assert "\u00d740" in page.text_content(".item.box")
    assert page.locator(".item.leaf").count() == 1                     # the input only
    assert "values fixed: the page cannot evaluate" in page.text_content("#whatif")
    assert page.locator("#whatif input").count() == 0
    # expand the folded box in place, then collapse it again from its frame's title
    before = int(page.get_attribute("body", "data-items"))
    page.click(".item.box")
    after = int(page.get_attribute("body", "data-items"))
    assert after > before + 100
    assert page.locator(".cluster").count() >= 2
    fold = page.locator(".cluster", has_text="\u00d740").last
    fold.locator(".ctitle").click()
    assert int(page.get_attribute("body", "data-items")) == before
    page.close()


def test_hover_shows_shape_stats_nonfinite_and_histogram(browser, pages):
    d, _ = pages
    path = torch_page(d, "torch40", torch40)
    page = open_page(browser, path)
    page.hover(".item.leaf")
    tip = page.locator("#tip")
    assert tip.is_visible()
    text = tip.text_content()
    assert "shape [8, 16]" in text and "float32" in text and "non-finite 0 of 128" in text
    assert tip.locator("svg.hist").count() >= 1
    page.close()


def test_search_opens_the_module_holding_a_parameter(browser, pages):
    d, _ = pages
    path = torch_page(d, "gpt_block", gpt_block)
    page = open_page(browser, path)
    assert page.errors == []
    assert page.locator('.item.leaf[data-id]').filter(has_text="mlp.c_fc.weight").count() == 0
    page.fill("#search", "mlp.c_fc.weight")
    page.press("#search", "Enter")
    assert page.text_content("#search-status") == "1 match"
    hit = page.locator(".item.hit")
    assert hit.count() == 1 and "mlp.c_fc.weight" in hit.text_content()
    page.close()


def test_micrograd_demo_folds_calls_and_the_l2_chain(browser, pages):
    d, _ = pages
    loss, opts = micrograd_demo(8)
    ex = explore(loss, title="demo", **opts)
    assert len(ex.data["nodes"]) == 6202
    kinds = {g["kind"] for g in ex.data["groups"]}
    assert {"fold", "auto", "group"} <= kinds
    path = d / "micrograd8.html"
    ex.to_html(path)
    page = open_page(browser, path)
    assert page.errors == []
    assert int(page.get_attribute("body", "data-items")) <= 10
    assert "MLP \u00d78" in page.text_content("#vp")
    page.close()


def test_opening_the_l2_chain_wraps_into_bands_not_one_tall_column(browser, pages):
    """micrograd's L2 term (674 gates) opened: every p*p beside its own + (not 337 in one
    row), the 342 ranks wrapped into bands; before: a 45,010 x 27,972 px layout."""
    d, _ = pages
    path = d / "micrograd8.html"
    if not path.exists():
        loss, opts = micrograd_demo(8)
        explore(loss, title="demo", **opts).to_html(path)
    page = open_page(browser, path)
    auto = page.evaluate("GG.data.groups.findIndex(function (g) { return g.kind === 'auto'; })")
    page.click(f'[data-group="{auto}"]')
    w, h, n, widest, muls = page.evaluate("""() => { var L = GG.layout(), x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9, per = {};
        L.items.forEach(function (it) {
          x0 = Math.min(x0, it.px - it.sz.w / 2); x1 = Math.max(x1, it.px + it.sz.w / 2);
          y0 = Math.min(y0, it.py - it.sz.h / 2); y1 = Math.max(y1, it.py + it.sz.h / 2);
          per[it.rank] = (per[it.rank] || 0) + 1; });
        var muls = L.items.filter(function (it) { return it.kind === "gate" && GG.data.nodes[it.node].label === "*"
          && it.outs.length === 1 && it.outs[0].b.kind === "gate" && it.outs[0].b.rank === it.rank + 1; }).length;
        return [x1 - x0, y1 - y0, L.items.length, Math.max.apply(null, Object.values(per)), muls]; }""")
    assert n > 1000 and page.errors == []
    assert widest <= 12                      # no row of hundreds of parameters or products
    assert muls >= 300                       # each product right above the gate reading it
    assert h < 3000 and w < 10000 and w * h < 45010 * 27972 / 50
    page.close()


def test_chain_of_1000_page_is_under_one_mebibyte(tmp_path):
    y, _ = chain(1000)
    path = tmp_path / "chain.html"
    ex = explore(y)
    ex.to_html(path)
    assert len(ex.data["nodes"]) == 1000
    assert path.stat().st_size <= 2 ** 20


def test_jupyter_shows_the_page_in_an_iframe():
    f, _ = neuron()
    html = explore(f)._repr_html_()
    assert html.startswith("<iframe srcdoc=") and "&lt;script" in html and "<script" not in html


def test_step_into_a_collapsed_box_or_over_it_as_one_gate(browser, pages):
    d, _ = pages
    path = torch_page(d, "torch40", torch40)
    page = open_page(browser, path)
    page.uncheck("#into")
    for _ in range(3):
        page.click("#next")
    # mean, **2, then the whole folded block at once: its 120 steps as one gate
    assert page.get_attribute("body", "data-step") == "121"
    assert "as one gate: steps 2\u2013121" in page.text_content("#narr")
    assert page.locator(".item.box.current").count() == 1
    page.click("#prev")
    assert page.get_attribute("body", "data-step") == "1"
    # stepping into boxes instead opens the box that holds the step's gate
    page.check("#into")
    before = int(page.get_attribute("body", "data-items"))
    page.click("#next")
    assert page.get_attribute("body", "data-step") == "2"
    assert int(page.get_attribute("body", "data-items")) > before
    assert page.locator(".item.gate.current").count() == 1
    page.close()


def test_micrograd_what_if_matches_micrograd(browser, tmp_path):
    from micrograd.engine import Value
    import viz

    def build(a0):
        a, b, c = Value(a0), Value(-3.0), Value(1.5)
        out = (a * b + c ** 2).relu() + a * c + (a + 4.0) ** 3      # micrograd's ops: +, *, **k, ReLU
        out.backward()
        return out, (a, b, c)
    out, leaves = build(2.0)
    g = viz.as_graph(out)
    path = tmp_path / "mg.html"
    explore(out).to_html(path)
    page = open_page(browser, path)
    assert page.errors == [] and "values fixed" not in page.text_content("#whatif")
    page.fill("#leaf-n0", "-1.25")
    page.dispatch_event("#leaf-n0", "change")
    out2, leaves2 = build(-1.25)
    grads = page.evaluate("GG.grads()")
    vals = page.evaluate("GG.values()")
    assert g.node("n0").value == 2.0
    order = viz.as_graph(out2)
    for i, n in enumerate(order.nodes):
        assert vals[i] == pytest.approx(n.value, rel=1e-12, abs=1e-15)
        assert grads[i] == pytest.approx(n.grad, rel=1e-12, abs=1e-15)
    page.close()


def test_a_gradcheck_failure_shows_red_with_its_notes(browser, tmp_path):
    from viz.page.data import annotate, page_data
    from viz.page.html import document
    f, _ = neuron()
    d = annotate(page_data(f), "n2", status="fail", notes=["expected 0.39, got 0.41"])
    path = tmp_path / "fail.html"
    path.write_text(document(d))
    page = open_page(browser, path)
    gate = page.locator('.item.status-fail[data-id="n2"]')
    assert gate.count() == 1
    assert gate.locator(".shape").evaluate("e => getComputedStyle(e).stroke") == "rgb(213, 0, 0)"
    gate.hover()
    assert "expected 0.39, got 0.41" in page.text_content("#tip")
    page.close()


def test_untrusted_names_are_text_not_markup(browser, tmp_path):
    evil = '</script><img src=x onerror="window.PWNED=1">&amp;'
    x = gg.Value(2.0, requires_grad=True, name=evil)
    y = x * 3.0
    y.backward()
    path = tmp_path / "evil.html"
    explore(y, title=evil).to_html(path)
    text = path.read_text()
    assert "</script><img" not in text
    page = open_page(browser, path)
    assert page.errors == [] and page.evaluate("window.PWNED === undefined")
    assert page.locator("img").count() == 0
    assert page.text_content('.item.leaf[data-id="n0"]') == evil
    assert page.text_content("#bar b") == evil
    page.close()


def test_hovering_a_wire_describes_it(browser, pages):
    _, out = pages
    page = open_page(browser, out["neuron"])
    page.locator('path.hover[data-wires="0"]').hover()
    text = page.text_content("#tip")
    assert text.startswith("w0") and "value 2" in text and "grad -0.19661193324148188" in text
    page.close()

"""The interactive page's data: one versioned JSON document built from GraphData/TraceData.

Every reader of a graphgrad page (the page's own script, the slides, gradcheck's
failing-gate highlight, teaching notebooks) reads this document, never the engine. It is
plain JSON (``json.dumps`` of :func:`page_data`); numbers that JSON cannot hold are the
strings ``"nan"``, ``"inf"``, ``"-inf"``. ``/work/notes/page-format.md`` (and
``docs``-style prose below) is the spec; version bumps when a field changes meaning.

Top level::

    format   "graphgrad-page"          version  1
    title    str                       source   "graphgrad" | "micrograd" | "torch" | ...
    root     index of the root node    rankdir  "TB" | "LR" (first layout direction)
    nodes    [node]   topological order; a node's index is its position here
    groups   [group]  the group tree (module calls, gg.group blocks, folds, auto groups)
    steps    [step]   backward steps in run order (empty without a trace)
    rules    {op: rule name}  the ops the page can evaluate (what-if); see viz/page/rules.js
    whatif   {"ok": bool, "reason": str}  ok: every gate has a rule, every value is a scalar or a
             float64 tensor of at most 64 entries (their entries in ``vt``/``gt``)
    templates {kind: SVG fragment}  how each element is drawn (viz/page/draw.py; one definition)
    style    {"value": colour, "grad": colour, "local": colour, "group": colour, "decimals": 2}

node (short keys keep a 65k-node page small; optional keys are left out when empty)::

    id     the GraphData node id ("n12")     k      "leaf" | "gate"
    label  gate text / leaf name             op     op name ("mul", "leaf")
    name   the node's name, if any           in     [input node indices]
    pos    [argument position of each input] (only when constants were folded out)
    consts [[argument position, value]]      constants folded into the label ("+1", "1/x")
    grp    index of the innermost group (gates; a parameter leaf: its owning group) or -1
    param  true: a parameter/buffer leaf (folded into the boxes that read it)
    shape  [dims] ([] for a scalar)          dtype  "float64", "float32", ...
    v, g   scalar value / gradient (null: not computed)
    vt, gt a small tensor's entries (at most 64, row-major), for what-if
    red    sum/mean: {"axis": [axes] or null, "keepdims": bool}
    vs, gs tensor summary {"n", "min", "max", "mean", "std", "nonfinite", "hist": [12 counts],
           "lo", "hi"} (hist over [lo, hi] of the finite entries)
    local  [local derivative per input] (scalars, where the engine gave one)
    f      [local-derivative formula per input]
    status optional: "ok" | "warn" | "fail" (gradcheck marks a failing gate "fail")
    notes  optional: [str] annotations shown on hover (expected/actual gradients, ...)

group::

    name   "Linear", "Block", "Linear·BatchNorm1d·ReLU"     kind  "group" | "fold" | "auto"
    parent index or -1                                        depth 0 for top level
    n      repetitions of a fold ("× 40"); 1 otherwise       gates gates inside (all depths)
    params number of parameter entries (sum of sizes) read inside

step::  {"node": gate index, "up": upstream (scalar or null), "down": [downstream per input],
         "local": [local per input] or null}

Add ``status``/``notes`` with :func:`annotate` (gradcheck's hook):

>>> import graphgrad as gg
>>> x = gg.Value(2.0, requires_grad=True, name="x")
>>> y = x * 3.0; y.backward()
>>> d = page_data(y)
>>> d["format"], d["version"], [n["label"] for n in d["nodes"]], d["nodes"][1]["g"]
('graphgrad-page', 1, ['x', '*3'], 1.0)
>>> annotate(d, "n1", status="fail", notes=["expected 3.0, got 2.9"])["nodes"][1]["status"]
'fail'
"""
from __future__ import annotations

import math

import numpy as np

from ..graph import FOLD_MIN, auto_chains, is_parameter, repeat_runs
from ..graphdata import GraphData, TraceData

FORMAT = "graphgrad-page"
VERSION = 1
HIST_BINS = 12
WHATIF_MAX = 64             # what-if recomputes tensors of at most this many entries
AUTO_GROUP_MIN = 40          # an ungrouped region of more gates than this becomes an "auto" box


def num(x):
    """A float for JSON; NaN and infinities as strings.

    >>> num(1.5), num(float("nan")), num(float("-inf"))
    (1.5, 'nan', '-inf')
    """
    x = float(x)
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def summary(a) -> dict:
    """Statistics of a tensor for hover: size, min/max/mean/std of the finite entries, the
    count of non-finite ones, and a 12-bin histogram.

    >>> s = summary(np.array([1.0, 2.0, np.nan])); s["nonfinite"], s["min"], sum(s["hist"])
    (1, 1.0, 2)
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    fin = a[np.isfinite(a)]
    out = {"n": int(a.size), "nonfinite": int(a.size - fin.size)}
    if fin.size:
        lo, hi = float(fin.min()), float(fin.max())
        hist, _ = np.histogram(fin, bins=HIST_BINS, range=(lo, hi if hi > lo else lo + 1))
        out.update(min=lo, max=hi, mean=float(fin.mean()), std=float(fin.std()),
                   lo=lo, hi=hi, hist=[int(h) for h in hist])
    return out


def _is_scalar(x) -> bool:
    if x.__class__ is float or x.__class__ is int:     # most of a scalar graph: no numpy call
        return True
    return x is not None and np.ndim(x) == 0


def page_data(source, trace=None, title: str = "", rankdir: str = "TB", **opts) -> dict:
    """The page document (see the module docstring) of ``source``: anything
    :func:`viz.sources.as_trace`/``as_graph`` reads, a GraphData or a TraceData.

    ``trace``: a TraceData to take the steps from (default: ``as_trace(source)`` where the
    source has a backward pass; a graph without one gets no steps).
    """
    from ..sources import as_graph, as_trace
    if isinstance(source, TraceData):
        trace = source
    if trace is None and not isinstance(source, GraphData):
        try:
            trace = as_trace(source, who="viz.explore", **opts)
        except Exception:                 # no backward pass to step: the graph alone
            trace = None
    g = trace.graph if trace is not None else as_graph(source, who="viz.explore", **opts)
    index = {n.id: i for i, n in enumerate(g.nodes)}
    groups, gate_group = _groups(g)
    nodes = []
    consumers: list = [[] for _ in g.nodes]
    for i, n in enumerate(g.nodes):
        for p in n.inputs:
            consumers[index[p]].append(i)
    for i, n in enumerate(g.nodes):
        nodes.append(_node(n, index, gate_group[i]))
    _auto_groups(g, nodes, groups, consumers)
    _params(g, nodes, groups, consumers)
    _fold_repeats(groups, nodes)
    _count(groups, nodes)
    from .rules import RULES
    ops = sorted({n.op for n in g.nodes if not n.is_leaf})
    missing = [o for o in ops if o not in RULES]
    whatif = _whatif(g, missing)
    steps = []
    if trace is not None:
        for s in trace:
            steps.append({"node": index[s.node],
                          "up": num(s.upstream) if _is_scalar(s.upstream) else None,
                          "down": [num(d) if _is_scalar(d) else None for d in s.downstream],
                          "local": None if s.local is None else
                          [num(x) if _is_scalar(x) else None for x in s.local]})
    from .draw import STYLE, TEMPLATES
    return {"format": FORMAT, "version": VERSION, "title": str(title or ""), "source": g.source,
            "root": index[g.root], "rankdir": rankdir, "nodes": nodes, "groups": groups,
            "steps": steps, "rules": {o: RULES[o] for o in ops if o in RULES}, "whatif": whatif,
            "templates": TEMPLATES, "style": STYLE}


def _whatif(g, missing) -> dict:
    """Whether the page can recompute this graph, and if not the sentence saying why."""
    def fixed(why):
        return {"ok": False, "reason": "values fixed: " + why}
    if missing:
        return fixed("the page cannot evaluate " + ", ".join(missing))
    if any(n.value is None for n in g.nodes):
        return fixed("the graph holds no values to recompute")
    if g.source != "graphgrad" and any(not _is_scalar(n.value) for n in g.nodes):
        return fixed(f"the page recomputes tensors of graphgrad graphs only (this is {g.source})")
    big = [n for n in g.nodes if not _is_scalar(n.value) and np.size(n.value) > WHATIF_MAX]
    if big:
        return fixed(f"the page recomputes tensors of at most {WHATIF_MAX} entries "
                     f"({big[0].name or big[0].id} has {np.size(big[0].value)})")
    for n in g.nodes:
        dt = np.asarray(n.value).dtype
        if not _is_scalar(n.value) and dt != np.float64:
            return fixed(f"the page computes in float64 ({n.name or n.id} is {dt})")
        if n.op == "matmul" and any(np.ndim(g.node(p).value) > 2 for p in n.inputs):
            return fixed("the page evaluates matmul of vectors and matrices only (batched here)")
        if n.op in ("sum", "mean") and not n.is_leaf and "reduce" not in n.meta \
                and not _is_scalar(g.node(n.inputs[0]).value):
            return fixed(f"the page does not know the axes of {n.label}")
    return {"ok": True, "reason": ""}


def annotate(data: dict, node_id: str, status: str | None = None, notes=None) -> dict:
    """Mark node ``node_id`` of a page document (``status`` "ok"/"warn"/"fail", ``notes``
    lines shown on hover); returns ``data``. See the module docstring for an example."""
    if status not in (None, "ok", "warn", "fail"):
        raise ValueError(f"annotate: status must be 'ok', 'warn' or 'fail', got {status!r}")
    for n in data["nodes"]:
        if n["id"] == node_id:
            if status is not None:
                n["status"] = status
            if notes:
                n["notes"] = [str(x) for x in notes]
            return data
    raise KeyError(f"annotate: the page has no node {node_id!r}")


def _node(n, index, grp) -> dict:
    v = n.value
    if v.__class__ is float:               # a scalar graph's common case: no numpy call
        shape, dtype = [], "float64"
    elif v is not None:
        shape, dtype = list(np.shape(v)), str(np.asarray(v).dtype)
    else:
        shape, dtype = list(n.meta.get("shape", [])), str(n.meta.get("dtype", "float64"))
    d = {"id": n.id, "k": "leaf" if n.is_leaf else "gate", "label": str(n.label), "op": str(n.op)}
    if n.name is not None:
        d["name"] = str(n.name)
    if n.inputs:
        d["in"] = [index[p] for p in n.inputs]
    if n.input_pos is not None and tuple(n.input_pos) != tuple(range(len(n.inputs))):
        d["pos"] = list(n.input_pos)
    consts = n.meta.get("consts")
    if consts:
        d["consts"] = [[int(p), num(c)] for p, c in consts]
    elif n.op == "pow" and str(n.label).startswith("**") and len(n.inputs) == 1:
        try:                               # micrograd keeps the exponent in its op text only
            d["consts"] = [[1, float(str(n.label)[2:])]]
        except ValueError:
            pass
    d["grp"] = grp
    d["shape"] = shape
    if dtype != "float64":
        d["dtype"] = dtype
    for key, x in (("v", n.value), ("g", n.grad)):
        if x is None:
            continue
        if _is_scalar(x):
            d[key] = num(x)
        else:
            d[key + "s"] = summary(x)
            if np.size(x) <= WHATIF_MAX:   # a small tensor's entries: the page can recompute it
                d[key + "t"] = [num(e) for e in np.asarray(x, dtype=np.float64).ravel()]
    red = n.meta.get("reduce")
    if red is not None:
        d["red"] = {"axis": red["axis"], "keepdims": bool(red["keepdims"])}
    if n.local is not None and all(x is None or _is_scalar(x) for x in n.local):
        d["local"] = [None if x is None else num(x) for x in n.local]
    if any(n.formulas):
        d["f"] = [str(f) for f in n.formulas]
    if n.constant:
        d["const"] = True
    return d


def _groups(g):
    """The group tree from the nodes' group paths: (groups, innermost group index per node)."""
    # a node's group is already an instance path ((name, n), ...): equal paths, one group
    paths = [() if n.is_leaf else tuple(n.group) for n in g.nodes]
    gid: dict = {}
    groups: list = []
    per_node = []
    for path in paths:
        parent = -1
        for d in range(1, len(path) + 1):
            key = path[:d]
            k = gid.get(key)
            if k is None:
                k = gid[key] = len(groups)
                groups.append({"name": str(path[d - 1][0]), "kind": "group", "parent": parent,
                               "depth": d - 1, "n": 1, "gates": 0, "params": 0})
            parent = k
        per_node.append(parent)
    return groups, per_node


def _auto_groups(g, nodes, groups, consumers):
    """Ungrouped regions of more than AUTO_GROUP_MIN // 4 gates (micrograd's 674-gate L2
    chain, a long loss sum) each go into one "auto" box (:func:`viz.graph.auto_chains`),
    when the graph has groups or is big, so the first view stays readable."""
    loose = sum(1 for n in nodes if n["k"] == "gate" and n["grp"] == -1)
    if loose <= AUTO_GROUP_MIN or (not groups and loose <= 10 * AUTO_GROUP_MIN):
        return
    index = {n.id: i for i, n in enumerate(g.nodes)}
    made: dict = {}
    for nid, (name, region) in auto_chains(g, min_gates=AUTO_GROUP_MIN // 4).items():
        i = index[nid]
        first = made.get(region)
        if first is None:
            first = made[region] = len(groups)
            groups.append({"name": name, "kind": "auto", "parent": -1, "depth": 0, "n": 1,
                           "gates": 0, "params": 0})
        nodes[i]["grp"] = first


def _ancestors(groups, k):
    out = []
    while k != -1:
        out.append(k)
        k = groups[k]["parent"]
    return out


def _params(g, nodes, groups, consumers):
    """Mark parameter/buffer leaves and give each its owning group: the deepest group holding
    every gate that reads it (a weight shared across calls has none: it folds into whichever
    boxes read it)."""
    for i, n in enumerate(nodes):
        if n["k"] != "leaf" or not consumers[i]:
            continue
        grps = [nodes[c]["grp"] for c in consumers[i]]
        node = g.nodes[i]
        grouped = all(k != -1 for k in grps)
        if not is_parameter(node, readers_grouped=grouped):
            continue
        n["param"] = True
        common = None
        for k in grps:
            chain = _ancestors(groups, k)[::-1] if k != -1 else []
            if common is None:
                common = chain
            else:
                m = 0
                while m < min(len(common), len(chain)) and common[m] == chain[m]:
                    m += 1
                common = common[:m]
        n["grp"] = common[-1] if common else -1


def _signature(groups, children, nodes, members, k, memo):
    """A structural signature of group ``k``: name, its gates' ops and its children's."""
    if k in memo:
        return memo[k]
    sig = (groups[k]["name"], tuple(nodes[i]["op"] for i in members.get(k, ())),
           tuple(_signature(groups, children, nodes, members, c, memo) for c in children.get(k, ())))
    memo[k] = hash(sig)
    return memo[k]


def _fold_repeats(groups, nodes):
    """Runs of repeated sibling blocks (period 1..6, at least FOLD_MIN times: 12 identical
    Blocks, 40 x (Linear, BatchNorm1d, ReLU), 8 calls of one MLP) fold into one "fold"
    group marked x N, whose children are the original blocks."""
    children: dict = {}
    for k, gr in enumerate(groups):
        children.setdefault(gr["parent"], []).append(k)
    members: dict = {}
    for i, n in enumerate(nodes):
        if n["k"] == "gate" and n["grp"] != -1:
            members.setdefault(n["grp"], []).append(i)
    memo: dict = {}
    for parent, kids in list(children.items()):
        kids = [c for c in kids if groups[c]["kind"] != "auto"]      # boxed loose gates are no block
        sigs = [_signature(groups, children, nodes, members, c, memo) for c in kids]
        for i, reps, p in repeat_runs(sigs, min_reps=FOLD_MIN):
            run = kids[i:i + reps * p]
            k = len(groups)
            name = "·".join(groups[c]["name"] for c in run[:p])
            depth = groups[run[0]]["depth"]
            groups.append({"name": name, "kind": "fold", "parent": parent, "depth": depth,
                           "n": reps, "gates": 0, "params": 0})
            for c in run:
                groups[c]["parent"] = k
            _deepen(groups, run, children)


def _deepen(groups, roots, kids):
    """One level deeper for ``roots`` and everything under them (``kids``: the children
    lists from before the fold, which is what is below each root)."""
    todo = list(roots)
    while todo:
        k = todo.pop()
        groups[k]["depth"] += 1
        todo.extend(kids.get(k, ()))


def _count(groups, nodes):
    """Gates and parameter entries inside each group (all depths)."""
    seen: list = [set() for _ in groups]
    for i, n in enumerate(nodes):
        if n["k"] == "gate" and n["grp"] != -1:
            for k in _ancestors(groups, n["grp"]):
                groups[k]["gates"] += 1
            for p in n.get("in", []):
                if nodes[p].get("param"):
                    for k in _ancestors(groups, n["grp"]):
                        seen[k].add(p)
    for k, s in enumerate(seen):
        groups[k]["params"] = int(sum(int(np.prod(nodes[p]["shape"])) if nodes[p]["shape"] else 1
                                      for p in s))

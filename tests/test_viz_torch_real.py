"""Real PyTorch models recorded whole: multi-output ops, recurrent and attention layers, custom
Functions. Small copies of the models as their authors wrote them (nanoGPT's attention with
``split``, an LSTM cell with ``chunk``, nn.LSTM / nn.GRU language-model steps,
nn.MultiheadAttention with its defaults), seeded, float64. Each records, draws (SVG), steps; every
leaf gradient equals ``.grad``; the downstream gradients into each node add up to its gradient;
upstream × local = downstream wherever a local is shown.
"""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

import viz  # noqa: E402
from viz.graphdata import is_output, outputs_of  # noqa: E402
from viz.sources import torch as vt  # noqa: E402
from viz.sources.torch import record_torch  # noqa: E402

F64 = torch.float64
TOL = 1e-6


def close(a, b):
    return np.allclose(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64), rtol=TOL, atol=TOL)


# ------------------------------------------------------------------ the models, as written
class CausalSelfAttention(nn.Module):
    """nanoGPT's attention (model.py), the slow path as written: split, masked_fill, softmax."""

    def __init__(self, n_embd=8, n_head=2, block_size=4):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head, self.n_embd = n_head, n_embd
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size))
                             .view(1, 1, block_size, block_size))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    """nanoGPT's Block: pre-LayerNorm attention and MLP with residual adds."""

    def __init__(self, n_embd=8, n_head=2, block_size=4):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size)
        self.c_fc, self.c_proj = nn.Linear(n_embd, 4 * n_embd), nn.Linear(4 * n_embd, n_embd)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))
        return x


class RNNModel(nn.Module):
    """word_language_model's RNNModel: embedding, nn.LSTM / nn.GRU, decoder."""

    def __init__(self, kind, ntoken=7, ninp=5, nhid=6, nlayers=2):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, kind)(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)

    def forward(self, input, hidden):
        emb = self.encoder(input)
        output, hidden = self.rnn(emb, hidden)
        return self.decoder(output), hidden


class LSTMCellChunk(nn.Module):
    """An LSTM cell written by hand, the way blog posts and courses write it."""

    def __init__(self, n_in=3, n_hid=4):
        super().__init__()
        self.W = nn.Linear(n_in + n_hid, 4 * n_hid)

    def forward(self, x, h, c):
        gates = self.W(torch.cat([x, h], dim=1))
        i, f, g, o = gates.chunk(4, 1)
        i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
        c = f * c + i * g
        h = o * torch.tanh(c)
        return h, c


class Cube(torch.autograd.Function):
    """A custom Function with its own backward (3·x²·g)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * x * x * g


# ------------------------------------------------------------------ the checks
def check(rec, tensors, svg_path):
    """Every check the issue asks of a recording; returns (graph, trace)."""
    g, t = rec.graph(), rec.trace()
    # every leaf gradient equals PyTorch's .grad
    by_obj = {i: g.node(nid) for i, nid in g.lookup.items()}
    checked = 0
    for x in tensors:
        n = by_obj.get(id(x))
        assert n is not None and n.is_leaf
        assert close(n.grad, x.grad), n.label
        checked += 1
    assert checked == len(tensors)
    # downstream sums into each node equal its gradient; a step's upstream is its node's gradient
    total = {}
    for s in t:
        n = g.node(s.node)
        assert len(s.downstream) == len(n.inputs)
        if outputs_of(n):
            assert len(s.upstream) == len(outputs_of(n))
            for o, u in zip(outputs_of(n), s.upstream):
                assert (u is None) == (g.node(o).grad is None)
                assert u is None or close(u, g.node(o).grad)
        else:
            assert close(s.upstream, n.grad)
        for i, d in zip(n.inputs, s.downstream):
            if d is not None:
                total[i] = total.get(i, 0) + np.asarray(d)
    for n in g.nodes:
        if n.id == g.root or outputs_of(n):
            continue
        if n.grad is None:
            assert n.id not in total, n.label
        else:
            assert close(total[n.id], n.grad), (n.id, n.label)
    # upstream × local = downstream wherever a local is shown
    for s in t:
        if s.local is None:
            continue
        for lo, d in zip(s.local, s.downstream):
            if d is not None and lo is not None:
                assert close(vt._sum_to(np.asarray(s.upstream) * np.asarray(lo), np.shape(d)), d)
    viz.render(rec, str(svg_path))
    assert svg_path.read_text().startswith("<?xml") or "<svg" in svg_path.read_text()[:400]
    st = viz.Stepper(rec)
    assert len(st) == len(t) + 1
    return g, t


def multi(g, op):
    gates = [n for n in g.nodes if n.op == op and outputs_of(n)]
    assert gates, [n.op for n in g.nodes]
    return gates


# ------------------------------------------------------------------ the models recorded
def test_gpt_block_with_split_records_draws_steps(tmp_path):
    torch.manual_seed(0)
    blk = Block().double()
    x = torch.randn(2, 4, 8, dtype=F64)
    with record_torch() as rec:
        loss = blk(x).pow(2).mean()
        loss.backward()
    g, t = check(rec, list(blk.parameters()), tmp_path / "gpt.svg")
    (split,) = multi(g, "split")
    outs = [g.node(o) for o in outputs_of(split)]
    assert [o.label for o in outs] == ["[0]", "[1]", "[2]"] and all(is_output(o) for o in outs)
    assert [np.shape(o.value) for o in outs] == [(2, 4, 8)] * 3
    # one step for the split, after the steps of all three pieces' consumers
    (step,) = [s for s in t if s.node == split.id]
    readers = [s.index for s in t for o in outputs_of(split) if o in g.node(s.node).inputs]
    assert readers and max(readers) < step.index
    # the circuit draws the pieces as the split gate's three output wires
    from viz.graph import build
    c = build(g, collapse=False)
    gate = c.gates[[x.node.id if x.node is not None else None for x in c.gates].index(split.id)]
    assert len(gate.outputs) == 3 and not any(x.node is not None and is_output(x.node) for x in c.gates)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_recurrent_language_model_step(kind, tmp_path):
    torch.manual_seed(1)
    model = RNNModel(kind).double()
    inp = torch.randint(0, 7, (5, 2))
    h0 = torch.zeros(2, 2, 6, dtype=F64)
    hidden = (h0, torch.zeros(2, 2, 6, dtype=F64)) if kind == "LSTM" else h0
    with record_torch() as rec:
        out, hidden = model(inp, hidden)
        loss = F.cross_entropy(out.view(-1, 7), torch.randint(0, 7, (10,)))
        loss.backward()
    g, t = check(rec, list(model.parameters()), tmp_path / f"{kind}.svg")
    (gate,) = multi(g, kind.lower() if kind != "RNN" else "rnn_tanh")
    outs = [g.node(o) for o in outputs_of(gate)]
    assert len(outs) == (3 if kind == "LSTM" else 2)
    # only `output` reaches the loss: the final hidden states are drawn without a gradient
    assert outs[0].grad is not None and all(o.grad is None for o in outs[1:])
    assert gate.group[-1][0] == kind


def test_multihead_attention_defaults(tmp_path):
    torch.manual_seed(2)
    mha = nn.MultiheadAttention(8, 2).double()
    x = torch.randn(4, 2, 8, dtype=F64)
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=F64)
    with record_torch() as rec:
        y, w = mha(x, x, x, attn_mask=mask)           # need_weights=True by default
        loss = y.sum() + (w * w).sum()
        loss.backward()
    g, t = check(rec, list(mha.parameters()), tmp_path / "mha.svg")
    (gate,) = multi(g, "multi_head_attention_forward")
    outs = [g.node(o) for o in outputs_of(gate)]
    assert close(outs[0].value, y.detach()) and close(outs[1].value, w.detach())
    assert all(o.grad is not None for o in outs)


def test_lstm_cell_written_with_chunk(tmp_path):
    torch.manual_seed(3)
    cell = LSTMCellChunk().double()
    x = torch.randn(2, 3, dtype=F64)
    h = c = torch.zeros(2, 4, dtype=F64)
    with record_torch() as rec:
        for _ in range(2):                            # two time steps: the user's ops, twice
            h, c = cell(x, h, c)
        loss = h.sum()
        loss.backward()
    g, t = check(rec, list(cell.parameters()), tmp_path / "cell.svg")
    chunks = multi(g, "chunk")
    assert len(chunks) == 2 and all(len(outputs_of(n)) == 4 for n in chunks)
    assert [n.label for n in g.gates() if not is_output(n)].count("σ") == 6


def test_nn_lstm_cell_and_gru_cell(tmp_path):
    torch.manual_seed(4)
    lc, gc = nn.LSTMCell(3, 4).double(), nn.GRUCell(4, 4).double()
    x = torch.randn(2, 3, dtype=F64)
    with record_torch() as rec:
        h, c = lc(x)
        h2 = gc(h)
        loss = (h2 * c).sum()
        loss.backward()
    g, t = check(rec, list(lc.parameters()) + list(gc.parameters()), tmp_path / "cells.svg")
    (gate,) = multi(g, "lstm_cell")
    assert [g.node(o).grad is not None for o in outputs_of(gate)] == [True, True]


def test_custom_function_is_one_gate(tmp_path):
    torch.manual_seed(5)
    w = torch.randn(3, dtype=F64, requires_grad=True)
    x = torch.randn(3, dtype=F64)
    with record_torch(names={"w": w}) as rec:
        loss = (Cube.apply(w * x) + 1.0).sum()
        loss.backward()
    g, t = check(rec, [w], tmp_path / "custom.svg")
    (cube,) = [n for n in g.gates() if n.label == "Cube"]
    assert cube.formulas == ("custom backward",) and cube.local is None
    assert close(cube.value, (w * x).detach() ** 3)
    (step,) = [s for s in t if s.node == cube.id]
    assert close(step.downstream[0], 3 * (w * x).detach().numpy() ** 2 * step.upstream)


def test_custom_function_as_the_loss(tmp_path):
    w = torch.tensor([1.0, 2.0], dtype=F64, requires_grad=True)
    with record_torch(names={"w": w}) as rec:
        loss = Cube.apply((w * 2.0).sum())
        loss.backward()
    g, _ = check(rec, [w], tmp_path / "custom_root.svg")
    assert g.node(g.root).label == "Cube" and close(g.node(g.root).value, 216.0)


@pytest.mark.parametrize("op", ["split", "chunk", "unbind", "max", "min", "sort", "topk", "var_mean",
                                "std_mean"])
def test_multi_output_ops(op, tmp_path):
    torch.manual_seed(6)
    w = torch.randn(4, 6, dtype=F64, requires_grad=True)
    with record_torch(names={"w": w}) as rec:
        y = w * 1.5
        if op == "split":
            a, b = y.split([2, 4], dim=1)
            loss = a.sum() + (b * b).sum()
        elif op == "chunk":
            a, b, c = y.chunk(3, dim=1)
            loss = (a * c).sum()                     # b unused: drawn without a gradient
        elif op == "unbind":
            rows = y.unbind(0)
            loss = (rows[0] * rows[3]).sum()
        elif op in ("max", "min"):
            vals, idx = getattr(torch, op)(y, dim=1)
            loss = (vals ** 2).sum() + y[torch.arange(4), idx].sum()
        elif op == "sort":
            vals, idx = torch.sort(y, dim=1)
            loss = (vals[:, :2] * 2.0).sum()
        elif op == "topk":
            vals, idx = torch.topk(y, 3, dim=1)
            loss = (vals ** 2).sum()
        else:
            a, m = getattr(torch, op)(y, dim=1)
            loss = (a * m).sum()
        loss.backward()
    g, t = check(rec, [w], tmp_path / f"{op}.svg")
    (gate,) = multi(g, op)
    outs = [g.node(o) for o in outputs_of(gate)]
    if op == "chunk":
        assert [o.grad is None for o in outs] == [False, True, False]
    if op in ("max", "min", "sort", "topk"):
        assert outs[1].grad is None and np.asarray(outs[1].value).dtype == np.int64
    if op in ("max", "min"):                         # gather reads the indices wire
        (pick,) = [n for n in g.gates() if n.op == "getitem"]
        assert outs[1].id in pick.inputs


# ------------------------------------------------------------------ names and the command line
def test_names_by_id_and_model_on_recordings_and_diagrams():
    lin = nn.Linear(3, 2).double()
    x = torch.randn(4, 3, dtype=F64)
    W = torch.randn(2, 2, dtype=F64, requires_grad=True)
    with record_torch(names={id(W): "W"}) as rec:
        h = lin(x) @ W
        loss = h.sum()
        loss.backward()
    g = rec.graph()
    assert g.node(g.lookup[id(W)]).label == "W"
    # after the fact, as every source takes them: {id(obj): name} and model=
    g2 = vt.as_graph(rec, names={id(h): "h", id(x): "x"}, model=lin)
    assert g2.node(g2.lookup[id(h)]).name == "h" and g2.node(g2.lookup[id(x)]).label == "x"
    assert g2.node(g2.lookup[id(lin.weight)]).label == "weight"
    dot = viz.to_dot(rec, names={id(h): "h"})
    assert ">h<" in dot
    t = viz.sources.as_trace(rec, names={id(h): "h"})
    assert t.graph.node(t.graph.lookup[id(h)]).name == "h" and len(t) == len(rec.trace())
    # a tensor graph (structure only) takes the same forms
    tg = vt.as_graph(loss, names={id(W): "W"}, model=lin)
    assert {n.label for n in tg.leaves()} >= {"W", "weight", "bias"}


SCRIPT = """
import torch, viz
torch.manual_seed(0)
W1 = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
x = torch.randn(2, 3, dtype=torch.float64)
with viz.record_torch() as rec:
    h = torch.relu(x @ W1)
    q, k = h.split(2, dim=1)
    loss = (q * k).sum()
    loss.backward()
"""


def test_cli_render_draws_one_diagram_named_from_the_script(tmp_path):
    from viz.cli import main
    script = tmp_path / "step.py"
    script.write_text(SCRIPT)
    assert main(["render", str(script), "-o", str(tmp_path / "out"), "-f", "dot"]) == 0
    (only,) = list((tmp_path / "out").iterdir())
    assert only.name == "step_rec.dot"
    dot = only.read_text()
    for name in ("W1", ">h<", ">q<", ">k<"):
        assert name in dot, name


def test_cli_step_walks_the_recording(tmp_path, capsys):
    from viz.cli import main
    script = tmp_path / "step.py"
    script.write_text(SCRIPT)
    assert main(["step", str(script)]) == 0
    out = capsys.readouterr().out
    assert "gate split" in out and "dloss/dq" in out.replace("(", "").replace(")", "")


@pytest.mark.parametrize("cmd", ["render", "step"])
def test_cli_refusal_is_one_line_and_exit_1(cmd, tmp_path):
    import subprocess
    import sys
    script = tmp_path / "grad.py"
    script.write_text("import torch, viz\n"
                      "w = torch.ones(2, requires_grad=True)\n"
                      "with viz.record_torch() as rec:\n"
                      "    loss = (w * w).sum()\n"
                      "    (g,) = torch.autograd.grad(loss, [w])\n")
    r = subprocess.run([sys.executable, "-m", "viz", cmd, str(script), "-o" if cmd == "render" else "--fmt",
                        str(tmp_path / "o") if cmd == "render" else ".2f"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "torch.autograd.grad was called inside the block" in r.stderr
    assert "call that instead" in r.stderr or "loss.backward()" in r.stderr


# ------------------------------------------------------------------ values kept by reference
class ResBlock(nn.Module):
    """torchvision's BasicBlock pattern: in-place ReLU module and ``out += identity``."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.relu = nn.Linear(3, 3), nn.Linear(3, 3), nn.ReLU(inplace=True)

    def forward(self, x):
        identity = x
        out = self.relu(self.fc1(x))
        out = self.fc2(out)
        out += identity
        return self.relu(out)


def test_in_place_ops_in_the_forward_keep_the_values_they_overwrote(tmp_path):
    torch.manual_seed(7)
    blk = ResBlock().double()
    x = torch.randn(4, 3, dtype=F64, requires_grad=True)
    with record_torch() as rec:
        loss = blk(x).sum()
        loss.backward()
    g, _ = check(rec, list(blk.parameters()) + [x], tmp_path / "res.svg")
    lin = [n for n in g.gates() if n.label == "linear"]
    with torch.no_grad():
        h1 = blk.fc1(x)
        h2 = blk.fc2(torch.relu(h1))
    assert close(lin[0].value, h1) and close(lin[1].value, h2)     # before relu_ and += wrote them
    (add,) = [n for n in g.gates() if n.op == "add"]
    assert close(add.value, (h2 + x).detach())


def test_a_recorded_tensor_changed_after_the_block_is_refused():
    w = torch.randn(3, dtype=F64, requires_grad=True)
    with record_torch() as rec:
        h = w * 2.0
        loss = (h * h).sum()
        loss.backward()
    with torch.no_grad():
        h.mul_(10.0)                                 # after the block, by the user
    with pytest.raises(vt.RecordingError, match=r"shape \(3,\) was changed in place after the recorder"):
        rec.graph()


class FlashGPT(nn.Module):
    """nanoGPT on torch 2.x: scaled_dot_product_attention(is_causal=True) and tied embeddings."""

    def __init__(self, vocab=11, n_embd=8, n_head=2):
        super().__init__()
        self.wte, self.lm_head = nn.Embedding(vocab, n_embd), nn.Linear(n_embd, vocab, bias=False)
        self.wte.weight = self.lm_head.weight
        self.c_attn, self.c_proj = nn.Linear(n_embd, 3 * n_embd), nn.Linear(n_embd, n_embd)
        self.n_head, self.n_embd = n_head, n_embd

    def forward(self, idx, targets):
        x = self.wte(idx)
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0, is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))
        logits = self.lm_head(x)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)


def test_nanogpt_flash_path_with_tied_embeddings(tmp_path):
    torch.manual_seed(8)
    m = FlashGPT().double()
    idx = torch.randint(0, 11, (2, 4))
    with record_torch() as rec:
        loss = m(idx, idx)
        loss.backward()
    g, _ = check(rec, list(m.parameters()), tmp_path / "flash.svg")
    labels = [n.label for n in g.gates()]
    assert "scaled_dot_product_attention" in labels and "split" in labels
    # the tied weight is one leaf read by the embedding and the head
    w = g.node(g.lookup[id(m.lm_head.weight)])
    assert len(g.consumers(w.id)) == 2

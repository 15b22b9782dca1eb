"""One way to make a node (``gg.record_node``; ``gg.apply`` runs forward, then it), and the
engine's write paths: no module outside the engine assigns a Value's private slots."""
import ast
import pathlib

import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.ops import MUL, SUM, Op
from graphgrad.optim import SGD, Adam
from graphgrad.value import cast_in_place, data_replaced, get_tag, set_tags

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Value's private slots (value.py __slots__), and the files that may assign them: the Value
# class and how a node is made (value.py), the backward pass (autograd.py, higher.py)
SLOTS = {"_data", "_grad", "_op", "_inputs", "_saved", "_attrs", "_group", "_meta", "_g", "_n",
         "_version", "_vers"}
ENGINE = {"graphgrad/value.py", "graphgrad/autograd.py", "graphgrad/higher.py", "graphgrad/ops/base.py"}


def slot_writes(tree):
    """(line, text) of every assignment to ``<expr>.<slot>`` or into it (``x._data[i] = ...``,
    ``x._data += ...``), ``setattr(x, "<slot>", ...)`` and numpy's ``out=x.<slot>``."""
    found = []
    for n in ast.walk(tree):
        targets = []
        if isinstance(n, (ast.Assign, ast.Delete)):
            targets = list(n.targets)
        elif isinstance(n, (ast.AugAssign, ast.AnnAssign)):
            targets = [n.target]
        elif isinstance(n, ast.Call):
            f = ast.unparse(n.func)
            if f in ("setattr", "object.__setattr__") and len(n.args) >= 2 and \
                    isinstance(n.args[1], ast.Constant) and n.args[1].value in SLOTS:
                found.append((n.lineno, ast.unparse(n)))
            for k in n.keywords:
                if k.arg == "out" and isinstance(k.value, ast.Attribute) and k.value.attr in SLOTS:
                    found.append((n.lineno, ast.unparse(n)))
        while targets:
            t = targets.pop()
            if isinstance(t, (ast.Tuple, ast.List)):
                targets.extend(t.elts)
                continue
            if isinstance(t, ast.Starred):
                targets.append(t.value)
                continue
            if isinstance(t, ast.Subscript):
                t = t.value
            if isinstance(t, ast.Attribute) and t.attr in SLOTS and \
                    not (isinstance(t.value, ast.Name) and t.value.id == "self"):
                found.append((n.lineno, ast.unparse(t)))
    return found


def outside_the_engine(found):
    """``"file:line: text"`` for each ``(line, text)`` that ``found(rel, tree)`` reports in the
    modules of graphgrad/ and viz/ outside the engine core."""
    bad = []
    for folder in ("graphgrad", "viz"):
        for f in sorted((ROOT / folder).rglob("*.py")):
            rel = f.relative_to(ROOT).as_posix()
            if rel not in ENGINE:
                bad += [f"{rel}:{line}: {text}" for line, text in found(rel, ast.parse(f.read_text()))]
    return bad


def test_no_module_outside_the_engine_writes_a_private_value_slot():
    bad = outside_the_engine(lambda rel, tree: slot_writes(tree))
    assert not bad, ("these write a Value's private slots outside the engine; use the engine's "
                     "write paths (v.data = ..., cast_in_place, data_replaced, set_tags):\n" + "\n".join(bad))


def test_the_guard_sees_each_kind_of_write():
    src = ("p._data = 1\nv._data[ix] = 2\nw._grad += g\nsetattr(v, '_op', None)\n"
           "np.multiply(a, b, out=v._data)\na, v._meta = 1, {}\nself._data = 3\n")
    assert sorted(line for line, _ in slot_writes(ast.parse(src))) == [1, 2, 3, 4, 5, 6]


# reads too: outside the engine a Value is read through its public face (``data_of(v)``,
# ``.op``, ``.inputs``, ``.attrs``, ``.grad``), so the slots can change without a hunt.
# The adapters of other libraries read *their* objects' slots: micrograd's ``Value._op``
# and torch's ``Tensor._version`` share a name with graphgrad's slots, nothing else.
FOREIGN = {("viz/sources/micrograd.py", "_op"), ("viz/sources/torch.py", "_version"),
           ("viz/sources/_torch_values.py", "_version")}


def slot_uses(tree):
    """(line, slot, text) of every ``<expr>.<slot>`` but ``self.<slot>``: reads and writes."""
    return [(n.lineno, n.attr, ast.unparse(n)) for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr in SLOTS
            and not (isinstance(n.value, ast.Name) and n.value.id == "self")]


def test_no_module_outside_the_engine_reads_a_private_value_slot():
    bad = outside_the_engine(lambda rel, tree: [(line, text) for line, slot, text in slot_uses(tree)
                                                if (rel, slot) not in FOREIGN])
    assert not bad, ("these read a Value's private slots outside the engine; use data_of(v) "
                     "(graphgrad.ops.base), v.op, v.inputs, v.attrs or v.grad:\n" + "\n".join(bad))


def test_the_read_guard_sees_reads_and_spares_self():
    src = "f(x._data)\ny = v._op.name\nfor p in v._inputs: pass\nself._data\nz = data_of(x)\n"
    assert [(line, slot) for line, slot, _ in sorted(slot_uses(ast.parse(src)))] == \
        [(1, "_data"), (2, "_op"), (3, "_inputs")]


# ---------------------------------------------------------------- record_node
class Twice(Op):
    name = symbol = "twice"
    formulas = ("d(2x)/dx = 2",)

    def backward(self, ctx, g):
        return (2 * g,)


def test_record_node_wraps_data_and_records_the_op():
    x = gg.Value(np.array([1.0, -2.0]), requires_grad=True)
    y = gg.record_node(Twice(), (x,), 2 * x.numpy(), saved="kept", attrs={"k": 1})
    assert y.op.name == "twice" and y.inputs == (x,) and y.attrs == {"k": 1}
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_record_node_lifts_numbers_and_arrays_to_constant_leaves():
    x = gg.Value(3.0, requires_grad=True)
    y = gg.record_node(MUL, [x, 2], 6.0)            # a list of inputs, a Python number
    a, b = y.inputs
    assert a is x and b.is_constant and b.item() == 2.0
    y.backward()
    assert float(x.grad) == 2.0
    z = gg.record_node(MUL, (np.array([1.0, 2.0]), x), np.array([3.0, 6.0]))
    assert z.inputs[0].is_constant and z.inputs[1] is x


def test_record_node_normalises_the_data_and_refuses_a_value():
    x = gg.Value(1.0, requires_grad=True)
    # a float64 result of any numpy kind becomes the float fast path, as an op's own would
    for d in (np.float64(2.0), np.array(2.0), 2):
        assert gg.record_node(Twice(), (x,), d).data.__class__ is np.float64
        assert gg.record_node(Twice(), (x,), d).numpy().shape == ()
    f32 = gg.record_node(Twice(), (gg.Value(np.ones(2, np.float32)),), np.ones(2, np.float32))
    assert f32.dtype == np.float32
    with pytest.raises(TypeError, match="record_node: the data of 'twice' is a Value; pass raw data"):
        gg.record_node(Twice(), (x,), x * 2)


def test_record_node_records_nothing_without_grad():
    x = gg.Value(1.0, requires_grad=True)
    with gg.no_grad():
        y = gg.record_node(Twice(), (x,), 2.0)
    assert y.op is None and not y.requires_grad and y.is_leaf
    c = gg.record_node(Twice(), (gg.Value(1.0),), 2.0)       # no input requires grad
    assert c.op is None and not c.requires_grad


def test_record_node_under_anomaly_mode_keeps_the_site_and_names_the_op():
    x = gg.Value(1.0, requires_grad=True)
    with gg.detect_anomaly():
        y = gg.record_node(Twice(), (x,), 2.0)
        assert "test_engine_record.py" in y.creation_site
        with pytest.raises(gg.AnomalyError, match=r"twice: forward produced NaN/Inf"):
            gg.record_node(Twice(), (x,), float("nan"))


def test_apply_is_forward_then_record_node():
    x = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    s = gg.apply(SUM, x, axis=None, keepdims=False)
    r = gg.record_node(SUM, (x,), SUM.forward(x.numpy(), axis=None, keepdims=False)[0],
                       attrs={"axis": None, "keepdims": False})
    assert (s.op, s.inputs, s.attrs, s.item()) == (r.op, r.inputs, r.attrs, r.item())
    assert gg.as_value(x) is x and gg.as_value(2.0).is_constant


# ---------------------------------------------------------------- the engine's write paths
def test_data_setter_keeps_a_float64_scalar_on_the_float_path_and_stamps_it():
    w = gg.Value(1.0, requires_grad=True)
    y = w * 3
    v0 = w.version
    w.data -= 0.5 * np.float64(2.0)                 # np.float64 on the fast path
    assert w.item() == 0.0 and w.version > v0 and w.data.__class__ is np.float64
    with pytest.raises(gg.BackwardError):
        y.backward()


@pytest.mark.parametrize("opt", [lambda ps: SGD(ps, lr=0.1, momentum=0.9), lambda ps: Adam(ps, lr=0.1)])
def test_optimiser_step_updates_scalar_and_array_parameters_through_data(opt):
    a = gg.Value(2.0, requires_grad=True)
    b = gg.Value(np.array([1.0, -1.0], np.float32), requires_grad=True)
    buf = b.numpy()
    o = opt([a, b])
    loss = a * a + (b * b).sum()
    loss.backward()
    va, vb = a.version, b.version
    o.step()
    assert a.version > va and b.version > vb
    assert a.data.__class__ is np.float64 and a.item() < 2.0      # still a float64 scalar
    assert b.dtype == np.float32 and b.numpy() is buf and abs(buf[0]) < 1.0   # in place, same dtype
    with pytest.raises(gg.BackwardError):
        loss.backward()                              # the graph saw the old data


def test_cast_in_place_changes_the_dtype_forgets_the_grad_and_stamps():
    w = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    (w * w).sum().backward()
    v0 = w.version
    cast_in_place(w, np.float32)
    assert w.dtype == np.float32 and w.grad is None and w.version > v0
    s = gg.Value(np.float32(2.0).reshape(()), requires_grad=True)
    cast_in_place(s, np.float64)
    assert s.data.__class__ is np.float64             # a float64 scalar is a float again
    with pytest.raises(TypeError, match="cast_in_place: a Value is cast in place to a floating dtype"):
        cast_in_place(w, np.int64)
    net = nn.Linear(3, 2).to(np.float32)
    assert net.weight.dtype == np.float32 and net.bias.dtype == np.float32


def test_data_replaced_puts_the_data_back_even_on_error_and_stamps_nothing():
    x = gg.Value(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    v0 = x.version
    with pytest.raises(ZeroDivisionError):
        with data_replaced(x, np.array([5.0, 5.0])):
            assert (x * 1).numpy().tolist() == [5.0, 5.0]
            1 / 0
    assert x.numpy().tolist() == [1.0, 2.0] and x.version == v0
    y.backward()                                     # the graph made before is still usable
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])


def test_gradcheck_leaves_its_inputs_unwritten():
    x = gg.Value(np.array([0.3, -0.7]), requires_grad=True)
    s = gg.Value(0.4, requires_grad=True)
    f32 = gg.Value(np.array([0.5, 1.5], np.float32), requires_grad=True)
    before = (x.numpy().copy(), s.item(), f32.numpy().copy(), x.version, s.version, f32.version)
    y = (x * s).sum()
    assert gg.gradcheck(lambda x, s: (x * s).sin().sum(), x, s)
    np.testing.assert_allclose(gg.numeric_grad(lambda v: (v * v).sum(), f32), [1.0, 3.0], rtol=1e-6)
    after = (x.numpy(), s.item(), f32.numpy(), x.version, s.version, f32.version)
    np.testing.assert_array_equal(after[0], before[0])
    assert after[1:2] == before[1:2] and after[3:] == before[3:] and f32.dtype == np.float32
    np.testing.assert_array_equal(after[2], before[2])
    y.backward()


def test_tags_mark_parameters_and_constants_take_none():
    w = gg.Value(1.0, requires_grad=True)
    assert get_tag(w, "parameter") is None and not isinstance(w, nn.Parameter)
    set_tags(w, parameter=True)
    assert get_tag(w, "parameter") is True and isinstance(w, nn.Parameter)
    p = nn.Parameter(np.zeros(2), name="W", default_name=True)
    assert get_tag(p, "default_name") is True
    w.register_hook(lambda g: g)                     # tags live beside the engine's own notes
    assert get_tag(w, "parameter") is True
    with pytest.raises(ValueError, match="set_tags: constants lifted from Python numbers"):
        set_tags(gg.as_value(3.0), parameter=True)


def test_update_in_place_skips_a_value_without_gradient_and_casts_the_gradient():
    from graphgrad.value import update_in_place
    seen = []
    w = gg.Value(np.array([1.0, 2.0], np.float32), requires_grad=True)
    v0 = w.version
    assert update_in_place(w, lambda *a: seen.append(a)) is False and not seen and w.version == v0
    w.grad = np.array([0.5, 0.5])
    assert update_in_place(w, lambda w_, g, st: seen.append((w_, g.dtype, st)), "st") is True
    (arr, gdt, st), = seen
    assert arr is w.numpy() and gdt == np.float32 and st == "st" and w.version > v0


def test_apply_under_anomaly_mode_names_the_op_without_a_numpy_warning():
    import warnings
    from graphgrad.ops import SQRT
    x = gg.Value(np.array([-1.0, 4.0]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")               # numpy's "invalid value in sqrt" would fail here
        with gg.detect_anomaly(), pytest.raises(gg.AnomalyError, match=r"sqrt: forward produced NaN/Inf"):
            gg.apply(SQRT, x)


# value.py's own node-making helpers: the package outside value.py uses the public names
# (record_node, apply, apply_binary, as_value), directly or through ops.base.V
PRIVATE_MAKERS = {"_make", "_finish", "_lift", "_binary", "_unary", "_reduce"}


def test_node_making_goes_through_public_names_only():
    bad = []
    for f in sorted((ROOT / "graphgrad").rglob("*.py")):
        rel = f.relative_to(ROOT).as_posix()
        if rel == "graphgrad/value.py":
            continue
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, ast.ImportFrom) and (n.module or "").endswith("value"):
                bad += [f"{rel}:{n.lineno}: imports {a.name}" for a in n.names if a.name in PRIVATE_MAKERS]
            if isinstance(n, ast.Attribute) and n.attr in PRIVATE_MAKERS and isinstance(n.value, ast.Name) \
                    and n.value.id in ("V", "value", "_value"):
                bad += [f"{rel}:{n.lineno}: {n.value.id}.{n.attr}"]
    assert not bad, "use graphgrad.record_node / apply / apply_binary / as_value:\n" + "\n".join(bad)

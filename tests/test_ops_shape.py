"""Creation and shape ops (graphgrad/creation.py, graphgrad/ops/shape.py):
gradchecks over several shapes and negative axes, PyTorch float64 forward and gradient,
creation against numpy, diagram labels, and hostile inputs."""
import numpy as np
import pytest

import graphgrad as gg
from gradhelp import assert_grads

R = np.random.default_rng(15)
TOL = dict(rtol=1e-10, atol=1e-12)


def V(shape, dtype=np.float64):
    a = R.standard_normal(shape).astype(dtype)
    return gg.Value(a if shape != () else a.item(), requires_grad=True, dtype=dtype)


def weighted(pieces):
    """One scalar from several pieces, each weighted differently (so a mixed-up piece shows)."""
    total = 0.0
    for i, p in enumerate(pieces):
        w = np.arange(1.0, 1.0 + p.size).reshape(p.shape) * (i + 1)
        total = total + (p * w).sum()
    return total


# ---------------------------------------------------------------- gradchecks
@pytest.mark.parametrize("shape,sections,axis", [
    ((6,), 3, 0), ((6,), [2, 5], 0), ((2, 6), 2, -1), ((4, 3), [1], 0), ((3, 4, 2), [1, 3], 1),
    ((6,), [4, 2], 0), ((6,), [-2], -1), ((5,), [], 0), ((5,), [0, 9], 0)])
def test_split_gradcheck(shape, sections, axis):
    assert_grads(lambda v: weighted(gg.split(v, sections, axis)), V(shape))


def test_split_unused_pieces_get_zero_gradient():
    x = gg.Value(np.arange(6.0), requires_grad=True)
    a, b, c = x.split([2, 4])
    (b * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 0, 3, 3, 0, 0])


@pytest.mark.parametrize("shape,chunks,axis", [((5,), 2, 0), ((6, 2), 3, 0), ((2, 7), 3, -1),
                                               ((3,), 5, 0), ((2, 3, 4), 4, 2)])
def test_chunk_gradcheck(shape, chunks, axis):
    assert_grads(lambda v: weighted(gg.chunk(v, chunks, axis)), V(shape))


@pytest.mark.parametrize("shape,repeats,axis", [
    ((), 3, None), ((3,), 2, None), ((3,), [1, 0, 2], 0), ((2, 3), 2, None), ((2, 3), 3, -1),
    ((2, 3), [2, 1], 0), ((2, 3, 2), [0, 3, 1], 1), ((2, 2), [2, 2], 1), ((2, 3), 0, 1), ((3,), [2], 0)])
def test_repeat_gradcheck(shape, repeats, axis):
    assert_grads(lambda v: v.repeat(repeats, axis), V(shape))


@pytest.mark.parametrize("shape,reps", [((), 3), ((3,), 2), ((2, 3), (2, 1)), ((2, 3), (2, 2, 3)),
                                        ((2, 3, 2), (2,)), ((2, 3), (0, 2)), ((2, 3), ())])
def test_tile_gradcheck(shape, reps):
    assert_grads(lambda v: gg.tile(v, reps), V(shape))


@pytest.mark.parametrize("shape,shift,axis", [((), 1, None), ((5,), 2, None), ((2, 3), 4, None),
                                              ((2, 3), -1, -1), ((2, 3, 4), (1, -2), (0, 2)),
                                              ((2, 3), (1, 2), 1), ((4, 3), 1, (0, 1))])
def test_roll_gradcheck(shape, shift, axis):
    assert_grads(lambda v: v.roll(shift, axis), V(shape))


@pytest.mark.parametrize("shape,axis", [((), None), ((4,), None), ((4,), 0), ((2, 3), -1),
                                        ((2, 3, 4), (0, 2)), ((2, 3, 4), None)])
def test_flip_gradcheck(shape, axis):
    assert_grads(lambda v: v.flip(axis), V(shape))


@pytest.mark.parametrize("shape,axis", [((1,), None), ((1, 3, 1), None), ((1, 3, 1), -1),
                                        ((1, 3, 1), (0, 2)), ((2, 3), None), ((), None)])
def test_squeeze_gradcheck(shape, axis):
    assert_grads(lambda v: v.squeeze(axis), V(shape))


@pytest.mark.parametrize("shape,axis", [((), 0), ((3,), -1), ((2, 3), 1), ((2, 3), -3)])
def test_unsqueeze_gradcheck(shape, axis):
    assert_grads(lambda v: v.unsqueeze(axis), V(shape))


@pytest.mark.parametrize("shape,axis", [((), 0), ((3,), (0, -1)), ((2, 3), (1, 3))])
def test_expand_dims_gradcheck(shape, axis):
    assert_grads(lambda v: gg.expand_dims(v, axis), V(shape))


@pytest.mark.parametrize("fn", ["tril", "triu"])
@pytest.mark.parametrize("shape,k", [((3, 3), 0), ((3, 4), 1), ((4, 3), -1), ((2, 3, 4), 2), ((3, 3), -5)])
def test_triangle_gradcheck(fn, shape, k):
    assert_grads(lambda v: getattr(v, fn)(k), V(shape))


@pytest.mark.parametrize("shape,k", [((3,), 0), ((3,), 2), ((2,), -1), ((3, 3), 0), ((3, 4), 1),
                                     ((4, 3), -2), ((2, 2), 5)])
def test_diag_gradcheck(shape, k):
    assert_grads(lambda v: gg.diag(v, k), V(shape))


@pytest.mark.parametrize("shape,offset,a1,a2", [((3, 3), 0, 0, 1), ((3, 4), -1, 1, 0),
                                                ((2, 3, 4), 1, -2, -1), ((3, 2, 4), 0, 0, 2)])
def test_diagonal_gradcheck(shape, offset, a1, a2):
    assert_grads(lambda v: v.diagonal(offset, a1, a2), V(shape))


@pytest.mark.parametrize("index", [None, Ellipsis, (), (None, None), (Ellipsis, None), (None, Ellipsis)])
def test_indexing_a_0d_value(index):
    x = gg.Value(1.5, requires_grad=True)
    y = x[index]
    assert y.shape == np.asarray(1.5)[index].shape
    assert_grads(lambda v: v[index] * 3.0, x)
    x32 = gg.Value(np.float32(1.5), requires_grad=True, dtype=np.float32)
    y = x32[index]
    (y * 2).sum().backward()
    assert y.dtype == np.float32 and x32.grad.dtype == np.float32 and float(x32.grad) == 2.0


def test_indexing_a_0d_value_then_back_to_a_scalar():
    x = gg.Value(2.0, requires_grad=True)
    y = x[None][0] * x[None, None][0, 0]
    y.backward()
    assert float(x.grad) == 4.0


@pytest.mark.parametrize("fn", [
    lambda v: v.flip(0), lambda v: v.roll(1, 0), lambda v: v.repeat(2, 0), lambda v: v.tile(2),
    lambda v: v.tril(), lambda v: v.diag(), lambda v: v.unsqueeze(0).squeeze(0),
    lambda v: v.split(2)[1], lambda v: v.diagonal()])
def test_float32_is_kept(fn):
    x = V((2, 2), np.float32)
    y = fn(x)
    assert y.dtype == np.float32
    (y * 1.5).sum().backward()
    assert x.grad.dtype == np.float32


def test_integer_values_are_moved_not_converted():
    x = gg.Value([[1, 2], [3, 4]], dtype=np.int64)
    assert x.flip(0).dtype == np.int64 and x.repeat(2).dtype == np.int64
    np.testing.assert_array_equal(x.tril().numpy(), [[1, 0], [3, 4]])


def test_backward_through_a_broadcast_upstream():
    # sum's backward hands down a read-only broadcast view: the ops must not write into it
    for f in (lambda v: v.flip(), lambda v: v.roll(1, 1), lambda v: v.tril(), lambda v: v.tile((2, 1)),
              lambda v: v.repeat([1, 2], 0), lambda v: v.diagonal(), lambda v: v.chunk(2, 1)[0]):
        x = V((2, 3))
        f(x).sum().backward()
        assert x.grad.shape == (2, 3)


# ---------------------------------------------------------------- PyTorch float64
def _torch_compare(torch, gg_fn, torch_fn, *arrays):
    """Forward and gradient (for a random upstream on each output) against PyTorch."""
    xs = [gg.Value(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = gg_fn(*xs), torch_fn(*ts)
    outs = out if isinstance(out, list) else [out]
    touts = list(tout) if isinstance(tout, (list, tuple)) else [tout]
    assert len(outs) == len(touts)
    loss, tloss = 0.0, 0.0
    for o, t in zip(outs, touts):
        assert o.shape == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), **TOL)
        w = R.standard_normal(o.shape)
        loss, tloss = loss + (o * w).sum(), tloss + (t * torch.tensor(w)).sum()
    loss.backward()
    tloss.backward()
    for x, t in zip(xs, ts):
        np.testing.assert_allclose(x.grad, t.grad.numpy(), **TOL)


CASES = {
    "split_sections": (lambda v: v.split(3, -1), lambda T, t: T.tensor_split(t, 3, -1), (2, 6)),
    "split_indices": (lambda v: v.split([1, 3], 0), lambda T, t: T.tensor_split(t, [1, 3], 0), (5, 2)),
    "split_vs_sizes": (lambda v: v.split([2, 5]), lambda T, t: T.split(t, [2, 3, 1]), (6,)),
    "chunk": (lambda v: v.chunk(3, 1), lambda T, t: T.chunk(t, 3, 1), (2, 7)),
    "chunk_empty": (lambda v: v.chunk(2, 0), lambda T, t: T.chunk(t, 2, 0), (0, 3)),
    "chunk_fewer": (lambda v: v.chunk(4), lambda T, t: T.chunk(t, 4), (6, 2)),
    "repeat_int": (lambda v: v.repeat(3, -1), lambda T, t: T.repeat_interleave(t, 3, -1), (2, 3)),
    "repeat_counts": (lambda v: v.repeat([2, 0, 1], 0),
                      lambda T, t: T.repeat_interleave(t, T.tensor([2, 0, 1]), 0), (3, 2)),
    "repeat_flat": (lambda v: v.repeat(2), lambda T, t: T.repeat_interleave(t, 2), (2, 3)),
    "tile": (lambda v: v.tile((2, 1, 3)), lambda T, t: T.tile(t, (2, 1, 3)), (3, 2)),
    "tile_short": (lambda v: v.tile(2), lambda T, t: T.tile(t, (2,)), (2, 3)),
    "roll": (lambda v: v.roll((1, -2), (0, -1)), lambda T, t: T.roll(t, (1, -2), (0, -1)), (3, 4)),
    "roll_flat": (lambda v: v.roll(5), lambda T, t: T.roll(t, 5), (3, 4)),
    "flip": (lambda v: v.flip((0, -1)), lambda T, t: T.flip(t, (0, -1)), (2, 3, 4)),
    "flip_all": (lambda v: v.flip(), lambda T, t: T.flip(t, (0, 1)), (2, 3)),
    "squeeze": (lambda v: v.squeeze(-1), lambda T, t: T.squeeze(t, -1), (3, 1)),
    "squeeze_all": (lambda v: v.squeeze(), lambda T, t: T.squeeze(t), (1, 3, 1)),
    "unsqueeze": (lambda v: v.unsqueeze(-2), lambda T, t: T.unsqueeze(t, -2), (2, 3)),
    "tril": (lambda v: v.tril(-1), lambda T, t: T.tril(t, -1), (2, 3, 4)),
    "triu": (lambda v: v.triu(1), lambda T, t: T.triu(t, 1), (4, 3)),
    "diag_vector": (lambda v: v.diag(-2), lambda T, t: T.diag(t, -2), (3,)),
    "diag_matrix": (lambda v: v.diag(1), lambda T, t: T.diag(t, 1), (3, 4)),
    "diagonal": (lambda v: v.diagonal(1, -1, 0), lambda T, t: T.diagonal(t, 1, -1, 0), (3, 2, 4)),
    "index_0d": (lambda v: v[None], lambda T, t: t[None], ()),
    "index_0d_ellipsis": (lambda v: v[..., None] * v[()], lambda T, t: t[..., None] * t[()], ()),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_against_torch(case):
    torch = pytest.importorskip("torch")
    gg_fn, t_fn, shape = CASES[case]
    _torch_compare(torch, gg_fn, lambda t: t_fn(torch, t), R.standard_normal(shape))


# ---------------------------------------------------------------- creation
def test_creation_matches_numpy():
    cases = [
        (gg.zeros(2, 3), np.zeros((2, 3))), (gg.zeros((2, 3)), np.zeros((2, 3))),
        (gg.zeros([4]), np.zeros(4)), (gg.zeros(()), np.zeros(())), (gg.zeros(0, 2), np.zeros((0, 2))),
        (gg.ones(3), np.ones(3)), (gg.ones(np.int64(2), 1), np.ones((2, 1))),
        (gg.full((2, 2), 7), np.full((2, 2), 7.0)), (gg.full(3, -0.5), np.full(3, -0.5)),
        (gg.eye(3), np.eye(3)), (gg.eye(2, 4, k=1), np.eye(2, 4, 1)), (gg.eye(3, k=-1), np.eye(3, k=-1)),
        (gg.arange(5), np.arange(5.0)), (gg.arange(1, 2, 0.25), np.arange(1, 2, 0.25)),
        (gg.arange(5, 0, -2), np.arange(5.0, 0, -2)), (gg.arange(3, 3), np.arange(3.0, 3)),
        (gg.linspace(-1, 1, 5), np.linspace(-1, 1, 5)),
        (gg.linspace(0, 1, 4, endpoint=False), np.linspace(0, 1, 4, endpoint=False)),
        (gg.linspace(0, 1, 0), np.linspace(0, 1, 0)), (gg.linspace(2, 3, 1), np.linspace(2, 3, 1)),
    ]
    for v, ref in cases:
        assert isinstance(v, gg.Value) and v.is_leaf and not v.requires_grad
        assert v.dtype == np.float64 and v.shape == ref.shape
        np.testing.assert_array_equal(v.numpy(), ref)


def test_like_ops():
    x32 = gg.Value(np.ones((2, 3), np.float32))
    assert gg.zeros_like(x32).dtype == np.float32 and gg.ones_like(x32).shape == (2, 3)
    np.testing.assert_array_equal(gg.full_like(x32, 2.5).numpy(), np.full((2, 3), 2.5, np.float32))
    # a raw integer array gives float64 (as Value(array) would); an integer Value keeps its dtype
    assert gg.zeros_like(np.arange(3)).dtype == np.float64
    assert gg.ones_like(gg.Value([1, 2], dtype=np.int32)).dtype == np.int32
    assert gg.zeros_like([[1.0, 2.0]]).shape == (1, 2) and gg.ones_like(2.0).shape == ()
    assert gg.full_like(np.zeros(2), 3, dtype=np.int16).dtype == np.int16
    assert gg.zeros_like(np.zeros(2, np.float32), dtype=np.float64).dtype == np.float64


def test_creation_dtype_requires_grad_and_name():
    w = gg.zeros(2, 2, requires_grad=True, name="w")
    assert w.requires_grad and w.name == "w" and w.is_leaf
    (w * 2.0).sum().backward()
    np.testing.assert_array_equal(w.grad, np.full((2, 2), 2.0))
    assert gg.ones(3, dtype=np.float32).dtype == np.float32
    i = gg.arange(4, dtype=np.int64)
    assert i.dtype == np.int64 and i.numpy().tolist() == [0, 1, 2, 3]
    assert gg.eye(2, dtype=bool).dtype == bool
    assert gg.linspace(0, 10, 3, dtype=np.int32).numpy().tolist() == [0, 5, 10]
    m = gg.full((2, 2), True, dtype=bool)
    assert m.dtype == bool and m.numpy().all()
    assert gg.full(3, gg.Value(1.5)).numpy().tolist() == [1.5] * 3
    s = gg.full((), 2.0, requires_grad=True)
    assert s.shape == () and s.requires_grad
    # a created Value owns its data: two calls never share an array
    a, b = gg.zeros(2), gg.zeros(2)
    assert a.numpy() is not b.numpy()


@pytest.mark.parametrize("call,err,words", [
    (lambda: gg.zeros(-1), ValueError, "non-negative"),
    (lambda: gg.zeros(2.5), TypeError, "integer"),
    (lambda: gg.ones((2, -3)), ValueError, "non-negative"),
    (lambda: gg.ones((2, 3.0)), TypeError, "integer"),
    (lambda: gg.zeros(True), TypeError, "integer"),
    (lambda: gg.zeros("3"), TypeError, "shape"),
    (lambda: gg.zeros(None), TypeError, "shape"),
    (lambda: gg.zeros(gg.Value([2.0])), TypeError, "shape"),
    (lambda: gg.full(2, gg.Value([1.0, 2.0])), TypeError, "fill_value"),
    (lambda: gg.zeros(2, dtype=np.int64, requires_grad=True), TypeError, "floating-point"),
    (lambda: gg.zeros(2, dtype="complex128"), TypeError, "not supported"),
    (lambda: gg.zeros(2, dtype="nonsense"), TypeError, "dtype"),
    (lambda: gg.full(2, "a"), TypeError, "fill_value"),
    (lambda: gg.full(2, np.nan, dtype=np.int32), ValueError, "integer"),
    (lambda: gg.full(2, 300, dtype=np.int8), ValueError, "fit"),
    (lambda: gg.full_like(gg.zeros(2), 1.0, dtype=np.int8, requires_grad=True), TypeError, "floating"),
    (lambda: gg.zeros_like("abc"), TypeError, "string"),
    (lambda: gg.eye(-2), ValueError, "non-negative"),
    (lambda: gg.eye(2, 2.0), TypeError, "integer"),
    (lambda: gg.eye(2, k=0.5), TypeError, "integer"),
    (lambda: gg.arange(0, 1, 0), ValueError, "step"),
    (lambda: gg.arange(0, np.inf), ValueError, "finite"),
    (lambda: gg.arange(np.nan), ValueError, "finite"),
    (lambda: gg.arange(0, 1, 0.5, dtype=np.int64), ValueError, "whole"),
    (lambda: gg.arange(0, 1, 1e-12), ValueError, "entries"),
    (lambda: gg.arange("5"), TypeError, "number"),
    (lambda: gg.arange(3, requires_grad=True, dtype=np.int32), TypeError, "floating"),
    (lambda: gg.linspace(0, 1, -1), ValueError, "non-negative"),
    (lambda: gg.linspace(0, 1, 2.0), TypeError, "integer"),
    (lambda: gg.linspace(0, np.nan, 3), ValueError, "finite"),
])
def test_creation_errors(call, err, words):
    with pytest.raises(err, match=words) as info:
        call()
    assert str(info.value).split(":")[0] in ("zeros", "ones", "full", "full_like", "zeros_like", "eye",
                                             "arange", "linspace")


def test_arange_descending_and_float32():
    a = gg.arange(3, -1, -1.5, dtype=np.float32)
    np.testing.assert_array_equal(a.numpy(), np.arange(3, -1, -1.5, dtype=np.float32))
    assert a.dtype == np.float32


# ---------------------------------------------------------------- labels and formulas
@pytest.mark.parametrize("fn,label", [
    (lambda v: v.flip(0), "flip(axis=0)"), (lambda v: v.flip(), "flip"), (lambda v: v.flip(-1), "flip(axis=1)"),
    (lambda v: v.roll(1, -1), "roll(1, axis=1)"), (lambda v: v.roll(2), "roll(2)"),
    (lambda v: v.roll((1, -2), (0, 1)), "roll((1, -2), (0, 1))"),
    (lambda v: v.repeat(2, 0), "repeat(2, axis=0)"), (lambda v: v.repeat([1, 2], 0), "repeat([1, 2], axis=0)"),
    (lambda v: v.flatten().tile(2).repeat([1, 2] * 4), "repeat(counts)"),
    (lambda v: v.tile((2, 1)), "tile(2, 1)"), (lambda v: v.tril(), "tril"), (lambda v: v.triu(1), "triu(k=1)"),
    (lambda v: v.diag(), "diag"), (lambda v: v.diag(-1), "diag(k=-1)"),
    (lambda v: v.diagonal(1, 1, 0), "diagonal(1, 1, 0)"), (lambda v: v.unsqueeze(-1), "unsqueeze(2)"),
    (lambda v: v.expand_dims(0), "expand_dims(axis=0)"), (lambda v: v[None].squeeze(0), "squeeze(axis=0)"),
    (lambda v: v.split(2)[1], "split(axis=0)[1]"), (lambda v: v.chunk(2, -1)[0], "chunk(axis=1)[0]"),
])
def test_labels(fn, label):
    y = fn(V((2, 2)))
    assert y.label == label
    formulas = y.local_formulas()
    assert len(formulas) == 1 and formulas[0]


def test_formulas_say_what_backward_does():
    x = V((4, 3))
    assert "rolled back by -2" in x.roll(2, 0).local_formulas()[0]
    assert "2:4 of axis 0" in x.split(2)[1].local_formulas()[0]
    assert "flipped back along axis 1" in x.flip(1).local_formulas()[0]


# ---------------------------------------------------------------- hostile inputs
X = gg.Value(np.zeros((2, 3)))
S = gg.Value(1.0)


@pytest.mark.parametrize("call,err,words", [
    (lambda: X.split(4), gg.ShapeError, "3 equal pieces|4 equal pieces"),
    (lambda: X.split(0), ValueError, "positive"),
    (lambda: X.split(2.0), TypeError, "int"),
    (lambda: X.split([1.5]), TypeError, "int"),
    (lambda: X.split(2, axis=2), gg.ShapeError, "out of range"),
    (lambda: S.split(1), gg.ShapeError, "0-d"),
    (lambda: X.chunk(0), ValueError, "positive"),
    (lambda: gg.Value(np.zeros(0)).split(10 ** 9), ValueError, "pieces"),
    (lambda: gg.Value(np.zeros(0)).chunk(10 ** 9), ValueError, "pieces"),
    (lambda: X.chunk(2, axis=-3), gg.ShapeError, "out of range"),
    (lambda: S.chunk(2), gg.ShapeError, "0-d"),
    (lambda: X.repeat(-1), ValueError, "non-negative"),
    (lambda: X.repeat([1, 2], 1), gg.ShapeError, "2 repeat counts for 3 entries"),
    (lambda: X.repeat([1, -1], 0), ValueError, "non-negative"),
    (lambda: X.repeat([1.0, 2.0], 0), TypeError, "ints"),
    (lambda: X.repeat(2, axis=2), gg.ShapeError, "out of range"),
    (lambda: S.repeat(2, axis=0), gg.ShapeError, "0-d"),
    (lambda: X.tile(-1), ValueError, "non-negative"),
    (lambda: X.tile(1.5), TypeError, "int"),
    (lambda: X.roll((1, 2), None), TypeError, "one integer"),
    (lambda: X.roll((1, 2, 3), (0, 1)), gg.ShapeError, "one shift per axis"),
    (lambda: X.roll(1, 2), gg.ShapeError, "out of range"),
    (lambda: X.roll(1.5, 0), TypeError, "int"),
    (lambda: X.flip(2), gg.ShapeError, "out of range"),
    (lambda: X.flip((0, -2)), gg.ShapeError, "twice"),
    (lambda: S.flip(0), gg.ShapeError, "0-d"),
    (lambda: X.squeeze(0), gg.ShapeError, "length 2, not 1"),
    (lambda: X.squeeze(5), gg.ShapeError, "out of range"),
    (lambda: X.unsqueeze(3), gg.ShapeError, "out of range"),
    (lambda: X.unsqueeze((0, 1)), TypeError, "one integer"),
    (lambda: X.expand_dims((0, 0)), gg.ShapeError, "twice"),
    (lambda: X.expand_dims(4), gg.ShapeError, "out of range"),
    (lambda: gg.Value([1.0, 2.0]).tril(), gg.ShapeError, "matrix"),
    (lambda: X.triu(0.5), TypeError, "integer"),
    (lambda: gg.Value(np.zeros((2, 2, 2))).diag(), gg.ShapeError, "diagonal"),
    (lambda: S.diag(), gg.ShapeError, "vector or a matrix"),
    (lambda: X.diagonal(0, 1, -1), gg.ShapeError, "same axis"),
    (lambda: X.diagonal(0, 0, 2), gg.ShapeError, "out of range"),
    (lambda: gg.Value([1.0]).diagonal(), gg.ShapeError, "2 dimensions"),
])
def test_shape_errors(call, err, words):
    with pytest.raises(err, match=words):
        call()


def test_empty_inputs():
    e = gg.Value(np.zeros((0, 3)), requires_grad=True)
    for f in (lambda v: v.flip(0), lambda v: v.roll(2, 0), lambda v: v.repeat(2, 0), lambda v: v.tile(2),
              lambda v: v.tril(), lambda v: v.diagonal(), lambda v: v.split(1)[0], lambda v: v.chunk(2)[0],
              lambda v: v.unsqueeze(0), lambda v: v.split(3, axis=1)[2]):
        e.zero_grad()
        y = f(e)
        (y * 2.0).sum().backward()
        assert e.grad.shape == (0, 3)
    assert [p.shape for p in e.chunk(3)] == [(0, 3)] * 3     # as torch.chunk


def test_nan_and_inf_are_moved_unchanged():
    x = gg.Value([np.nan, np.inf, -1.0], requires_grad=True)
    y = x.flip().roll(1)
    np.testing.assert_array_equal(y.numpy(), [np.nan, -1.0, np.inf])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0, 1.0])


def test_functions_take_plain_arrays():
    assert gg.flip([1.0, 2.0]).numpy().tolist() == [2.0, 1.0]
    assert [p.shape for p in gg.split(np.zeros((4, 2)), 2)] == [(2, 2), (2, 2)]


@pytest.mark.parametrize("mod", ["graphgrad.creation", "graphgrad.ops.shape"])
def test_docstring_examples(mod):
    import doctest
    import importlib
    m = importlib.import_module(mod)
    res = doctest.testmod(m, extraglobs=dict(np=np, gg=gg, Value=gg.Value),
                          optionflags=doctest.NORMALIZE_WHITESPACE, report=False)
    assert res.attempted >= 8 and res.failed == 0, f"{res.failed} of {res.attempted} examples failed in {mod}"


# ---------------------------------------------------------------- second derivatives vs torch
def cubes(pieces):
    """A nonlinear scalar of several pieces (shape ops are linear: alone their Hessian is 0)."""
    return sum((p ** 3).sum() * (i + 1) for i, p in enumerate(pieces))


DOUBLE = {
    "split": (lambda a: cubes(a.split([1, 3], -1)), lambda T, a: cubes(T.tensor_split(a, [1, 3], -1)), (2, 5)),
    "split_unused": (lambda a: cubes(a.split(3)[::2]), lambda T, a: cubes(T.tensor_split(a, 3)[::2]), (6,)),
    "chunk": (lambda a: cubes(a.chunk(3, 0)), lambda T, a: cubes(T.chunk(a, 3, 0)), (5, 2)),
    "repeat_int": (lambda a: a.repeat(2, 1) ** 3, lambda T, a: T.repeat_interleave(a, 2, 1) ** 3, (2, 3)),
    "repeat_flat": (lambda a: a.repeat(3) ** 3, lambda T, a: T.repeat_interleave(a, 3) ** 3, (2, 2)),
    "repeat_counts": (lambda a: a.repeat([2, 0, 3], -1) ** 3,
                      lambda T, a: T.repeat_interleave(a, T.tensor([2, 0, 3]), -1) ** 3, (2, 3)),
    "tile": (lambda a: a.tile((2, 1, 2)) ** 3, lambda T, a: T.tile(a, (2, 1, 2)) ** 3, (2, 3)),
    "roll": (lambda a: a.roll((1, -1), (0, 1)) ** 3 * a, lambda T, a: T.roll(a, (1, -1), (0, 1)) ** 3 * a, (3, 4)),
    "roll_flat": (lambda a: a.roll(2) ** 3 * a, lambda T, a: T.roll(a, 2) ** 3 * a, (3, 4)),
    "flip": (lambda a: a.flip(-1) ** 2 * a, lambda T, a: T.flip(a, (-1,)) ** 2 * a, (3, 4)),
    "squeeze": (lambda a: a.squeeze(0) ** 3, lambda T, a: T.squeeze(a, 0) ** 3, (1, 4)),
    "unsqueeze": (lambda a: a.unsqueeze(1) ** 3, lambda T, a: T.unsqueeze(a, 1) ** 3, (3, 4)),
    "expand_dims": (lambda a: gg.expand_dims(a, (0, 2)) ** 3, lambda T, a: a[None, :, None] ** 3, (4,)),
    "tril": (lambda a: a.tril(-1) ** 3 + a.tril(), lambda T, a: T.tril(a, -1) ** 3 + T.tril(a), (4, 4)),
    "triu": (lambda a: a.triu(1) ** 3, lambda T, a: T.triu(a, 1) ** 3, (2, 3, 4)),
    "diag_vector": (lambda a: a.diag(1) ** 3, lambda T, a: T.diag(a, 1) ** 3, (3,)),
    "diag_matrix": (lambda a: a.diag(-1) ** 3, lambda T, a: T.diag(a, -1) ** 3, (4, 3)),
    "diagonal": (lambda a: a.diagonal(0, -1, 0) ** 3, lambda T, a: T.diagonal(a, 0, -1, 0) ** 3, (3, 2, 4)),
    "index_0d": (lambda a: a[None] ** 3 * a[()], lambda T, a: a[None] ** 3 * a[()], ()),
}


@pytest.mark.parametrize("case", sorted(DOUBLE))
def test_second_derivative_against_torch(case):
    torch = pytest.importorskip("torch")
    from gradhelp import assert_double_backward
    gg_fn, t_fn, shape = DOUBLE[case]
    assert_double_backward(gg_fn, lambda a: t_fn(torch, a), np.asarray(R.standard_normal(shape)))


def test_numpy_functions_run_the_shape_ops():
    x = gg.Value(np.arange(6.0).reshape(2, 3), requires_grad=True)
    cases = [(np.flip(x, 1), "flip(axis=1)"), (np.roll(x, 1), "roll(1)"), (np.tile(x, 2), "tile(2)"),
             (np.repeat(x, 2, axis=0), "repeat(2, axis=0)"), (np.tril(x), "tril"), (np.triu(x, 1), "triu(k=1)"),
             (np.diagonal(x), "diagonal(0, 0, 1)"), (np.diag(x), "diag"), (np.squeeze(x[None]), "squeeze(axis=0)"),
             (np.expand_dims(x, -1), "expand_dims(axis=2)"), (np.fliplr(x), "flip(axis=1)"),
             (np.flipud(x), "flip(axis=0)"), (np.split(x, 3, axis=1)[2], "split(axis=1)[2]")]
    for y, label in cases:
        assert isinstance(y, gg.Value) and y.label == label
        ref = {"flip(axis=1)": np.flip, "roll(1)": np.roll}.get(label)
        if ref is not None:
            np.testing.assert_array_equal(y.numpy(), ref(x.numpy(), 1))


@pytest.mark.parametrize("fn", [lambda v: v.flip() ** 3, lambda v: v.roll(1) ** 3, lambda v: v.tile(3) ** 3,
                                lambda v: v.repeat([3]) ** 3, lambda v: v.squeeze() ** 3,
                                lambda v: gg.expand_dims(v, (0, 1)) ** 3, lambda v: v.unsqueeze(0)[0] ** 3])
def test_second_derivative_of_a_0d_input_keeps_float32(fn):
    assert gg.gradgradcheck(fn, gg.Value(0.7, requires_grad=True))
    x = gg.Value(np.float32(0.7), dtype=np.float32, requires_grad=True)
    (g,) = gg.grad(fn(x).sum(), [x], create_graph=True)
    (h,) = gg.grad(g, [x])
    assert g.dtype == np.float32 and np.asarray(h).dtype == np.float32
    n = fn(gg.Value(1.0)).size                       # d²/dx² of n·x³ is 6·n·x
    np.testing.assert_allclose(float(h), 6 * n * 0.7, rtol=1e-6)

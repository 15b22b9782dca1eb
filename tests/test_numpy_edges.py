"""Edges a sweep of numpy's functions on hostile inputs (empty axes, every pad form)
found, against numpy's values and PyTorch float64 gradients."""
import numpy as np
import pytest
import torch

import graphgrad as gg

rng = np.random.default_rng(7)


@pytest.mark.parametrize("sa,sb,axes", [((2, 0), (3, 0), ([1], [1])), ((0, 3), (3, 2), 1), ((2, 3), (3, 0), 1),
                                        ((2, 3, 4), (3, 4, 5), 2)])
def test_tensordot_and_inner_over_an_empty_axis_are_numpys(sa, sb, axes):
    # summing over a 0-length axis gives zeros; reshape(-1, 0) used to fail as "reshape: cannot reshape"
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    x, y = gg.Value(a, requires_grad=True), gg.Value(b, requires_grad=True)
    out = gg.tensordot(x, y, axes)
    np.testing.assert_allclose(out.numpy(), np.tensordot(a, b, axes), rtol=1e-13, atol=1e-13)
    u = rng.standard_normal(out.shape)
    (out * u).sum().backward()
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    tax = axes if isinstance(axes, int) else (axes[0], axes[1])
    (torch.tensordot(ta, tb, dims=tax) * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(x.grad, ta.grad.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(y.grad, tb.grad.numpy(), rtol=1e-12, atol=1e-13)
    if sa[-1] == sb[-1]:
        np.testing.assert_array_equal(np.inner(x, y).numpy(), np.inner(a, b))


@pytest.mark.parametrize("pw,kw", [(1, {}), ((1, 2), {"constant_values": 9.0}), (((0, 1), (2, 0)), {}), (0, {}),
                                   (((1, 1), (0, 3)), {"constant_values": -0.5})])
def test_np_pad_of_a_value_is_numpys_constant_pad(pw, kw):
    a = rng.standard_normal((2, 3))
    x = gg.Value(a, requires_grad=True)
    out = np.pad(x, pw, **kw)
    np.testing.assert_array_equal(out.numpy(), np.pad(a, pw, **kw))
    u = rng.standard_normal(out.shape)
    (out * u).sum().backward()
    (before_r, after_r), (before_c, after_c) = np.broadcast_to(np.asarray(pw), (2, 2))
    np.testing.assert_array_equal(x.grad, u[before_r:before_r + 2, before_c:before_c + 3])


def test_np_pad_modes_it_does_not_have_are_one_sentence():
    x = gg.Value(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(TypeError, match="only mode='constant'"):
        np.pad(x, 1, mode="reflect")
    with pytest.raises(TypeError, match="constant_values must be one number"):
        np.pad(x, 1, constant_values=(1.0, 2.0))


P_ORDS = [0.5, 1.5, 3.0, -1.0, -2.5]


@pytest.mark.parametrize("p", P_ORDS)
@pytest.mark.parametrize("data", [[0.0, 1.0, -4.0], [0.0, 0.0, 0.0], [[0.0, 2.0], [-3.0, 0.0]]],
                         ids=["a zero entry", "all zero", "matrix rows"])
def test_p_norm_at_zero_entries_is_torchs_not_nan(p, data):
    # d/dx (Σ|x|^p)^(1/p) is 0·inf at a zero entry (p < 1) or a zero norm (p > 1): PyTorch gives 0
    a = np.array(data)
    axis = -1 if a.ndim == 2 else None
    x = gg.Value(a, requires_grad=True)
    out = gg.linalg.norm(x, p, axis=axis)
    t = torch.tensor(a, requires_grad=True)
    tout = torch.linalg.vector_norm(t, p, dim=axis)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-13)
    u = np.linspace(0.5, 1.5, out.numpy().size).reshape(out.shape)
    (out * u).sum().backward()
    (tout * torch.tensor(u)).sum().backward()
    assert np.isfinite(x.grad).all()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("p", P_ORDS)
def test_p_norm_second_derivative_is_torchs(p):
    from gradhelp import assert_double_backward
    a = rng.uniform(0.5, 2.0, (3, 4)) * np.sign(rng.standard_normal((3, 4)))
    assert_double_backward(lambda x: gg.linalg.norm(x, p, axis=1),
                           lambda t: torch.linalg.vector_norm(t, p, dim=1), a)


@pytest.mark.parametrize("name", ["max", "min"])
def test_a_nan_max_sends_its_gradient_to_the_nan_as_torch(name):
    # numpy's max propagates a NaN; its gradient was 0 everywhere (x == nan is never true), as if
    # the NaN had not come from anywhere. torch.max(dim) and torch.max() route it to the NaN.
    a = np.array([[1.0, np.nan, 3.0], [4.0, 0.5, -2.0], [np.nan, 0.0, 1.0]])
    x = gg.Value(a, requires_grad=True)
    getattr(x, name)(axis=1).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    getattr(t, name)(dim=1).values.sum().backward()
    np.testing.assert_array_equal(x.grad, t.grad.numpy())
    full = gg.Value(a, requires_grad=True)
    getattr(full, name)().backward()
    tf = torch.tensor(a, requires_grad=True)
    getattr(tf, name)().backward()                # two NaNs: split evenly, as torch's full max
    np.testing.assert_array_equal(full.grad, tf.grad.numpy())

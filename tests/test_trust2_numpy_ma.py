"""numpy.ma with a Value that requires grad: refused with one sentence, never a silent
constant (numpy.ma's operators read a Value's raw data through its ``_data`` attribute,
without __array__ or __array_ufunc__, and would drop the gradient)."""
import numpy as np
import pytest

import graphgrad as gg

M = np.ma.array([1.0, 2.0, 3.0], mask=[False, True, False])

REFUSED = {
    "m + v": lambda v: M + v,
    "m - v": lambda v: M - v,
    "m * v": lambda v: M * v,
    "m / v": lambda v: M / v,
    "m ** v": lambda v: M ** v,
    "np.ma.add": lambda v: np.ma.add(M, v),
    "np.ma.maximum": lambda v: np.ma.maximum(M, v),
    "np.ma.exp": lambda v: np.ma.exp(v),
    "np.ma.where": lambda v: np.ma.where([True, False, True], M, v),
    "np.ma.concatenate": lambda v: np.ma.concatenate([M, v]),
    "m.dot(v)": lambda v: M.dot(v),
    "m += v": lambda v: M.copy().__iadd__(v),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_masked_array_with_grad_value_is_refused(name):
    v = gg.Value(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    with pytest.raises(TypeError, match=r"numpy\.ma: a masked array combined with a Value that requires "
                                        r"grad would drop its gradient; use np\.ma\.filled"):
        REFUSED[name](v)


def test_value_on_the_left_and_np_ufunc_are_refused_too():
    v = gg.Value(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    for f in (lambda: v + M, lambda: np.add(M, v), lambda: np.ma.array(v)):
        with pytest.raises(TypeError, match="mask|gradient"):
            f()


def test_constant_value_still_works_with_numpy_ma():
    """A Value without a gradient is a constant: numpy.ma computes with its numbers."""
    c = gg.Value(np.array([1.0, 2.0, 4.0]))
    r = M + c
    assert isinstance(r, np.ma.MaskedArray)
    np.testing.assert_array_equal(r.filled(-1.0), [2.0, -1.0, 7.0])
    assert not hasattr(c, "_mask")


def test_the_suggested_fix_keeps_the_gradient():
    v = gg.Value(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    (gg.where(~np.ma.getmaskarray(M), v + np.ma.filled(M, 0.0), 0.0)).sum().backward()
    np.testing.assert_array_equal(v.grad, [1.0, 0.0, 1.0])

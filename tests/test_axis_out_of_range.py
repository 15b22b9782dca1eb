"""An axis outside the array is refused in one sentence by every function that takes one,
as numpy refuses it; never taken modulo the number of dimensions (``np.diff(v, axis=5)`` of
a 2-D Value was silently the diff along axis 1, so were ``np.swapaxes`` and ``np.rot90``)."""
import numpy as np
import pytest

import graphgrad as gg

A = np.arange(1, 7.0).reshape(2, 3)

CALLS = {
    "sum": lambda x, ax: np.sum(x, axis=ax),
    "mean": lambda x, ax: np.mean(x, axis=ax),
    "max": lambda x, ax: np.max(x, axis=ax),
    "prod": lambda x, ax: np.prod(x, axis=ax),
    "std": lambda x, ax: np.std(x, axis=ax),
    "cumsum": lambda x, ax: np.cumsum(x, axis=ax),
    "sort": lambda x, ax: np.sort(x, axis=ax),
    "argmax": lambda x, ax: np.argmax(x, axis=ax),
    "concatenate": lambda x, ax: np.concatenate([x, x], axis=ax),
    "split": lambda x, ax: np.split(x, 1, axis=ax),
    "flip": lambda x, ax: np.flip(x, axis=ax),
    "roll": lambda x, ax: np.roll(x, 1, axis=ax),
    "squeeze": lambda x, ax: np.squeeze(x, axis=ax),
    "repeat": lambda x, ax: np.repeat(x, 2, axis=ax),
    "diff": lambda x, ax: np.diff(x, axis=ax),
    "gradient": lambda x, ax: np.gradient(x, axis=ax),
    "norm": lambda x, ax: np.linalg.norm(x, axis=ax),
    "cross": lambda x, ax: np.cross(x, x, axis=ax),
    "swapaxes": lambda x, ax: np.swapaxes(x, 0, ax),
    "moveaxis": lambda x, ax: np.moveaxis(x, 0, ax),
    "rot90": lambda x, ax: np.rot90(x, axes=(0, ax)),
}


@pytest.mark.parametrize("axis", [2, 5, -3])
@pytest.mark.parametrize("name", sorted(CALLS))
def test_an_axis_outside_the_array_is_refused_as_numpy_refuses_it(name, axis):
    call = CALLS[name]
    with pytest.raises(Exception):          # numpy's own refusal: the premise of the test
        call(A, axis)
    with pytest.raises((gg.ShapeError, np.exceptions.AxisError, ValueError, IndexError, TypeError)) as err:
        call(gg.Value(A, requires_grad=True), axis)
    text = str(err.value)
    assert str(axis) in text and "\n" not in text.strip(), text      # one sentence that names the axis


@pytest.mark.parametrize("name", ["diff", "swapaxes", "rot90"])
def test_the_same_functions_still_take_every_axis_inside_the_array(name):
    for axis in ((-1, 1) if name == "rot90" else (-2, -1, 1)):      # rot90's axes (0, -2) would be one axis
        x = gg.Value(A, requires_grad=True)
        out = CALLS[name](x, axis)
        np.testing.assert_array_equal(out.numpy(), CALLS[name](A, axis))
        out.sum().backward()
        assert x.grad.shape == A.shape

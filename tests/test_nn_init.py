"""Weight initialisation: scales from the lecture, seeded reproducibility, clear errors."""
import numpy as np
import pytest

from graphgrad import nn
from graphgrad.nn import init


def test_small_gaussian_scale():
    w = init.small_gaussian((200, 300), rng=0)
    assert abs(w.std() - 0.01) < 0.0005 and abs(w.mean()) < 0.0005


@pytest.mark.parametrize("fn,std", [(init.xavier_normal, np.sqrt(2 / (400 + 200))),
                                    (init.kaiming_normal, np.sqrt(2 / 400))])
def test_normal_schemes_std(fn, std):
    w = fn((400, 200), rng=1)
    assert abs(w.std() / std - 1) < 0.02


@pytest.mark.parametrize("fn,bound", [(init.xavier_uniform, np.sqrt(6 / (400 + 200))),
                                      (init.kaiming_uniform, np.sqrt(2) * np.sqrt(3 / 400))])
def test_uniform_schemes_bounds(fn, bound):
    w = fn((400, 200), rng=2)
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.99 * bound


def test_conv_fans_and_gains():
    assert init.fans((32, 3, 3, 3)) == (27, 288)
    assert init.fans((784, 100)) == (784, 100)
    assert init.calculate_gain("relu") == np.sqrt(2)
    w = init.kaiming_normal((64, 16, 3, 3), rng=0)
    assert abs(w.std() / np.sqrt(2 / 144) - 1) < 0.03


def test_zeros_constant_dtype():
    assert not init.zeros((2, 3)).any()
    np.testing.assert_array_equal(init.constant(3, 0.5), [0.5, 0.5, 0.5])
    assert init.kaiming_normal((4, 4), rng=0, dtype=np.float32).dtype == np.float32


def test_seeded_reproducibility_and_generators():
    np.testing.assert_array_equal(init.xavier_normal((5, 5), rng=11), init.xavier_normal((5, 5), rng=11))
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    np.testing.assert_array_equal(init.normal(4, rng=g1), init.normal(4, rng=g2))
    init.manual_seed(9)
    a = init.small_gaussian(3)
    init.manual_seed(9)
    np.testing.assert_array_equal(a, init.small_gaussian(3))


def test_in_place_fills_and_by_name():
    fc = nn.Linear(10, 5, rng=0)
    init.zeros_(fc.bias)
    init.xavier_uniform_(fc.weight, rng=0)
    np.testing.assert_array_equal(fc.weight.numpy(), init.xavier_uniform((10, 5), rng=0))
    assert init.by_name("he", (3, 2), rng=0).shape == (3, 2)
    small = nn.Linear(100, 100, init="small", rng=0)
    assert abs(small.weight.numpy().std() - 0.01) < 0.001


def test_errors():
    with pytest.raises(ValueError, match="init: fan-in"):
        init.xavier_normal((5,))
    with pytest.raises(ValueError, match="init: unknown scheme"):
        init.by_name("magic", (2, 2))
    with pytest.raises(ValueError, match="init: unknown nonlinearity"):
        init.kaiming_normal((2, 2), nonlinearity="swish")
    with pytest.raises(TypeError, match="init: rng"):
        init.normal(3, rng="seed")
    with pytest.raises(ValueError, match="init: mode"):
        init.kaiming_normal((2, 2), mode="fan_avg")

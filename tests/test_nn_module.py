"""Module, Parameter, Sequential: registration, modes, groups, state_dict and .npz round trips."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8, rng=0)
        self.bn = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 3, rng=1)

    def forward(self, x):
        return self.fc2(self.bn(self.fc1(x)).relu())


def test_parameter_is_a_value_that_modules_register():
    w = nn.Parameter(np.zeros((2, 2)))
    assert isinstance(w, gg.Value) and isinstance(w, nn.Parameter) and w.requires_grad
    assert not isinstance(gg.Value(1.0, requires_grad=True), nn.Parameter)
    net = TwoLayer()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "fc2.weight", "fc2.bias"]
    assert net.num_parameters() == 4 * 8 + 8 + 8 + 8 + 8 * 3 + 3


def test_plain_values_and_arrays_are_not_parameters():
    m = nn.Module()
    m.const = gg.Value(np.ones(3))
    m.arr = np.ones(3)
    assert list(m.parameters()) == []


def test_shared_parameter_listed_once():
    fc = nn.Linear(3, 3, rng=0)
    net = nn.Sequential(fc, nn.ReLU(), fc)
    assert len(list(net.parameters())) == 2


def test_train_eval_propagates_to_children():
    net = TwoLayer().eval()
    assert not net.training and not net.bn.training and not net.fc1.training
    net.train()
    assert all(m.training for m in net.modules())


def test_module_call_records_group_named_after_class():
    net = nn.Sequential(nn.Linear(4, 3, rng=0), nn.ReLU())
    x = gg.Value(np.ones((2, 4)))
    out = net(x)
    assert out.group == ("Sequential", "ReLU")
    matmul = out.inputs[0].inputs[0]
    assert matmul.label == "@" and matmul.group == ("Sequential", "Linear")


def test_zero_grad_and_backward_fill_every_parameter():
    net = TwoLayer()
    x = gg.Value(np.random.default_rng(0).standard_normal((5, 4)))
    F.cross_entropy(net(x), [0, 1, 2, 0, 1]).backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_round_trip_through_npz(tmp_path):
    net = TwoLayer()
    x = gg.Value(np.random.default_rng(0).standard_normal((6, 4)))
    net(x)                                   # updates the BatchNorm running stats
    path = tmp_path / "net.npz"
    net.save(path)
    other = TwoLayer()
    other.fc1.weight.data = np.zeros((4, 8))
    other.load(path)
    for (k, a), (k2, b) in zip(net.state_dict().items(), other.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(a, b)
    assert "bn.running_mean" in net.state_dict()
    net.eval(), other.eval()
    np.testing.assert_array_equal(net(x).numpy(), other(x).numpy())
    with np.load(path, allow_pickle=False) as f:
        assert set(f.files) == set(net.state_dict())


def test_load_state_dict_errors_name_keys_and_shapes():
    net = TwoLayer()
    sd = net.state_dict()
    bad = dict(sd)
    bad["fc1.weight"] = np.zeros((5, 5))
    with pytest.raises(ValueError, match=r"fc1.weight.*\(5, 5\).*\(4, 8\)"):
        net.load_state_dict(bad)
    missing = dict(sd)
    del missing["fc2.bias"]
    with pytest.raises(KeyError, match="fc2.bias"):
        net.load_state_dict(missing)
    extra = dict(sd, surprise=np.zeros(1))
    with pytest.raises(KeyError, match="surprise"):
        net.load_state_dict(extra)


def test_sequential_indexing_and_repr():
    net = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=0))
    assert len(net) == 3 and isinstance(net[1], nn.ReLU) and len(net[:2]) == 2
    assert "Linear(2, 3, bias=True)" in repr(net)


def test_module_without_super_init_gives_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.ones(2))

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_forward_not_defined_is_named():
    with pytest.raises(NotImplementedError, match="Module"):
        nn.Module()(1.0)


def test_seeded_layers_are_reproducible():
    a, b = nn.Linear(5, 4, rng=7), nn.Linear(5, 4, rng=7)
    np.testing.assert_array_equal(a.weight.numpy(), b.weight.numpy())
    nn.init.manual_seed(3)
    c = nn.Linear(5, 4)
    nn.init.manual_seed(3)
    d = nn.Linear(5, 4)
    np.testing.assert_array_equal(c.weight.numpy(), d.weight.numpy())
    assert not np.array_equal(a.weight.numpy(), c.weight.numpy())


def test_expanded_context_reaches_layers_inside_modules():
    bn = nn.BatchNorm1d(3)
    x = gg.Value(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    with nn.expanded():
        out = bn(x)
    assert out.group == ("BatchNorm1d", "batchnorm") and out.name == "out"
    fused = bn(x)
    assert fused.group == ("BatchNorm1d",) and fused.op.name == "batch_norm"


def test_apply_and_dtype_casts():
    net = TwoLayer()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen[0] == "TwoLayer" and seen.count("Linear") == 2
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert net.bn.running_mean.dtype == np.float32
    out = net(gg.Value(np.ones((4, 4), np.float32)))
    assert out.dtype == np.float32
    net.double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    with pytest.raises(TypeError, match="to: expected a floating dtype"):
        net.to(np.int32)


def test_first_call_gives_layers_parameters_distinct_names():
    import graphgrad as gg
    import graphgrad.nn as nn
    net = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
    assert [p.name for p in net.parameters()] == ["W", "b", "W", "b"]      # before a call: generic
    net(gg.Value(np.ones((4, 3))))
    assert [(path, p.name) for path, p in net.named_parameters()] == [
        ("0.weight", "0.weight"), ("0.bias", "0.bias"), ("2.weight", "2.weight"), ("2.bias", "2.bias")]

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc2 = nn.Linear(3, 4), nn.Linear(4, 1)
            self.fc2.weight.name = "V"                                       # the user's name stays
            self.scale = nn.Parameter(np.ones(1))                            # no name at all

        def forward(self, x):
            return self.fc2(self.fc1(x).relu()) * self.scale

    m = Two()
    m(gg.Value(np.ones((2, 3))))
    assert {path: p.name for path, p in m.named_parameters()} == {
        "fc1.weight": "W", "fc1.bias": "fc1.bias", "fc2.weight": "V", "fc2.bias": "fc2.bias",   # W is unique now
        "scale": "scale"}
    lone = nn.Linear(2, 2)                                                   # nothing to tell apart
    lone(gg.Value(np.ones((1, 2))))
    assert [p.name for p in lone.parameters()] == ["W", "b"]


@pytest.mark.parametrize("value, match", [
    (np.zeros((4, 8), dtype=object), r"'fc1.weight' has dtype object"),
    (np.zeros((4, 8), dtype=np.complex128), r"'fc1.weight' has dtype complex128"),
    (np.full((4, 8), "1.0"), r"'fc1.weight' has dtype <U3"),
])
def test_load_state_dict_refuses_non_real_arrays_and_changes_nothing(value, match):
    net = TwoLayer()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    bad = {k: v + 1.0 for k, v in before.items()}   # every entry would change ...
    bad["fc1.weight"] = value                        # ... but this one is refused
    with pytest.raises(TypeError, match=rf"^load_state_dict: parameter {match} in the state; only real numeric"):
        net.load_state_dict(bad)
    for k, v in net.state_dict().items():            # nothing was half-applied
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_load_state_dict_checks_everything_before_applying():
    net = TwoLayer()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    bad = {k: v + 1.0 for k, v in before.items()}
    last = list(bad)[-1]
    bad[last] = np.zeros((7,) * (before[last].ndim + 1))   # a shape error in the last entry
    with pytest.raises(ValueError, match=rf"{last}.*\(7,"):
        net.load_state_dict(bad)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)
    with pytest.raises(TypeError, match="state must be a mapping of names to arrays"):
        net.load_state_dict([("fc1.weight", before["fc1.weight"])])
    ok = {k: v + 1.0 for k, v in before.items()}
    net.load_state_dict(ok)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, ok[k], err_msg=k)

"""Datasets: digits, synthetic 2-D sets, a CIFAR-10 directory loader, seeded minibatches."""
import os
import pickle
import re

import numpy as np
import pytest

from graphgrad import ShapeError
from graphgrad.data import (BatchLoader, DatasetError, load_cifar10, load_digits, make_blobs, make_moons,
                            make_spirals, minibatches, train_val_test_split)


def test_digits_splits_are_disjoint_and_seeded():
    d = load_digits(val=0.1, test=0.2, seed=3)
    assert d.num_classes == 10 and d.X_train.shape[1] == 64
    assert len(d.X_train) + len(d.X_val) + len(d.X_test) == 1797
    assert 0.0 <= d.X_train.min() and d.X_train.max() <= 1.0
    rows = {r.tobytes() for r in np.concatenate([d.X_train, d.X_val, d.X_test])}
    assert len(rows) > 1700   # the sets partition the data (digits has a few duplicate images)
    again = load_digits(val=0.1, test=0.2, seed=3)
    np.testing.assert_array_equal(again.y_train, d.y_train)
    other = load_digits(val=0.1, test=0.2, seed=4)
    assert not np.array_equal(other.y_train, d.y_train)


@pytest.mark.parametrize("make,classes", [(lambda: make_spirals(40, 3), 3), (lambda: make_moons(120), 2),
                                          (lambda: make_blobs(150, 5, n_features=3), 5)])
def test_synthetic_sets(make, classes):
    s = make()
    assert s.num_classes == classes
    all_y = np.concatenate([s.y_train, s.y_val, s.y_test])
    assert set(all_y.tolist()) == set(range(classes))
    assert s.y_train.dtype == np.int64
    np.testing.assert_array_equal(make().X_train, s.X_train)   # deterministic per seed


def test_split_errors():
    with pytest.raises(ShapeError, match=r"X \(4, 2\) and y \(3,\)"):
        train_val_test_split(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="leave no training samples"):
        train_val_test_split(np.zeros((4, 2)), np.zeros(4), val=2, test=2)


def test_minibatches_cover_every_sample_once_and_are_seeded():
    X, y = np.arange(23)[:, None] * 1.0, np.arange(23)
    seen = np.concatenate([yb for _, yb in minibatches(X, y, 5, seed=7)])
    assert sorted(seen.tolist()) == list(range(23))
    again = np.concatenate([yb for _, yb in minibatches(X, y, 5, seed=7)])
    np.testing.assert_array_equal(seen, again)
    assert [len(yb) for _, yb in minibatches(X, y, 5, drop_last=True, shuffle=False)] == [5] * 4
    loader = BatchLoader(X, y, batch_size=5, seed=0)
    e1 = np.concatenate([yb for _, yb in loader])
    e2 = np.concatenate([yb for _, yb in loader])
    assert len(loader) == 5 and not np.array_equal(e1, e2)   # a new shuffle per epoch
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        list(minibatches(X, y, 0))
    with pytest.raises(ShapeError, match="same number of samples"):
        BatchLoader(X, y[:3])


def _write_fake_cifar(directory, n=4, seed=0, bad=None):
    """A tiny directory laid out like cifar-10-batches-py (n images per batch)."""
    rng = np.random.default_rng(seed)
    directory.mkdir(exist_ok=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for k, name in enumerate(names):
        d = {b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
             b"labels": [int(v) for v in rng.integers(0, 10, size=n)], b"batch_label": name.encode()}
        if bad == name:
            d[b"data"] = d[b"data"][:, :1024]
        with open(directory / name, "wb") as f:
            pickle.dump(d, f)
    return directory


def test_cifar10_loader_on_a_fake_directory(tmp_path):
    root = _write_fake_cifar(tmp_path / "cifar-10-batches-py", n=4)
    s = load_cifar10(root, val=3)
    assert s.X_train.shape == (17, 3, 32, 32) and s.X_val.shape == (3, 3, 32, 32)
    assert s.X_test.shape == (4, 3, 32, 32) and s.X_train.dtype == np.float32
    with open(root / "data_batch_1", "rb") as f:
        first = pickle.load(f, encoding="bytes")
    # pixel layout: the first 1024 values are the red channel, row-major
    np.testing.assert_array_equal(s.X_train[0, 0].ravel(), first[b"data"][0, :1024])
    np.testing.assert_array_equal(s.y_train[:4], first[b"labels"])
    last = load_cifar10(root, val=0, channels_last=True, num_train_batches=2)
    assert last.X_train.shape == (8, 32, 32, 3)
    np.testing.assert_array_equal(last.X_train[0, :, :, 1].ravel(), first[b"data"][0, 1024:2048])


def test_cifar10_refuses_what_is_not_cifar(tmp_path):
    with pytest.raises(DatasetError, match="is not a directory"):
        load_cifar10(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="missing data_batch_1"):
        load_cifar10(tmp_path / "empty")
    bad = _write_fake_cifar(tmp_path / "bad", bad="data_batch_2")
    with pytest.raises(DatasetError, match=r"not shaped like CIFAR-10.*\(4, 1024\)"):
        load_cifar10(bad)
    junk = _write_fake_cifar(tmp_path / "junk")
    (junk / "test_batch").write_bytes(b"not a pickle at all")
    with pytest.raises(DatasetError, match="is not a CIFAR-10 python batch"):
        load_cifar10(junk)
    lst = _write_fake_cifar(tmp_path / "lst")
    with open(lst / "test_batch", "wb") as f:
        pickle.dump([1, 2, 3], f)
    with pytest.raises(DatasetError, match="holds a list"):
        load_cifar10(lst)


class _RunsCode:
    """A pickle payload: unpickling it calls ``fn(*args)`` (here: writes a marker file)."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return self.fn, self.args


def _batch(n=3, seed=0, extra=None):
    rng = np.random.default_rng(seed)
    d = {b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
         b"labels": [int(v) for v in rng.integers(0, 10, size=n)], b"batch_label": b"training batch 1 of 5",
         b"filenames": [f"img_{i}.png".encode() for i in range(n)]}
    d.update(extra or {})
    return d


@pytest.mark.parametrize("protocol", [2, 4, pickle.HIGHEST_PROTOCOL])
def test_cifar10_genuine_batches_still_load_with_the_restricted_unpickler(tmp_path, protocol):
    root = tmp_path / "cifar-10-batches-py"
    root.mkdir()
    batches = {}
    for k, name in enumerate([f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]):
        batches[name] = _batch(seed=k)
        with open(root / name, "wb") as f:
            pickle.dump(batches[name], f, protocol=protocol)
    s = load_cifar10(root, val=0)
    assert s.X_train.shape == (15, 3, 32, 32) and s.X_test.shape == (3, 3, 32, 32)
    np.testing.assert_array_equal(s.X_train[:3].reshape(3, -1), batches["data_batch_1"][b"data"])
    np.testing.assert_array_equal(s.y_test, batches["test_batch"][b"labels"])


@pytest.mark.parametrize("where", ["top", "in_labels", "in_an_object_array"])
@pytest.mark.parametrize("how", ["os.system", "exec"])
def test_cifar10_crafted_batch_does_not_run_code(tmp_path, where, how):
    root = _write_fake_cifar(tmp_path / "cifar-10-batches-py")
    marker = tmp_path / "pwned"
    if how == "os.system":
        payload, global_name = _RunsCode(os.system, f"touch {marker}"), f"{os.system.__module__}.system"
    else:
        payload, global_name = _RunsCode(exec, f"open({str(marker)!r}, 'w').close()"), "builtins.exec"
    if where == "top":
        evil = payload
    elif where == "in_labels":
        evil = _batch(n=4, extra={b"labels": [payload, 1, 2, 3]})
    else:
        evil = _batch(n=4, extra={b"extra": np.array([payload, None], dtype=object)})
    with open(root / "data_batch_1", "wb") as f:
        pickle.dump(evil, f)
    with pytest.raises(DatasetError, match=rf"data_batch_1 refers to {re.escape(global_name)}, which a CIFAR-10 "
                                           r"batch never holds; refusing to load it"):
        load_cifar10(root)
    assert not marker.exists()
    # The same file does run code under plain pickle: the test's payload is real.
    with open(root / "data_batch_1", "rb") as f:
        pickle.load(f, encoding="bytes")
    assert marker.exists()

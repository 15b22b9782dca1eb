"""The training loop resumed from a checkpoint, and checkpoints written under faults: a resume
is bit-identical to the uninterrupted run, a converged loss is not called diverging, a kill
mid-write leaves no temporary file, and checkpoints get the mode the umask gives."""
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

from graphgrad import nn
from graphgrad.data import make_blobs
from graphgrad.optim import SGD, Adam
from graphgrad.train import DivergedWarning, History, fit, load_checkpoint, save_checkpoint


def net():
    return nn.Sequential(nn.Linear(2, 16, rng=0), nn.ReLU(), nn.Linear(16, 3, rng=1))


@pytest.fixture(scope="module")
def blobs():
    return make_blobs(240, n_classes=3, seed=0)


def _params(model):
    return [p.numpy().copy() for p in model.parameters()]


def test_load_checkpoint_then_fit_the_rest_is_bit_identical(tmp_path, blobs):
    kw = dict(batch_size=16, seed=4, progress=False)
    whole = net()
    opt = SGD(whole.parameters(), lr=0.05, momentum=0.9)
    full = fit(whole, blobs, optimizer=opt, epochs=6, **kw)

    path = tmp_path / "run.npz"
    first = net()
    fit(first, blobs, optimizer=SGD(first.parameters(), lr=0.05, momentum=0.9), epochs=3, checkpoint=path, **kw)
    resumed = net()   # a new process: fresh model and optimizer, restored from the file
    opt2 = SGD(resumed.parameters(), lr=0.05, momentum=0.9)
    h = load_checkpoint(path, resumed, opt2)
    assert len(h.epochs) == 3
    back = fit(resumed, blobs, optimizer=opt2, epochs=6, history=h, **kw)
    for a, b in zip(_params(whole), _params(resumed)):
        assert np.array_equal(a, b)   # bit for bit, not approximately
    assert back.iteration_loss == full.iteration_loss
    assert [e["epoch"] for e in back.epochs] == list(range(6))
    assert [e["loss"] for e in back.epochs] == [e["loss"] for e in full.epochs]


def test_fit_history_argument_errors(blobs):
    with pytest.raises(TypeError, match="history must be the History that load_checkpoint returned, got dict"):
        fit(net(), blobs, epochs=1, progress=False, history={})
    with pytest.raises(ValueError, match=r"the run to continue stopped diverged \(boom\)"):
        fit(net(), blobs, epochs=1, progress=False, history=History(diverged=True, message="boom"))


def test_a_resumed_fit_after_a_near_zero_loss_is_not_called_diverged(tmp_path, blobs):
    X, y = blobs.X_train[:6], blobs.y_train[:6]   # a few points: the loss goes to ~0
    model = net()
    opt = Adam(model.parameters(), lr=0.05)
    path = tmp_path / "run.npz"
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergedWarning)
        fit(model, (X, y), optimizer=opt, epochs=150, batch_size=6, progress=False, checkpoint=path)
        h = load_checkpoint(path, model, opt)
        assert h.iteration_loss[-1] < 1e-4 and h.iteration_loss[0] > 1
        more = fit(model, (X, y), optimizer=opt, epochs=200, batch_size=6, progress=False, history=h)
    assert not more.diverged and len(more.epochs) == 200


def scripted(losses):
    """A loss function that returns the given values in turn (through the graph, so backward works)."""
    it = iter(losses)

    def loss(scores, y):
        return (scores * 0.0).sum() + next(it)
    return loss


def test_noise_at_a_converged_loss_is_no_explosion(blobs):
    # The numbers the issue saw: a run restarted at loss 6.2e-7 stopped at 0.00207 "over 1000x".
    X, y = blobs.X_train[:4], blobs.y_train[:4]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergedWarning)
        calm = fit(net(), (X, y), loss=scripted([6.2e-7, 0.00207, 3e-4, 1e-6]), epochs=4, batch_size=4,
                   progress=False)
    assert not calm.diverged and len(calm.epochs) == 4
    with pytest.warns(DivergedWarning, match=r"loss became 5 \(over 1: exploding\) at epoch 2"):
        boom = fit(net(), (X, y), loss=scripted([6.2e-7, 1e-3, 5.0]), epochs=3, batch_size=4, progress=False)
    assert boom.diverged   # a real explosion from a converged loss is still caught
    with pytest.warns(DivergedWarning, match=r"over 1000x the first loss 2\.3: exploding"):
        fit(net(), (X, y), loss=scripted([2.3, 2400.0]), epochs=2, batch_size=4, progress=False)


_DIES_MID_WRITE = textwrap.dedent("""
    import os, sys
    import numpy as np
    from graphgrad import nn
    from graphgrad.train import save_checkpoint
    model = nn.Sequential(nn.Linear(2, 16, rng=0), nn.ReLU(), nn.Linear(16, 3, rng=1))
    save_checkpoint(sys.argv[1], model)            # a good checkpoint first

    def savez(f, **arrays):                        # killed half-way through the next one
        f.write(b"PK" + b"\\0" * 4096)
        f.flush()
        os._exit(9)
    np.savez = savez
    save_checkpoint(sys.argv[1], model)
    """)


def test_a_kill_during_a_checkpoint_write_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "ckpt" / "run.npz"
    for _ in range(3):
        r = subprocess.run([sys.executable, "-c", _DIES_MID_WRITE, str(path)], capture_output=True, timeout=300)
        assert r.returncode == 9, r.stderr
    assert len(os.listdir(path.parent)) > 1   # the killed writers' partial files
    load_checkpoint(path, net())              # the previous checkpoint is intact
    save_checkpoint(path, net())               # the next save clears what killed writers left
    assert os.listdir(path.parent) == ["run.npz"]
    load_checkpoint(path, net())


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_checkpoint_mode_follows_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        save_checkpoint(tmp_path / "run.npz", net())
        open(tmp_path / "plain", "w").close()
    finally:
        os.umask(old)
    mode = os.stat(tmp_path / "run.npz").st_mode & 0o777
    assert mode == os.stat(tmp_path / "plain").st_mode & 0o777 == 0o666 & ~umask

"""The training loop: minibatch SGD (any graphgrad optimizer) with a progress bar, a
per-epoch history, early stop on NaN, and ``.npz`` checkpoints.

The model is anything with ``model(X: Value) -> scores (N, C)`` and ``parameters()``
(a :class:`graphgrad.nn.Module`); ``named_parameters()`` gives the per-layer names.

>>> import numpy as np
>>> from graphgrad import nn
>>> from graphgrad.data import make_blobs
>>> data = make_blobs(300, n_classes=3, seed=0)
>>> net = nn.Sequential(nn.Linear(2, 16, rng=0), nn.ReLU(), nn.Linear(16, 3, rng=1))
>>> hist = fit(net, data, lr=0.05, epochs=5, batch_size=32, progress=False)
>>> len(hist.epochs), hist.epochs[-1]["val_acc"] > 0.9
(5, True)
"""
from __future__ import annotations

import json
import math
import numbers
import os
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..autograd import no_grad
from ..errors import GraphgradError, ShapeError
from ..value import Value
from .report import report_epoch


class DivergedWarning(RuntimeWarning):
    """Training stopped because the loss became NaN or infinite (the learning rate is too high)."""


class CheckpointError(GraphgradError, ValueError):
    """A checkpoint file is missing, not a graphgrad checkpoint, or does not fit the model."""


LOSSES = ("softmax", "svm")
_LOSS_FLOOR = 1e-3   # the explosion check never measures against a smaller first loss


def loss_fn(name):
    """The data loss by name: ``"softmax"`` (cross-entropy) or ``"svm"`` (cs231n's hinge loss).

    >>> loss_fn("softmax").__name__
    'cross_entropy'
    """
    from ..nn import functional as F  # nn imports train lazily never; keep import order simple
    if callable(name):
        return name
    if name == "softmax":
        return F.cross_entropy
    if name == "svm":
        return F.svm_loss
    raise ValueError(f"loss must be 'softmax', 'svm' or a callable(scores, y), got {name!r}")


def weight_parameters(model) -> list:
    """``(name, parameter)`` for the weights (ndim >= 2) that L2 regularisation applies to.

    >>> from graphgrad import nn
    >>> [n for n, _ in weight_parameters(nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2)))]
    ['0.weight', '2.weight']
    """
    named = list(model.named_parameters()) if hasattr(model, "named_parameters") else \
        [(str(i), p) for i, p in enumerate(model.parameters())]
    return [(n, p) for n, p in named if p.ndim >= 2]


def objective(model, X, y, loss="softmax", reg: float = 0.0) -> Value:
    """Data loss plus ``reg · Σ W²`` over the weight matrices (biases are not regularised).

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_spirals
    >>> data = make_spirals(n_per_class=20, seed=0)
    >>> net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    >>> objective(net, data.X_train, data.y_train, "softmax", reg=1e-3).backward()
    """
    scores = model(X if isinstance(X, Value) else Value(X))
    L = loss_fn(loss)(scores, y)
    if reg:
        for _, w in weight_parameters(model):
            L = L + (w * w).sum() * float(reg)
    return L


def predict(model, X, batch_size: int = 1024) -> np.ndarray:
    """Class predictions (argmax of the scores) without recording a graph.

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_spirals
    >>> data = make_spirals(n_per_class=20, seed=0)
    >>> net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    >>> predict(net, data.X_val[:3]).shape
    (3,)
    """
    was_training = getattr(model, "training", None)
    if was_training is not None and hasattr(model, "eval"):
        model.eval()
    try:
        out = []
        with no_grad():
            for i in range(0, len(X), batch_size):
                out.append(np.asarray(model(Value(np.asarray(X[i:i + batch_size]))).numpy()).argmax(axis=1))
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)
    finally:
        if was_training and hasattr(model, "train"):
            model.train()


def accuracy(model, X, y, batch_size: int = 1024) -> float:
    """Fraction of samples classified correctly (the highest score is the predicted class).

    >>> from graphgrad import nn
    >>> net = nn.Linear(2, 2, bias=False)
    >>> net.weight.data[...] = np.eye(2)           # scores = inputs: class = the larger input
    >>> accuracy(net, np.array([[1., 0.], [0., 1.], [1., 0.]]), np.array([0, 1, 1]))
    0.6666666666666666
    """
    if len(X) == 0:
        return float("nan")
    return float(np.mean(predict(model, X, batch_size) == np.asarray(y)))


@dataclass
class History:
    """What ``fit`` recorded: one dict per epoch and every iteration's loss.

    ``epochs[i]`` holds ``epoch``, ``loss`` (mean training loss), ``train_acc``, ``val_acc``,
    ``lr`` and ``update_ratio`` ({parameter name: mean ||ΔW|| / ||W|| over the epoch}).

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_blobs
    >>> h = fit(nn.Linear(2, 3, rng=0), make_blobs(90, n_classes=3, seed=0), epochs=3, progress=False)
    >>> len(h.epochs), sorted(h.epochs[0])[:4], h.best_epoch in (0, 1, 2)
    (3, ['epoch', 'loss', 'lr', 'train_acc'], True)
    >>> History.from_json(h.to_json()) == h
    True
    """

    epochs: list = field(default_factory=list)
    iteration_loss: list = field(default_factory=list)
    diverged: bool = False
    message: str = ""
    best_val_acc: float = float("nan")
    best_epoch: int = -1

    def column(self, key: str) -> list:
        """One metric across epochs.

        >>> History(epochs=[{"loss": 1.0}, {"loss": 0.5}]).column("loss")
        [1.0, 0.5]
        """
        return [e.get(key) for e in self.epochs]

    def to_json(self) -> str:
        """The history as JSON text (what checkpoints store)."""
        return json.dumps({"epochs": self.epochs, "iteration_loss": self.iteration_loss,
                           "diverged": self.diverged, "message": self.message,
                           "best_val_acc": self.best_val_acc, "best_epoch": self.best_epoch}, allow_nan=True)

    @classmethod
    def from_json(cls, text: str) -> "History":
        """Inverse of :meth:`to_json`.

        >>> History.from_json(History(epochs=[{"loss": 1.0}]).to_json()).epochs
        [{'loss': 1.0}]
        """
        return cls(**json.loads(text))


def _unpack(data):
    """Accept a :class:`graphgrad.data.Splits` or a tuple ``(X_train, y_train, X_val, y_val)``."""
    if hasattr(data, "X_train"):
        return data.X_train, data.y_train, data.X_val, data.y_val
    if isinstance(data, (tuple, list)) and len(data) in (2, 4):
        return tuple(data) if len(data) == 4 else (data[0], data[1], None, None)
    raise TypeError("fit: data must be a Splits (graphgrad.data) or a tuple (X_train, y_train[, X_val, y_val]), "
                    f"got {type(data).__name__}")


def fit(model, data, *, optimizer=None, lr: float = 1e-2, epochs: int = 10, batch_size: int = 64,
        loss="softmax", reg: float = 0.0, seed: int | None = 0, scheduler=None, progress: bool = True,
        stop_on_nan: bool = True, explode_factor: float | None = 1e3, checkpoint: str | os.PathLike | None = None, train_eval_samples: int = 1000,
        track_updates: bool = True, callback=None, history: History | None = None) -> History:
    """Train ``model`` on ``data`` and return its :class:`History`.

    ``optimizer`` defaults to plain SGD with ``lr``. After every epoch: training accuracy on
    up to ``train_eval_samples`` training samples, validation accuracy, the learning rate and
    the update/weight ratio per parameter (the lecture wants about 1e-3). If the loss becomes
    NaN or infinite, or exceeds ``explode_factor`` times the first iteration's loss, the loop
    stops (``stop_on_nan``) with a :class:`DivergedWarning` naming the learning rate. ``checkpoint`` writes the model, optimizer state and history to a
    ``.npz`` after every epoch (see :func:`load_checkpoint`). ``progress`` shows a tqdm bar.
    ``callback(epoch=, model=, history=)`` is called after every completed epoch (its row is
    already in ``history.epochs``), e.g. ``viz.monitor.TrainingMonitor``.

    ``history`` continues a run from its checkpoint: pass what :func:`load_checkpoint`
    returned (after it restored the model and optimizer) and the same arguments as the
    first call; ``epochs`` stays the total. Epochs ``len(history.epochs)`` .. ``epochs - 1``
    run, the minibatch shuffle skips the epochs already done, the explosion check keeps the
    run's first loss, and rows are appended to ``history``: the result is bit-identical to
    an uninterrupted run (for a model without randomness of its own).

    >>> from graphgrad import nn
    >>> from graphgrad.data import make_blobs
    >>> from graphgrad.optim import SGD
    >>> data = make_blobs(150, n_classes=3, seed=0)
    >>> net = nn.Sequential(nn.Linear(2, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
    >>> opt = SGD(net.parameters(), lr=0.05, momentum=0.9)
    >>> h = fit(net, data, optimizer=opt, epochs=2, checkpoint="run.npz", progress=False)
    >>> h = load_checkpoint("run.npz", net, opt)       # later, maybe in a new process
    >>> h = fit(net, data, optimizer=opt, epochs=4, checkpoint="run.npz", history=h,
    ...         progress=False)
    >>> [row["epoch"] for row in h.epochs]
    [0, 1, 2, 3]
    """
    from ..data.batching import BatchLoader
    from ..optim import SGD
    Xtr, ytr, Xval, yval = _unpack(data)
    Xtr, ytr = np.asarray(Xtr), np.asarray(ytr)
    if Xtr.ndim < 2 or ytr.ndim != 1 or len(Xtr) != len(ytr):
        raise ShapeError(f"fit: need X_train of shape (N, ...) and y_train of shape (N,), got {Xtr.shape} and {ytr.shape}")
    for name, v in (("epochs", epochs), ("batch_size", batch_size), ("train_eval_samples", train_eval_samples)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"fit: {name} must be a positive integer, got {v!r}")
    _check_real("reg", reg, low=0.0)
    if explode_factor is not None:
        _check_real("explode_factor", explode_factor, low=1.0)
    lossf = loss_fn(loss)
    params = list(model.parameters())
    if optimizer is None:
        _check_real("lr", lr, low=0.0)   # an infinite rate turns every weight to inf/NaN in one step
        optimizer = SGD(params, lr=lr)
    else:
        _check_real("the optimizer's lr", getattr(optimizer, "lr", 0.0), low=0.0)
    names = [n for n, _ in (model.named_parameters() if hasattr(model, "named_parameters")
                            else ((str(i), p) for i, p in enumerate(params)))]
    weights = [w for _, w in weight_parameters(model)]
    loader = BatchLoader(Xtr, ytr, batch_size=min(int(batch_size), len(Xtr)), seed=seed)
    if history is None:
        history = History()
    elif not isinstance(history, History):
        raise TypeError(f"fit: history must be the History that load_checkpoint returned, got {type(history).__name__}")
    elif history.diverged:
        raise ValueError(f"fit: the run to continue stopped diverged ({history.message}); restart it from an "
                         "earlier checkpoint or with a lower learning rate")
    start = len(history.epochs)
    loader.skip(start)
    eval_rng = np.random.default_rng(None if seed is None else seed + 1)
    sub = eval_rng.choice(len(Xtr), size=min(train_eval_samples, len(Xtr)), replace=False)
    bar = None
    if progress:
        from tqdm.auto import tqdm  # lazy: keep `import graphgrad` light
        bar = tqdm(total=max(0, int(epochs) - start) * len(loader), desc="fit", unit="it")
    if hasattr(model, "train"):
        model.train()
    try:
        for epoch in range(start, int(epochs)):
            losses, ratios = [], {n: [] for n in names}
            cur_lr = float(optimizer.lr)
            for xb, yb in loader:
                optimizer.zero_grad()
                scores = model(Value(xb))
                L = lossf(scores, yb)
                if reg:
                    for w in weights:
                        L = L + (w * w).sum() * float(reg)
                value = float(L.item())
                history.iteration_loss.append(value)
                first = history.iteration_loss[0]
                # Relative to the run's first loss, but never to one below _LOSS_FLOOR: a
                # loss that has converged to ~1e-7 moves by orders of magnitude in noise.
                exploded = explode_factor is not None and math.isfinite(value) and first > 0 and \
                    value > explode_factor * max(first, _LOSS_FLOOR)
                if not math.isfinite(value) or exploded:
                    history.diverged = True
                    what = "NaN" if math.isnan(value) else "infinite" if not math.isfinite(value) else \
                        (f"{value:.3g} (over {explode_factor:g}x the first loss {first:.3g}: exploding)" if first >= _LOSS_FLOOR
                         else f"{value:.3g} (over {explode_factor * _LOSS_FLOOR:g}: exploding)")
                    history.message = (f"loss became {what} at epoch {epoch}, "
                                       f"iteration {len(history.iteration_loss) - 1}, with learning rate {cur_lr:g}: "
                                       "lower the learning rate")
                    if stop_on_nan:
                        break
                losses.append(value)
                L.backward()
                before = [np.array(p.numpy(), copy=True) for p in params] if track_updates else None
                optimizer.step()
                if track_updates:
                    _record_update_ratios(ratios, names, params, before)
                bad = _first_non_finite(names, params)
                if bad is not None:
                    # Caught here, not at the next loss: the last step of a run has no next loss.
                    history.diverged = True
                    history.message = (f"parameter {bad!r} became NaN or infinite in the update at epoch {epoch}, "
                                       f"iteration {len(history.iteration_loss) - 1}, with learning rate "
                                       f"{cur_lr:g}: lower the learning rate")
                    if stop_on_nan:
                        break
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{value:.4g}", lr=f"{cur_lr:.2g}", refresh=False)
            if history.diverged and stop_on_nan:
                warnings.warn(f"fit: {history.message}", DivergedWarning, stacklevel=2)
                break
            row = {"epoch": epoch, "loss": float(np.mean(losses)) if losses else float("nan"),
                   "train_acc": accuracy(model, Xtr[sub], ytr[sub]),
                   "val_acc": accuracy(model, Xval, yval) if Xval is not None and len(Xval) else float("nan"),
                   "lr": cur_lr,
                   "update_ratio": {n: float(np.mean(r)) for n, r in ratios.items() if r}}
            history.epochs.append(row)
            if not (row["val_acc"] <= history.best_val_acc):   # also true for the first epoch (nan)
                history.best_val_acc, history.best_epoch = row["val_acc"], epoch
            if callback is not None:        # the hook point: monitors read the model and history here
                callback(epoch=epoch, model=model, history=history)
            report_epoch(epoch, row)        # a pruning search listens here (and may stop the trial)
            if scheduler is not None:
                scheduler.step()
            if checkpoint is not None:
                save_checkpoint(checkpoint, model, optimizer, history)
    finally:
        if bar is not None:
            bar.close()
    return history


def _check_real(name: str, v, low: float):
    """``v`` must be a finite real number >= ``low`` (one sentence naming it otherwise)."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or v < low:
        raise ValueError(f"fit: {name} must be a finite number >= {low:g}, got {v!r}")


def _first_non_finite(names, params):
    """The name of the first parameter holding a NaN or inf, or None."""
    for n, p in zip(names, params):
        if not np.isfinite(p.numpy()).all():
            return n
    return None


def _record_update_ratios(ratios, names, params, before):
    """Append ||ΔW|| / ||W|| of this step for every parameter (the lecture's ~1e-3 check)."""
    with np.errstate(over="ignore", invalid="ignore"):   # a diverging run is reported by the loss check
        for n, p, b in zip(names, params, before):
            wn = float(np.linalg.norm(b))
            if wn > 0:   # a zero-initialised bias has no scale yet on its first step
                ratios[n].append(float(np.linalg.norm(p.numpy() - b)) / wn)


_PREFIX_MODEL, _PREFIX_OPT = "model/", "optim/"


def save_checkpoint(path, model, optimizer=None, history: History | None = None) -> None:
    """Write model parameters (and optimizer state, history) to ``path`` as a ``.npz`` with no
    pickled objects, atomically (a crash mid-write leaves the previous checkpoint intact).

    >>> from graphgrad import nn
    >>> from graphgrad.optim import Adam
    >>> net = nn.Linear(2, 3, rng=0)
    >>> save_checkpoint("run.npz", net, Adam(net.parameters()))
    >>> fresh = nn.Linear(2, 3, rng=1)
    >>> load_checkpoint("run.npz", fresh) is None      # no history was saved
    True
    >>> bool(np.array_equal(fresh.weight.numpy(), net.weight.numpy()))
    True
    """
    arrays = {"format": np.array("graphgrad-checkpoint-1")}
    state = model.state_dict() if hasattr(model, "state_dict") else \
        {str(i): p.numpy() for i, p in enumerate(model.parameters())}
    for k, v in state.items():
        arrays[_PREFIX_MODEL + k] = np.asarray(v)
    if optimizer is not None and hasattr(optimizer, "state_dict"):
        sd = optimizer.state_dict()
        scalars = {k: v for k, v in sd.items() if k != "state"}
        arrays["optim_meta"] = np.array(json.dumps(scalars))
        for i, st in enumerate(sd.get("state", [])):
            for k, v in st.items():
                arrays[f"{_PREFIX_OPT}{i}/{k}"] = np.asarray(v)
    if history is not None:
        arrays["history"] = np.array(history.to_json())
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    _remove_stale_temps(path)
    # Write a temporary file beside the target, then rename it over the target: a crash at
    # any point leaves the previous checkpoint intact. The temporary file is named after the
    # target and this process, so a later save can recognise one left by a killed writer,
    # and it is created like any file (the umask decides its mode, as for np.savez).
    tmp = _temp_name(path, os.getpid())
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _temp_name(path: str, pid: int) -> str:
    head, tail = os.path.split(os.path.abspath(path))
    return os.path.join(head, f".{tail}.{pid}.partial")


def _remove_stale_temps(path: str) -> None:
    """Delete the temporary files a writer of ``path`` left when it was killed mid-write."""
    import glob
    import re
    head, tail = os.path.split(os.path.abspath(path))
    pattern = re.compile(r"\." + re.escape(tail) + r"\.(\d+)\.partial$")
    for f in glob.glob(os.path.join(glob.escape(head), "." + glob.escape(tail) + ".*.partial")):
        m = pattern.search(os.path.basename(f))
        if m and not _pid_alive(int(m.group(1))):
            try:
                os.unlink(f)
            except OSError:
                pass


def _pid_alive(pid: int) -> bool:
    from .store import pid_alive as alive   # one definition (zombies count as dead)
    return alive(pid)


def load_checkpoint(path, model, optimizer=None) -> History | None:
    """Restore a checkpoint written by :func:`save_checkpoint` into ``model`` (and ``optimizer``).
    Returns the saved :class:`History` (or None). Reads with ``allow_pickle=False``.

    >>> from graphgrad import nn
    >>> save_checkpoint("w.npz", nn.Linear(2, 3, rng=0), history=History(epochs=[{"loss": 1.0}]))
    >>> net = nn.Linear(2, 3, rng=1)
    >>> load_checkpoint("w.npz", net).epochs
    [{'loss': 1.0}]
    >>> load_checkpoint("w.npz", nn.Linear(2, 4))
    Traceback (most recent call last):
    ...
    graphgrad.train.trainer.CheckpointError: load_checkpoint: 'w.npz' does not fit this model: ...
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"load_checkpoint: no file at {path!r}")
    try:
        f = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as e:
        raise CheckpointError(f"load_checkpoint: {path!r} is not a .npz checkpoint ({e})") from None
    with f:
        if "format" not in f.files or str(f["format"]) != "graphgrad-checkpoint-1":
            raise CheckpointError(f"load_checkpoint: {path!r} is a .npz but not a graphgrad checkpoint")
        state = {k[len(_PREFIX_MODEL):]: f[k] for k in f.files if k.startswith(_PREFIX_MODEL)}
        try:
            model.load_state_dict(state)
        except (KeyError, ValueError) as e:
            raise CheckpointError(f"load_checkpoint: {path!r} does not fit this model: {e}") from None
        if optimizer is not None and "optim_meta" in f.files:
            sd = json.loads(str(f["optim_meta"]))
            st = [{} for _ in optimizer.state]
            for k in f.files:
                if k.startswith(_PREFIX_OPT):
                    i, name = k[len(_PREFIX_OPT):].split("/", 1)
                    arr = f[k]
                    st[int(i)][name] = arr if arr.ndim else arr.item()
            sd["state"] = st
            optimizer.load_state_dict(sd)
        return History.from_json(str(f["history"])) if "history" in f.files else None

"""Optimisers (cs231n lecture 7): SGD (+ momentum, Nesterov), RMSProp, Adam; LR schedules.

Update rules and defaults follow ``torch.optim`` so results match step for step.
Parameters are updated in place (their arrays keep their dtype).

>>> import graphgrad as gg, numpy as np
>>> from graphgrad import nn
>>> import graphgrad.nn.functional as F
>>> net = nn.Linear(4, 3)
>>> batches = [(gg.Value(np.ones((2, 4))), np.array([0, 2]))]
>>> opt = SGD(net.parameters(), lr=0.1, momentum=0.9)
>>> for x, y in batches:
...     opt.zero_grad()
...     F.cross_entropy(net(x), y).backward()
...     opt.step()
"""
from __future__ import annotations

import math

import numpy as np

from .value import Value, clear_grad, update_in_place


class Optimizer:
    """Base class: holds the parameter list, ``lr``, and per-parameter state."""

    def __init__(self, params, lr: float):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a {type(p).__name__}, not a Value")
            if not p.requires_grad:
                raise ValueError(f"{type(self).__name__}: parameter {i} (shape {p.shape}) does not require grad")
        if not lr >= 0.0:
            raise ValueError(f"{type(self).__name__}: lr must be >= 0, got {lr}")
        self.lr = float(lr)
        self.state: list[dict] = [{} for _ in self.params]
        self.steps = 0

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set to None) before the next backward."""
        for p in self.params:
            clear_grad(p)

    def step(self) -> None:
        """Apply one update to every parameter that has a gradient."""
        self.steps += 1
        for p, st in zip(self.params, self.state):
            # in place, keeping the dtype, stamped written (graphs using the old data refuse
            # backward); parameters without a gradient are left alone
            update_in_place(p, self._update, st)

    def _update(self, w: np.ndarray, g: np.ndarray, st: dict) -> None:
        raise NotImplementedError

    def state_dict(self) -> dict:
        return {"lr": self.lr, "steps": self.steps,
                "state": [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
                          for s in self.state]}

    def load_state_dict(self, sd: dict) -> None:
        self.lr, self.steps = float(sd["lr"]), int(sd["steps"])
        self.state = [dict(s) for s in sd["state"]]


def _check(name, value, lo=0.0, hi=None):
    if not (value >= lo and (hi is None or value < hi)):
        raise ValueError(f"{name} must be in [{lo}, {hi if hi is not None else 'inf'}), got {value}")


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (``v = μv + g; w -= lr·v``)
    or Nesterov momentum, and L2 weight decay (``g += wd·w``), as ``torch.optim.SGD``.

    >>> w = Value([1.0, 2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9, nesterov=True)
    >>> (w * w).sum().backward(); opt.step(); w.numpy()
    array([0.62, 1.24])
    """

    def __init__(self, params, lr: float = 1e-2, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, lr)
        _check("SGD: momentum", momentum)
        _check("SGD: weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")
        self.momentum, self.dampening = float(momentum), float(dampening)
        self.weight_decay, self.nesterov = float(weight_decay), bool(nesterov)

    def _update(self, w, g, st):
        if self.weight_decay:
            g = g + self.weight_decay * w
        if self.momentum:
            buf = st.get("momentum")
            if buf is None:
                buf = st["momentum"] = g.copy()
            else:
                buf *= self.momentum
                buf += (1.0 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf
        w -= self.lr * g


class RMSprop(Optimizer):
    """RMSProp: ``s = αs + (1-α)g²; w -= lr·g/(√s + ε)`` (``torch.optim.RMSprop`` defaults).

    >>> w = Value([1.0, 2.0], requires_grad=True)
    >>> opt = RMSprop([w], lr=1e-3, alpha=0.99)
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0):
        super().__init__(params, lr)
        _check("RMSprop: alpha", alpha, 0.0, 1.0 + 1e-12)
        _check("RMSprop: eps", eps)
        self.alpha, self.eps, self.weight_decay, self.momentum = float(alpha), float(eps), float(weight_decay), float(momentum)

    def _update(self, w, g, st):
        if self.weight_decay:
            g = g + self.weight_decay * w
        sq = st.get("square_avg")
        if sq is None:
            sq = st["square_avg"] = np.zeros_like(w)
        sq *= self.alpha
        sq += (1.0 - self.alpha) * g * g
        step = g / (np.sqrt(sq) + self.eps)
        if self.momentum:
            buf = st.get("momentum_buffer")
            if buf is None:
                buf = st["momentum_buffer"] = np.zeros_like(w)
            buf *= self.momentum
            buf += step
            step = buf
        w -= self.lr * step


RMSProp = RMSprop


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, as ``torch.optim.Adam``; ``weight_decay`` adds
    ``wd·w`` to the gradient (L2), ``AdamW`` decays the weights directly.

    >>> from graphgrad import nn
    >>> opt = Adam(nn.Linear(4, 3).parameters(), lr=1e-3)
    """

    decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        b1, b2 = betas
        _check("Adam: beta1", b1, 0.0, 1.0)
        _check("Adam: beta2", b2, 0.0, 1.0)
        _check("Adam: eps", eps)
        _check("Adam: weight_decay", weight_decay)
        self.betas, self.eps, self.weight_decay = (float(b1), float(b2)), float(eps), float(weight_decay)

    def _update(self, w, g, st):
        b1, b2 = self.betas
        if self.weight_decay:
            if self.decoupled:
                w *= 1.0 - self.lr * self.weight_decay
            else:
                g = g + self.weight_decay * w
        m = st.get("m")
        if m is None:
            m = st["m"] = np.zeros_like(w)
            st["v"] = np.zeros_like(w)
            st["t"] = 0
        v = st["v"]
        st["t"] += 1
        t = st["t"]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * (g * g)
        bc1, bc2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        denom = np.sqrt(v) / math.sqrt(bc2)
        denom += self.eps
        w -= (self.lr / bc1) * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as ``torch.optim.AdamW``."""

    decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)


# ---------------------------------------------------------------- learning-rate schedules
class _Scheduler:
    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    def step(self) -> None:
        """Advance one epoch and set the optimizer's lr."""
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> list:
        return [self.optimizer.lr]


class StepLR(_Scheduler):
    """Multiply lr by ``gamma`` every ``step_size`` epochs (lecture 7's step decay).

    >>> opt = SGD([Value([1.0], requires_grad=True)], lr=0.1)
    >>> sched = StepLR(opt, step_size=10, gamma=0.1)   # call sched.step() once per epoch
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        super().__init__(optimizer)
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size, self.gamma = int(step_size), float(gamma)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(_Scheduler):
    """lr = lr₀·γ^epoch. ``ExponentialLR(opt, gamma=0.95)``"""

    def __init__(self, optimizer: Optimizer, gamma: float):
        super().__init__(optimizer)
        self.gamma = float(gamma)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** epoch

"""Search spaces for hyperparameter search: log-uniform, uniform and choice dimensions.

Learning rates and regularisation strengths are searched on a log scale (lecture 6):
``LogUniform(1e-5, 1e-1)`` samples the exponent uniformly.

>>> import numpy as np
>>> space = SearchSpace(lr=LogUniform(1e-5, 1e-1), reg=LogUniform(1e-6, 1e-2), act=Choice(["relu", "tanh"]))
>>> p = space.sample(np.random.default_rng(0))
>>> sorted(p), 1e-5 <= p["lr"] <= 1e-1
(['act', 'lr', 'reg'], True)
"""
from __future__ import annotations

import itertools
import json
import math
import sys
import warnings

import numpy as np

from ..errors import GraphgradError


class SearchSpaceError(GraphgradError, ValueError):
    """A search space is malformed, or differs from the one a trial store was made for."""


class RangeEdgeWarning(UserWarning):
    """The best trial lies at the edge of a searched range: better values may lie outside it."""


class Dimension:
    """One hyperparameter's distribution. Subclasses: LogUniform, Uniform, Choice."""

    kind = "dimension"

    def to_dict(self) -> dict:  # pragma: no cover - subclasses override
        raise NotImplementedError

    def __eq__(self, other) -> bool:
        return isinstance(other, Dimension) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def when(self, **condition) -> "Conditional":
        """This dimension only where another one takes one of some values (a conditional space).

        >>> Uniform(0.0, 0.99).when(optimizer="sgd")
        Uniform(0, 0.99).when(optimizer=['sgd'])
        """
        if len(condition) != 1:
            raise SearchSpaceError(f"when: name exactly one other dimension, e.g. .when(optimizer='sgd'), got {condition!r}")
        (parent, values), = condition.items()
        return Conditional(self, parent, values if isinstance(values, list) else [values])


class _Range(Dimension):
    log = False

    def __init__(self, low: float, high: float):
        name = type(self).__name__
        try:
            low, high = float(low), float(high)
        except (TypeError, ValueError):
            raise SearchSpaceError(f"{name}: low and high must be numbers, got {low!r}, {high!r}") from None
        if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
            raise SearchSpaceError(f"{name}: need finite low < high, got low={low}, high={high}")
        if self.log and low <= 0:
            raise SearchSpaceError(f"{name}: a log-uniform range needs low > 0, got low={low}")
        if not self.log and not math.isfinite(high - low):
            # every sample low + u·(high - low) would be inf, and the grid [nan, inf, inf]
            raise SearchSpaceError(f"{name}: the width high - low = {high:g} - ({low:g}) overflows a float; "
                                   f"use a narrower range (width at most {sys.float_info.max:.3g})")
        self.low, self.high = low, high

    # u in [0, 1] <-> value; the log scale lives here only.
    def _to_unit(self, x: float) -> float:
        if self.log:
            return (math.log(x) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (x - self.low) / (self.high - self.low)

    def _from_unit(self, u: float) -> float:
        if self.log:
            return float(math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low))))
        return float(self.low + u * (self.high - self.low))

    def sample(self, rng: np.random.Generator) -> float:
        return self._from_unit(float(rng.uniform()))

    def grid(self, n: int) -> list:
        if n == 1:
            return [self._from_unit(0.5)]
        return [self._from_unit(i / (n - 1)) for i in range(n)]

    def edge(self, x: float, fraction: float) -> str | None:
        """'low' or 'high' when ``x`` lies within ``fraction`` of the range's ends."""
        u = self._to_unit(x)
        return "low" if u <= fraction else "high" if u >= 1 - fraction else None

    def refine(self, values, pad: float = 0.25, min_width: float = 0.1):
        """A narrower range of the same kind around ``values`` (the best trials), inside this one.

        In unit coordinates the new range spans the values plus ``pad`` of their spread on
        each side, and at least ``min_width`` of the old range.
        """
        us = [self._to_unit(v) for v in values]
        lo, hi = min(us), max(us)
        spread = hi - lo
        lo, hi = lo - pad * spread, hi + pad * spread
        if hi - lo < min_width:
            mid = (lo + hi) / 2
            lo, hi = mid - min_width / 2, mid + min_width / 2
        # Stay inside the old range (shift, don't shrink, when pushed against an end).
        if lo < 0:
            lo, hi = 0.0, hi - lo
        if hi > 1:
            lo, hi = max(0.0, lo - (hi - 1)), 1.0
        return type(self)(self._from_unit(lo), self._from_unit(hi))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "low": self.low, "high": self.high}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.low:.3g}, {self.high:.3g})"


class LogUniform(_Range):
    """Values whose logarithm is uniform in [log low, log high] (learning rates, regularisation).

    >>> LogUniform(1e-4, 1e-2).grid(3)
    [0.0001, 0.001, 0.01]
    """

    kind = "loguniform"
    log = True

    def grid(self, n: int) -> list:
        # Round to 12 significant digits so 1e-3 comes out as 1e-3, not 0.0009999999999.
        return [float(f"{v:.12g}") for v in super().grid(n)]


class Uniform(_Range):
    """Values uniform in [low, high] (dropout probability, momentum).

    >>> Uniform(0.0, 1.0).grid(3)
    [0.0, 0.5, 1.0]
    """

    kind = "uniform"


class Int(Dimension):
    """Integers in [low, high], both included (hidden sizes, layer counts); ``log=True``
    spreads them evenly in log scale (16, 32, 64, ... equally likely).

    >>> Int(1, 100, log=True).grid(3)
    [1, 10, 100]
    """

    kind = "int"

    def __init__(self, low: int, high: int, log: bool = False):
        import numbers
        if isinstance(low, bool) or isinstance(high, bool) or not isinstance(low, numbers.Integral) or \
                not isinstance(high, numbers.Integral):
            raise SearchSpaceError(f"Int: low and high must be integers, got {low!r}, {high!r}")
        if not low < high:
            raise SearchSpaceError(f"Int: need low < high, got low={low}, high={high}")
        if log and low < 1:
            raise SearchSpaceError(f"Int: a log-scale range needs low >= 1, got low={low}")
        self.low, self.high, self.log = int(low), int(high), bool(log)
        # A continuous range one wider than [low, high], so every integer gets an equal share.
        self._range = (LogUniform if log else Uniform)(self.low if not log else self.low, self.high + 1)

    def _round(self, x: float) -> int:
        return int(min(self.high, max(self.low, math.floor(x))))

    def sample(self, rng: np.random.Generator) -> int:
        return self._round(self._range.sample(rng))

    def grid(self, n: int) -> list:
        if n == 1:
            return [self._round(self._range._from_unit(0.5))]
        lo, hi = (math.log(self.low), math.log(self.high)) if self.log else (self.low, self.high)
        pts = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
        vals = [int(round(math.exp(p))) if self.log else int(round(p)) for p in pts]
        return sorted(set(vals))

    def edge(self, x, fraction):
        return self._range.edge(min(x + 0.5, self.high + 1), fraction)

    def refine(self, values, pad: float = 0.25, min_width: float = 0.1):
        r = self._range.refine([v + 0.5 for v in values], pad=pad, min_width=min_width)
        low, high = self._round(r.low), self._round(r.high)
        if low == high:
            low, high = (low - 1, high) if high == self.high else (low, high + 1)
        return Int(low, high, log=self.log)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "low": self.low, "high": self.high, "log": self.log}

    def __repr__(self) -> str:
        return f"Int({self.low}, {self.high}{', log=True' if self.log else ''})"


class Choice(Dimension):
    """One of a few options (activation, hidden size); JSON-serialisable values only.

    >>> Choice([64, 128]).grid(5)
    [64, 128]
    """

    kind = "choice"

    def __init__(self, options):
        options = list(options)
        if not options:
            raise SearchSpaceError("Choice: needs at least one option")
        try:
            json.dumps(options)
        except TypeError:
            raise SearchSpaceError(f"Choice: options must be JSON values (numbers, strings, bools), got {options!r}") from None
        if len({json.dumps(o) for o in options}) != len(options):
            raise SearchSpaceError(f"Choice: options must be distinct, got {options!r}")
        self.options = options

    def sample(self, rng: np.random.Generator):
        return self.options[int(rng.integers(len(self.options)))]

    def grid(self, n: int) -> list:
        return list(self.options)

    def edge(self, x, fraction) -> None:
        return None

    def refine(self, values, **_):
        keep = [o for o in self.options if any(json.dumps(o) == json.dumps(v) for v in values)]
        return Choice(keep or self.options)

    def to_dict(self) -> dict:
        # As JSON stores them (a tuple option comes back a list): a resumed search compares
        # its space with the stored one in this form.
        return {"kind": self.kind, "options": json.loads(json.dumps(self.options))}

    def __repr__(self) -> str:
        return f"Choice({self.options!r})"


class Conditional(Dimension):
    """A dimension searched only where dimension ``parent`` takes one of ``values``; a trial
    where it is inactive has no such key in its params. Made with ``dim.when(parent=value)``.

    >>> space = SearchSpace(optimizer=Choice(["sgd", "momentum"]),
    ...                     mu=Uniform(0.5, 0.99).when(optimizer="momentum"))
    >>> space.grid(2)
    [{'optimizer': 'sgd'}, {'mu': 0.5, 'optimizer': 'momentum'}, {'mu': 0.99, 'optimizer': 'momentum'}]
    """

    kind = "conditional"

    def __init__(self, dim: Dimension, parent: str, values: list):
        if not isinstance(dim, Dimension) or isinstance(dim, Conditional):
            raise SearchSpaceError(f"when: needs a LogUniform, Uniform, Int or Choice, got {dim!r}")
        try:
            self.values = json.loads(json.dumps(list(values)))
        except TypeError:
            raise SearchSpaceError(f"when: values must be JSON values, got {values!r}") from None
        self.dim, self.parent = dim, str(parent)

    def active(self, params: dict) -> bool:
        return self.parent in params and json.loads(json.dumps(params[self.parent])) in self.values

    def sample(self, rng):
        return self.dim.sample(rng)

    def grid(self, n):
        return self.dim.grid(n)

    def edge(self, x, fraction):
        return self.dim.edge(x, fraction)

    def refine(self, values, **kw):
        return Conditional(self.dim.refine(values, **kw), self.parent, self.values)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "dim": self.dim.to_dict(), "parent": self.parent, "values": self.values}

    def __repr__(self) -> str:
        return f"{self.dim!r}.when({self.parent}={self.values!r})"


_KINDS = {"loguniform": LogUniform, "uniform": Uniform}


def dimension_from_dict(d: dict) -> Dimension:
    """Inverse of ``Dimension.to_dict``. ``dimension_from_dict({"kind": "uniform", "low": 0, "high": 1})``"""
    if d.get("kind") == "choice":
        return Choice(d["options"])
    if d.get("kind") == "conditional":
        return Conditional(dimension_from_dict(d["dim"]), d["parent"], d["values"])
    if d.get("kind") == "int":
        return Int(d["low"], d["high"], log=bool(d.get("log", False)))
    if d.get("kind") in _KINDS:
        return _KINDS[d["kind"]](d["low"], d["high"])
    raise SearchSpaceError(f"unknown search dimension {d!r}")


class SearchSpace:
    """Named dimensions, in a fixed (sorted) order so samples are reproducible.

    >>> s = SearchSpace(lr=LogUniform(1e-3, 1e-1), hidden=Choice([32, 64]))
    >>> s.grid(2)
    [{'hidden': 32, 'lr': 0.001}, {'hidden': 32, 'lr': 0.1}, {'hidden': 64, 'lr': 0.001}, {'hidden': 64, 'lr': 0.1}]
    """

    def __init__(self, dims: dict | None = None, **kwargs):
        dims = dict(dims or {}, **kwargs)
        if not dims:
            raise SearchSpaceError("SearchSpace: needs at least one dimension, e.g. SearchSpace(lr=LogUniform(1e-5, 1e-1))")
        for name, dim in dims.items():
            if not isinstance(dim, Dimension):
                raise SearchSpaceError(f"SearchSpace: dimension {name!r} must be LogUniform, Uniform, Int or Choice, "
                                       f"got {dim!r}")
        self.dims = {k: dims[k] for k in sorted(dims)}
        for name, dim in self.dims.items():
            if isinstance(dim, Conditional) and dim.parent not in self.dims:
                raise SearchSpaceError(f"SearchSpace: dimension {name!r} is searched when {dim.parent!r} is "
                                       f"{dim.values!r}, but the space has no dimension {dim.parent!r}")
            if isinstance(dim, Conditional) and isinstance(self.dims[dim.parent], Conditional):
                raise SearchSpaceError(f"SearchSpace: dimension {name!r} depends on {dim.parent!r}, which is "
                                       "conditional itself; make conditions depend on unconditional dimensions")

    def prune(self, params: dict) -> dict:
        """``params`` without the conditional dimensions that are inactive in it."""
        return {k: v for k, v in params.items()
                if not isinstance(self.dims.get(k), Conditional) or self.dims[k].active(params)}

    def names(self) -> list:
        return list(self.dims)

    def sample(self, rng: np.random.Generator) -> dict:
        # Draw every dimension, active or not, so the random stream does not depend on it.
        return self.prune({name: dim.sample(rng) for name, dim in self.dims.items()})

    def grid(self, points: int = 3) -> list:
        if int(points) != points or points < 1:
            raise SearchSpaceError(f"SearchSpace.grid: points must be a positive integer, got {points!r}")
        axes = [dim.grid(int(points)) for dim in self.dims.values()]
        out, seen = [], set()
        for combo in itertools.product(*axes):
            p = self.prune(dict(zip(self.dims, combo)))
            key = json.dumps(p, sort_keys=True)
            if key not in seen:   # an inactive dimension's values all give one point
                seen.add(key)
                out.append(p)
        return out

    def refine(self, best_params: list, edge_fraction: float = 0.05, pad: float = 0.25) -> "SearchSpace":
        """Coarse-to-fine: narrow every dimension around ``best_params`` (best first).

        Warns (:class:`RangeEdgeWarning`) when the single best value sits at a range edge,
        where the lecture says to widen the range rather than narrow it.
        """
        if not best_params:
            raise SearchSpaceError("SearchSpace.refine: no finished trials to refine around")
        new = {}
        for name, dim in self.dims.items():
            values = [p[name] for p in best_params if name in p]
            if not values:   # a conditional dimension no best trial used: keep its range
                new[name] = dim
                continue
            side = dim.edge(values[0], edge_fraction)
            if side:
                warnings.warn(f"search: the best trial's {name}={values[0]:.3g} lies at the {side} edge of "
                              f"{dim!r}; better values may lie outside the range: widen it",
                              RangeEdgeWarning, stacklevel=3)
            new[name] = dim.refine(values, pad=pad)
        return SearchSpace(new)

    def to_dict(self) -> dict:
        return {name: dim.to_dict() for name, dim in self.dims.items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "SearchSpace":
        return cls({name: dimension_from_dict(v) for name, v in d.items()})

    def difference(self, other: "SearchSpace") -> str | None:
        """A sentence naming the first dimension where two spaces differ, or None if equal."""
        for name in sorted(set(self.dims) | set(other.dims)):
            a, b = self.dims.get(name), other.dims.get(name)
            if a is None:
                return f"dimension {name!r} is only in the other space ({b!r})"
            if b is None:
                return f"dimension {name!r} ({a!r}) is missing from the other space"
            if a != b:
                return f"dimension {name!r} differs: {a.to_dict()} vs {b.to_dict()}"
        return None

    def __eq__(self, other) -> bool:
        return isinstance(other, SearchSpace) and self.difference(other) is None

    def __repr__(self) -> str:
        return "SearchSpace(" + ", ".join(f"{k}={v!r}" for k, v in self.dims.items()) + ")"

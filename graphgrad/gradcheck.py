"""Numeric gradient checks: central differences in float64, cs231n's relative error.

The same functions graphgrad's own tests use, for users' pytest suites:

>>> W = Value(np.random.randn(3, 4), requires_grad=True)
>>> x = Value(np.random.randn(4))
>>> assert gradcheck(lambda W, x: ((W @ x) ** 2).sum(), W, x)
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .autograd import enable_grad, no_grad
from .errors import GradcheckError
from .ops.shape import concatenate
from .higher import grad
from .value import Value, data_replaced

if TYPE_CHECKING:                      # annotations only: no import cost at run time
    from numpy.typing import ArrayLike


def rel_error(a: ArrayLike, b: ArrayLike) -> float:
    """cs231n's relative error: ``max |a - b| / max(1e-8, |a| + |b|)``.

    >>> rel_error(np.array([1.0]), np.array([1.0 + 1e-9]))  # doctest: +ELLIPSIS
    5.0...e-10
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes {a.shape} and {b.shape} differ")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numeric_grad(fn: Callable[..., Any], x: np.ndarray | Value, eps: float = 1e-6,
                 df: ArrayLike | None = None) -> np.ndarray:
    """Central-difference gradient of ``fn`` at array ``x`` (perturbed in place, then restored).

    ``fn(x)`` returns a number (or an array, then ``df`` is the upstream gradient and the
    result is the numeric vector-Jacobian product, as cs231n's
    ``eval_numerical_gradient_array``). ``x`` may be a numpy float array or a Value.
    The differences are always taken in float64: a float32 array is replaced by a
    float64 copy for the duration (``fn`` gets the copy, so it must use its argument),
    and a float32 Value's data is swapped for a float64 copy and put back afterwards.

    >>> numeric_grad(lambda a: (a ** 2).sum(), np.array([1.0, 2.0]))   # doctest: +ELLIPSIS
    array([2..., 4...])
    """
    arr = x.data if isinstance(x, Value) else x
    if not isinstance(arr, np.ndarray) or arr.dtype.kind != "f":
        raise TypeError("numeric_grad: x must be a float numpy array or a tensor Value "
                        "(wrap scalars as np.array([v]))")
    if arr.dtype != np.float64:
        # eps = 1e-6 is below float32's resolution: difference a float64 copy instead
        wide = arr.astype(np.float64)
        if isinstance(x, Value):
            with data_replaced(x, wide):
                return numeric_grad(fn, x, eps, df)
        return numeric_grad(fn, wide, eps, df)
    grad = np.zeros(arr.shape, dtype=np.float64)

    def f():
        r = fn(x)
        r = r.data if isinstance(r, Value) else r
        if df is None:
            return float(np.sum(r))
        return float(np.sum(np.asarray(r, dtype=np.float64) * df))

    it = np.nditer(arr, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        fp, fm = _plus_minus_entry(f, arr, ix, eps)
        grad[ix] = (fp - fm) / (2 * eps)
        it.iternext()
    return grad


def check_eps(eps, who):
    """Refuse an ``eps`` that is not a positive finite number (0 divides by zero, a negative one
    flips the sign) with one ValueError that names ``who``.

    >>> check_eps(1e-6, "gradcheck")           # fine: returns None
    """
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating, np.integer)) \
            or not np.isfinite(eps) or eps <= 0:
        raise ValueError(f"{who}: eps must be a positive number (got {eps!r}); the default 1e-6 "
                         "suits float64 central differences")


def check_output(out, who):
    """``fn``'s result ``out``, which must be a graphgrad Value for its gradient to exist (else a
    TypeError that names ``who``).

    >>> check_output(Value(1.0), "gradcheck").item()
    1.0
    """
    if not isinstance(out, Value):
        raise TypeError(f"{who}: fn must return a graphgrad Value computed from the inputs it is given, "
                        f"got {type(out).__name__}; numpy on .data or .numpy() is not recorded, so it has "
                        "no gradient")
    return out


def float64_copies(inputs, who):
    """The inputs as float64 copies (integer/bool Values, indices and masks, as they are),
    and the positions of those that require grad (at least one, or a ValueError).

    >>> vals, checked = float64_copies([Value(np.ones(2, np.float32), requires_grad=True), 3], "gradcheck")
    >>> vals[0].dtype, checked
    (dtype('float64'), [0])
    """
    values = []
    for k, v in enumerate(inputs):
        if isinstance(v, Value) and v.dtype.kind != "f":
            nv = v                      # an integer or bool Value (an index, a mask) stays as it is
        elif isinstance(v, Value):
            nv = Value(np.array(v.numpy(), dtype=np.float64), requires_grad=v.requires_grad, name=v.name)
        else:
            kind = np.asarray(v).dtype.kind if isinstance(v, (int, float, list, tuple, np.ndarray, np.generic)) else "O"
            if kind not in "biuf":
                raise TypeError(f"{who}: input {k} is a {type(v).__name__}"
                                + (f" of dtype {np.asarray(v).dtype}" if kind != "O" else "")
                                + "; pass graphgrad Values (requires_grad=True for those to check) "
                                  "or real-valued numbers/arrays")
            nv = Value(np.array(v, dtype=np.float64))
        values.append(nv)
    checked = [i for i, v in enumerate(values) if v.requires_grad]
    if not checked:
        raise ValueError(f"{who}: no input requires grad; create them with requires_grad=True")
    return values, checked


def gradcheck(fn: Callable[..., Value], *inputs: Value, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              num_checks: int | None = None, seed: int = 0, raise_exception: bool = True,
              localize: bool | None = None) -> bool:
    """Compare graphgrad's gradients of ``fn(*inputs)`` with central differences.

    Inputs that require grad are checked (copied to float64 first; the originals are not
    touched). A non-scalar output is reduced with fixed random weights, so the whole
    vector-Jacobian product is checked. ``num_checks=k`` checks k random coordinates per
    input (sparse mode, for large inputs). Returns True, or raises :class:`GradcheckError`
    with a table of the worst entries (or returns False with ``raise_exception=False``).
    A NaN or Inf in either gradient is a failure (never a pass), reported as such.

    **Which gate is wrong.** When the whole check fails, each gate of the graph ``fn``
    records is then checked on its own (:func:`graphgrad.check_gates`: its backward
    against central differences of its forward, at the inputs it saw, float64) and the
    failing gates are listed below the table, in forward order, with their group path
    and the source line that created them; the error's ``report`` attribute holds them
    as data (``viz.render(err.report, "f.svg")`` draws them). ``localize`` (default
    None, the same as True): localise when the check fails, so a passing check costs
    nothing more; False: the table only (``raise_exception=False`` returns False without
    localising; call ``check_gates`` for the report).

    A pytest helper: its frames are hidden from tracebacks (``__tracebackhide__``), so a
    failure shows the test's line and the table; ``pytest -p viz.pytest_plugin`` also
    writes the failing gate's picture and prints its path.

    >>> x = Value(np.array([0.5, -1.0]), requires_grad=True)
    >>> gradcheck(lambda x: x.tanh().sum(), x)
    True
    """
    __tracebackhide__ = True
    check_eps(eps, "gradcheck")
    values, checked = float64_copies(inputs, "gradcheck")

    out = check_output(fn(*values), "gradcheck")
    rng = np.random.default_rng(seed)
    weights = None if out.size == 1 else rng.standard_normal(out.shape)
    loss = out.sum() if weights is None else (out * weights).sum()
    if loss.requires_grad:
        loss.backward()
    # else fn's output is a constant of the graph (e.g. the gradient of floor): its analytic
    # gradient is 0, which the central differences below must confirm
    analytic = [np.zeros(values[i].shape) if values[i].grad is None
                else np.array(values[i].grad, dtype=np.float64) for i in checked]

    def f():
        with no_grad():
            o = fn(*values)
        d = np.asarray(o.data, dtype=np.float64)
        return float(np.sum(d if weights is None else d * weights))

    rows = []
    ok = True
    for i, a in zip(checked, analytic):
        v = values[i]
        coords = list(np.ndindex(*v.shape)) if v.shape else [()]
        if num_checks is not None and num_checks < len(coords):
            coords = [coords[j] for j in rng.choice(len(coords), size=num_checks, replace=False)]
        for ix in coords:
            fp, fm = _plus_minus(f, v, ix, eps)
            num = (fp - fm) / (2 * eps)
            an = float(a[ix])
            if not (np.isfinite(an) and np.isfinite(num)):
                # NaN compares False with everything: without this a NaN entry would pass
                rows.append((True, np.inf, i, ix, an, num))
                ok = False
                continue
            err = abs(an - num) / max(1e-8, abs(an) + abs(num))
            bad = abs(an - num) > atol + rtol * abs(num)
            ok &= not bad
            rows.append((bad, err, i, ix, an, num))
    if ok:
        return True
    if not raise_exception:
        return False
    rows.sort(key=lambda r: (not r[0], -r[1]))
    worst = rows[:10]
    nbad = sum(r[0] for r in rows)
    nonfinite = sum(1 for r in rows if not (np.isfinite(r[4]) and np.isfinite(r[5])))
    lines = [f"gradcheck: {nbad} of {len(rows)} checked entries differ beyond atol={atol:g}, rtol={rtol:g}"
             + (f" ({nonfinite} with a NaN or Inf analytic or numeric gradient)" if nonfinite else ""),
             f"{'input':>5}  {'index':<14} {'analytic':>14} {'numeric':>14} {'rel. error':>11}"]
    for bad, err, i, ix, an, num in worst:
        name = inputs[i].name if isinstance(inputs[i], Value) and inputs[i].name else str(i)
        lines.append(f"{name:>5}  {str(ix):<14} {an:>14.6g} {num:>14.6g} {err:>11.2e}"
                     + ("" if bad else "  (within tolerance)"))
    kinks = _kinks(f, values, worst, eps, atol, rtol)
    if kinks:
        lines.append(f"input {kinks[0][0]} at {kinks[0][1]} sits on a kink of fn (its one-sided slopes differ): "
                     "a non-differentiable point (relu or abs at 0, max at a tie) fails any central "
                     "difference; move the input away from it")
    report = None
    if localize is None or localize:
        from .localize import check_gates
        report = check_gates(fn, *inputs, eps=eps, atol=atol, rtol=rtol, seed=seed, num_checks=num_checks)
        lines.append(str(report))
    err = GradcheckError("\n".join(lines))
    err.report = report
    raise err


def _kinks(f, values, rows, eps, atol, rtol) -> list:
    """(input, index) of the failing rows where fn's one-sided slopes differ (a kink)."""
    f0 = None
    found = []
    for bad, _, i, ix, _, _ in rows:
        if not bad:
            continue
        if f0 is None:
            f0 = f()
        fp, fm = _plus_minus(f, values[i], ix, eps)
        right, left = (fp - f0) / eps, (f0 - fm) / eps
        if np.isfinite(right) and np.isfinite(left) and \
                abs(right - left) > atol + rtol * max(abs(right), abs(left)) + 1e-4:
            found.append((i, ix))
    return found


def _plus_minus(f, v, ix, eps):
    """``(f(x + eps), f(x - eps))`` for entry ``ix`` of Value ``v``, put back afterwards even
    when ``f`` raises. Not a write of ``v`` (no version stamp): graphs made at ``x`` stay
    usable."""
    d = v.data
    if d.__class__ is np.float64:        # a float64 scalar: its data is a float, replaced
        x = float(d)
        with data_replaced(v, x + eps):
            fp = f()
        with data_replaced(v, x - eps):
            fm = f()
        return fp, fm
    return _plus_minus_entry(f, d, ix, eps)      # an array: the entry is changed in place


def _plus_minus_entry(f, arr, ix, eps):
    """``(f(), f())`` with ``arr[ix]`` raised, then lowered, by ``eps``; put back afterwards
    even when ``f`` raises."""
    old = arr[ix]
    try:
        arr[ix] = old + eps
        fp = f()
        arr[ix] = old - eps
        fm = f()
    finally:
        arr[ix] = old
    return fp, fm


def gradgradcheck(fn: Callable[..., Value], *inputs: Value, grad_outputs: ArrayLike | None = None,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0,
                  raise_exception: bool = True, check_grad: bool = True) -> bool:
    """Check second derivatives: the gradient of ``fn``'s backward pass against central
    differences, as ``torch.autograd.gradgradcheck``.

    The backward pass ``(x, u) -> d<fn(x), u>/dx`` is built with
    ``graphgrad.grad(..., create_graph=True)`` and its own gradients (with respect to
    every input that requires grad and to the upstream ``u``, random unless given) are
    checked with :func:`gradcheck`. Returns True or raises :class:`GradcheckError`.

    A wrong *first* derivative can pass this check (the derivative of a wrong backward
    is checked against that same wrong backward), so :func:`gradcheck` runs first unless
    ``check_grad=False``; a failure says which of the two failed. A pytest helper, like
    gradcheck (its frames are hidden from tracebacks).

    >>> x = Value(np.array([0.5, -1.0]), requires_grad=True)
    >>> gradgradcheck(lambda x: x.tanh() * x, x)
    True
    """
    __tracebackhide__ = True
    check_eps(eps, "gradgradcheck")
    wide, checked = float64_copies(inputs, "gradgradcheck")
    out = check_output(fn(*wide), "gradgradcheck")
    if check_grad:
        try:
            if not gradcheck(fn, *inputs, eps=eps, atol=atol, rtol=rtol, seed=seed,
                             raise_exception=raise_exception):
                return False
        except GradcheckError as e:
            err = GradcheckError("gradgradcheck: the first derivative is already wrong (gradgradcheck runs "
                                 "gradcheck first; check_grad=False skips it):\n" + str(e))
            err.report = getattr(e, "report", None)
            raise err from None
    if grad_outputs is None:
        u0 = np.random.default_rng(seed + 7).standard_normal(out.shape)
    else:
        u0 = np.array(grad_outputs, dtype=np.float64)
        if u0.shape != out.shape:
            raise ValueError(f"gradgradcheck: grad_outputs has shape {u0.shape} but fn's output has shape {out.shape}")
    u = Value(u0, requires_grad=True, name="upstream")
    n = len(wide)

    def backward_pass(*args):
        xs, up = args[:n], args[n]
        with enable_grad():               # gradcheck's numeric pass runs fn in no_grad()
            o = fn(*xs)
            gs = grad(o, [xs[i] for i in checked], grad_outputs=up, create_graph=True, allow_unused=True)
        parts = [(g if g is not None else Value(np.zeros(xs[i].shape))).reshape(-1)
                 for i, g in zip(checked, gs)]
        return concatenate(parts) if len(parts) > 1 else parts[0]

    try:
        return gradcheck(backward_pass, *wide, u, eps=eps, atol=atol, rtol=rtol, seed=seed,
                         raise_exception=raise_exception, localize=False)
    except GradcheckError as e:
        first = ("gradcheck ran first and passed" if check_grad else
                 "gradcheck was not run first (check_grad=False): a wrong first derivative would show here too")
        raise GradcheckError(f"gradgradcheck: second derivatives differ ({first}; the inputs are the "
                             "function's inputs then the upstream gradient):\n" + str(e)) from None

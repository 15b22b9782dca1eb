"""Linear algebra on Values, as ``np.linalg`` (and ``np.linalg.inv(v)`` on a Value runs
these): inv, solve, det, slogdet, cholesky, eigh, svd, svdvals, pinv and norm with every
``ord`` numpy accepts. Batched over leading axes; real float dtypes only (complex Values
and ``np.fft`` are not supported). Twice differentiable. The ops and these functions are
in ``graphgrad/ops/linalg.py``, with the derivatives and where they are refused (singular,
not positive definite, repeated eigenvalues with eigenvectors used).

>>> import numpy as np, graphgrad as gg
>>> a = gg.Value([[2., 1.], [1., 3.]], requires_grad=True)
>>> d = gg.linalg.det(a)
>>> round(d.item(), 12)
5.0
>>> d.backward(); np.round(a.grad, 12)          # det(A)·A⁻ᵀ
array([[ 3., -1.],
       [-1.,  2.]])
"""
from .ops.linalg import (EighResult, LinAlgError, SlogdetResult, SVDResult, cholesky, det, eigh, eigvalsh, inv,
                         norm, pinv, slogdet, solve, svd, svdvals)

__all__ = ["inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "pinv", "norm",
           "SlogdetResult", "EighResult", "SVDResult", "LinAlgError"]

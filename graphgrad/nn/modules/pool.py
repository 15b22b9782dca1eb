"""Pooling modules (re-exported by ``nn/modules/layers.py``), with PyTorch's arguments,
attributes and repr: ``MaxPool2d(2)`` stores ``kernel_size=2``, ``stride=2`` and prints as
PyTorch does.
"""
from __future__ import annotations

from ..functional import conv as CF, pool as PF
from .module import Module


# ---------------------------------------------------------------- pooling
def _check_sizes(where, d, **sizes):
    for name, v in sizes.items():
        if v is not None:
            CF.ints(v, d, name, where, 0 if name == "padding" else 1)


class MaxPool2d(Module):
    """Max pooling over kh×kw windows. ``MaxPool2d(2)(x)`` halves H and W.

    >>> MaxPool2d(2)(gg.Value(np.arange(16.).reshape(1, 1, 4, 4))).numpy().ravel()
    array([ 5.,  7., 13., 15.])
    """

    _d = 2

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices: bool = False,
                 ceil_mode: bool = False):
        super().__init__()
        where = type(self).__name__
        _check_sizes(where, self._d, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)
        PF.refuse_indices(return_indices, where)
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation, self.ceil_mode = padding, dilation, bool(ceil_mode)
        self.return_indices = False

    def forward(self, x):
        fn = PF.max_pool2d if self._d == 2 else PF.max_pool1d
        return fn(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(MaxPool2d):
    """Max pooling over windows of (N, C, L). ``MaxPool1d(2)(x)`` halves L."""

    _d = 1


class AvgPool2d(Module):
    """Average pooling over kh×kw windows. ``AvgPool2d(2)(x)`` halves H and W.

    >>> AvgPool2d(2)(gg.Value(np.arange(16.).reshape(1, 1, 4, 4))).numpy().ravel()
    array([ 2.5,  4.5, 10.5, 12.5])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None):
        super().__init__()
        where = type(self).__name__
        _check_sizes(where, 2, kernel_size=kernel_size, stride=stride, padding=padding)
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.ceil_mode = padding, bool(ceil_mode)
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = PF.check_divisor(divisor_override, where)

    def forward(self, x):
        return PF.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """Average pooling over windows of (N, C, L). ``AvgPool1d(2)(x)`` halves L."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        where = type(self).__name__
        # PyTorch stores AvgPool1d's sizes as 1-tuples
        self.kernel_size = CF.ints(kernel_size, 1, "kernel_size", where, 1)
        self.stride = self.kernel_size if stride is None else CF.ints(stride, 1, "stride", where, 1)
        self.padding = CF.ints(padding, 1, "padding", where, 0)
        self.ceil_mode, self.count_include_pad = bool(ceil_mode), bool(count_include_pad)

    def forward(self, x):
        return PF.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

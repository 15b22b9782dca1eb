"""Conv and pooling modules (re-exported by ``nn/modules/layers.py``), with PyTorch's
arguments, attributes and repr: ``Conv2d(3, 8, 3, padding=1)`` stores
``kernel_size=(3, 3)``, ``stride=(1, 1)``, ``padding=(1, 1)`` and prints as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from ..functional import conv as CF
from .. import init as _init
from .module import Module, Parameter


def _count(v, name: str, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{where}: {name} must be a positive integer, got {v!r}")
    return int(v)


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: sizes as tuples, weight and bias, repr."""

    _d = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                 init, rng, dtype, output_padding=0):
        super().__init__()
        where, d = type(self).__name__, self._d
        self.in_channels = _count(in_channels, "in_channels", where)
        self.out_channels = _count(out_channels, "out_channels", where)
        self.kernel_size = CF.ints(kernel_size, d, "kernel_size", where, 1)
        self.stride = CF.ints(stride, d, "stride", where, 1)
        self.padding = CF.ints(padding, d, "padding", where, 0)
        self.dilation = CF.ints(dilation, d, "dilation", where, 1)
        self.output_padding = CF.ints(output_padding, d, "output_padding", where, 0)
        self.groups = _count(groups, "groups", where)
        if self.in_channels % self.groups or self.out_channels % self.groups:
            raise ValueError(f"{where}: groups={self.groups} must divide both in_channels={self.in_channels} "
                             f"and out_channels={self.out_channels}")
        if self._transposed:
            shape = (self.in_channels, self.out_channels // self.groups) + self.kernel_size
        else:
            shape = (self.out_channels, self.in_channels // self.groups) + self.kernel_size
        rng = _init.get_rng(rng)
        self.weight = Parameter(_init.by_name(init, shape, rng, dtype), name="W", default_name=True)
        self.bias = Parameter(_init.zeros(self.out_channels, dtype), name="b", default_name=True) if bias else None

    def extra_repr(self):
        d = self._d
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * d:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * d:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * d:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv2d(_ConvNd):
    """2-D convolution, NCHW: weight (out_channels, in_channels/groups, kh, kw), bias (out_channels,).

    >>> conv = Conv2d(3, 8, 3, padding=1, rng=0)
    >>> conv(gg.Value(np.ones((2, 3, 8, 8)))).shape
    (2, 8, 8, 8)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, init="kaiming", rng=None, dtype=np.float64):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         init, rng, dtype)

    def forward(self, x):
        return CF.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L): weight (out_channels, in_channels/groups, k).

    >>> Conv1d(3, 4, 3, padding=1, rng=0)(gg.Value(np.ones((2, 3, 10)))).shape
    (2, 4, 10)
    """

    _d = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, init="kaiming", rng=None, dtype=np.float64):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         init, rng, dtype)

    def forward(self, x):
        return CF.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (upsampling): weight (in_channels, out_channels/groups, kh, kw).

    >>> ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, rng=0)(
    ...     gg.Value(np.ones((1, 4, 5, 5)))).shape
    (1, 2, 10, 10)
    """

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1, init="kaiming", rng=None,
                 dtype=np.float64):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         init, rng, dtype, output_padding)
        where = type(self).__name__
        for o, s, d in zip(self.output_padding, self.stride, self.dilation):
            if o >= s and o >= d:
                raise ValueError(f"{where}: output_padding {self.output_padding} must be smaller than the "
                                 f"stride {self.stride} or the dilation {self.dilation}")

    def forward(self, x):
        return CF.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                   self.groups, self.dilation)


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
        CF._no_indices(return_indices, where)
        self.kernel_size, self.stride = kernel_size, kernel_size if stride is None else stride
        self.padding, self.dilation, self.ceil_mode = padding, dilation, bool(ceil_mode)
        self.return_indices = False

    def forward(self, x):
        fn = CF.max_pool2d if self._d == 2 else CF.max_pool1d
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
        self.divisor_override = CF._divisor(divisor_override, where)

    def forward(self, x):
        return CF.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
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
        return CF.avg_pool1d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"

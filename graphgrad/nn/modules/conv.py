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

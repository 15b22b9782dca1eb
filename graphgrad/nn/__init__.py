"""Neural-network layers as graph nodes (cs231n lectures 3-6), PyTorch-style.

>>> from graphgrad import nn
>>> from graphgrad.nn import functional as F
>>> net = nn.Sequential(nn.Linear(4, 8, rng=0), nn.ReLU(), nn.Linear(8, 3, rng=1))
>>> loss = F.cross_entropy(net(gg.Value(np.ones((2, 4)))), [0, 2])
>>> loss.backward()

Calling a module records its nodes inside a group named after its class, so diagrams
can show each layer as one box or open it up. Composite ops are fused nodes by default;
``with nn.expanded():`` builds them from primitive gates instead.
"""
from . import functional, init
from .modules.activation import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid,
                          Maxout, Mish, PReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softmin, Softplus,
                          Softsign, Tanh)
from .functional import expanded
from .modules.layers import (AvgPool1d, AvgPool2d, BatchNorm1d, BatchNorm2d, Conv1d, Conv2d, ConvTranspose2d,
                     Dropout, Flatten, Identity, Linear, MaxPool1d, MaxPool2d)
from .modules.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, MultiMarginLoss,
                     NLLLoss, SoftmaxLoss, SVMLoss, l1_regularization, l2_regularization)
from .modules.module import Module, ModuleList, Parameter, Sequential
from ._memory import restore_malloc, tune_malloc

tune_malloc()

__all__ = [
    "Module", "ModuleList", "Parameter", "Sequential", "functional", "init", "expanded",
    "Linear", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
    "BatchNorm1d", "BatchNorm2d", "Dropout", "Flatten",
    "Identity", "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "PReLU", "ELU", "Maxout", "Softmax",
    "Softmin", "Softplus", "GELU", "SiLU", "SELU", "CELU", "Mish", "Hardsigmoid", "Hardswish", "Hardtanh",
    "ReLU6", "LogSigmoid", "Softsign",
    "CrossEntropyLoss", "SoftmaxLoss", "MultiMarginLoss", "SVMLoss", "MSELoss", "L1Loss",
    "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
    "l1_regularization", "l2_regularization", "tune_malloc", "restore_malloc",
]

"""nn's layers as ``Module`` classes (``nn.Linear``, ``nn.Conv2d``, ``nn.ReLU`` ...).

``module`` (Module, Parameter, Sequential, ModuleList), ``layers`` (Linear, BatchNorm,
Dropout, Flatten, Identity), ``conv`` (conv layers), ``pool`` (pooling layers), ``activation``,
``loss``. Import them from :mod:`graphgrad.nn`; each calls :mod:`graphgrad.nn.functional`.
"""

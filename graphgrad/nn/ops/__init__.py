"""nn's fused ops: one graph node per layer, each an ``Op`` class with its forward and VJP.

``conv`` (convolution), ``pool`` (max and average pooling), ``norm`` (batch norm), ``loss`` (softmax cross-entropy,
NLL, SVM, binary cross-entropy), ``activation`` (leaky ReLU, ELU, PReLU ...);
``_expand``: the conv, pooling and batch-norm ops built from primitive gates (their
``Op.expand``, which a create_graph pass differentiates, and ``expand=True``'s diagrams).
The functions users call are in :mod:`graphgrad.nn.functional`; the layers in
``graphgrad.nn.modules``.
"""

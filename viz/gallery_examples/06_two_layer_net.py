"""A 2-layer net on a batch of 4: X·W1 + b1 → ReLU → ·W2 + b2 → softmax cross-entropy,
each layer in its own group (collapse them with ``collapse=True``)."""
import numpy as np

import graphgrad as gg

TITLE = "Two-layer net"
ABOUT = ("Affine → ReLU → affine → softmax loss on 4 examples, 3 features, 4 hidden units, "
         "2 classes. Each layer is a group: drawn expanded (gates inside blue boxes) and "
         "collapsed (one box per layer).")

rng = np.random.default_rng(0)
X = gg.Value(np.round(rng.normal(size=(4, 3)), 1), name="X")
labels = np.array([0, 1, 1, 0])
W1 = gg.Value(np.round(rng.normal(size=(3, 4)) * 0.5, 2), requires_grad=True, name="W1")
b1 = gg.Value(np.zeros(4), requires_grad=True, name="b1")
W2 = gg.Value(np.round(rng.normal(size=(4, 2)) * 0.5, 2), requires_grad=True, name="W2")
b2 = gg.Value(np.zeros(2), requires_grad=True, name="b2")

with gg.group("Linear1"):
    h = X @ W1 + b1
with gg.group("ReLU"):
    a = h.relu()
with gg.group("Linear2"):
    scores = a @ W2 + b2
scores.name = "scores"
with gg.group("softmax loss"):
    shifted = scores - scores.max(axis=1, keepdims=True)
    logp = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
    loss = -logp[np.arange(4), labels].mean()
loss.name = "loss"
loss.backward()

DIAGRAMS = [
    ("loss", {"max_values": 8}, "every gate, layers as clusters (tensors over 8 entries summarised)"),
    ("loss", {"collapse": True}, "each layer collapsed to one box"),
]

if __name__ == "__main__":
    print(f"loss = {loss.item():.4f}")

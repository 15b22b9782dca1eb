"""cs231n-style layers with a deliberately wrong ``relu_backward``: gradcheck of the
assembled net fails, and checking gate by gate names the ReLU layer and draws it red."""
import numpy as np

import graphgrad as gg

TITLE = "Which layer is wrong? (gradcheck, gate by gate)"
ABOUT = ("A student's layers as in the assignments, each a forward/backward pair "
         "(gg.layer_from_pair): affine → ReLU → affine → softmax loss. relu_backward lets half "
         "the gradient through where the input was negative. gradcheck of the whole net only "
         "says W1 and b1 are wrong; gg.check_gates checks each layer's backward against central "
         "differences of its own forward and names the ReLU, drawn here with a red border and "
         "the gradient it sent against the expected one.")


def affine_forward(x, w, b):
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.5 * dout)      # the bug: should be 0 where x <= 0


affine = gg.layer_from_pair(affine_forward, affine_backward)
relu = gg.layer_from_pair(relu_forward, relu_backward)

rng = np.random.default_rng(0)
X = gg.Value(np.round(rng.normal(size=(4, 3)), 1), name="X")
labels = np.array([0, 1, 1, 0])
W1 = gg.Value(np.round(rng.normal(size=(3, 4)) * 0.5, 2), requires_grad=True, name="W1")
b1 = gg.Value(np.full(4, 0.1), requires_grad=True, name="b1")
W2 = gg.Value(np.round(rng.normal(size=(4, 2)) * 0.5, 2), requires_grad=True, name="W2")
b2 = gg.Value(np.zeros(2), requires_grad=True, name="b2")


def net(W1, b1, W2, b2):
    with gg.group("affine1"):
        h = affine(X, W1, b1)
    with gg.group("relu"):
        a = relu(h)
    with gg.group("affine2"):
        scores = affine(a, W2, b2)
    with gg.group("softmax loss"):
        shifted = scores - scores.max(axis=1, keepdims=True)
        logp = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        return -logp[np.arange(4), labels].mean()


passed = gg.gradcheck(net, W1, b1, W2, b2, raise_exception=False)      # False: something is wrong
report = gg.check_gates(net, W1, b1, W2, b2)                          # ... and this says what

DIAGRAMS = [
    ("report", {"max_values": 8}, "the failing gate (relu) in red: backward's gradient against the expected one"),
    ("report", {"collapse": True}, "layers collapsed: the wrong layer's box is red"),
]

if __name__ == "__main__":
    print(f"gradcheck passed: {passed}")
    print(report)

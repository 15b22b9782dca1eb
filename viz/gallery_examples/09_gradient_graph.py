"""The gradient is itself a graph: f = x²·y, and df/dx = 2xy recorded by create_graph.

``graphgrad.grad(f, x, create_graph=True)`` runs the backward pass on Values, so every
multiply of "upstream × local" becomes a gate; backpropagating through that graph gives
second derivatives (a Hessian-vector product is the same thing on a bigger graph).
"""
import graphgrad as gg

TITLE = "Gradient of a gradient"
ABOUT = ("f = x²·y at x = 3, y = -2. graphgrad.grad(f, x, create_graph=True) records the backward "
         "pass as gates, one ∂ box per forward gate: the outer * sends upstream 1 × y, the x·x gate "
         "sends (1·y) × x down both of its edges and they add up to df/dx = 2xy = -12. Backpropagating "
         "through that graph puts the second derivatives on its leaves: d²f/dx² = 2y = -4 and "
         "d²f/dx dy = 2x = 6.")


def leaves():
    return gg.Value(3.0, requires_grad=True, name="x"), gg.Value(-2.0, requires_grad=True, name="y")


# the forward graph with its first derivatives
x1, y1 = leaves()
f = x1 * x1 * y1
f.name = "f"
f.backward()

# the backward pass as a graph, and its own backward: second derivatives
x, y = leaves()
(dfdx,) = gg.grad(x * x * y, x, create_graph=True)
dfdx.name = "df/dx"
dfdx.backward()

DIAGRAMS = [
    ("f", {}, "the forward pass: df/dx = 2xy = -12, df/dy = x² = 9"),
    ("dfdx", {"local": True}, "df/dx = 2xy as a graph of ∂ gates; its gradients are d²f/dx² = -4, d²f/dxdy = 6"),
]

if __name__ == "__main__":
    print(f"df/dx = {dfdx.item():g}; d2f/dx2 = {float(x.grad):g}, d2f/dxdy = {float(y.grad):g}")

"""The 2-D sigmoid neuron f = σ(w0·x0 + w1·x1 + w2), drawn three ways:
σ expanded into its gates (*-1, exp, +1, 1/x) inside a "sigmoid" group, the same graph
with that group collapsed to one box, and the fused ``sigmoid()`` gate.
"""
import graphgrad as gg

TITLE = "Sigmoid neuron"
ABOUT = ("f = σ(w0·x0 + w1·x1 + w2) at w = (2, -3, -3), x = (-1, -2). Expanded, σ is four "
         "gates; collapsed (or fused) it is one gate whose local gradient is "
         "σ(1 − σ) = 0.73 × 0.27 = 0.20. Both give the same leaf gradients.")


def inputs():
    vals = dict(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    return {n: gg.Value(v, requires_grad=True, name=n) for n, v in vals.items()}


# expanded: the sigmoid written with primitive ops inside a group
p = inputs()
dot = p["w0"] * p["x0"] + p["w1"] * p["x1"] + p["w2"]
with gg.group("sigmoid"):
    f = 1 / (1 + (-1 * dot).exp())
f.name = "f"
f.backward()

# fused: one σ gate with its own backward
q = inputs()
f_fused = (q["w0"] * q["x0"] + q["w1"] * q["x1"] + q["w2"]).sigmoid()
f_fused.name = "f"
f_fused.backward()

DIAGRAMS = [
    ("f", {}, "σ expanded into gates (the blue box is the sigmoid group)"),
    ("f", {"collapse": "sigmoid"}, "the same graph with the sigmoid group collapsed"),
    ("f_fused", {"local": True}, "fused σ gate, with each edge's local gradient and upstream × local = downstream"),
]

if __name__ == "__main__":
    print("f =", round(f.item(), 2), {n: round(float(v.grad), 2) for n, v in p.items()})

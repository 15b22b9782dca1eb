"""(x + y) * z at x=-2, y=5, z=-4: the first circuit of the cs231n backprop lecture.

Run ``graphgrad render examples/01_add_mul.py -o out`` to draw it.
"""
import graphgrad as gg

TITLE = "(x + y) · z"
ABOUT = ("The lecture's first circuit. The add gate hands its upstream gradient to both "
         "inputs; the mul gate swaps its inputs: dz = q = 3, dq = z = -4.")

x = gg.Value(-2.0, requires_grad=True, name="x")
y = gg.Value(5.0, requires_grad=True, name="y")
z = gg.Value(-4.0, requires_grad=True, name="z")
q = x + y
q.name = "q"
f = q * z
f.name = "f"
f.backward()

DIAGRAMS = [("f", {"fmt": "g"}, "bare integers, as on the slide")]

if __name__ == "__main__":
    print(f"f = {f.item():g}; dx = {x.grad:g}, dy = {y.grad:g}, dz = {z.grad:g}")

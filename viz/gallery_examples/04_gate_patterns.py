"""Patterns in backward flow: add distributes, max routes, mul swaps, copy adds."""
import graphgrad as gg

TITLE = "Gate patterns"
ABOUT = ("f = 2·(x·y + max(z, w)) at x = 3, y = -4, z = 2, w = -1. The add gate distributes "
         "2.00 to both inputs, max routes it to the winner z (w gets 0.00), mul swaps: "
         "dx = y·2 = -8, dy = x·2 = 6. Copy: a value used twice gets the sum, 4 + 2 = 6.")

x = gg.Value(3.0, requires_grad=True, name="x")
y = gg.Value(-4.0, requires_grad=True, name="y")
z = gg.Value(2.0, requires_grad=True, name="z")
w = gg.Value(-1.0, requires_grad=True, name="w")
f = 2 * (x * y + gg.maximum(z, w))
f.name = "f"
f.backward()

# copy (fan-out): a feeds two gates; upstreams 4 and 2 add up to 6
a = gg.Value(7.0, requires_grad=True, name="a")
copy = 4 * a + 2 * a
copy.name = "g"
copy.backward()

DIAGRAMS = [
    ("f", {}, "add distributes, max routes, mul swaps; *2 is a constant folded into its gate"),
    ("copy", {"local": True}, "copy adds: a is read twice, its gradient is 4 + 2"),
]

if __name__ == "__main__":
    print(f"dx={x.grad:g} dy={y.grad:g} dz={z.grad:g} dw={w.grad:g} da={a.grad:g}")

"""Staged computation from the cs231n notes: f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²)
at x = 3, y = -4. x feeds three gates and y two, so their gradients add up."""
import graphgrad as gg

TITLE = "Staged computation"
ABOUT = ("f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²) at x = 3, y = -4. x fans out to three "
         "gates and y to two: their gradients are the sums of what comes back "
         "(dx = 1.58 − 0.04 + 0.51 = 2.06 at full precision).")

x = gg.Value(3.0, requires_grad=True, name="x")
y = gg.Value(-4.0, requires_grad=True, name="y")
sigy = y.sigmoid()
num = x + sigy
num.name = "num"
sigx = x.sigmoid()
xpy = x + y
xpysqr = xpy ** 2
den = sigx + xpysqr
den.name = "den"
invden = 1 / den
f = num * invden
f.name = "f"
f.backward()

DIAGRAMS = [("f", {}, "")]

if __name__ == "__main__":
    print(f"f = {f.item():.6f}, dx = {x.grad:.6f}, dy = {y.grad:.6f}")

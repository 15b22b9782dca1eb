"""The README's "Writing a custom op" snippet runs as written, and its test passes."""
import pathlib
import re

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _snippet() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Writing a custom op", 1)[1]
    m = re.search(r"```python\n(.*?)```", section, re.S)
    assert m, "README: no python block under 'Writing a custom op'"
    return m.group(1)


def test_the_readme_custom_op_snippet_runs_and_its_test_passes():
    ns = {"__name__": "readme_snippet"}
    exec(compile(_snippet(), "README.md#writing-a-custom-op", "exec"), ns)
    tests = [f for k, f in ns.items() if k.startswith("test_") and callable(f)]
    assert tests, "the snippet defines no test_ function"
    for t in tests:
        t()
    # and its op really is what it says (the snippet's gradcheck could not pass otherwise)
    import graphgrad as gg
    x = gg.Value(np.array([0.3]), requires_grad=True)
    y = ns["softplus"](x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 1 / (1 + np.exp(-0.3)))
    np.testing.assert_allclose(y.local_grads()[0], x.grad)


def test_the_readme_gradients_of_gradients_snippet_runs():
    text = (ROOT / "README.md").read_text()
    section = text.split("### Gradients of gradients", 1)[1]
    m = re.search(r"```python\n(.*?)```", section, re.S)
    assert m, "README: no python block under 'Gradients of gradients'"
    ns = {"__name__": "readme_snippet"}
    exec(compile(m.group(1), "README.md#gradients-of-gradients", "exec"), ns)
    np.testing.assert_allclose(ns["hv"], [6.0, 0.0])


def test_the_readme_record_node_snippet_runs_and_its_test_passes():
    import graphgrad as gg
    section = (ROOT / "README.md").read_text().split("## Writing a custom op", 1)[1].split("\n### ", 1)[0]
    block = next(b for b in re.findall(r"```python\n(.*?)```", section, re.S) if "gg.record_node(" in b)
    ns = {"__name__": "readme_snippet", "np": np, "gg": gg}
    exec(compile(block, "README.md#writing-a-custom-op", "exec"), ns)
    ns["test_hinge_gradient"]()
    s = gg.Value(np.array([0.5, 2.0]), requires_grad=True)
    loss = ns["hinge"](s, np.array([1.0, 1.0]))      # margins 0.5 and -1: one active
    loss.backward()
    assert loss.item() == 0.25 and loss.op.name == "hinge"
    np.testing.assert_array_equal(s.grad, [-0.5, 0.0])

"""Group instances: every module call (every gg.group block) is its own cluster."""
import numpy as np

import graphgrad as gg
import viz
from graphgrad import nn


def test_each_group_block_is_an_instance():
    x = gg.Value(1.0, requires_grad=True)
    with gg.group("g"):
        a = x * 2
    with gg.group("g"):
        b = a * 3
    assert a.group == b.group == ("g",)
    assert a.group_instances != b.group_instances
    assert [n for n, _ in b.group_instances] == ["g"]


def test_adjacent_modules_of_one_class_are_separate_clusters():
    net = nn.Sequential(nn.Linear(3, 3, rng=0), nn.Linear(3, 3, rng=1))
    out = net(gg.Value(np.ones((2, 3)))).sum()
    out.backward()
    dot = viz.to_dot(out, collapse=False)
    linear_clusters = [line for line in dot.splitlines() if line.strip().startswith("subgraph cluster")]
    assert len(linear_clusters) == 3          # Sequential, and one per Linear inside it
    assert dot.count("label=<Linear>") == 2
    collapsed = viz.to_dot(out, collapse="Linear")
    assert collapsed.count('tooltip="group Linear') == 2     # two boxes, not one merged box

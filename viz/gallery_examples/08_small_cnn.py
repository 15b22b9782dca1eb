"""A small convnet's graph: (conv-BN-ReLU-pool) ×2 → linear on two 8×8 images.
The convolutions have no bias: BatchNorm right after subtracts the mean, so a bias would
do nothing (its gradient is exactly zero).
Every layer is an ``nn.Module``, so its nodes form a group: drawn as one cluster per
layer, or collapsed to one box per layer."""
import numpy as np

import graphgrad as gg
from graphgrad import nn
from graphgrad.nn import functional as F

TITLE = "A small convnet"
ABOUT = ("Conv2d → BatchNorm2d → ReLU → MaxPool2d, twice, then Linear, on a batch of two 8×8 "
         "images (float32). Tensors this big show their shape, mean and range instead of numbers; "
         "each module is a group, so the whole net can be drawn one box per layer.")

rng = np.random.default_rng(0)
f32 = np.float32
net = nn.Sequential(
    nn.Conv2d(1, 4, 3, padding=1, bias=False, rng=rng, dtype=f32), nn.BatchNorm2d(4, dtype=f32), nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(4, 8, 3, padding=1, bias=False, rng=rng, dtype=f32), nn.BatchNorm2d(8, dtype=f32), nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(8 * 2 * 2, 10, rng=rng, dtype=f32),
)
images = gg.Value(rng.normal(size=(2, 1, 8, 8)).astype(f32), name="images")
labels = np.array([3, 7])
scores = net(images)
scores.name = "scores"
loss = F.cross_entropy(scores, labels)
loss.name = "loss"
loss.backward()

DIAGRAMS = [
    ("loss", {}, "one cluster per layer (the fused conv, BN and pool gates inside)"),
    ("loss", {"collapse": ["Conv2d", "BatchNorm2d", "ReLU", "MaxPool2d", "Flatten", "Linear"]},
     "collapsed: one box per module"),
]

if __name__ == "__main__":
    print(f"loss = {loss.item():.4f}")

"""A small CNN for scikit-learn's 8x8 digits, the network of ``studies/latency_aware_training.py``.

* ``digits-cnn``: LeNet-style, three 3x3 conv (16, 32, 64 channels, padding 1) each followed by
  a ReLU, 2x2 max-pools after the second and third, FC-128 + ReLU, FC-10: 4 ReLU sites
  (1024 + 2048 + 1024 + 128 = 4224 ReLUs per sample) and 2 max-pools. Training uses BatchNorm
  after each conv/FC; it folds into the layer's bias at inference, so the workload has none.
  ``pools=0`` replaces each max-pool by a stride-2 convolution (same output shapes after the
  pool, no pooling layers).
"""

from __future__ import annotations

from ..graph import Workload, WorkloadBuilder
from . import register


@register("digits-cnn", source="studies/latency_aware_training.py (this project); data: scikit-learn "
                               "load_digits, UCI optical digits 8x8", pools=1, classes=10)
def digits_cnn(pools: int, classes: int) -> Workload:
    """LeNet-style CNN for 8x8 digits: conv16-conv32-pool-conv64-pool-fc128-fc10 (ReLU)."""
    b = WorkloadBuilder("digits-cnn" if pools else "digits-cnn-strided", (1, 8, 8), dataset="digits")
    x = b.relu(b.conv2d(b.input, 16, 3, padding=1, bias=True))
    x = b.relu(b.conv2d(x, 32, 3, padding=1, stride=1 if pools else 2, bias=True))
    x = b.maxpool(x, 2) if pools else x
    x = b.relu(b.conv2d(x, 64, 3, padding=1, stride=1 if pools else 2, bias=True))
    x = b.maxpool(x, 2) if pools else x
    x = b.relu(b.linear(b.flatten(x), 128))
    b.linear(x, classes)
    return b.build()

"""1-D CNN for life-threatening ventricular-arrhythmia (VA) detection on an implantable device.

``ecg-va`` is the VA-detection network assumed for the ASP-DAC'25 chip reproduction
(``studies/va_chip.py``; Qin et al., "A 10.60 uW 150 GOPS Mixed-Bit-Width Sparse CNN Accelerator
for Life-Threatening Ventricular Arrhythmia Detection", arXiv 2410.17395). That 2-page paper does
not publish its layer shapes, so the layers are **assumed**: the same group's ICCAD 2022 TinyML
Design Contest reference network ``IEGMNet`` for the same task (single-lead IEGM, binary VA /
non-VA), whose shapes are public:

* source: tinymlcontest/tinyml_contest2022_demo_example ``models/model_1.py`` (class ``IEGMNet``;
  read from the fork anniepan8215/tinyml_contest2022_demo_example);
* input: one IEGM channel, 5 s at 250 Hz = **1250 samples** (contest data format), stored as
  ``(C=1, L=1250, 1)`` -- the reference code also writes the 1-D convolutions as ``Conv2d`` with
  ``(k, 1)`` kernels, which is exactly how the IR holds them here;
* conv1 1->3 k=6 s=2, conv2 3->5 k=5 s=2, conv3 5->10 k=4 s=2, conv4 10->20 k=4 s=2,
  conv5 20->20 k=4 s=2, all unpadded, each followed by ReLU and batch norm
  (lengths 1250 -> 623 -> 310 -> 154 -> 76 -> 37); fc1 740->10 + ReLU; fc2 10->2 (dropout is a
  training-time no-op);
* 192,684 MACs per 1250-sample window; 10,299 trainable parameters (conv/linear weights and
  biases plus batch-norm scale and shift, as PyTorch counts ``IEGMNet().parameters()``).

Parameters: ``window`` (samples per inference, default 1250) and ``in_channels`` (default 1; the
chip's two Core Elements suggest two input channels may be processed in parallel -- an
assumption the study lists, not used by default).
"""

from __future__ import annotations

from ..graph import Workload, WorkloadBuilder
from . import register
from .common import require

#: (out_channels, kernel, stride) of IEGMNet's five convolutions (model_1.py)
IEGMNET_CONVS = ((3, 6, 2), (5, 5, 2), (10, 4, 2), (20, 4, 2), (20, 4, 2))
IEGMNET_HIDDEN = 10
SAMPLE_RATE_HZ = 250.0  # ICD IEGM sampling rate (contest data; chip slide transcript, [VAChip25])


@register("ecg-va", source="assumed = IEGMNet, tinymlcontest/tinyml_contest2022_demo_example "
                           "models/model_1.py (ICCAD 2022 TinyML contest VA detection); "
                           "1250 samples = 5 s at 250 Hz", window=1250, in_channels=1)
def ecg_va(window: int, in_channels: int) -> Workload:
    """VA-detection 1-D CNN (IEGMNet shapes): 5 conv (k 6/5/4/4/4, stride 2) + 2 FC, 1250 samples."""
    require("ecg-va", "window", window, 64 <= window <= 1_000_000, "an integer in [64, 1000000] samples")
    require("ecg-va", "in_channels", in_channels, 1 <= in_channels <= 64, "an integer in [1, 64]")
    b = WorkloadBuilder("ecg-va", (in_channels, window, 1), dataset="iegm-250hz",
                        source="IEGMNet (ICCAD 2022 TinyML contest reference)")
    x = b.input
    for i, (out, k, s) in enumerate(IEGMNET_CONVS, start=1):
        x = b.norm(b.relu(b.conv2d(x, out, (k, 1), stride=(s, 1), bias=True, name=f"conv{i}")))
    x = b.flatten(x)
    x = b.relu(b.linear(x, IEGMNET_HIDDEN, name="fc1"))
    b.linear(x, 2, name="fc2")
    return b.build()

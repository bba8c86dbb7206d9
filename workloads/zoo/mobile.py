"""Mobile CNNs with depthwise convolutions: MobileNetV2 and EfficientNet-B0 (ImageNet 224x224).

* ``mobilenetv2``: Sandler et al., CVPR 2018, Table 2 (t, c, n, s rows); torchvision
  ``mobilenet_v2``: 3,504,872 params, 0.30 GFLOPS (model card, MACs).
* ``efficientnet-b0``: Tan & Le, ICML 2019, Table 1 (MBConv stages, squeeze-excite ratio 0.25 of
  the block input width); torchvision ``efficientnet_b0``: 5,288,548 params, 0.39 GFLOPS.

Batch norms count two parameters per channel (scale and shift), as torchvision's parameter count
does; running statistics are buffers, not parameters.
"""

from __future__ import annotations

from ..graph import Tensor, Workload, WorkloadBuilder
from . import register
from .common import require


def make_divisible(v: float, divisor: int = 8) -> int:
    """Round a channel count to a multiple of ``divisor`` (never below 90 % of ``v``), as the
    reference TensorFlow/torchvision code does for width multipliers."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


# (expansion t, output channels c, repeats n, first stride s): Sandler et al. Table 2
_MBV2 = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
         (6, 320, 1, 1))


def _conv_bn_act(b: WorkloadBuilder, x: Tensor, out: int, k: int, stride: int = 1, groups: int = 1,
                 act: str | None = "relu6", name: str | None = None) -> Tensor:
    y = b.norm(b.conv2d(x, out, k, stride=stride, padding=(k - 1) // 2, groups=groups, name=name))
    return b.act(y, act) if act else y


@register("mobilenetv2", source="Sandler et al. CVPR 2018 Table 2; torchvision mobilenet_v2 model card "
                                "(3,504,872 params, 0.30 GFLOPS)", classes=1000, image=224, width=1.0)
def mobilenetv2(classes: int, image: int, width: float) -> Workload:
    """MobileNetV2 (inverted residuals, ReLU6), ImageNet 224x224, width multiplier ``width``."""
    require("mobilenetv2", "width", width, 0.1 <= width <= 4.0, "a width multiplier in [0.1, 4]")
    b = WorkloadBuilder("mobilenetv2", (3, image, image), dataset="imagenet")
    c_in = make_divisible(32 * width)
    x = _conv_bn_act(b, b.input, c_in, 3, stride=2, name="stem")
    for stage, (t, c, n, s) in enumerate(_MBV2, start=1):
        c_out = make_divisible(c * width)
        for i in range(n):
            with b.scope(f"block{stage}.{i}"):
                stride = s if i == 0 else 1
                hidden = c_in * t
                y = _conv_bn_act(b, x, hidden, 1, name="expand") if t != 1 else x
                y = _conv_bn_act(b, y, hidden, 3, stride=stride, groups=hidden, name="dw")
                y = _conv_bn_act(b, y, c_out, 1, act=None, name="project")
                x = b.add(y, x) if stride == 1 and c_in == c_out else y
            c_in = c_out
    x = _conv_bn_act(b, x, make_divisible(1280 * max(1.0, width)), 1, name="head")
    x = b.flatten(b.global_avgpool(x))
    b.linear(x, classes, name="classifier")
    return b.build()


# (expansion, kernel, stride, in, out, repeats): Tan & Le Table 1 / torchvision efficientnet_b0
_B0 = ((1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
       (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1))


def _mbconv(b: WorkloadBuilder, x: Tensor, expand: int, k: int, stride: int, c_out: int) -> Tensor:
    c_in = x.shape[0]
    hidden = c_in * expand
    y = _conv_bn_act(b, x, hidden, 1, act="silu", name="expand") if expand != 1 else x
    y = _conv_bn_act(b, y, hidden, k, stride=stride, groups=hidden, act="silu", name="dw")
    squeeze = max(1, c_in // 4)
    s = b.global_avgpool(y, name="se_pool")
    s = b.act(b.conv2d(s, squeeze, 1, bias=True, name="se_reduce"), "silu")
    s = b.act(b.conv2d(s, hidden, 1, bias=True, name="se_expand"), "sigmoid")
    y = b.mul(y, s, name="se_scale")
    y = _conv_bn_act(b, y, c_out, 1, act=None, name="project")
    return b.add(y, x) if stride == 1 and c_in == c_out else y


@register("efficientnet-b0", source="Tan & Le ICML 2019 Table 1; torchvision efficientnet_b0 model card "
                                    "(5,288,548 params, 0.39 GFLOPS)", classes=1000, image=224)
def efficientnet_b0(classes: int, image: int) -> Workload:
    """EfficientNet-B0 (MBConv with squeeze-excite, SiLU), ImageNet 224x224."""
    b = WorkloadBuilder("efficientnet-b0", (3, image, image), dataset="imagenet")
    x = _conv_bn_act(b, b.input, 32, 3, stride=2, act="silu", name="stem")
    for stage, (e, k, s, _c_in, c_out, n) in enumerate(_B0, start=1):
        for i in range(n):
            with b.scope(f"block{stage}.{i}"):
                x = _mbconv(b, x, e, k, s if i == 0 else 1, c_out)
    x = _conv_bn_act(b, x, 1280, 1, act="silu", name="head")
    x = b.flatten(b.global_avgpool(x))
    b.linear(x, classes, name="classifier")
    return b.build()

"""ResNets and wide ResNets (CIFAR 32x32 and ImageNet 224x224 variants).

Shapes: He et al., "Deep Residual Learning for Image Recognition", CVPR 2016 (Table 1 for the
ImageNet nets, Sec. 4.2 for the 6n+2 CIFAR nets); the ResNet-18 CIFAR variant with a 3x3 stem and
no max-pool is the one used by the private-inference literature (SNL/AutoReP ``ResNet18_IN``,
whose ReLU count with the stem ReLU is 557,056: [AutoReP23, code models_snl/]). WRN-22-8:
Zagoruyko & Komodakis, "Wide Residual Networks", BMVC 2016 (pre-activation blocks).
"""

from __future__ import annotations

from ..graph import Tensor, Workload, WorkloadBuilder
from . import register


def _basic_block(b: WorkloadBuilder, x: Tensor, out_ch: int, stride: int) -> Tensor:
    y = b.relu(b.norm(b.conv2d(x, out_ch, 3, stride=stride, padding=1)))
    y = b.norm(b.conv2d(y, out_ch, 3, padding=1))
    if stride != 1 or x.shape[0] != out_ch:
        x = b.norm(b.conv2d(x, out_ch, 1, stride=stride, name="shortcut"))
    return b.relu(b.add(y, x))


def _bottleneck(b: WorkloadBuilder, x: Tensor, width: int, stride: int) -> Tensor:
    out_ch = 4 * width
    y = b.relu(b.norm(b.conv2d(x, width, 1)))
    y = b.relu(b.norm(b.conv2d(y, width, 3, stride=stride, padding=1)))
    y = b.norm(b.conv2d(y, out_ch, 1))
    if stride != 1 or x.shape[0] != out_ch:
        x = b.norm(b.conv2d(x, out_ch, 1, stride=stride, name="shortcut"))
    return b.relu(b.add(y, x))


def _imagenet_resnet(name: str, blocks: list[int], bottleneck: bool, classes: int, image: int) -> Workload:
    b = WorkloadBuilder(name, (3, image, image), dataset="imagenet", source="He et al. CVPR 2016 Table 1")
    x = b.relu(b.norm(b.conv2d(b.input, 64, 7, stride=2, padding=3, name="stem")))
    x = b.maxpool(x, 3, 2, padding=1)
    widths = [64, 128, 256, 512]
    for stage, (n, w) in enumerate(zip(blocks, widths), start=1):
        for i in range(n):
            with b.scope(f"layer{stage}.{i}"):
                stride = 2 if (i == 0 and stage > 1) else 1
                x = _bottleneck(b, x, w, stride) if bottleneck else _basic_block(b, x, w, stride)
    x = b.flatten(b.global_avgpool(x))
    b.linear(x, classes, name="fc")
    return b.build()


@register("resnet18-imagenet", source="He et al. CVPR 2016, Table 1 (11.69M params, 1.82 GMACs)",
          classes=1000, image=224)
def resnet18_imagenet(classes: int, image: int) -> Workload:
    """ResNet-18, ImageNet 224x224."""
    return _imagenet_resnet("resnet18-imagenet", [2, 2, 2, 2], False, classes, image)


@register("resnet50-imagenet", source="He et al. CVPR 2016, Table 1 (25.56M params, 4.1 GMACs)",
          classes=1000, image=224)
def resnet50_imagenet(classes: int, image: int) -> Workload:
    """ResNet-50 (bottleneck), ImageNet 224x224."""
    return _imagenet_resnet("resnet50-imagenet", [3, 4, 6, 3], True, classes, image)


@register("resnet18-cifar", source="SNL/AutoReP ResNet18_IN with stem ReLU; 557,056 ReLUs [AutoReP23, code models_snl/]",
          classes=10, image=32, stem_relu=True)
def resnet18_cifar(classes: int, image: int, stem_relu: bool) -> Workload:
    """ResNet-18 for CIFAR (3x3 stem, no max-pool), 32x32 input."""
    b = WorkloadBuilder("resnet18-cifar", (3, image, image), dataset="cifar")
    x = b.norm(b.conv2d(b.input, 64, 3, padding=1, name="stem"))
    if stem_relu:
        x = b.relu(x)
    for stage, w in enumerate([64, 128, 256, 512], start=1):
        for i in range(2):
            with b.scope(f"layer{stage}.{i}"):
                x = _basic_block(b, x, w, 2 if (i == 0 and stage > 1) else 1)
    x = b.flatten(b.global_avgpool(x))
    b.linear(x, classes, name="fc")
    return b.build()


def _cifar_resnet(name: str, n: int, classes: int) -> Workload:
    b = WorkloadBuilder(name, (3, 32, 32), dataset="cifar", source="He et al. CVPR 2016 Sec. 4.2")
    x = b.relu(b.norm(b.conv2d(b.input, 16, 3, padding=1, name="stem")))
    for stage, w in enumerate([16, 32, 64], start=1):
        for i in range(n):
            with b.scope(f"layer{stage}.{i}"):
                x = _basic_block(b, x, w, 2 if (i == 0 and stage > 1) else 1)
    x = b.flatten(b.global_avgpool(x))
    b.linear(x, classes, name="fc")
    return b.build()


@register("resnet20-cifar", source="He et al. CVPR 2016 Sec. 4.2 (0.27M params)", classes=10)
def resnet20_cifar(classes: int) -> Workload:
    """ResNet-20 (6n+2, n=3) for CIFAR-10."""
    return _cifar_resnet("resnet20-cifar", 3, classes)


@register("resnet32-cifar", source="He et al. CVPR 2016 Sec. 4.2 (0.46M params)", classes=10)
def resnet32_cifar(classes: int) -> Workload:
    """ResNet-32 (6n+2, n=5) for CIFAR-10."""
    return _cifar_resnet("resnet32-cifar", 5, classes)


def _wide_block(b: WorkloadBuilder, x: Tensor, out_ch: int, stride: int) -> Tensor:
    """Pre-activation wide block (BN-ReLU-conv3x3-BN-ReLU-conv3x3); stride on the first conv.

    When the width changes, the shortcut 1x1 conv reads the *activated* input, as in the
    SNL/AutoReP ``WideBasicBlock`` (so the block has exactly two ReLU layers either way).
    """
    a = b.relu(b.norm(x))
    y = b.conv2d(a, out_ch, 3, stride=stride, padding=1)
    y = b.conv2d(b.relu(b.norm(y)), out_ch, 3, padding=1)
    if stride != 1 or x.shape[0] != out_ch:
        x = b.conv2d(a, out_ch, 1, stride=stride, name="shortcut")
    return b.add(y, x)


@register("wrn22-8-cifar",
          source="Zagoruyko & Komodakis BMVC 2016 (WRN-22-8, 17.2M params); ReLU layout of "
                 "SNL/AutoReP models_snl/cifar_resnet.py WideResNet (no ReLU after the final BN): "
                 "1,359,872 ReLUs on CIFAR [AutoReP23, code models_snl/]",
          depth=22, widen=8, classes=10, image=32, final_relu=False)
def wrn_cifar(depth: int, widen: int, classes: int, image: int, final_relu: bool) -> Workload:
    """Wide ResNet (pre-activation), CIFAR 32x32; WRN-22-8 by default."""
    from dse.errors import DseInputError

    if depth < 10 or (depth - 4) % 6:
        raise DseInputError("workload wrn22-8-cifar.depth", depth, "6n+4 with n >= 1 (10, 16, 22, 28, ...)")
    if widen < 1:
        raise DseInputError("workload wrn22-8-cifar.widen", widen, "an integer >= 1")
    n = (depth - 4) // 6
    b = WorkloadBuilder(f"wrn{depth}-{widen}-cifar", (3, image, image), dataset="cifar",
                        source="Zagoruyko & Komodakis BMVC 2016")
    x = b.conv2d(b.input, 16, 3, padding=1, name="stem")
    for stage, w in enumerate([16 * widen, 32 * widen, 64 * widen], start=1):
        for i in range(n):
            with b.scope(f"block{stage}.{i}"):
                x = _wide_block(b, x, w, 2 if (i == 0 and stage > 1) else 1)
    x = b.norm(x, name="final_bn")
    if final_relu:
        x = b.relu(x, name="final_relu")
    x = b.flatten(b.global_avgpool(x))
    b.linear(x, classes, name="fc")
    return b.build()

"""Plain CNNs: LeNet-5, AlexNet and VGG-16 (ImageNet and CIFAR variants), Orion's MNIST LeNet.

Shapes and sources:

* ``lenet5``: LeCun et al., Proc. IEEE 1998, Fig. 2 (32x32 input, C1 6@5x5, S2, C3 16@5x5,
  S4, C5/F6 120-84, 10 outputs), in the common modern form with a fully connected C3 and a
  linear output layer (61,706 parameters, the count of ``torch.nn`` LeNet-5 in d2l.ai §7.6).
* ``alexnet``: torchvision ``alexnet`` (Krizhevsky's "one weird trick" single-GPU variant,
  arXiv 1404.5997): 61,100,840 params, 0.71 GFLOPS (torchvision model card, counted as MACs).
* ``vgg16``: Simonyan & Zisserman ICLR 2015, configuration D; torchvision ``vgg16``:
  138,357,544 params, 15.47 GFLOPS (model card, MACs).
* ``vgg16-cifar``: the CIFAR VGG-16 of the SNL/AutoReP code (``models_snl/cifar_resnet.py``
  ``VGG(depth=16)``: 3x3 conv without bias + BN + ReLU, no last max-pool, 2x2 average pool,
  one linear layer).
* ``vgg8-cifar``: DNN+NeuroSim's VGG-8 for CIFAR-10 ([NeuroSim21] V1.4 ``models/VGG.py`` ``cfg_list['vgg8']``
  and ``NeuroSIM/NetWork_VGG8.csv``): 3x3 "same" convs 128-128-M-256-256-M-512-512-M (2x2 max
  pools), FC 8192-1024-10, ReLU, no bias or norm; 12,973,440 weights, 615.9 M MACs.
* ``alexnet-cifar``: Orion's CIFAR AlexNet (``baahl-nyu/orion`` ``orion/models/alexnet.py``), the
  FHE-Agent benchmark: conv-BN-act blocks 64/192/384/256/256 with 2x2 average pools, adaptive
  average pool to 2x2, FC 1024-4096-4096-10 with BN; Orion's activation is SiLU approximated by a
  degree-127 polynomial (``act=poly, degree=127``).
* ``lenet-orion``: Orion's MNIST LeNet (``orion/models/lenet.py``, FHE-Agent's "LeNet"): conv
  32@5x5/2 and 64@5x5/2 with BN and x², FC 3136-512-10.
"""

from __future__ import annotations

from ..graph import Tensor, Workload, WorkloadBuilder
from . import register
from .common import activation, check_act, require


@register("lenet5", source="LeCun et al. Proc. IEEE 1998 Fig. 2; modern form (full C3, linear output): "
                           "61,706 params", classes=10, image=32, act="relu", degree=2, pool="max")
def lenet5(classes: int, image: int, act: str, degree: int, pool: str) -> Workload:
    """LeNet-5 on a 1x32x32 image (MNIST padded by 2)."""
    check_act("lenet5", act, degree)
    require("lenet5", "pool", pool, pool in ("max", "avg"), "one of max, avg")
    b = WorkloadBuilder("lenet5", (1, image, image), dataset="mnist")
    sub = b.maxpool if pool == "max" else b.avgpool
    x = sub(activation(b, b.conv2d(b.input, 6, 5, bias=True, name="c1"), act, degree), 2, name="s2")
    x = sub(activation(b, b.conv2d(x, 16, 5, bias=True, name="c3"), act, degree), 2, name="s4")
    x = activation(b, b.linear(b.flatten(x), 120, name="c5"), act, degree)
    x = activation(b, b.linear(x, 84, name="f6"), act, degree)
    b.linear(x, classes, name="output")
    return b.build()


def _alexnet_features(b: WorkloadBuilder) -> Tensor:
    x = b.maxpool(b.relu(b.conv2d(b.input, 64, 11, stride=4, padding=2, bias=True, name="conv1")), 3, 2)
    x = b.maxpool(b.relu(b.conv2d(x, 192, 5, padding=2, bias=True, name="conv2")), 3, 2)
    x = b.relu(b.conv2d(x, 384, 3, padding=1, bias=True, name="conv3"))
    x = b.relu(b.conv2d(x, 256, 3, padding=1, bias=True, name="conv4"))
    x = b.relu(b.conv2d(x, 256, 3, padding=1, bias=True, name="conv5"))
    return b.maxpool(x, 3, 2)


@register("alexnet", source="torchvision alexnet model card (61,100,840 params, 0.71 GFLOPS); "
                            "Krizhevsky arXiv 1404.5997", classes=1000)
def alexnet(classes: int) -> Workload:
    """AlexNet, ImageNet 224x224 (torchvision layout; the adaptive 6x6 average pool is an identity)."""
    b = WorkloadBuilder("alexnet", (3, 224, 224), dataset="imagenet")
    x = b.flatten(_alexnet_features(b))
    x = b.relu(b.linear(x, 4096, name="fc6"))
    x = b.relu(b.linear(x, 4096, name="fc7"))
    b.linear(x, classes, name="fc8")
    return b.build()


_VGG16 = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


@register("vgg16", source="Simonyan & Zisserman ICLR 2015 config D; torchvision vgg16 model card "
                          "(138,357,544 params, 15.47 GFLOPS)", classes=1000)
def vgg16(classes: int) -> Workload:
    """VGG-16 (configuration D), ImageNet 224x224, no batch norm."""
    b = WorkloadBuilder("vgg16", (3, 224, 224), dataset="imagenet")
    x = b.input
    for v in _VGG16:
        x = b.maxpool(x, 2) if v == "M" else b.relu(b.conv2d(x, int(v), 3, padding=1, bias=True))
    x = b.relu(b.linear(b.flatten(x), 4096, name="fc6"))
    x = b.relu(b.linear(x, 4096, name="fc7"))
    b.linear(x, classes, name="fc8")
    return b.build()


@register("vgg16-cifar", source="SNL/AutoReP models_snl/cifar_resnet.py VGG(depth=16, batchnorm=True): "
                                "276,480 ReLUs on CIFAR", classes=10, act="relu", degree=2)
def vgg16_cifar(classes: int, act: str, degree: int) -> Workload:
    """VGG-16 for CIFAR 32x32 (BN, bias-free convs, 2x2 average pool, one linear layer)."""
    check_act("vgg16-cifar", act, degree)
    b = WorkloadBuilder("vgg16-cifar", (3, 32, 32), dataset="cifar")
    x = b.input
    for v in _VGG16[:-1]:  # the CIFAR config has no final max-pool
        x = b.maxpool(x, 2) if v == "M" else activation(b, b.norm(b.conv2d(x, int(v), 3, padding=1)), act, degree)
    x = b.flatten(b.avgpool(x, 2))
    b.linear(x, classes, name="classifier")
    return b.build()


@register("vgg8-cifar", source="DNN+NeuroSim V1.4 models/VGG.py cfg_list['vgg8'] and NeuroSIM/NetWork_VGG8.csv "
                               "(2 x 615,917,568 = 1.23184e9 operations, main.cpp numComputation)", classes=10)
def vgg8_cifar(classes: int) -> Workload:
    """NeuroSim's VGG-8 for CIFAR-10 32x32: six bias-free 3x3 convs, three 2x2 max pools, FC 8192-1024-10."""
    b = WorkloadBuilder("vgg8-cifar", (3, 32, 32), dataset="cifar")
    x = b.input
    for v in (128, 128, "M", 256, 256, "M", 512, 512, "M"):
        x = b.maxpool(x, 2) if v == "M" else b.relu(b.conv2d(x, int(v), 3, padding=1))
    x = b.relu(b.linear(b.flatten(x), 1024, bias=False, name="fc1"))
    b.linear(x, classes, bias=False, name="fc2")
    return b.build()


@register("alexnet-cifar", source="baahl-nyu/orion orion/models/alexnet.py (FHE-Agent AlexNet benchmark; "
                                  "SiLU as a degree-127 polynomial)", classes=10, act="poly", degree=127)
def alexnet_cifar(classes: int, act: str, degree: int) -> Workload:
    """Orion's AlexNet for CIFAR-10 32x32 (conv-BN-act blocks, average pooling, BN in the classifier)."""
    check_act("alexnet-cifar", act, degree)
    b = WorkloadBuilder("alexnet-cifar", (3, 32, 32), dataset="cifar")
    x = b.input
    for v in (64, "M", 192, "M", 384, 256, 256):
        x = b.avgpool(x, 2) if v == "M" else activation(b, b.norm(b.conv2d(x, int(v), 3, padding=1)), act, degree)
    h = x.shape[1] // 2
    x = b.flatten(b.avgpool(x, h, name="adaptive_avgpool"))  # AdaptiveAvgPool2d((2, 2)) on 8x8
    for width in (4096, 4096):
        x = activation(b, b.norm(b.linear(x, width)), act, degree)
    b.linear(x, classes, name="classifier")
    return b.build()


@register("lenet-orion", source="baahl-nyu/orion orion/models/lenet.py (FHE-Agent LeNet benchmark, "
                                "x^2 activations)", classes=10, act="poly", degree=2)
def lenet_orion(classes: int, act: str, degree: int) -> Workload:
    """Orion's MNIST LeNet: two strided 5x5 convs with BN and x², FC 3136-512-10."""
    check_act("lenet-orion", act, degree)
    b = WorkloadBuilder("lenet-orion", (1, 28, 28), dataset="mnist")
    x = activation(b, b.norm(b.conv2d(b.input, 32, 5, stride=2, padding=2, bias=True)), act, degree)
    x = activation(b, b.norm(b.conv2d(x, 64, 5, stride=2, padding=2, bias=True)), act, degree)
    x = activation(b, b.norm(b.linear(b.flatten(x), 512)), act, degree)
    b.linear(x, classes, name="fc2")
    return b.build()

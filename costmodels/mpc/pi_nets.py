"""The exact ImageNet networks of two private-inference papers (built, not registered in the zoo).

* CryptGPU's ResNets [CryptGPU21; code scripts/benchmark.py ``select_model``]: torchvision
  ``resnet50/101/152`` with ``model.maxpool = nn.AvgPool2d(kernel_size=3, stride=2)`` (no padding),
  batch size 1 (``inference_all``).
* PASNet-A / PASNet-B [PASNet23; code run_eval.sh, models/search_resnet_imagenet_tmp.py]: ResNet-18
  / ResNet-50 "with all_poly": every activation site is ``PolyAct`` (``a x^2 + b x + c``, degree 2)
  and the stem pool is the ``GatePool`` set to average pooling (``set_alpha_all_poly_avgpool``),
  kernel 3, stride 2, padding 1.

Shapes otherwise as in ``workloads/zoo/resnet.py`` (He et al. CVPR 2016, Table 1).
"""

from __future__ import annotations

from collections.abc import Callable

from workloads.graph import Tensor, Workload, WorkloadBuilder

__all__ = ["cryptgpu_resnet", "pasnet"]

_BLOCKS = {18: ([2, 2, 2, 2], False), 50: ([3, 4, 6, 3], True), 101: ([3, 4, 23, 3], True),
           152: ([3, 8, 36, 3], True)}


def _resnet(name: str, depth: int, act: Callable[[WorkloadBuilder, Tensor], Tensor],
            pool: Callable[[WorkloadBuilder, Tensor], Tensor]) -> Workload:
    blocks, bottleneck = _BLOCKS[depth]
    b = WorkloadBuilder(name, (3, 224, 224), dataset="imagenet", source="He et al. CVPR 2016 Table 1")
    x = pool(b, act(b, b.norm(b.conv2d(b.input, 64, 7, stride=2, padding=3, name="stem"))))
    for stage, w in enumerate([64, 128, 256, 512], start=1):
        for i in range(blocks[stage - 1]):
            with b.scope(f"layer{stage}.{i}"):
                stride = 2 if (i == 0 and stage > 1) else 1
                out = 4 * w if bottleneck else w
                if bottleneck:
                    y = act(b, b.norm(b.conv2d(x, w, 1)))
                    y = act(b, b.norm(b.conv2d(y, w, 3, stride=stride, padding=1)))
                    y = b.norm(b.conv2d(y, out, 1))
                else:
                    y = act(b, b.norm(b.conv2d(x, w, 3, stride=stride, padding=1)))
                    y = b.norm(b.conv2d(y, w, 3, padding=1))
                if stride != 1 or x.shape[0] != out:
                    x = b.norm(b.conv2d(x, out, 1, stride=stride, name="shortcut"))
                x = act(b, b.add(y, x))
    x = b.flatten(b.global_avgpool(x))
    b.linear(x, 1000, name="fc")
    return b.build()


def cryptgpu_resnet(depth: int) -> Workload:
    """CryptGPU's ImageNet ResNet-``depth`` (ReLU; stem max-pool replaced by AvgPool2d(3, 2))."""
    return _resnet(f"cryptgpu-resnet{depth}", depth, lambda b, x: b.relu(x),
                   lambda b, x: b.avgpool(x, 3, 2))


def pasnet(variant: str) -> Workload:
    """PASNet-A (ResNet-18) or PASNet-B (ResNet-50), all activations x^2 polynomials."""
    depth = {"A": 18, "B": 50}[variant]
    return _resnet(f"pasnet-{variant.lower()}", depth, lambda b, x: b.act(x, "poly", degree=2),
                   lambda b, x: b.avgpool(x, 3, 2, padding=1))

"""Small HE-friendly MNIST networks with polynomial activations.

* ``cryptonets``: Gilad-Bachrach et al., "CryptoNets", ICML 2016, Sec. 4.1 — the inference network
  after collapsing the adjacent linear layers: 29x29 padded input, conv 5@5x5 stride 2
  (5x13x13 = 845 outputs), x², dense 100, x², dense 10.
* ``lola``: the LoLa MNIST network of Brutzkus, Oren & Gilad-Bachrach, ICML 2019, as shipped by
  Orion (``baahl-nyu/orion`` ``orion/models/lola.py``, the FHE-Agent "LoLa" benchmark): conv 5@2x2
  stride 2 (980 outputs) + BN, x², dense 100 + BN, x², dense 10.
* ``mlp-orion``: Orion's MLP (``orion/models/mlp.py``, FHE-Agent "MLP"): 784-128-128-10 with
  BN and x² after each hidden layer.
"""

from __future__ import annotations

from ..graph import Workload, WorkloadBuilder
from . import register
from .common import activation, check_act


@register("cryptonets", source="Gilad-Bachrach et al. ICML 2016 Sec. 4.1 (collapsed inference network)",
          classes=10, act="poly", degree=2)
def cryptonets(classes: int, act: str, degree: int) -> Workload:
    """CryptoNets MNIST network: conv 5@5x5/2 on 29x29, x², dense 100, x², dense 10."""
    check_act("cryptonets", act, degree)
    b = WorkloadBuilder("cryptonets", (1, 29, 29), dataset="mnist")
    x = activation(b, b.conv2d(b.input, 5, 5, stride=2, bias=True, name="conv"), act, degree)
    x = activation(b, b.linear(b.flatten(x), 100, name="fc1"), act, degree)
    b.linear(x, classes, name="fc2")
    return b.build()


@register("lola", source="baahl-nyu/orion orion/models/lola.py (FHE-Agent LoLa benchmark; "
                         "Brutzkus et al. ICML 2019)", classes=10, act="poly", degree=2)
def lola(classes: int, act: str, degree: int) -> Workload:
    """LoLa MNIST network (Orion's version): conv 5@2x2/2 + BN, x², dense 100 + BN, x², dense 10."""
    check_act("lola", act, degree)
    b = WorkloadBuilder("lola", (1, 28, 28), dataset="mnist")
    x = activation(b, b.norm(b.conv2d(b.input, 5, 2, stride=2, bias=True, name="conv1")), act, degree)
    x = activation(b, b.norm(b.linear(b.flatten(x), 100, name="fc1")), act, degree)
    b.linear(x, classes, name="fc2")
    return b.build()


@register("mlp-orion", source="baahl-nyu/orion orion/models/mlp.py (FHE-Agent MLP benchmark)",
          classes=10, hidden=128, act="poly", degree=2)
def mlp_orion(classes: int, hidden: int, act: str, degree: int) -> Workload:
    """Orion's MNIST MLP: 784-128-128-10, BN and x² after each hidden layer."""
    check_act("mlp-orion", act, degree)
    b = WorkloadBuilder("mlp-orion", (1, 28, 28), dataset="mnist")
    x = b.flatten(b.input)
    for i in (1, 2):
        x = activation(b, b.norm(b.linear(x, hidden, name=f"fc{i}")), act, degree)
    b.linear(x, classes, name="fc3")
    return b.build()

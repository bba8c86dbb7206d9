"""Claims of the structural 2PC protocol costs (:mod:`costmodels.mpc.blocks`).

* Block sizes vs the SCI library measured at l = 32/37/64 (millionaire, ReLU, faithful
  truncation; [CrypTFlow2-20; SCI, measured]): the blocks are counted from the code's structure,
  nothing is fitted to these numbers, so they are validations.
* ResNet-50 end to end vs the Cheetah paper: Cheetah 2.3 GB, CrypTFlow2 12.9x that (29.7 GB),
  Cheetah < 150 s on WAN and 5.6x faster than CrypTFlow2 [Cheetah22, abstract]. Batch norm is
  priced ``separate``, as both codes run ResNet-50 (OpenCheetah ``library_fixed_uniform_cheetah.cpp``
  ``BatchNorm``; SCI ``ElemWiseActModelVectorMult``).
"""

from __future__ import annotations

from functools import partial

from dse.claims import Claim

from . import blocks

__all__ = ["CLAIMS"]

_SCI = "[CrypTFlow2-20; SCI, measured] 65,536 ops, 1 thread, loopback, both parties' bytes"
_PAPER = "[Cheetah22, abstract] ResNet-50, WAN (400 Mbit/s, 40 ms)"


def _block(kind: str, l: int) -> float:
    ot = blocks.flavour("iknp")
    if kind == "mill":
        return blocks.millionaire(ot, l - 1).bytes
    if kind == "relu":
        return blocks.relu(ot, l).bytes
    return blocks.trunc_faithful(ot, l, 12).bytes


def _resnet50(protocol: str, what: str) -> float:
    import workloads

    from .model import MpcModel

    m = MpcModel(batchnorm="separate")
    met = m.evaluate(workloads.load("resnet50-imagenet"),
                     {"protocol": protocol, "parties": 2, "weights": "public", "network": "wan"})
    return float(met.totals[what][0])


def _ratio(what: str) -> float:
    return _resnet50("cryptflow2", what) / _resnet50("cheetah", what)


_MEASURED = {("mill", 32): 491.5, ("mill", 37): 546.0, ("mill", 64): 1057.0,
             ("relu", 32): 539.5, ("relu", 37): 596.5, ("relu", 64): 1121.0,
             ("trunc", 32): 524.5, ("trunc", 37): 649.6, ("trunc", 64): 1104.5}

CLAIMS: list[Claim] = [
    Claim(id=f"mpc-sci-{kind}-l{l}", family="mpc",
          what=f"SCI {kind} bytes per element at l = {l} from IKNP/KK13 block structure",
          reference=ref, unit="B", source=_SCI, kind="validation", rel_tol=0.10,
          compute=partial(_block, kind, l))
    for (kind, l), ref in _MEASURED.items()
] + [
    Claim(id="mpc-sci-relu-time", family="mpc",
          what="SCI ring ReLU compute at l = 32 (IKNP OT work unit x 28 units)",
          reference=405e-3 / 65_536, unit="s", source=_SCI + "; stock relu-OT test, 405 ms / 65,536 ReLUs",
          kind="calibration", rel_tol=1e-3, fitted=("blocks.ot_unit_s('iknp')",),
          compute=lambda: blocks.relu(blocks.flavour("iknp"), 32).ots * blocks.ot_unit_s("iknp")),
    Claim(id="mpc-cheetah-resnet50-bytes", family="mpc",
          what="Cheetah ResNet-50 total communication from silent-OT blocks + HE linear layers",
          reference=2.3e9, unit="B", source=_PAPER, kind="validation", rel_tol=0.25,
          compute=partial(_resnet50, "cheetah", "comm_bytes"),
          gap="+26 %: output ciphertexts assume SEAL's compression removes the zeroed "
              "bits, batch norm's CRT-to-ring conversion is not modelled, and our ResNet-50 has 53 batch "
              "norms where OpenCheetah's (pre-activation) has 49; with batch norm folded: 1.53 GB"),
    Claim(id="mpc-cryptflow2-resnet50-bytes", family="mpc",
          what="CrypTFlow2 ResNet-50 total communication from IKNP blocks (field ReLU) + SCI_HE linear layers",
          reference=12.9 * 2.3e9, unit="B", source=_PAPER + "; 12.9x Cheetah's 2.3 GB (derived)",
          kind="validation", rel_tol=0.25, compute=partial(_resnet50, "cryptflow2", "comm_bytes"),
          gap="ours ~22.6 GB (-24 %, in tolerance): the ReLUs are SCI_HE's field DReLU (relu-field.h); "
              "the truncations are still the ring blocks (SCI_HE's field division is not modelled), and "
              "SCI_HE's fully connected packing and rotations are not modelled"),
    Claim(id="mpc-cheetah-resnet50-wan-s", family="mpc",
          what="Cheetah ResNet-50 WAN latency (upper bound 150 s published)",
          reference=150.0, unit="s", source=_PAPER + ": < 2.5 min", kind="validation", rel_tol=0.25,
          compute=partial(_resnet50, "cheetah", "latency_s"),
          gap="ours exceeds the published upper bound (< 150 s) by ~23 %: compute is OT work units x "
              "Ferret's published 22 ns per COT plus SEAL PMult per MAC (not Cheetah's measured "
              "throughput); rounds are the unpipelined block depth"),
    Claim(id="mpc-cryptflow2-over-cheetah-wan", family="mpc",
          what="CrypTFlow2 / Cheetah ResNet-50 WAN latency ratio",
          reference=5.6, unit="1", source=_PAPER, kind="validation", rel_tol=0.25,
          compute=partial(_ratio, "latency_s"),
          gap="-30 %: CrypTFlow2's bytes are 38 % under its published total "
              "(ring blocks instead of SCI_HE's field protocols), which shortens its WAN time"),
]

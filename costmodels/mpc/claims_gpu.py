"""Claims of the GPU 3-party profile (:mod:`costmodels.mpc.gpu`) and PASNet's FPGA 2PC engine
(:mod:`costmodels.mpc.pasnet_fpga`).

Published figures: PASNet-A 63 ms and PASNet-B 228 ms private inference on ImageNet, 147x and 40x
faster than CryptGPU [PASNet23, abstract]. CryptGPU's own ResNet-50 table was not readable here,
so its ResNet-50 time is the one PASNet implies: 63 ms x 147 = 9.26 s (228 ms x 40 = 9.12 s).
Nothing is fitted to these figures: the GPU profile is datasheet rates times CryptGPU's code
structure, the FPGA engine DSP counts times the board clock; the assumptions are fixed up front:

* CryptGPU: its own protocols counted from its code (``protocol=cryptgpu``, :mod:`.cryptgpu`),
  3 parties, shared weights, batch norm as two private products (CryptGPU evaluates it on encrypted
  parameters), one V100 per party (the AWS p3.2xlarge GPU, [AWS-P3]), link 10 Gbit/s (that instance's "up to
  10 Gigabit", [AWS-P3]) and RTT 0.3 ms (the family's LAN round trip); the network of CryptGPU's
  ``scripts/benchmark.py`` (ResNet-50 with the stem max-pool replaced by an average pool, batch 1).
* PASNet: 2 parties, one ZCU102 per party (the family's only UltraScale+ MPSoC board; PASNet's board
  is not stated in the sources read), 64-bit ring (CrypTen's), the server holds the weights
  (``weights=public``), the family's LAN preset (3 Gbit/s, 0.3 ms), perfect compute/transfer overlap
  within a layer (``tiles=0``), PASNet-A/B = ResNet-18/50 with every activation x^2 and an average
  stem pool (the repository's ``all_poly`` checkpoints).
"""

from __future__ import annotations

from functools import cache

from dse.claims import Claim

__all__ = ["CLAIMS", "CRYPTGPU_NET", "cryptgpu_s", "pasnet_s"]

PASNET = "[PASNet23, abstract] arXiv 2306.15513: PASNet-A 63 ms, PASNet-B 228 ms on ImageNet, 147x / 40x faster than CryptGPU"
CRYPTGPU_NET = {"bandwidth": 10e9 / 8, "rtt": 0.3e-3}  #: assumed link of CryptGPU's 3 AWS GPU instances


@cache
def cryptgpu_s(depth: int = 50, device: str = "v100") -> float:
    """Our latency of CryptGPU's ResNet-``depth`` (its protocols, 3 parties, shared weights, one GPU each)."""
    from .model import MpcModel
    from .pi_nets import cryptgpu_resnet

    m = MpcModel(device=device, batchnorm="separate", **CRYPTGPU_NET)
    met = m.evaluate(cryptgpu_resnet(depth), {"protocol": "cryptgpu", "parties": 3, "weights": "shared",
                                              "network": "custom"})
    return float(met.totals["latency_s"][0])


@cache
def pasnet_s(variant: str) -> float:
    """Our latency of PASNet-``variant`` on the FPGA 2PC engine (assumptions in the module doc)."""
    from .pasnet_fpga import Fpga2pc
    from .pi_nets import pasnet
    from .presets import network

    return Fpga2pc(board="zcu102", bits=64, tiles=0, weights="public").run(pasnet(variant), network("lan")).total_s


_GPU_GAP = ("ours is a roofline: 4.35 GB at 10 Gbit/s (3.48 s), 3,368 sequential waits x 0.3 ms (1.01 s) and "
            "0.06 s of fp64 block products; CryptGPU's measured time also holds the PyTorch kernels of every step "
            "(its AND gates pack and unpack bits in Python loops), host staging of every message (gloo backend), "
            "none modelled")
_LINK_GAP = ("the x^2 openings alone are 16 B per element (CrypTen's 2PC Beaver square): 36.9 MB for PASNet-A, "
             "98 ms at 3 Gbit/s, above the published 63 ms; PASNet's link, ring width and board are not in the "
             "sources read, so the faster link or narrower ring it must use is not assumed")

CLAIMS: list[Claim] = [
    Claim(id="mpc-cryptgpu-resnet50-s", family="mpc",
          what="CryptGPU ResNet-50 ImageNet private inference on 3 V100s (its protocols + GPU roofline profile)",
          reference=0.063 * 147, unit="s", source=PASNET + "; CryptGPU time implied: 63 ms x 147 (228 ms x 40 = 9.12 s)",
          kind="validation", rel_tol=0.25, compute=cryptgpu_s, gap=_GPU_GAP),
    Claim(id="mpc-pasnet-a-s", family="mpc",
          what="PASNet-A (ResNet-18, all x^2) latency on the FPGA 2PC engine, ZCU102, LAN",
          reference=0.063, unit="s", source=PASNET, kind="validation", rel_tol=0.25,
          compute=lambda: pasnet_s("A"), gap=_LINK_GAP),
    Claim(id="mpc-pasnet-b-s", family="mpc",
          what="PASNet-B (ResNet-50, all x^2) latency on the FPGA 2PC engine, ZCU102, LAN",
          reference=0.228, unit="s", source=PASNET, kind="validation", rel_tol=0.25,
          compute=lambda: pasnet_s("B"), gap=_LINK_GAP),
    Claim(id="mpc-pasnet-b-over-a", family="mpc",
          what="PASNet-B / PASNet-A latency ratio on the FPGA 2PC engine",
          reference=0.228 / 0.063, unit="1", source=PASNET + " (ratio of the two published latencies)",
          kind="validation", rel_tol=0.25, compute=lambda: pasnet_s("B") / pasnet_s("A")),
    Claim(id="mpc-pasnet-a-vs-cryptgpu", family="mpc",
          what="CryptGPU ResNet-50 / PASNet-A latency (cryptgpu on V100s over the FPGA 2PC engine)",
          reference=147.0, unit="1", source=PASNET, kind="validation", rel_tol=0.25,
          compute=lambda: cryptgpu_s() / pasnet_s("A"), gap="both ends miss: " + _GPU_GAP + "; and " + _LINK_GAP),
    Claim(id="mpc-pasnet-b-vs-cryptgpu", family="mpc",
          what="CryptGPU ResNet-50 / PASNet-B latency (cryptgpu on V100s over the FPGA 2PC engine)",
          reference=40.0, unit="1", source=PASNET, kind="validation", rel_tol=0.25,
          compute=lambda: cryptgpu_s() / pasnet_s("B"), gap="both ends miss: " + _GPU_GAP + "; and " + _LINK_GAP),
]

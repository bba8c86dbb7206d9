"""Claims of the mapping-aware ``asic`` model (see ``dse/claims.py``).

References are ZigZag 3.9.1's outputs for ResNet-18 (its bundled ``resnet18.onnx``) on its
``tpu_like`` accelerator, LOMA search, ``opt="energy"``, ``lpf_limit=6``, recorded by
``python -m costmodels.asic.peer_zigzag`` in ``tests/asic/data/zigzag_tpu_like_resnet18.json``.
No engine constant was fitted to them: the accelerator's own per-access costs are inputs (read
from ZigZag's file); the latency conventions (on-load of the largest first tile, exposed
replacements of levels that cannot double-buffer) follow ZigZag's published model (Mei et al.,
IEEE TC 2021) and were adopted before this comparison.

Eyeriss (Chen et al., JSSC 2017 [Eyeriss17]; ISSCC 2016): AlexNet CONV1-5, batch 4, on the
``eyeriss`` preset (12 x 14 PEs, 16-bit, scratchpads, 108 kB GLB; its energies are the ISCA 2016
normalised ladder on a Horowitz 16-bit MAC, not fitted here) with a row-stationary spatial
unrolling (filter rows x output-channel replication on the 12 rows, output rows on the 14
columns) and the temporal mapping searched (energy objective). Compared: DRAM accesses (16-bit
words) per MAC against 0.0029 and power at 35 fps (energy of one batch x 35/4) against 278 mW.
What the paper leaves unsaid bounds the tolerance: Eyeriss stores ifmaps/ofmaps run-length
compressed in DRAM (the engine does not compress) and whether filters pass through the GLB
(assumed not); the measured chip power includes clock tree, control and the inter-PE network
(not charged), and leakage.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from dse.claims import Claim

__all__ = ["CLAIMS"]

_REC = Path(__file__).resolve().parents[2] / "tests" / "asic" / "data" / "zigzag_tpu_like_resnet18.json"
_SRC = ("ZigZag 3.9.1 get_hardware_performance_zigzag(resnet18.onnx, tpu_like.yaml, tpu_like.yaml, "
        "opt='energy', lpf_limit=6), recorded in tests/asic/data/zigzag_tpu_like_resnet18.json")


_REC_LAT = _REC.with_name("zigzag_tpu_like_resnet18_latency.json")


@lru_cache(maxsize=2)
def _rows(path: Path = _REC, objective: str = "energy") -> tuple[dict, ...]:
    from .peer_zigzag import compare

    return tuple(compare(json.loads(path.read_text()), objective))


def _sum(key: str, path: Path = _REC, objective: str = "energy") -> float:
    return float(sum(r[key] for r in _rows(path, objective)))


def _ref(key: str, path: Path = _REC) -> float:
    rec = json.loads(path.read_text())
    return float(sum(l[key] for l in rec["layers"]))


def eyeriss_alexnet() -> dict[str, float]:
    """DRAM accesses per MAC, energy per batch of 4 (J) and power at 35 fps (W) of AlexNet CONV
    layers on the ``eyeriss`` preset with a row-stationary unrolling."""
    from .archfile import load_arch
    from .mapping import DIMS, Layer7
    from .mapping_search import Mapping, search_layer

    k, oy, fy = DIMS.index("K"), DIMS.index("OY"), DIMS.index("FY")
    n = 4
    rs3 = ((0, fy, 3), (0, k, 4), (1, oy, 13))
    layers = [  # Krizhevsky et al., NIPS 2012 (grouped conv2/4/5 as two groups)
        (Layer7("conv1", (n, 96, 3, 55, 55, 11, 11), (4, 4)), ((0, fy, 11), (1, oy, 14))),
        (Layer7("conv2", (n, 128, 48, 27, 27, 5, 5), repeat=2), ((0, fy, 5), (0, k, 2), (1, oy, 14))),
        (Layer7("conv3", (n, 384, 256, 13, 13, 3, 3)), rs3),
        (Layer7("conv4", (n, 192, 192, 13, 13, 3, 3), repeat=2), rs3),
        (Layer7("conv5", (n, 128, 192, 13, 13, 3, 3), repeat=2), rs3),
    ]
    arch = load_arch("eyeriss")
    macs = dram = energy = 0.0
    for layer, sp in layers:
        m = search_layer(layer, arch, "energy", fixed=Mapping(sp)).metrics
        macs += layer.macs
        dram += m["dram_bits"] / 16 * layer.repeat
        energy += m["energy_pj"] * 1e-12 * layer.repeat
    return {"dram_per_mac": dram / macs, "energy_j": energy, "power_w": energy * 35 / n}


_EYERISS_SRC = ("[Eyeriss17] Chen, Krishna, Emer, Sze, IEEE JSSC 52(1) 2017, AlexNet CONV layers at "
                "batch 4: 34.7 fps, 278 mW, 0.0029 DRAM accesses/MAC")


CLAIMS = [
    Claim("asic-eyeriss-dram-per-mac", "asic",
          "Eyeriss, AlexNet CONV1-5 batch 4, row-stationary: DRAM accesses (16-bit) per MAC",
          0.0029, "1", _EYERISS_SRC, "validation", lambda: eyeriss_alexnet()["dram_per_mac"], rel_tol=0.5,
          gap="the engine gives 0.0058 (2.0x): Eyeriss keeps ifmaps/ofmaps run-length compressed in "
              "DRAM and its filter path through the GLB is not modelled; the search minimises energy "
              "with the batch loop outermost for conv3-5 (filters re-read per image)"),
    Claim("asic-eyeriss-power", "asic",
          "Eyeriss, AlexNet CONV1-5 batch 4, row-stationary: power at 35 fps (W)",
          0.278, "W", _EYERISS_SRC, "validation", lambda: eyeriss_alexnet()["power_w"], rel_tol=0.3,
          gap="the engine gives 0.22 W (-21%): no clock tree, control, inter-PE network or leakage"),
    Claim("asic-zigzag-energy-fixed", "asic",
          "ResNet-18 on tpu_like, energy of ZigZag's chosen mappings evaluated by the engine (pJ -> J)",
          _ref("energy_pj") * 1e-12, "J", _SRC, "validation", lambda: _sum("fixed_energy_pj") * 1e-12,
          rel_tol=0.10),
    Claim("asic-zigzag-cycles-fixed", "asic",
          "ResNet-18 on tpu_like, cycles of ZigZag's chosen mappings evaluated by the engine",
          _ref("latency_cycles"), "1", _SRC, "validation", lambda: _sum("fixed_cycles"), rel_tol=0.10,
          gap="per layer, the 1x1 stride-2 downsamples of layer3/layer4 are 1.30x/1.16x ZigZag's "
              "cycles: ZigZag's write-back of the final output differs from the engine's"),
    Claim("asic-zigzag-energy-search", "asic",
          "ResNet-18 on tpu_like, ZigZag's spatial unrolling, energy of the engine's temporal "
          "search (energy objective, J) vs ZigZag's LOMA optimum",
          _ref("energy_pj") * 1e-12, "J", _SRC, "validation", lambda: _sum("spat_energy_pj") * 1e-12,
          rel_tol=0.05),
    Claim("asic-zigzag-cycles-search", "asic",
          "ResNet-18 on tpu_like, ZigZag's spatial unrolling, cycles of the engine's temporal "
          "search (latency objective) vs ZigZag's LOMA optimum",
          _ref("latency_cycles", _REC_LAT), "1", _SRC.replace("opt='energy'", "opt='latency'").replace(
              "resnet18.json", "resnet18_latency.json"), "validation",
          lambda: _sum("spat_cycles", _REC_LAT, "latency"), rel_tol=0.05,
          gap="per layer, the three 1x1 stride-2 downsamples are 1.05x/1.30x/1.16x ZigZag's cycles"),
]

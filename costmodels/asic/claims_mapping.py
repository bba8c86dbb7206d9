"""Claims of the mapping-aware ``asic`` model (see ``dse/claims.py``).

References are ZigZag 3.9.1's outputs for ResNet-18 (its bundled ``resnet18.onnx``) on its
``tpu_like`` accelerator, LOMA search, ``opt="energy"``, ``lpf_limit=6``, recorded by
``python -m costmodels.asic.peer_zigzag`` in ``tests/asic/data/zigzag_tpu_like_resnet18.json``.
No engine constant was fitted to them: the accelerator's own per-access costs are inputs (read
from ZigZag's file); the latency conventions (on-load of the largest first tile, exposed
replacements of levels that cannot double-buffer) follow ZigZag's published model (Mei et al.,
IEEE TC 2021) and were adopted before this comparison.

Eyeriss (Chen et al., JSSC 2017 [Eyeriss17]; ISSCC 2016): AlexNet CONV1-5, batch 4, on the
``eyeriss`` preset (12 x 14 PEs, 16-bit, scratchpads, the GLB's 100 kB for ifmaps and psums; its
energies are the ISCA 2016 normalised ladder on a Horowitz 16-bit MAC, not fitted here) with a
row-stationary spatial unrolling (filter rows x output-channel replication on the 12 rows, output
rows on the 14 columns) and the temporal mapping searched (energy objective, ``lpf_limit=8``, see
``EYERISS_LPF``). Compared: DRAM accesses (16-bit words) per MAC against 0.0029 (the paper's 15.4 MB
per batch of 4 over 2.66 G MACs is 2 bytes per access) and power at 35 fps (energy of one batch x
35/4) against 278 mW. The paper's stated setup ([Eyeriss17] Sec. V-A): 100 kB of the 108 kB GLB
hold ifmaps and psums in banks assigned per layer; the other 8 kB preload the next processing
pass's filters ("not required by the dataflow"), so filters reach the scratchpads from DRAM once
per pass (the preset: no filter level between DRAM and the filter scratchpads). Feature maps are
stored run-length coded in DRAM (Sec. IV-B; :mod:`.rlc`) at the per-layer ifmap zero fractions of
[Eyeriss17] Table V (``data/eyeriss_alexnet_zeros.csv``; the ofmap of a layer is assumed to have
the next layer's ifmap zeros, CONV5's its own). The text confirms CONV2 ('almost 40%') and CONV5
('around 75%'); CONV1/3/4 are recalled from Table V, an image in the only copy found. The measured
chip power includes the clock network, control and leakage (not charged) and excludes the off-chip
DRAM (so the engine's DRAM energy is left out of the power compared).
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


#: LOMA loop-prime-factor limit of the Eyeriss claims: the model's largest (8), because the paper's
#: mapping came from an optimiser over the whole RS mapping space ([Eyeriss17] Sec. IV-A-b, its
#: ref. [32]); the default 6 merges AlexNet's 16-19 prime factors so coarsely that no candidate
#: keeps the batch loop inside the filters' reuse (filters re-read per image: 0.0058 instead of
#: 0.00483 plain; both figures are in the claims' gap text)
EYERISS_LPF = 8


@lru_cache(maxsize=2)
def eyeriss_alexnet(lpf_limit: int = EYERISS_LPF) -> dict[str, float]:
    """AlexNet CONV1-5 (batch 4) on the ``eyeriss`` preset with a row-stationary unrolling:
    DRAM accesses (16-bit words) per MAC plain and with Eyeriss's RLC of feature maps
    (:mod:`.rlc`, zero fractions of ``data/eyeriss_alexnet_zeros.csv``), chip power at 35 fps
    without the off-chip DRAM energy (W), and the RLC saving on feature-map DRAM traffic of CONV1
    and CONV5."""
    from dse.datafiles import load_csv

    from .archfile import load_arch
    from .mapping import DIMS, Layer7
    from .mapping_search import Mapping, search_layer
    from .rlc import rlc_ratio

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
    zeros = {r["layer"]: r for r in load_csv(_ZEROS, required=("layer", "ifmap_zero_pct", "ofmap_zero_pct", "source"))}
    arch = load_arch("eyeriss")
    out = {"macs": 0.0, "dram": 0.0, "dram_rlc": 0.0, "chip_j": 0.0}
    for layer, sp in layers:
        m = search_layer(layer, arch, "energy", fixed=Mapping(sp), lpf_limit=lpf_limit).metrics
        z = zeros[layer.name]
        r_i = 1.0 if layer.name == "conv1" else rlc_ratio(float(z["ifmap_zero_pct"]) / 100)  # the image is not coded
        r_o = rlc_ratio(float(z["ofmap_zero_pct"]) / 100)
        fmap = m["dram_bits_I"] + m["dram_bits_O"]
        out["macs"] += layer.macs
        out["dram"] += m["dram_bits"] / 16 * layer.repeat
        out["dram_rlc"] += (m["dram_bits_W"] + m["dram_bits_I"] * r_i + m["dram_bits_O"] * r_o) / 16 * layer.repeat
        out["chip_j"] += (m["energy_pj"] - m["energy_dram_pj"]) * 1e-12 * layer.repeat
        out[f"{layer.name}_fmap_saving"] = 1 - (m["dram_bits_I"] * r_i + m["dram_bits_O"] * r_o) / fmap
    return {"dram_per_mac": out["dram"] / out["macs"], "dram_per_mac_rlc": out["dram_rlc"] / out["macs"],
            "chip_power_w": out["chip_j"] * 35 / n, "conv1_fmap_saving": out["conv1_fmap_saving"],
            "conv5_fmap_saving": out["conv5_fmap_saving"]}


_ZEROS = Path(__file__).with_name("data") / "eyeriss_alexnet_zeros.csv"
#: why the DRAM-bound downsample layers take more cycles than ZigZag reports (read from ZigZag
#: 3.9.1 cost_model/cost_model.py and tpu_like.yaml)
_DS_GAP = ("they are DRAM-bound; tpu_like has one 64-bit read-write DRAM port, and the engine's cycles "
           "are the time to move each layer's DRAM traffic through it (layer2.0 19,840, layer3.0 13,504 "
           "cycles) or compute plus the full weight load (layer4.0 22,656; port bound 21,088); ZigZag "
           "reports 18,879 / 10,431 / 19,583, below that port bound, because its on-loading of data "
           "loaded once (calc_loading_single_port_period_count_1) is reduced by a 'cycles surplus' of "
           "spare port bandwidth over the whole computation while the other operands' transfers use the "
           "same port")

_EYERISS_SRC = ("[Eyeriss17] Chen, Krishna, Emer, Sze, IEEE JSSC 52(1) 2017, AlexNet CONV layers at "
                "batch 4: 34.7 fps, 278 mW, 0.0029 DRAM accesses/MAC")


CLAIMS = [
    Claim("asic-eyeriss-dram-per-mac", "asic",
          "Eyeriss, AlexNet CONV1-5 batch 4, row-stationary, no compression: DRAM accesses (16-bit) per MAC",
          0.0029, "1", _EYERISS_SRC, "validation", lambda: eyeriss_alexnet()["dram_per_mac"], rel_tol=0.5,
          gap="the engine gives 0.00483 (1.67x) before RLC, but the published 0.0029 (15.4 MB per batch "
              "of 4, [Eyeriss17] Sec. VI-A) is the chip's traffic with feature maps RLC-coded in DRAM "
              "(Sec. IV-B): compare asic-eyeriss-dram-per-mac-rlc. Traffic per batch: filters 3.92 M "
              "words (conv3-5 read once; conv1 20x and conv2 4x, the batch loop outside the filters' "
              "reuse), ifmaps 6.30 M, ofmaps 2.65 M. With the search's default lpf_limit=6 (prime "
              "factors merged too coarsely to keep the batch loop inside the filters' reuse) it is "
              "0.0058: the claims use lpf_limit=8 (EYERISS_LPF), fixed because the paper's mapping "
              "comes from an optimiser over the whole mapping space"),
    Claim("asic-eyeriss-dram-per-mac-rlc", "asic",
          "Eyeriss, AlexNet CONV1-5 batch 4, row-stationary, feature maps run-length coded in DRAM "
          "(Eyeriss's 5b-run/16b-level format at the published per-layer zero fractions): DRAM "
          "accesses (16-bit) per MAC",
          0.0029, "1", _EYERISS_SRC + "; zero fractions [Eyeriss17] Table V (CONV1/3/4 unverified, recalled)",
          "validation", lambda: eyeriss_alexnet()["dram_per_mac_rlc"], rel_tol=0.5,
          gap="the engine gives 0.00321 (+11%; 0.0048 with lpf_limit=6); filters are not compressed "
              "(as on the chip). The per-layer zero fractions are partly unverified: [Eyeriss17]'s "
              "text gives CONV2 'almost 40%' and CONV5 'around 75%' (the CSV's 38.7% and 77.6% agree); "
              "CONV1, CONV3 and CONV4 are recalled from Table V, which is an image in the only copy "
              "found and could not be read"),
    Claim("asic-eyeriss-rlc-conv5-saving", "asic",
          "Eyeriss RLC on AlexNet CONV5: fraction of feature-map DRAM traffic saved (at the Table V "
          "zero fractions; CONV5's 77.6% agrees with the text's 'around 75%')",
          0.75, "1", "[Eyeriss17] Sec. IV-B ('nearly 75% in CONV5'); zero fractions Table V", "validation",
          lambda: eyeriss_alexnet()["conv5_fmap_saving"], rel_tol=0.1,
          gap="the engine gives 70%; the ifmap zero fraction it rests on (77.6%) is recalled from "
              "[Eyeriss17] Table V (the text says 'around 75%'); CONV5's ofmap zeros are unpublished "
              "and taken equal to its ifmap's"),
    Claim("asic-eyeriss-rlc-conv1-saving", "asic",
          "Eyeriss RLC on AlexNet CONV1: fraction of feature-map DRAM traffic saved",
          0.30, "1", "[Eyeriss17] Sec. IV-B ('nearly 30% in CONV1'); zero fractions Table V", "validation",
          lambda: eyeriss_alexnet()["conv1_fmap_saving"], rel_tol=0.3,
          gap="the engine gives 12%: CONV1's ofmap zero fraction is taken as CONV2's ifmap zeros "
              "(38.7%, after max-pooling; the text's 'almost 40%'); the pre-pooling ReLU output the "
              "chip writes has more zeros, and no figure for it is published"),
    Claim("asic-eyeriss-power", "asic",
          "Eyeriss, AlexNet CONV1-5 batch 4, row-stationary: chip power at 35 fps without the "
          "off-chip DRAM (W)",
          0.278, "W", _EYERISS_SRC, "validation", lambda: eyeriss_alexnet()["chip_power_w"], rel_tol=0.3,
          gap="the engine gives 0.154 W (-45%; 0.223 W with lpf_limit=6, whose coarser mappings spend "
              "more in the scratchpads, GLB and array network): per batch of 4 it charges MACs 3.57 mJ, "
              "scratchpads 11.72 mJ, GLB 1.08 mJ and array network 1.20 mJ (no zero-ifmap gating). [Eyeriss17] Sec. VI-A (Fig. 16) "
              "puts the ALUs under 10% and data movement (spads, GLB, NoC) up to 45% of chip power, "
              "the clock network being the largest consumer besides the spads: the charged parts are "
              "at most ~55% of 278 mW (~0.153 W); clock tree, control and leakage are not modelled"),
    Claim("asic-zigzag-energy-fixed", "asic",
          "ResNet-18 on tpu_like, energy of ZigZag's chosen mappings evaluated by the engine (pJ -> J)",
          _ref("energy_pj") * 1e-12, "J", _SRC, "validation", lambda: _sum("fixed_energy_pj") * 1e-12,
          rel_tol=0.10),
    Claim("asic-zigzag-cycles-fixed", "asic",
          "ResNet-18 on tpu_like, cycles of ZigZag's chosen mappings evaluated by the engine",
          _ref("latency_cycles"), "1", _SRC, "validation", lambda: _sum("fixed_cycles"), rel_tol=0.10,
          gap="per layer, the 1x1 stride-2 downsamples of layer3/layer4 are 1.30x/1.16x ZigZag's "
              "cycles: " + _DS_GAP),
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
          gap="per layer, the three 1x1 stride-2 downsamples are 1.05x/1.30x/1.16x ZigZag's cycles: " + _DS_GAP),
    Claim("asic-im2col-scalesim-cycles", "asic",
          "asic with lowering=im2col on an R x C systolic array with one SRAM level and SCALE-Sim's "
          "os/ws/is mapping, all 108 recorded SCALE-Sim cases (54 convolutions: 3x3, 3x3/2, 7x7/2, 1x1, "
          "depthwise 3x3; 54 GEMMs): max |ours - SCALE-Sim Total Cycles|",
          0.0, "cycles", "SCALE-Sim 3.0.0 [ScaleSim3], recorded COMPUTE_REPORT of 108 runs "
          "(tests/asic/data/scalesim_goldens.json)", "validation",
          lambda: _im2col_scalesim(), abs_tol=0.0),
    Claim("asic-va-mapping-power-default", "asic",
          "VA chip average power at 250 Hz on the mapping-aware model (va-chip architecture, best "
          "mapping per layer, 8-bit, 0.9 V, Aladdin 40 nm leakage x1: the scenario fixed in advance)",
          10.60e-6, "W", "[VAChip25] abstract (10.60 uW)", "validation",
          lambda: _va_default() * 1e-6, rel_tol=0.25,
          gap="not reproduced (about 1.5 mW): the idle retention leakage of the assumed on-chip memories "
              "at the Aladdin 40 nm density dominates; the chip's memory sizes, leakage and power gating "
              "are not published, and the model has no zero-skipping of the 50% pruned weights"),
]


def _im2col_scalesim() -> float:
    from .im2col_scalesim import recorded_max_error

    return recorded_max_error()[0]


def _va_default() -> float:
    from .va_mapping import va_chip_point

    return va_chip_point(8, 1.0)["avg_power_uw"]


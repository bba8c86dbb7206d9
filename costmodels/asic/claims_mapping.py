"""Claims of the mapping-aware ``asic`` model (see ``dse/claims.py``).

References are ZigZag 3.9.1's outputs for ResNet-18 (its bundled ``resnet18.onnx``) on its
``tpu_like`` accelerator, LOMA search, ``opt="energy"``, ``lpf_limit=6``, recorded by
``python -m costmodels.asic.peer_zigzag`` in ``tests/asic/data/zigzag_tpu_like_resnet18.json``.
No engine constant was fitted to them: the accelerator's own per-access costs are inputs (read
from ZigZag's file); the latency conventions (on-load of the largest first tile, exposed
replacements of levels that cannot double-buffer) follow ZigZag's published model (Mei et al.,
IEEE TC 2021) and were adopted before this comparison.
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


@lru_cache(maxsize=1)
def _rows() -> tuple[dict, ...]:
    from .peer_zigzag import compare

    return tuple(compare(json.loads(_REC.read_text())))


def _sum(key: str) -> float:
    return float(sum(r[key] for r in _rows()))


def _ref(key: str) -> float:
    rec = json.loads(_REC.read_text())
    return float(sum(l[key] for l in rec["layers"]))


CLAIMS = [
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
          "ResNet-18 on tpu_like, energy of the engine's own mapping search (energy objective, J)",
          _ref("energy_pj") * 1e-12, "J", _SRC, "validation", lambda: _sum("own_energy_pj") * 1e-12,
          rel_tol=0.05),
]

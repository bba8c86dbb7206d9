"""Live ZigZag 3.9.1 peer of the ``asic`` model (``pip install zigzag-dse==3.9.1 six``;
``.ci/setup_zigzag.sh``).

``run(accelerator, mapping, workload_onnx, opt)`` runs ZigZag's API (LOMA temporal search,
``lpf_limit=6``) and returns per layer: name, loop bounds, energy (pJ), latency (cycles,
``latency_total2``), MAC energy, per-operand memory energy, the spatial mapping and the temporal
loop list ZigZag chose (innermost first) so the engine can evaluate the *same* mapping.

``python -m costmodels.asic.peer_zigzag [--opt energy] [--out FILE]`` records ResNet-18 on
``tpu_like`` as JSON (``tests/asic/data/zigzag_tpu_like_resnet18.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

__all__ = ["available", "run", "zigzag_inputs"]

LOOP = ("B", "K", "C", "OY", "OX", "FY", "FX")


def available() -> tuple[bool, str]:
    try:
        import zigzag  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means "absent"
        return False, f"zigzag-dse not importable ({exc.__class__.__name__}: {exc}); run .ci/setup_zigzag.sh"
    return True, ""


def zigzag_inputs() -> Path:
    import zigzag

    return Path(zigzag.__file__).parent / "inputs"


def _layer_record(cme: Any) -> dict[str, Any]:
    layer = cme.layer
    sizes = {str(k): int(v) for k, v in layer.layer_dim_sizes.items()}
    tm = [(str(op), [[(str(d), float(f)) for d, f in lv] for lv in levels])
          for op, levels in cme.temporal_mapping.mapping_dic_origin.items()]
    sm = {str(k): [(str(d), float(f)) for d, f in v.items()] for k, v in cme.spatial_mapping.data.items()} \
        if hasattr(cme.spatial_mapping, "data") else str(cme.spatial_mapping)
    return {
        "name": str(layer.name), "sizes": sizes,
        "energy_pj": float(cme.energy_total), "mac_energy_pj": float(cme.mac_energy),
        "mem_energy_pj": {str(k): [float(x) for x in v] for k, v in cme.mem_energy_breakdown.items()},
        "latency_cycles": float(cme.latency_total2), "ideal_cycles": float(cme.ideal_temporal_cycle),
        "onload_cycles": float(cme.data_onloading_cycle), "offload_cycles": float(cme.data_offloading_cycle),
        "temporal": tm, "spatial": sm,
    }


def run(accelerator: str, mapping: str, workload: str, opt: str = "energy", lpf_limit: int = 6) -> dict[str, Any]:
    from zigzag.api import get_hardware_performance_zigzag

    t0, c0 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        energy, latency, cmes = get_hardware_performance_zigzag(
            workload, accelerator, mapping, opt=opt, dump_folder=tmp, lpf_limit=lpf_limit,
            loma_show_progress_bar=False)
    layers = [_layer_record(cme) for cme, _ in cmes[0][1]]
    return {"zigzag": "3.9.1", "accelerator": os.path.basename(accelerator), "opt": opt, "lpf_limit": lpf_limit,
            "energy_pj": float(energy), "latency_cycles": float(latency), "wall_s": time.perf_counter() - t0,
            "cpu_s": time.process_time() - c0, "layers": layers}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--opt", default="energy", choices=("energy", "latency", "EDP"))
    p.add_argument("--accelerator", default="tpu_like")
    p.add_argument("--out", default="tests/asic/data/zigzag_tpu_like_resnet18.json")
    a = p.parse_args(argv)
    import logging

    logging.disable(logging.INFO)
    inp = zigzag_inputs()
    res = run(str(inp / "hardware" / f"{a.accelerator}.yaml"), str(inp / "mapping" / f"{a.accelerator}.yaml"),
              str(inp / "workload" / "resnet18.onnx"), a.opt)
    Path(a.out).write_text(json.dumps(res, indent=1))
    print(f"{a.out}: {len(res['layers'])} layers, {res['energy_pj']:.4g} pJ, {res['latency_cycles']:.4g} cycles, "
          f"{res['cpu_s']:.1f} s CPU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def layer7_of(rec: dict[str, Any], strides: dict[tuple, tuple[int, int]]) -> Any:
    """The engine's :class:`~.mapping.Layer7` of a recorded ZigZag layer (stride looked up by
    loop bounds in the engine's own ResNet-18; ZigZag's record does not carry it)."""
    from .mapping import Layer7

    s = rec["sizes"]
    dims = (s.get("B", 1), s["K"], s["C"], s.get("OY", 1), s.get("OX", 1), s.get("FY", 1), s.get("FX", 1))
    return Layer7(rec["name"], tuple(int(x) for x in dims), strides.get(tuple(int(x) for x in dims), (1, 1)))


def zigzag_mapping(rec: dict[str, Any], sizes: tuple[int, ...]) -> Any:
    """ZigZag's chosen mapping as a fixed :class:`~.mapping_search.Mapping`: tpu_like's spatial
    unrolling (D1 K32, D2 C32, clipped to the layer) and the temporal loop order of the weights
    (one order for all operands in ZigZag; innermost first)."""
    from .mapping import DIMS
    from .mapping_search import Mapping

    w = dict(rec["temporal"])["W"]
    loops = [(DIMS.index(d), round(f)) for lv in w for d, f in lv if d in DIMS and f > 1]
    return Mapping(((0, DIMS.index("K"), 32), (1, DIMS.index("C"), 32)), tuple(loops))


def compare(record: dict[str, Any], objective: str = "energy") -> list[dict[str, Any]]:
    """Per layer: ZigZag's energy/cycles, the engine on ZigZag's mapping (``fixed_*``), the
    engine's search of the temporal mapping under ZigZag's spatial unrolling (``spat_*``, the
    like-for-like comparison with LOMA, which searches only the temporal mapping here), and the
    engine's full search (``own_*``, spatial unrolling free)."""
    from workloads import load

    from .archfile import load_arch
    from .mapping_search import network_layers, search_layer

    strides = {l.dims: l.stride for l in network_layers(load("resnet18-imagenet"))}
    arch = load_arch("tpu-like")
    rows = []
    for rec in record["layers"]:
        layer = layer7_of(rec, strides)
        fixed = search_layer(layer, arch, objective, fixed=zigzag_mapping(rec, arch.sizes))
        own = search_layer(layer, arch, objective)
        zm = zigzag_mapping(rec, arch.sizes)
        spat = search_layer(layer, arch, objective, fixed=type(zm)(zm.spatial, None))
        rows.append({"layer": rec["name"], "zz_energy_pj": rec["energy_pj"], "zz_cycles": rec["latency_cycles"],
                     "fixed_energy_pj": fixed.metrics.get("energy_pj", float("nan")),
                     "fixed_cycles": fixed.metrics.get("cycles", float("nan")),
                     "own_energy_pj": own.metrics.get("energy_pj", float("nan")),
                     "own_cycles": own.metrics.get("cycles", float("nan")),
                     "spat_energy_pj": spat.metrics.get("energy_pj", float("nan")),
                     "spat_cycles": spat.metrics.get("cycles", float("nan")),
                     "fixed_text": fixed.text or fixed.reason, "own_text": own.text})
    return rows

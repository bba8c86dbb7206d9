"""Energy table by technology node and FP16 PE area of the mapping-aware ``asic`` model.

Expected factors are derived by hand from Stillmaker & Baas 2017's coefficient rows (as tabulated
in ``data/tech_scaling.csv``): ``E(node, V) = a V^2 + b V + c`` at 0.9 V,

* 45 nm: 1.103*0.81 - 0.362*0.9 + 0.2767 = 0.84433
* 16 nm: 0.2958*0.81 - 0.1241*0.9 + 0.03024 = 0.158148 -> 0.158148 / 0.84433 = 0.18731
* 7 nm: 0.1776*0.81 - 0.09097*0.9 + 0.02447 = 0.086453 -> 0.10239
* 28 nm: linear between the 32 nm (0.541209) and 20 nm (0.20079) rows, w = 1/3:
  0.427736 -> 0.50660
"""

from __future__ import annotations

import pytest
import yaml

import dse
import workloads
from costmodels.asic.arch import arch_from_dict
from costmodels.asic.energy_table import node_factor

FACTOR = {45.0: 1.0, 28.0: 0.50660, 16.0: 0.18731, 7.0: 0.10239}


def _arch_dict(costs: bool, precision: dict | None = None) -> dict:
    mem = [
        {"name": "rf_w", "kind": "rf", "size_bits": 1024, "r_bw": 8, "operands": ["W"], "served_dims": []},
        {"name": "rf_o", "kind": "rf", "size_bits": 32, "r_bw": 32, "operands": ["O"], "served_dims": []},
        {"name": "glb", "kind": "sram", "size_bits": 8 * 65536, "r_bw": 64, "operands": ["I", "O"]},
        {"name": "dram", "kind": "dram", "r_bw": 64, "operands": ["I", "W", "O"], "rw_port": True},
    ]
    if costs:
        for m, c in zip(mem, (0.1, 0.2, 20.0, 700.0)):
            m["r_cost_pj"] = m["w_cost_pj"] = c
    d = {"name": "t", "array": {"sizes": [8, 8]}, "memory": mem,
         "precision": precision or {"I": 8, "W": 8, "O": 32, "O_final": 8}}
    if costs:
        d["array"]["mac_pj"] = 0.3
    return d


@pytest.mark.parametrize("node", [28.0, 16.0, 7.0])
def test_node_factor_matches_hand_derived_stillmaker_rows(node):
    assert node_factor(45.0, node, 0.9) == pytest.approx(FACTOR[node], rel=2e-4)
    # a 28 nm row (ZigZag's register files) moved to 45 nm and back
    assert node_factor(28.0, 45.0, 0.9) == pytest.approx(1 / FACTOR[28.0], rel=2e-4)


def test_table_costs_scale_file_costs_and_dram_do_not():
    table = arch_from_dict(_arch_dict(costs=False))
    given = arch_from_dict(_arch_dict(costs=True))
    for node in (28.0, 16.0, 7.0):
        t45, tn = table.at_node(45.0, 0.9), table.at_node(node, 0.9)
        rf_w, rf_o, glb, dram = (m.r_cost_pj for m in tn.memories)
        rf_w45, rf_o45, glb45, dram45 = (m.r_cost_pj for m in t45.memories)
        # Horowitz SRAM row (45 nm) and ZigZag RF rows (28 nm) both land on the node's factor
        assert glb / glb45 == pytest.approx(FACTOR[node], rel=2e-4)
        assert rf_w / rf_w45 == pytest.approx(FACTOR[node], rel=2e-4)
        assert rf_o / rf_o45 == pytest.approx(FACTOR[node], rel=2e-4)
        assert dram == dram45 == pytest.approx(700 / 64 * 64)  # ZigZag tpu_like DRAM row, off-chip: unscaled
        # 8-bit MAC with a 32-bit accumulator: Horowitz 0.2 + 0.1 pJ at 45 nm
        assert tn.mac_pj == pytest.approx(0.3 * FACTOR[node], rel=2e-4)
        assert given.at_node(node, 0.9) is given  # a file's own costs are its node's: verbatim


def test_45nm_horowitz_rows_unchanged():
    table = arch_from_dict(_arch_dict(costs=False))
    t45 = table.at_node(45.0, 0.9)
    assert t45.memories[2].r_cost_pj == table.memories[2].r_cost_pj  # Horowitz SRAM row, 45 nm
    assert t45.mac_pj is None  # the table MAC is used unscaled at 45 nm / 0.9 V


def test_model_energy_components_follow_the_node(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_text(yaml.safe_dump(_arch_dict(costs=False)))
    w = workloads.load("resnet20-cifar")
    out = {}
    for node in (45.0, 16.0):
        m = dse.get_model("asic", arch=str(p), node_nm=node, lpf_limit=4, spatial_top=2)
        out[node] = {k: float(v[0]) for k, v in m.evaluate(w, {}).numpy().totals.items()}
    for part in ("energy_mac_j", "energy_rf_j", "energy_sram_j"):
        # every energy of this file comes from the table; one factor scales each component
        # (the search sees one common factor on all on-chip costs, and DRAM is a minor term here)
        assert out[16.0][part] / out[45.0][part] == pytest.approx(FACTOR[16.0], rel=0.05)
    assert out[16.0]["energy_mac_j"] / out[45.0]["energy_mac_j"] == pytest.approx(FACTOR[16.0], rel=2e-4)


def _area(precision: dict, node: float = 45.0) -> float:
    import tempfile
    from pathlib import Path

    d = _arch_dict(costs=True, precision=precision)
    del d["array"]["mac_pj"]
    with tempfile.TemporaryDirectory() as td:
        p = Path(td) / "a.yaml"
        p.write_text(yaml.safe_dump(d))
        m = dse.get_model("asic", arch=str(p), node_nm=node, lpf_limit=4, spatial_top=2)
        return float(m.evaluate(workloads.load("resnet20-cifar"), {}).numpy().totals["area_m2"][0])


def test_fp16_pe_area_hand_derived():
    """Per PE at 45 nm: FP16 multiply 1640 + FP32 add 4184 um^2 (Horowitz) + 48 Aladdin register
    bits 48 x 5.98 = 287.04 um^2 at 40 nm, / 0.79231 (the 40 nm area factor relative to 45 nm,
    linear between the 45 nm 1.0 and 32 nm 0.46 rows: 8/13 + 0.46 x 5/13) = 6186.28 um^2.
    Int8 PE: Aladdin 32-bit multiplier 6350 x (8/32)^2 + 32-bit adder 278 + 287.04 = 961.915 um^2
    at 40 nm -> 1214.06 um^2. Same memories, so the difference is 64 x (6186.28 - 1214.06) um^2."""
    fp16 = _area({"I": 16, "W": 16, "O": 32, "O_final": 16, "format": "fp16"})
    int8 = _area({"I": 8, "W": 8, "O": 32, "O_final": 16})
    assert (fp16 - int8) / 1e-12 == pytest.approx(64 * (6186.28 - 1214.06), rel=1e-3)
    fp16_acc16 = _area({"I": 16, "W": 16, "O": 16, "O_final": 16, "format": "fp16"})
    assert (fp16 - fp16_acc16) / 1e-12 == pytest.approx(64 * (4184 - 1360), rel=1e-3)  # FP32 vs FP16 adder


def test_fp16_leakage_is_area_times_the_node_leakage_density():
    """Leakage density at 28 nm, 0.9 V: Aladdin's 40 nm multiplier 8.0e-5 W / 6350 um^2 = 12,598 W/m^2,
    x the energy factor 40 -> 28 nm at 0.9 V (0.427736 / 0.727745 = 0.58775; 40 nm is 5/13 of the way
    from the 45 nm to the 32 nm row) / the area factor (0.37667 / 0.79231 = 0.47540) = 15,575 W/m^2."""
    from costmodels.asic.energy_table import pe_area_leak
    from costmodels.asic.tech import tech

    area, leak = pe_area_leak("fp16", 32, tech(28.0, 0.9))
    assert leak / area == pytest.approx(15575, rel=1e-3)
    area16, _ = pe_area_leak("fp16", 16, tech(28.0, 0.9))
    assert area - area16 == pytest.approx((4184 - 1360) * 1e-12 * 0.37667, rel=1e-3)  # 45 -> 28 nm area

"""Mapping-aware ``asic`` model: hand-derived access counts, search, ZigZag record, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from costmodels.asic.arch import arch_from_dict
from costmodels.asic.archfile import load_arch
from costmodels.asic.mapping import DIMS, Layer7, evaluate_mappings
from costmodels.asic.mapping_search import Mapping, _candidates, search_layer

DATA = Path(__file__).with_name("data")
K, C, OY, OX = (DIMS.index(x) for x in ("K", "C", "OY", "OX"))


def _arch(o_sram_bits: float, i_sram_bits: float | None = None) -> object:
    """One PE; outputs through an SRAM of ``o_sram_bits`` to their own DRAM; I/W straight from DRAM."""
    mem = [{"name": "o_sram", "kind": "sram", "size_bits": o_sram_bits, "r_bw": 64, "operands": ["O"],
            "r_cost_pj": 1.0, "w_cost_pj": 1.0}]
    if i_sram_bits:
        mem.append({"name": "i_sram", "kind": "sram", "size_bits": i_sram_bits, "r_bw": 64, "operands": ["I"]})
    mem += [{"name": "dram_o", "kind": "dram", "r_bw": 64, "operands": ["O"]},
            {"name": "dram_iw", "kind": "dram", "r_bw": 64, "operands": ["I", "W"]}]
    return arch_from_dict({"array": {"sizes": [1]}, "precision": {"I": 8, "W": 8, "O": 16, "O_final": 8},
                           "memory": mem}, "test")


def _one(layer, arch, loops):
    sp = np.ones((1, 1, 7))
    td = np.asarray([[d for d, _ in loops]])
    tf = np.asarray([[float(f) for _, f in loops]])
    return evaluate_mappings(layer, arch, sp, td, tf)


def test_psum_spill_counts_hand_derived():
    """A 1-psum SRAM under loop order OX3, C4, K2 spills 18 psums (16 b) and writes 6 finals (8 b)."""
    layer = Layer7("g", (1, 2, 4, 1, 3, 1, 1))
    arch = _arch(16)
    dram_o = [m.name for m in arch.memories].index("dram_o")
    spill = _one(layer, arch, [(OX, 3), (C, 4), (K, 2)])
    # 24 MAC results drain to DRAM (C is not innermost), 6 of them final: writes 18*16 + 6*8,
    # and the 18 non-final ones are read back at 16 bits
    assert spill["wr_bits"][0, dram_o] == 18 * 16 + 6 * 8
    assert spill["rd_bits"][0, dram_o] == 18 * 16
    keep = _one(layer, arch, [(C, 4), (OX, 3), (K, 2)])
    # reduction innermost: the psum stays in the SRAM, only the 6 finals reach DRAM
    assert keep["wr_bits"][0, dram_o] == 6 * 8 and keep["rd_bits"][0, dram_o] == 0


def test_stride2_1x1_reads_only_used_pixels():
    """A stride-2 1x1 conv (4x4 outputs, C=4) fetches 4*4*4 input pixels, not the 7*7*4 it spans."""
    layer = Layer7("s2", (1, 1, 4, 4, 4, 1, 1), stride=(2, 2))
    arch = _arch(1 << 20, 1 << 20)
    dram = [m.name for m in arch.memories].index("dram_iw")
    out = _one(layer, arch, [(C, 4), (OX, 4), (OY, 4)])
    w_bits = 4 * 8  # four weights, loaded once (they fit no level: straight from DRAM, C innermost
    # and OX/OY irrelevant to W above it -> re-read 16 times)
    assert out["rd_bits"][0, dram] == 4 * 4 * 4 * 8 + w_bits * 16


def test_halo_reuse_3x3_fetches_union_not_windows():
    """With OY as the first loop above an input SRAM tile, the 3x3 windows slide: the SRAM is filled
    with the (OY+2)-row union once per OX column instead of 3 rows per output row."""
    layer = Layer7("h", (1, 1, 1, 8, 1, 3, 1))
    arch = _arch(1 << 20, 3 * 8)  # the input SRAM holds one 3-row window of 8-bit pixels
    i_sram = [m.name for m in arch.memories].index("i_sram")
    out = _one(layer, arch, [(DIMS.index("FY"), 3), (OY, 8)])
    assert out["wr_bits"][0, i_sram] == (8 + 2) * 8


def test_batch_equals_single_candidates():
    """Evaluating a batch of mappings gives each mapping's single evaluation exactly."""
    arch = load_arch("tpu-like")
    layer = Layer7("c", (1, 128, 64, 28, 28, 3, 3), stride=(2, 2))
    (sp, td, tf), _ = _candidates(layer, arch, None, 4)
    idx = np.arange(0, len(td), max(1, len(td) // 7))
    batch = evaluate_mappings(layer, arch, sp[idx], td[idx], tf[idx])
    for j, i in enumerate(idx):
        one = evaluate_mappings(layer, arch, sp[i:i + 1], td[i:i + 1], tf[i:i + 1])
        for k in ("cycles", "energy_pj", "dram_bits"):
            assert one[k][0] == batch[k][j]


def test_search_returns_the_minimum_of_its_candidates():
    """The searched mapping's energy is the minimum over every feasible candidate it generated."""
    arch = load_arch("tpu-like")
    layer = Layer7("c", (1, 64, 32, 14, 14, 3, 3))
    (sp, td, tf), _ = _candidates(layer, arch, None, 5)
    out = evaluate_mappings(layer, arch, sp, td, tf)
    best = search_layer(layer, arch, "energy", lpf_limit=5)
    assert best.metrics["energy_pj"] == pytest.approx(out["energy_pj"][out["feasible"]].min(), rel=1e-9)


def test_infeasible_layer_is_a_reason_not_an_error():
    """A mapping whose smallest output tile exceeds the output SRAM is infeasible with a reason."""
    arch = arch_from_dict({"array": {"sizes": [2]}, "precision": {"I": 8, "W": 8, "O": 16},
                           "memory": [{"name": "o", "size_bits": 16, "r_bw": 16, "operands": ["O"]},
                                      {"name": "dram", "kind": "dram", "r_bw": 64, "operands": ["I", "W", "O"]}]}, "t")
    res = search_layer(Layer7("x", (1, 2, 2, 1, 1, 1, 1)), arch, "energy", fixed=Mapping(((0, K, 2),)))
    assert not res.feasible and "fits" in res.reason
    assert search_layer(Layer7("x", (1, 2, 2, 1, 1, 1, 1)), arch, "energy").feasible


def test_memory_smaller_than_one_element_is_a_file_error():
    """A memory that cannot hold one element of its operands is rejected naming its size key."""
    from dse.errors import DseInputError

    with pytest.raises(DseInputError, match="o_sram.size_bits"):
        _arch(8)


def test_zigzag_record_energy_and_cycles():
    """On ZigZag's tpu_like ResNet-18 record, the engine on ZigZag's mapping is within 10% of ZigZag's
    energy on all 21 layers and of its cycles on 19 (the 1x1 stride-2 layer3/layer4 downsamples
    miss: ZigZag's write-back convention); the engine's own search costs <= 1.05x ZigZag's energy."""
    from costmodels.asic.peer_zigzag import compare

    rows = compare(json.loads((DATA / "zigzag_tpu_like_resnet18.json").read_text()))
    assert len(rows) == 21
    e = np.array([r["fixed_energy_pj"] / r["zz_energy_pj"] for r in rows])
    c = np.array([r["fixed_cycles"] / r["zz_cycles"] for r in rows])
    own = np.array([r["own_energy_pj"] / r["zz_energy_pj"] for r in rows])
    assert np.all(np.abs(e - 1) <= 0.10), e
    misses = [r["layer"] for r, x in zip(rows, c) if abs(x - 1) > 0.10]
    assert misses == ["/layer3/layer3.0/downsample/downsample.0/Conv", "/layer4/layer4.0/downsample/downsample.0/Conv"]
    assert np.all(own <= 1.05), own


@pytest.mark.peer
@pytest.mark.slow
def test_zigzag_live_matches_record():
    """A live ZigZag 3.9.1 run on tpu_like ResNet-18 reproduces the recorded per-layer energies, and
    the engine on the live run's mappings is within 10% of its energy on every layer."""
    from costmodels.asic import peer_zigzag

    ok, why = peer_zigzag.available()
    if not ok:
        pytest.skip(why)
    inp = peer_zigzag.zigzag_inputs()
    live = peer_zigzag.run(str(inp / "hardware/tpu_like.yaml"), str(inp / "mapping/tpu_like.yaml"),
                           str(inp / "workload/resnet18.onnx"), "energy")
    rec = json.loads((DATA / "zigzag_tpu_like_resnet18.json").read_text())
    for a, b in zip(live["layers"], rec["layers"]):
        assert a["energy_pj"] == pytest.approx(b["energy_pj"], rel=1e-6)
    rows = peer_zigzag.compare(live)
    assert all(abs(r["fixed_energy_pj"] / r["zz_energy_pj"] - 1) <= 0.10 for r in rows)


def _dse(*args):
    return subprocess.run([sys.executable, "-m", "dse", *args], capture_output=True, text=True, timeout=300, check=False)


def test_cli_json_has_components_and_mapping_text(tmp_path):
    """``dse whatif asic --arch ... --json`` reports energy components and each layer's mapping."""
    r = _dse("whatif", "asic", "--workload", "lenet5", "--arch", "tpu-like", "--set", "objective=edp", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for k in ("latency_s", "cycles", "energy_j", "area_m2", "utilization", "dram_bytes", "energy_mac_j",
              "energy_rf_j", "energy_sram_j", "energy_dram_j", "energy_leak_j"):
        assert k in out["metrics"]
    assert all(l["mapping"].startswith("spatial ") for l in out["layers"])


@pytest.mark.parametrize("text,fragment", [
    ("name: x\nmemories: {m: {size: 8, operands: [X1]}}\noperational_array: {dimensions: [D1], sizes: [4]}\n",
     "operands"),
    ("memory: []\n", "array"),
    ("imc_array: {}\nmemories: {}\n", "imc_array"),
])
def test_cli_bad_arch_file_exit_2(tmp_path, text, fragment):
    """A malformed architecture file is one line naming the file and key, exit status 2."""
    p = tmp_path / "a.yaml"
    p.write_text(text)
    r = _dse("whatif", "asic", "--workload", "lenet5", "--arch", str(p), "--json")
    assert r.returncode == 2 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and fragment in r.stderr and str(p) in r.stderr


def _scalesim_arch(r: int, c: int, dataflow: str):
    return arch_from_dict({"array": {"sizes": [r, c], "systolic": dataflow},
                           "precision": {"I": 8, "W": 8, "O": 32, "O_final": 8},
                           "memory": [{"name": "sram", "size_bits": 1 << 40, "r_bw": 1 << 20, "operands": ["I", "W", "O"]},
                                      {"name": "dram", "kind": "dram", "r_bw": 1 << 20, "operands": ["I", "W", "O"]}]},
                          "scalesim")


@pytest.mark.parametrize("m,kk,n", [(3136, 64, 256), (196, 1024, 256), (1, 512, 1000), (100, 33, 70), (49, 2048, 512)])
@pytest.mark.parametrize("rc", [(32, 32), (8, 16), (16, 4)])
@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_systolic_array_compute_cycles_equal_scalesim(m, kk, n, rc, dataflow):
    """An R x C systolic array with one SRAM level and the os/ws/is loop nest has exactly the
    compute cycles of ``asic-systolic`` (SCALE-Sim 3.0.0's count) for GEMM-shaped layers."""
    from costmodels.asic.systolic import gemm_cycles

    r, c = rc
    arch = _scalesim_arch(r, c, dataflow)
    layer = Layer7("g", (1, n, kk, 1, m, 1, 1))  # (M x K) @ (K x N): OX = M, C = K, K = N
    ceil = lambda a, b: -(-a // b)
    if dataflow == "os":  # rows: M, cols: N, time: K; column folds outer
        sp, inner, outer = ((0, OX, min(r, m)), (1, K, min(c, n))), (C, kk), [(OX, ceil(m, r)), (K, ceil(n, c))]
    elif dataflow == "ws":  # rows: K, cols: N, time: M
        sp, inner, outer = ((0, C, min(r, kk)), (1, K, min(c, n))), (OX, m), [(C, ceil(kk, r)), (K, ceil(n, c))]
    else:  # rows: K, cols: M, time: N
        sp, inner, outer = ((0, C, min(r, kk)), (1, OX, min(c, m))), (K, n), [(C, ceil(kk, r)), (OX, ceil(m, c))]
    loops = tuple(x for x in [inner] + outer if x[1] > 1)
    res = search_layer(layer, arch, "latency", fixed=Mapping(sp, loops))
    assert res.metrics["compute_cycles"] == gemm_cycles(m, kk, n, r, c, dataflow)


def test_zigzag_shipped_hardware_read_or_rejected():
    """ZigZag's shipped tpu_like/eyeriss_like/tesla_npu_like files load; its in-memory-compute
    and 4-D arrays are rejected with one error naming the file and key."""
    from dse.errors import DseInputError

    pytest.importorskip("zigzag", reason="zigzag-dse not installed (bash .ci/setup_zigzag.sh)")
    from costmodels.asic.peer_zigzag import zigzag_inputs

    hw = zigzag_inputs() / "hardware"
    assert load_arch(str(hw / "tpu_like.yaml")).sizes == (32, 32)
    assert load_arch(str(hw / "eyeriss_like.yaml")).sizes == (14, 12)
    assert load_arch(str(hw / "tesla_npu_like.yaml")).sizes == (32, 32, 4)
    for name, key in (("aimc.yaml", "is_imc"), ("edge_tpu_like.yaml", "sizes")):
        with pytest.raises(DseInputError, match=key) as e:
            load_arch(str(hw / name))
        assert name in str(e.value)


def test_zigzag_loma_optimum_same_objective():
    """With ZigZag's spatial unrolling, the engine's temporal search reaches <= 1.05x ZigZag's LOMA
    optimum: energy on all 21 layers (opt=energy run), cycles on 18 (opt=latency run; the three
    1x1 stride-2 downsamples miss, the engine charges their output write-back more)."""
    from costmodels.asic.peer_zigzag import compare

    e = compare(json.loads((DATA / "zigzag_tpu_like_resnet18.json").read_text()), "energy")
    assert all(r["spat_energy_pj"] <= 1.05 * r["zz_energy_pj"] for r in e)
    lat = compare(json.loads((DATA / "zigzag_tpu_like_resnet18_latency.json").read_text()), "latency")
    misses = [r["layer"].split("/")[2] for r in lat if r["spat_cycles"] > 1.05 * r["zz_cycles"]]
    assert misses == ["layer2.0", "layer3.0", "layer4.0"]
    assert all("downsample" in r["layer"] for r in lat if r["spat_cycles"] > 1.05 * r["zz_cycles"])


def test_complete_mapping_file_is_evaluated_not_searched(tmp_path):
    """A TOML mapping with spatial and temporal loops evaluates exactly one candidate; a spatial-only
    entry searches the temporal loops; loops that do not cover the layer are an infeasible reason."""
    from costmodels.asic.zigzag_io import read_mapping

    p = tmp_path / "m.toml"
    p.write_text('[[mapping]]\nname = "default"\nspatial_mapping = {D1 = ["K, 32"], D2 = ["C, 32"]}\n'
                 'temporal_ordering = [["C", 2], ["OX", 14], ["OY", 14], ["K", 2]]\n'
                 '[[mapping]]\nname = "free"\nspatial_mapping = {D1 = ["K, 32"]}\n'
                 '[[mapping]]\nname = "short"\nspatial_mapping = {D1 = ["K, 32"], D2 = ["C, 32"]}\n'
                 'temporal_ordering = [["C", 2]]\n')
    table = read_mapping(str(p))
    arch = load_arch("tpu-like")
    layer = Layer7("l", (1, 64, 64, 14, 14, 1, 1))
    one = search_layer(layer, arch, "energy", fixed=table.get("anything"))
    assert one.feasible and one.evaluated == 1 and one.text.startswith("spatial D1:K32 D2:C32 | temporal C2 OX14 OY14 K2")
    free = search_layer(layer, arch, "energy", fixed=table.get("free"))
    assert free.evaluated > 1 and free.text.startswith("spatial D1:K32 |")
    short = search_layer(layer, arch, "energy", fixed=table.get("short"))
    assert not short.feasible and "do not cover" in short.reason


def test_cli_zigzag_files_unchanged():
    """ZigZag's own tpu_like hardware and mapping YAML run through ``dse whatif asic`` as shipped."""
    pytest.importorskip("zigzag", reason="zigzag-dse not installed (bash .ci/setup_zigzag.sh)")
    from costmodels.asic.peer_zigzag import zigzag_inputs

    inp = zigzag_inputs()
    r = _dse("whatif", "asic", "--workload", "resnet20-cifar", "--arch", str(inp / "hardware/tpu_like.yaml"),
             "--mapping", str(inp / "mapping/tpu_like.yaml"), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["feasible"] and all(" D1:K" in l["mapping"] and "D2:C" in l["mapping"] for l in out["layers"])

"""Run SCALE-Sim 3.0.0 on a list of layers; executed *inside* the ``.venv-scalesim`` interpreter.

This file imports only the standard library and ``scalesim`` (never ``dse``), because SCALE-Sim
needs numpy<2 and lives in its own virtual environment (see ``.ci/setup_scalesim.sh``). The engine
side, :mod:`costmodels.asic.peer_scalesim`, starts it as ``<venv>/bin/python peer_scalesim_worker.py``
with a JSON list of cases on stdin and reads one JSON list of results from stdout.

A case is ``{"kind": "conv"|"gemm", "rows", "cols", "dataflow", "sram_kb": [i, f, o],
"layer": {...}}`` with a conv layer ``{"name", "ifmap_h", "ifmap_w", "filt_h", "filt_w",
"channels", "filters", "stride"}`` (names containing ``DP`` are split per channel by SCALE-Sim,
its depthwise mode) or a GEMM ``{"name", "m", "n", "k"}``. Each result holds, per SCALE-Sim layer,
the COMPUTE_REPORT items (``total_cycles`` = SCALE-Sim's "Total Cycles", ``stall_cycles``,
``overall_util_pct``, ``mapping_eff_pct``, ``compute_util_pct``) and the DETAILED_ACCESS_REPORT
read/write counts, plus the wall time of the simulation.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import time

CFG = """[general]
run_name = dse_crosscheck

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: {ikb}
FilterSramSzkB: {fkb}
OfmapSramSzkB: {okb}
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Bandwidth : {bw}
Dataflow : {df}
MemoryBanks: 1
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: {mode}
UseRamulatorTrace: False
"""

LAYOUT_HEADER = ("Layer name, IFMAP Height Intraline Factor, IFMAP Width Intraline Factor, "
                 "Filter Height Intraline Factor, Filter Width Intraline Factor, Channel Intraline "
                 "Factor, Num Filter Intraline Factor, IFMAP Height Intraline Order, IFMAP Width "
                 "Intraline Order, Channel Intraline Order, IFMAP Height Interline Order, IFMAP Width "
                 "Interline Order, Channel Interline Order, Num Filter Intraline Order, Channel "
                 "Intraline Order, Filter Height Intraline Order, Filter Width Intraline Order, Num "
                 "Filter Interline Order, Channel Interline Order, Filter Height Interline Order, "
                 "Filter Width Interline Order,\n")
LAYOUT_ROW = "{name}, 1, 1, 1, 1, 1, 1,     0, 1, 2,     4, 5, 3,     3, 2, 1, 0,     4, 5, 6, 7,\n"


def _write_inputs(case: dict, folder: str) -> tuple[str, str, str]:
    layer = case["layer"]
    ikb, fkb, okb = case.get("sram_kb", (64, 64, 64))
    bw = case.get("bandwidth_words", 10)
    mode = "USER" if case.get("user_bandwidth") else "CALC"
    cfg = os.path.join(folder, "scale.cfg")
    with open(cfg, "w") as f:
        f.write(CFG.format(rows=case["rows"], cols=case["cols"], ikb=ikb, fkb=fkb, okb=okb, bw=bw,
                           df=case["dataflow"], mode=mode))
    topo = os.path.join(folder, "topo.csv")
    with open(topo, "w") as f:
        if case["kind"] == "gemm":
            f.write("Layer, M, N, K,\n")
            f.write(f"{layer['name']}, {layer['m']}, {layer['n']}, {layer['k']},\n")
        else:
            f.write("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                    "Num Filter, Strides,\n")
            f.write(f"{layer['name']}, {layer['ifmap_h']}, {layer['ifmap_w']}, {layer['filt_h']}, "
                    f"{layer['filt_w']}, {layer['channels']}, {layer['filters']}, {layer['stride']},\n")
    layout = os.path.join(folder, "layout.csv")
    with open(layout, "w") as f:
        f.write(LAYOUT_HEADER)
        f.write(LAYOUT_ROW.format(name=layer["name"]))
    return cfg, topo, layout


def run_case(case: dict) -> dict:
    from scalesim.scale_sim import scalesim

    with tempfile.TemporaryDirectory(prefix="scalesim-") as folder:
        cfg, topo, layout = _write_inputs(case, folder)
        sink = io.StringIO()
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(sink):
            sim = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo,
                           layout=layout, input_type_gemm=case["kind"] == "gemm")
            sim.run_scale(top_path=os.path.join(folder, "out"))
        wall = time.perf_counter() - t0
        layers = []
        for obj in sim.runner.single_layer_sim_object_list:
            overall, total, stall, util, mapping, compute_util = obj.get_compute_report_items()
            detail = obj.get_detail_report_items()
            layers.append({
                "total_cycles_incl_prefetch": int(overall), "total_cycles": int(total),
                "stall_cycles": int(stall), "overall_util_pct": float(util),
                "mapping_eff_pct": float(mapping), "compute_util_pct": float(compute_util),
                "sram_ifmap_reads": int(detail[2]), "sram_filter_reads": int(detail[5]),
                "sram_ofmap_writes": int(detail[8]), "dram_ifmap_reads": int(detail[11]),
                "dram_filter_reads": int(detail[14]), "dram_ofmap_writes": int(detail[17]),
            })
    return {"layers": layers, "wall_s": wall}


def main() -> int:
    cases = json.load(sys.stdin)
    out = [run_case(c) for c in cases]
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Record SCALE-Sim 3.0.0 results for the cross-check layers into ``data/scalesim_goldens.json``.

Run after ``bash .ci/setup_scalesim.sh``: ``python -m tests.asic.make_scalesim_goldens``. The
file keeps, per case, what SCALE-Sim reported for every SCALE-Sim layer (COMPUTE_REPORT "Total
Cycles", stall cycles, utilisation, SRAM/DRAM access counts), the wall time of the simulation,
and the provenance (versions, config, date). Tests compare our closed form against these numbers
everywhere, and against a live run where the venv exists.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import subprocess
import sys
from pathlib import Path

from costmodels.asic.peer_scalesim import run, venv_python
from tests.asic.crosscheck_layers import cases

OUT = Path(__file__).with_name("data") / "scalesim_goldens.json"


def main(argv: list[str] | None = None) -> int:
    """``--only NAME`` re-records the cases of one layer and keeps the others."""
    argv = sys.argv[1:] if argv is None else argv
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    old = {}
    if only and OUT.exists():
        old = {(r["layer"], r["rows"], r["cols"], r["dataflow"]): r for r in json.loads(OUT.read_text())["records"]}
    records = []
    for layer, rows, cols, df, scs in cases():
        key = (layer.name, rows, cols, df)
        if only and layer.name != only and key in old:
            records.append(old[key])
            continue
        results = run(scs)
        records.append({"layer": layer.name, "rows": rows, "cols": cols, "dataflow": df,
                        "scalesim_cases": scs, "results": results})
        cyc = [l["total_cycles"] for r in results for l in r["layers"]]
        print(f"{layer.name:14s} {rows:2d}x{cols:<2d} {df}: {cyc[:3]}{'...' if len(cyc) > 3 else ''} "
              f"({sum(r['wall_s'] for r in results):.2f} s)", flush=True)
    versions = subprocess.run([str(venv_python()), "-c", "import importlib.metadata as m; "
                               "print(m.version('scalesim'), m.version('numpy'))"],
                              capture_output=True, text=True).stdout.split()
    doc = {
        "provenance": {
            "tool": "SCALE-Sim", "scalesim_version": versions[0], "numpy_version": versions[1],
            "recorded": _dt.date.today().isoformat(), "python": platform.python_version(),
            "generator": "python -m tests.asic.make_scalesim_goldens",
            "config": "64 kB ifmap/filter/ofmap SRAM, InterfaceBandwidth CALC, no sparsity, "
                      "no custom layout (costmodels/asic/peer_scalesim_worker.py CFG)",
            "note": "total_cycles is SCALE-Sim's COMPUTE_REPORT 'Total Cycles' (no stalls in CALC mode)",
        },
        "records": records,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT} ({len(records)} records)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

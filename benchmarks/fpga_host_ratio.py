"""How this host's BERT-layer FLOP/s compares with its SGEMM FLOP/s, next to the recorded ratio.

``costmodels/fpga/calibrate.py`` recorded 117.2 GFLOP/s for a BERT-base layer at 128 tokens and
144.9 GFLOP/s for a 2048^3 SGEMM on the 2-core VM it was measured on (ratio 0.81); the CPU
baseline's ``eff_gemm`` comes from that pair. Absolute FLOP/s do not carry over to another host,
the ratio should. Both sides are measured here, in the same run, best of 3 (load noise); on a
loaded host the many small kernels of a layer suffer more than one large GEMM, so the ratio drops
(0.19-0.31 measured with a load average of 6-12). This is a report, not a pass/fail test.

Run: ``python benchmarks/fpga_host_ratio.py``.
"""

from __future__ import annotations

import os


def main() -> int:
    from costmodels.fpga.calibrate import RECORDED, measure

    runs = [measure(seq_lens=(128,), repeats=3) for _ in range(3)]
    layer = max(r[128]["flops"] for r in runs)
    sgemm = max(r["sgemm"]["flops"] for r in runs)
    recorded = RECORDED[128][1] / RECORDED["sgemm_flops"]
    load = os.getloadavg()[0]
    print(f"layer {layer / 1e9:.1f} GFLOP/s, sgemm {sgemm / 1e9:.1f} GFLOP/s, ratio {layer / sgemm:.3f} "
          f"(recorded {recorded:.3f}, {100 * (layer / sgemm / recorded - 1):+.0f} %); load average {load:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""FPGA claims: the DAC'22 transformer ratios under the fair (same batching rule) baselines, the
block-circulant LSTM ratios against ESE / C-LSTM, and the non-linear unit datapaths.

Every claim computes our number live. Kinds are honest: the published ratios were never used to
fit a constant, so they are ``validation`` claims even where they miss (each miss > 30 % carries
its cause in ``gap``); the I-BERT multiply counts are ``restatement`` (our formula next to its
source). Not here (not available to us): C-LSTM's and ESE's per-design tables (throughput, power,
resources) and the DAC'22 experiments section; only their abstracts' figures are compared. FINN's
published designs are compared in :mod:`costmodels.fpga.claims_dataflow`.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from dse.claims import Claim

__all__ = ["CLAIMS", "dac22_ratios", "ernn_ratios"]

#: fixed FPGA design of the DAC'22 claims (the quick study grid's best point on a U200)
DAC22_POINT = {"board": "u200", "attention": "sparse", "schedule": "length-aware", "macs": 8192, "batch": 8,
               "lut_lanes": 1024, "nl_lanes": 4, "topk": 32, "stages": 12}
#: batch choices of the baselines under the FPGA's rule (the study grid's)
BATCHES = (1, 4, 8, 16)
#: ESE on XCKU060: 2.52 TOP/s dense-equivalent at 41 W ([ESE17, abstract])
ESE_OPS_PER_J = 2.52e12 / 41.0


@cache
def dac22_ratios() -> dict[str, float]:
    """FPGA (``DAC22_POINT``, GLUE lengths) over the i7-5930K / TITAN RTX profiles served with
    the FPGA's batching rule (windows of 128 batches sorted by length, best of ``BATCHES``)."""
    import workloads
    from costmodels.fpga import TransformerAcceleratorModel, baseline, serve
    from costmodels.fpga.lowering import compile_stages
    from workloads.distributions.lengths import parse_lengths

    wl = workloads.load("bert-base")
    model = TransformerAcceleratorModel(lengths="glue")
    tot = model.evaluate(wl, {k: [v] for k, v in DAC22_POINT.items()}).numpy().totals
    thr, energy = float(tot["throughput_per_s"][0]), float(tot["energy_j"][0])
    st, dist = compile_stages(wl), parse_lengths("glue")
    best = {name: max((serve(baseline(name), st, dist, b, "sorted", window=128) for b in BATCHES),
                      key=lambda r: r.throughput_per_s) for name in ("i7-5930k", "titan-rtx")}
    return {"cpu": thr / best["i7-5930k"].throughput_per_s, "gpu": thr / best["titan-rtx"].throughput_per_s,
            "energy_gpu": best["titan-rtx"].energy_j / energy}


@cache
def ernn_ratios(board_name: str = "ku060") -> dict[str, float]:
    """Dense-equivalent ops per joule (board power) of the C-LSTM (block 8, 16-bit) and E-RNN
    (block 16, 12-bit) configurations of ``fpga-ernn`` on ``lstm-timit``, each at the multiplier
    count with the highest feasible throughput, over ESE's published figure."""
    import workloads
    from costmodels.fpga import ERNNModel

    wl = workloads.load("lstm-timit")
    mults = np.unique(np.round(np.geomspace(32, 16384, 64) / 16) * 16).astype(int).tolist()
    eff = {}
    for name, block, bits in (("clstm", 8, 16), ("ernn", 16, 12)):
        design = {"board": [board_name] * len(mults), "block": [block] * len(mults), "bits": [bits] * len(mults),
                  "multipliers": mults}
        m = ERNNModel().evaluate(wl, design).numpy()
        thr = np.where(m.feasible, m.totals["throughput_per_s"], -np.inf)
        eff[name] = float(m.totals["dense_ops_per_j"][int(np.argmax(thr))])
    return {"ernn_vs_ese": eff["ernn"] / ESE_OPS_PER_J, "clstm_vs_ese": eff["clstm"] / ESE_OPS_PER_J,
            "ernn_vs_clstm": eff["ernn"] / eff["clstm"]}


def _nl_mults(unit: str) -> float:
    from costmodels.fpga.nonlinear import UNITS

    return UNITS[unit].mults_per_element


_PLATFORM_GAP = ("[Peng22]'s platform, clock and CPU/GPU models are not public (abstract only); our "
                 "baselines are roofline profiles of an i7-5930K and a TITAN RTX (the latter calibrated to "
                 "[HFBench20]) batched like the FPGA (sorted windows): the published ratio implies a far "
                 "slower baseline (e.g. un-batched, single-thread CPU or a padded fixed-shape GPU run)")

CLAIMS: list[Claim] = [
    Claim("fpga-dac22-speedup-cpu-same-rule", "fpga",
          "BERT-base on a U200 (sparse, length-aware, proportional MAC rule) vs CPU, both length-sorted",
          80.2, "1", "[Peng22, abstract]", "validation", lambda: dac22_ratios()["cpu"], rel_tol=0.25,
          gap=_PLATFORM_GAP),
    Claim("fpga-dac22-speedup-gpu-same-rule", "fpga",
          "BERT-base on a U200 vs TITAN RTX, both length-sorted, same batch choices",
          2.6, "1", "[Peng22, abstract]", "validation", lambda: dac22_ratios()["gpu"], rel_tol=0.25,
          gap=_PLATFORM_GAP + "; with sorted batches the GPU pads ~1 % and out-serves our U200 design"),
    Claim("fpga-dac22-energy-gpu-same-rule", "fpga",
          "energy per request, TITAN RTX (280 W) over the U200 design (17.4 W measured idle + modelled dynamic)",
          4.0, "1", "[Peng22, abstract]", "validation", lambda: dac22_ratios()["energy_gpu"], rel_tol=0.25,
          gap="within tolerance; the FPGA's static power is the measured idle power of an Alveo DDR card "
              "([XRT21, PR 3697]; the card model is not named), its dynamic energy is modelled, not "
              "measured; the GPU baseline is our profile, not [Peng22]'s CUBLAS accelerator"),
    Claim("fpga-ernn-vs-clstm", "fpga", "E-RNN over C-LSTM energy efficiency (published: more than 2x)",
          2.0, "1", "[ERNN19, abstract] ('more than 2x')", "validation",
          lambda: ernn_ratios()["ernn_vs_clstm"], rel_tol=0.25,
          gap="the published figure is a lower bound; configurations assumed"),
    Claim("fpga-igelu-mults", "fpga", "16-bit multiplies per GELU element (i-GELU: square, *a, x*(1+erf))",
          3.0, "1", "[IBERT21, Sec. 3.5, Alg. 2]", "restatement", lambda: _nl_mults("gelu"), abs_tol=0.0),
    Claim("fpga-softmax-mults", "fpga",
          "multiplies per softmax element (i-exp: z = x/ln2, the square of L(p); then x * 1/sum)",
          3.0, "1", "[IBERT21, Sec. 3.5, Alg. 3] (i-exp)", "restatement", lambda: _nl_mults("softmax"),
          abs_tol=0.0),
]

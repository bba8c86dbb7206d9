"""BERT-base on an FPGA with sparse attention and length-aware dynamic pipelining (DAC'22).

Published (Peng et al., "A Length Adaptive Algorithm-Hardware Co-design of Transformer on FPGA
Through Sparse Attention and Dynamic Pipelining", DAC'22, arXiv 2208.03646, abstract [P]):
**80.2x** speedup over a CPU, **2.6x** over a GPU, **4x** energy efficiency over a CUBLAS-GEMM
GPU accelerator. The platform, clock and CPU/GPU models are not public (not in the [Peng22] material we had), so this
study states its own and lists every assumed constant.

Method: ``fpga-transformer`` on ``bert-base`` (U200 by default). The FPGA design is the best
feasible point of a small grid (MACs, batch, pre-filter lanes); the baselines are roofline
profiles (``costmodels/fpga/data/baselines.csv``) serving batches padded to their longest
request. Speed-ups are throughput ratios; energy efficiency is energy per request. Then:
throughput vs length distribution (padded vs length-aware, analytic vs SimPy), dense vs sparse
attention from 128 to 4096 tokens, and the MILP allocation against the model's proportional rule.
"""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

import workloads
from costmodels.fpga import TransformerAcceleratorModel, baseline, presets, serve, simulate
from costmodels.fpga.lowering import compile_stages
from costmodels.fpga.transformer import PE_LANES, SCORE_BITS, TILE_DEPTH
from dse.report import StudyOutput, markdown_table
from dse.study import script_main
from workloads.distributions.lengths import parse_lengths

PAPER = {"speedup_vs_cpu": 80.2, "speedup_vs_gpu": 2.6, "energy_eff_vs_gpu": 4.0}
#: length-aware scheduling window (batches), the model's default; the fair baselines sort the same windows
WINDOW = 128
#: baseline batching rules: label and ratio-key suffix
RULES = {"batch": ("batch <= 8, padded to the batch maximum", ""),
         "max": ("batch <= 8, padded to the longest length (static shapes)", "_static_padding"),
         "sorted": ("same rule as the FPGA: sorted windows of 128 batches, same batch choices", "_same_rule")}
SOURCE = "Peng et al., DAC'22, arXiv 2208.03646 (abstract) [P]"


def _grid(model, wl, grid: dict, fixed: dict) -> tuple[dict | None, dict, str]:
    """Best feasible point (max throughput) of the cartesian ``grid``; else the commonest reason."""
    keys = list(grid)
    combos = list(itertools.product(*(grid[k] for k in keys)))
    design = {k: [c[i] for c in combos] for i, k in enumerate(keys)}
    design.update({k: [v] * len(combos) for k, v in fixed.items()})
    m = model.evaluate(wl, design).numpy()
    thr = np.where(m.feasible, m.totals["throughput_per_s"], -np.inf)
    if not np.any(m.feasible):
        return None, {}, Counter(r for r in m.reason_texts() if r).most_common(1)[0][0]
    i = int(np.argmax(thr))
    point = {**model.space.defaults(), **{k: design[k][i] for k in design}}
    return point, {k: float(v[i]) for k, v in m.totals.items()}, ""


def headline(wl, *, board: str, lengths: str, cpu: str, gpu: str, quick: bool) -> tuple[pd.DataFrame, dict]:
    model = TransformerAcceleratorModel(lengths=lengths)
    grid = {"macs": [2048, 4096, 8192, 10240] if quick else [2048, 4096, 6144, 8192, 9216, 10240],
            "batch": [1, 8] if quick else [1, 4, 8, 16], "lut_lanes": [1024, 4096], "nl_lanes": [4, 16]}
    best, fpga, _ = _grid(model, wl, grid, {"board": board, "attention": "sparse", "schedule": "length-aware"})
    base, fpga_pad, _ = _grid(model, wl, grid, {"board": board, "attention": "dense", "schedule": "padded"})
    st, dist = compile_stages(wl), parse_lengths(lengths)
    prop = fpga
    fpga, milp_status = milp_design(model, wl, best, fpga)
    rows = [{"system": f"FPGA {board} sparse + length-aware, MILP allocation (headline)", "batch": best["batch"],
             "throughput_per_s": fpga["throughput_per_s"], "latency_s": fpga["latency_s"], "energy_j": fpga["energy_j"],
             "power_w": fpga["power_w"]},
            {"system": f"FPGA {board} sparse + length-aware, proportional rule (baseline)", "batch": best["batch"],
             "throughput_per_s": prop["throughput_per_s"], "latency_s": prop["latency_s"], "energy_j": prop["energy_j"],
             "power_w": prop["power_w"]},
            {"system": f"FPGA {board} dense + padded", "batch": base["batch"], "throughput_per_s": fpga_pad["throughput_per_s"],
             "latency_s": fpga_pad["latency_s"], "energy_j": fpga_pad["energy_j"], "power_w": fpga_pad["power_w"]}]
    res = {}
    batches = {"batch": (1, 8), "max": (1, 8), "sorted": tuple(grid["batch"])}
    label = {"batch": "padded to batch max", "max": "padded to max length",
             "sorted": f"FPGA rule: sorted windows of {WINDOW} batches"}
    for name in (cpu, gpu):
        for pad_to, bs in batches.items():
            for b in bs:
                r = serve(baseline(name), st, dist, b, pad_to, window=WINDOW)
                res[(name, pad_to, b)] = r
                rows.append({"system": f"{name} ({label[pad_to]})", "batch": b,
                             "throughput_per_s": r.throughput_per_s, "latency_s": r.latency_s,
                             "energy_j": r.energy_j, "power_w": baseline(name).power_w})
    best_of = lambda name, pad: max((res[(name, pad, b)] for b in batches[pad]), key=lambda r: r.throughput_per_s)  # noqa: E731
    ratios = {"length_aware_sparse_vs_padded_dense": fpga["throughput_per_s"] / fpga_pad["throughput_per_s"],
              "speedup_vs_gpu_batch1": fpga["throughput_per_s"] / res[(gpu, "batch", 1)].throughput_per_s}
    for pad in ("batch", "max", "sorted"):
        suffix = RULES[pad][1]
        ratios["speedup_vs_cpu" + suffix] = fpga["throughput_per_s"] / best_of(cpu, pad).throughput_per_s
        ratios["speedup_vs_gpu" + suffix] = fpga["throughput_per_s"] / best_of(gpu, pad).throughput_per_s
        ratios["energy_eff_vs_gpu" + suffix] = best_of(gpu, pad).energy_j / fpga["energy_j"]
    # sensitivity to the assumed static board power: FPGA dynamic energy only (an upper bound)
    dyn = fpga["energy_j"] - presets.board(board).static_w / fpga["throughput_per_s"]
    ratios["energy_eff_vs_gpu_same_rule_fpga_dynamic_only"] = best_of(gpu, "sorted").energy_j / dyn
    ratios["fpga_static_share_of_power"] = presets.board(board).static_w / fpga["power_w"]
    ratios["fpga_design"] = best
    ratios["milp_vs_proportional"] = fpga["throughput_per_s"] / prop["throughput_per_s"]
    ratios["milp_status"] = milp_status
    return pd.DataFrame(rows), ratios


def milp_design(model, wl, point: dict, tot: dict, n_buckets: int = 4) -> tuple[dict, str]:
    """The design ``point`` re-allocated by the Pyomo/HiGHS MILPs of ``costmodels/fpga/alloc_joint``:
    the static joint MILP picks the non-linear lanes (1-16) and the on-chip weight set, then the
    MACs per length bucket; the DSP budget is the point's total DSPs (MACs + non-linear units),
    the memory the URAM/BRAM the point leaves free with all weights streamed. Pipeline totals come
    from the model's stage tables; energy keeps the dynamic part of ``tot`` and re-divides the
    static power by the new throughput."""
    from costmodels.fpga.alloc_joint import evaluate_joint, joint_from_tables, two_step
    from costmodels.fpga.resources import BRAM36_BITS, URAM_BITS, dsp_per_mac

    tables = model.tables(wl, point)
    streamed = model.evaluate(wl, {k: [v] for k, v in {**point, "weights": "stream"}.items()
                                   if k in model.space.names}).numpy().totals
    b = presets.board(point["board"])
    mem = (max(b.uram_budget - float(streamed["uram"][0]), 0.0) * URAM_BITS
           + max(b.bram36_budget - float(streamed["bram36"][0]), 0.0) * BRAM36_BITS)
    per_mac = float(dsp_per_mac(np, np.array(float(point["bits"]))))
    n_opt = int(np.ceil(2.0 * point["macs"] / PE_LANES / max(tables.n_stages, 1))) + 1
    p = joint_from_tables(tables, n_buckets=n_buckets, unit=PE_LANES, n_options=n_opt, lane_options=(1, 2, 4, 8, 16),
                          dsp_per_mac=per_mac, dsp_budget=float(tot["dsp"]), mem_bits=mem)
    a = two_step(tables, p, n_buckets)
    if a.status != "optimal":
        return tot, a.status
    got = evaluate_joint(tables, p, a, n_buckets, point["schedule"])
    static = b.static_w
    dyn = tot["energy_j"] - static / tot["throughput_per_s"]
    energy = dyn + static / got["throughput_per_s"]
    lanes = sorted({int(p.lanes[i]) for i in a.u})
    return ({**tot, **got, "energy_j": energy, "power_w": energy * got["throughput_per_s"]},
            f"optimal; non-linear lanes {lanes}, {int(a.y.sum())} of {len(a.y)} stages' weights on chip")


def operators(wl, point: dict, lengths: str) -> pd.DataFrame:
    """Per-operator rows (time, work, resources) of the headline design ``point``."""
    model = TransformerAcceleratorModel(lengths=lengths)
    m = model.evaluate(wl, {k: [v] for k, v in point.items() if k in model.space.names}).numpy()
    rows = []
    for j, (name, kind) in enumerate(zip(m.layer_names, m.layer_kinds)):
        if kind != "operator":
            continue
        rows.append({"operator": name.removeprefix("op."), **{k: float(m.layers[k][0, j]) for k in
                     ("latency_s", "work", "dsp", "lut", "bram36", "uram")}})
    df = pd.DataFrame(rows)
    df["dsp_share"] = df["dsp"] / max(float(m.totals["dsp"][0]), 1.0)
    return df


def reconfiguration(wl, point: dict, lengths: str) -> pd.DataFrame:
    """The headline design under the three MAC re-allocation rules (``reconfig`` parameter)."""
    rows = []
    for rule in ("shared", "static", "drain"):
        model = TransformerAcceleratorModel(lengths=lengths, reconfig=rule)
        m = model.evaluate(wl, {k: [v] for k, v in point.items() if k in model.space.names}).numpy()
        rows.append({"reconfig": rule, "throughput_per_s": float(m.totals["throughput_per_s"][0]),
                     "bubble_fraction": float(m.totals["bubble_fraction"][0]), "dsp": float(m.totals["dsp"][0])})
    return pd.DataFrame(rows)


def distributions(wl, *, board: str, quick: bool, seed: int) -> pd.DataFrame:
    rows = []
    n_req = 2048 if quick else 16384
    for lengths in ("fixed:64", "fixed:128", "glue", "squad", "fixed:384"):
        model = TransformerAcceleratorModel(lengths=lengths)
        for sched in ("padded", "length-aware"):
            point = {"board": board, "schedule": sched}
            m = model.evaluate(wl, {k: [v] for k, v in point.items()}).numpy().totals
            des = simulate(model, wl, point, n_requests=n_req, seed=seed)
            thr = float(m["throughput_per_s"][0])
            rows.append({"lengths": lengths, "schedule": sched, "mean_len": parse_lengths(lengths).mean(),
                         "throughput_per_s": thr, "des_throughput_per_s": des.throughput_per_s,
                         "des_gap_pct": 100 * (des.throughput_per_s / thr - 1),
                         "latency_s": float(m["latency_s"][0]), "latency_p99_s": float(m["latency_p99_s"][0]),
                         "des_latency_p99_s": des.latency_p99_s, "bubble_fraction": float(m["bubble_fraction"][0]),
                         "des_bubble_fraction": des.bubble_fraction, "padding_fraction": float(m["padding_fraction"][0])})
    return pd.DataFrame(rows)


def scaling(wl, *, board: str, quick: bool) -> pd.DataFrame:
    rows = []
    st = compile_stages(wl)
    lens = [128, 1024, 4096] if quick else [128, 256, 512, 1024, 2048, 4096]
    grid = {"stages": [1, 2, 4, 12] if quick else [1, 2, 3, 4, 6, 12], "macs": [4096, 8192, 16384],
            "batch": [1, 4]}
    for length in lens:
        model = TransformerAcceleratorModel(lengths=f"fixed:{length}")
        for attn in ("dense", "sparse"):
            best, tot, reason = _grid(model, wl, grid, {"board": board, "attention": attn, "schedule": "length-aware"})
            macs = st.macs(length, attention=attn, topk=32).sum()
            share = (st.quad.sum() * length * (min(32, length) if attn == "sparse" else length)) / macs
            rows.append({"seq_len": length, "attention": attn, "feasible": best is not None,
                         "throughput_per_s": tot.get("throughput_per_s", np.nan), "macs_per_request": macs,
                         "attention_mac_share": share, "stages": best["stages"] if best else np.nan,
                         "mac_units": best["macs"] if best else np.nan, "uram": tot.get("uram", np.nan),
                         "reason": reason})
    return pd.DataFrame(rows)


def allocation(quick: bool) -> pd.DataFrame:
    from costmodels.fpga.alloc import problem_from_tables, proportional, solve_milp

    wl = workloads.load("bert-base:layers=2")
    rows = []
    for lengths in ("glue", "squad"):
        tables = TransformerAcceleratorModel(lengths=lengths, granularity="sublayer").tables(wl, {"macs": 2048, "stages": 64})
        p = problem_from_tables(tables, n_buckets=4, unit=PE_LANES, n_options=24 if quick else 48, dsp_per_mac=0.5,
                                bits=8, dsp_budget=1024.0, bram_budget=1e9)
        for name, a in (("proportional (model rule)", proportional(p, 2048, PE_LANES)),
                        ("MILP static", solve_milp(p, "static")), ("MILP per-bucket", solve_milp(p, "per-bucket"))):
            rows.append({"lengths": lengths, "allocation": name, "expected_bottleneck_s": a.objective_s, "status": a.status})
    return pd.DataFrame(rows)


def assumptions(board: str, cpu: str, gpu: str) -> pd.DataFrame:
    ec = presets.energy_constants()
    b = presets.board(board)
    rows = [
        ("FPGA board", f"{board}: {b.dsp_usable} DSP / {b.bram36_usable} BRAM36 / {b.uram_usable} URAM usable, x{presets.UTIL_CAP}", b.source),
        ("kernel clock", f"{b.clock_hz / 1e6:.0f} MHz", b.source),
        ("off-chip bandwidth", f"{b.bw_bytes_per_s / 1e9:.1f} GB/s", b.source),
        ("static board power", f"{b.static_w} W ({b.static_basis})", b.static_source),
        ("MAC lanes per PE", str(PE_LANES), "assumed"),
        ("weight tile depth", f"{TILE_DEPTH} words, double-buffered", "assumed (FINN layout)"),
        ("dense score row", f"{SCORE_BITS} bits/score", "assumed"),
        ("INT8 MACs per DSP48E2", "2", "Xilinx WP486 [M]"),
        ("MAC energy", "Horowitz 45 nm x FPGA factor", f"{ec['arith_45nm']['source']}; {ec['fpga']['dynamic_factor_source']}"),
        ("on-chip read energy", f"{ec['fpga']['sram_j_per_bit'] * 1e12:.3f} pJ/bit", ec["fpga"]["sram_source"]),
        ("DDR energy", f"{ec['fpga']['dram_ddr_j_per_bit'] * 1e12:.0f} pJ/bit", ec["fpga"]["dram_ddr_source"]),
        ("length-aware window", "128 batches", "assumed (model Param window)"),
        ("non-linear units", "I-BERT integer datapaths, 3 DSP/lane; LUT per lane and depths assumed", "[IBERT21, Sec. 3.4-3.6]; LUT/depth assumed"),
        ("weights", "on chip (URAM then BRAM) for the leading stages that fit, the rest streamed", "model rule (greedy in stage order)"),
        ("MAC re-allocation", "shared pool, free (headline); static and drain shown", "model Param reconfig"),
        ("top-k, pre-filter bits", "k = 32, 4-bit Q'/K'", "assumed (DAC'22 example uses 4-bit)"),
        ("length presets", "glue / squad lognormal approximations", parse_lengths("glue").source),
    ]
    for name in (cpu, gpu):
        p = baseline(name)
        rows.append((f"baseline {name}", f"{p.peak_flops / 1e12:.2f} TFLOP/s x {p.eff_gemm}, {p.power_w} W, overhead {p.overhead_s * 1e3:.0f} ms", p.source))
    return pd.DataFrame(rows, columns=["constant", "value", "source"])


def _figures(out: StudyOutput, ratios: dict, dist: pd.DataFrame, scale: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    keys = ["speedup_vs_cpu", "speedup_vs_gpu", "energy_eff_vs_gpu"]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    x = np.arange(len(keys))
    ax.bar(x - 0.2, [ratios[k] for k in keys], 0.4, label="this model")
    ax.bar(x + 0.2, [PAPER[k] for k in keys], 0.4, label="DAC'22 (published)")
    ax.set_xticks(x, ["vs CPU", "vs GPU", "energy vs GPU"])
    ax.set_yscale("log")
    ax.set_ylabel("ratio (x)")
    ax.legend()
    out.figure("headline", fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for sched, g in dist.groupby("schedule"):
        ax.plot(g["lengths"], g["throughput_per_s"], marker="o", label=f"{sched} (analytic)")
        ax.plot(g["lengths"], g["des_throughput_per_s"], ls="none", marker="x", label=f"{sched} (SimPy)")
    ax.set_ylabel("requests / s")
    ax.legend()
    out.figure("throughput_vs_lengths", fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for attn, g in scale.groupby("attention"):
        ax.plot(g["seq_len"], g["throughput_per_s"], marker="o", label=attn)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("sequence length (tokens)")
    ax.set_ylabel("requests / s (best feasible design)")
    ax.legend()
    out.figure("dense_vs_sparse_scaling", fig)


def run(out: Path, *, quick: bool = False, seed: int = 0, workload: str = "bert-base", board: str = "u200",
        lengths: str = "glue", cpu: str = "i7-5930k", gpu: str = "titan-rtx", scaling_board: str = "u280",
        **_: object) -> dict:
    """Writes CSV + PNG + report.md into ``out``; returns the headline ratios."""
    wl = workloads.load(workload)
    table, ratios = headline(wl, board=board, lengths=lengths, cpu=cpu, gpu=gpu, quick=quick)
    ops = operators(wl, ratios["fpga_design"], lengths)
    reconf = reconfiguration(wl, ratios["fpga_design"], lengths)
    dist = distributions(wl, board=board, quick=quick, seed=seed)
    scale = scaling(wl, board=scaling_board, quick=quick)
    alloc = allocation(quick)
    consts = assumptions(board, cpu, gpu)
    compare = pd.DataFrame([{"comparison": k, "baseline rule": rule, "this_model": ratios[k + suffix],
                             "published": PAPER[k], "source": SOURCE}
                            for rule, suffix in RULES.values() for k in PAPER])
    with StudyOutput(out) as o:
        o.table("headline", table)
        o.table("comparison", compare)
        o.table("operators", ops)
        o.table("reconfiguration", reconf)
        o.table("distributions", dist)
        o.table("scaling", scale)
        o.table("allocation", alloc)
        o.table("assumptions", consts)
        _figures(o, ratios, dist, scale)
        o.markdown(_report(table, compare, ratios, ops, reconf, dist, scale, alloc, consts, board, lengths, quick,
                           cpu=cpu, gpu=gpu))
    return {k: v for k, v in ratios.items() if k not in ("fpga_design", "milp_status")}


def _report(table, compare, ratios, ops, reconf, dist, scale, alloc, consts, board, lengths, quick, *,
            cpu: str, gpu: str) -> str:
    d = ratios["fpga_design"]
    return f"""# BERT-base on an FPGA: sparse attention + length-aware pipelining vs CPU/GPU{' (quick)' if quick else ''}

Published: {SOURCE}. Our FPGA design: {board}, {lengths} lengths, best feasible point of the grid:
macs={d['macs']}, batch={d['batch']}, lut_lanes={d['lut_lanes']}, nl_lanes={d['nl_lanes']}, stages={d['stages']}, top-k={d['topk']}.
The FPGA design is re-allocated by the Pyomo/HiGHS MILPs (non-linear lanes and on-chip weights
jointly, then the MACs per length bucket, 4 equal-probability buckets, the same DSP budget; HiGHS:
{ratios['milp_status']}); the model's proportional rule is
the baseline row (throughput MILP / rule = {ratios['milp_vs_proportional']:.4f}; the padded dense
FPGA row keeps the rule).
Ratios use throughput (requests/s) and energy per request, under three baseline rules: the
better of batch 1 and 8 padded to the batch maximum (dynamic) or to the longest length (static
shapes), and the FPGA's own rule (windows of {WINDOW} batches sorted by length, each batch padded
to its maximum, the same batch choices as the FPGA grid). The last is the fair comparison: the
FPGA design sorts its windows the same way.

## Our numbers next to the paper's

{markdown_table(compare)}
Power: {_power_note(board)} It is {100 * ratios['fpga_static_share_of_power']:.0f} % of the FPGA's
power; the FPGA's dynamic energy is modelled (Horowitz 45 nm arithmetic x the FPGA factor 14, on-chip
and off-chip weight traffic), not measured. Without the static part (dynamic energy only, an upper
bound) the energy-efficiency ratio under the same rule would be
{ratios['energy_eff_vs_gpu_same_rule_fpga_dynamic_only']:.2f}x. The GPU's {baseline(gpu).power_w:.0f} W is
the board power logged in the benchmark run its profile is calibrated to; the CPU's
{baseline(cpu).power_w:.0f} W is its TDP (see the assumptions table).

Length-aware sparse vs padded dense on the same board: **{ratios['length_aware_sparse_vs_padded_dense']:.2f}x**
throughput. Against the GPU at batch 1 (launch-bound): {ratios['speedup_vs_gpu_batch1']:.2f}x.

Reading the gap: the published ratios imply CPU/GPU throughputs the paper does not state. With the
profiles listed below the model gives the ratios above; an 80.2x CPU speed-up needs a CPU baseline
about {ratios['speedup_vs_cpu'] / PAPER['speedup_vs_cpu']:.2g}x as fast as ours (e.g. un-batched,
single-threaded inference). The GPU ratio depends mostly on the GPU's batch size and padding.

{markdown_table(table)}
## Per-operator breakdown of the FPGA design

Busy time per request summed over the pipeline stages (the units of a stage run concurrently, so
a stage takes the longest of its rows, not their sum), work per request (MACs, low-bit pre-filter
MACs, elements through softmax / LayerNorm / GELU, weight bytes streamed) and resources.

{markdown_table(ops)}
Weights stay on chip (URAM, then BRAM) for the first stages whose weights fit the memory left by
the buffers; the rest stream from off-chip memory (the `weights` row: bytes streamed per request,
URAM/BRAM holding weights).

## Re-allocating MACs between lengths

`shared`: the per-length allocation is a schedule of one time-multiplexed MAC pool (no cost);
`static`: the allocation balanced at the longest length, never changed; `drain`: the MACs are
re-partitioned per length bucket (4), each change drains the pipeline ((S-1) steps), once per
bucket present in a sorted window.

{markdown_table(reconf)}
## Throughput vs length distribution (analytic twin and SimPy)

{markdown_table(dist[['lengths', 'schedule', 'mean_len', 'throughput_per_s', 'des_throughput_per_s', 'des_gap_pct', 'latency_p99_s', 'des_latency_p99_s', 'bubble_fraction', 'des_bubble_fraction', 'padding_fraction']])}
## Dense vs sparse attention, 128 to 4096 tokens (best feasible design per point)

{markdown_table(scale)}
## MAC allocation across sub-layer stages (bert-base, 2 layers, 4 length buckets)

{markdown_table(alloc)}
## Every assumed constant

{markdown_table(consts)}
"""


def _power_note(board: str) -> str:
    """One sentence on where the board's static power comes from (data/boards.csv)."""
    b = presets.board(board)
    if b.static_sourced:
        return f"the FPGA's static board power ({b.static_w} W) is a measurement, not an assumption: {b.static_source}."
    return (f"the FPGA's static board power ({b.static_w} W) is an ASSUMPTION: no idle-power measurement "
            f"or vendor estimate of the {board} was available; `energy_static_j` carries it alone.")


def main(argv: list[str] | None = None) -> int:
    return script_main("fpga_transformer", __doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())

"""Length-adaptive transformer accelerator on an FPGA (Peng et al., DAC'22, arXiv 2208.03646).

Hardware (per physical pipeline stage ``p``; encoder layers are folded onto ``stages`` physical
stages, contiguous and balanced):

* a DSP MAC array of ``m_p`` MACs (``macs`` in total, split across stages in proportion to their
  work and rounded down to whole PEs of :data:`PE_LANES` lanes) runs every projection, the
  feed-forward layers and the exact attention (``2 d L^2`` dense, ``2 d L min(k, L)`` sparse);
* sparse attention adds a LUT engine of ``lut_lanes`` ``qk_bits``-bit multipliers (split in
  proportion to attention width) for the low-bit ``Q'K'^T`` pre-filter (``d L^2`` cheap MACs) and
  top-``k`` insertion sorters; it runs concurrently with the MAC array;
* weights stream from off-chip memory once per batch (``B`` requests share every weight tile);
* softmax, LayerNorm and GELU are hardware units of ``nl_lanes`` lanes per stage that holds them
  (:mod:`costmodels.fpga.nonlinear`: I-BERT integer datapaths, DSP/LUT/BRAM per lane, passes per
  element, pipeline depth), streaming next to the MAC array.

Per-request stage time ``t_p(L) = max(W_p(L) / (m_p f), PF_p(L) / (lanes_p f), t_nl_p(L), bytes_w / (B BW))``
([Zhang15]: ``t = max(ops / (MAC f), bytes / BW)``). ``schedule=padded`` pads each batch to its
longest request and keeps the allocation made for the longest supported length;
``schedule=length-aware`` runs each request at its length and re-balances the MACs per length
(the allocation is proportional to work, the continuous optimum of the min-max problem that
``costmodels/fpga/alloc.py`` solves exactly). Pipeline aggregates: :mod:`costmodels.fpga.pipeline`.

Resources: DSP per MAC, LUT of the MAC arrays / LUT multipliers / sorters, BRAM36 of the weight
tiles (FINN formulas, :mod:`costmodels.fpga.resources`) and URAM (or BRAM on boards without URAM)
for the activation ping-pong, K/V and low-bit K' buffers sized for the longest length. A design
over the board budget (usable after the shell x 0.75) is infeasible, the resource named.

Energy per request = dynamic (MACs, pre-filter, non-linear units, weight reads and streaming;
:meth:`TransformerAcceleratorModel._energy`) + the board's static power over the throughput,
reported alone as ``energy_static_j``. Static power is the card's measured idle power for the
U50 and the U200/U250 family ([XRT21], ``data/boards.csv``) and an assumption on the other boards
(``static_basis = assumed``); per-resource dynamic power (XPE-style mW per DSP/LUT/BRAM at a
clock) is not modelled: no such figures were available to us.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from dse import Categorical, CostModel, DesignSpace, Feasibility, Int, Param, Pow2
from dse.errors import DseInputError
from dse.xp import constant
from workloads.distributions.lengths import LENGTHS_ALLOWED, LengthDistribution, parse_lengths

from . import presets
from .lowering import GRANULARITIES, StageTable, compile_stages
from .nonlinear import OPERATOR_ROWS, UNITS, unit_elements
from .pipeline import length_aware_metrics, padded_metrics, pmf_of_max
from .resources import BRAM36_BITS, URAM_BITS, bram36_sdp, dsp_per_mac, lut_mvau, lut_topk

__all__ = ["TransformerAcceleratorModel", "PE_LANES", "TILE_DEPTH", "SCORE_BITS"]

#: MAC lanes per PE (SIMD width of the MAC array); allocation granularity [assumption]
PE_LANES = 32
#: words of the double-buffered weight tile per MAC lane (FINN weight-memory layout) [assumption]
TILE_DEPTH = 32
#: bits of a softmax score held in the dense-attention row buffer [assumption]
SCORE_BITS = 16

BOARDS = presets.board_names()
RECONFIG = ("shared", "static", "drain")
#: largest length support the vectorised model accepts (arrays are designs x stages x lengths)
MAX_SUPPORT = 8192


def _lengths(value: Any) -> str | LengthDistribution:
    """Validate a lengths spec; keep its text (JSON-friendly) or the distribution object given."""
    if len(parse_lengths(value).support) > MAX_SUPPORT:
        raise DseInputError("lengths", str(value), f"a distribution over at most {MAX_SUPPORT} distinct lengths")
    return value if isinstance(value, LengthDistribution) else str(value)


class TransformerAcceleratorModel(CostModel):
    """Coarse-pipelined transformer accelerator with sparse attention and length-aware scheduling."""

    name = "fpga-transformer"
    version = "6"  # 6: measured idle board power (U50/U200/U250), energy_static_j; 2: macs metric -> mac_ops; 3: whole LUTs; 4: softmax/LayerNorm/GELU units, per-operator rows; 5: weights on chip, reconfig
    space = DesignSpace((
        Categorical("board", default="u200", choices=BOARDS, doc="FPGA board (data/boards.csv)"),
        Categorical("attention", default="sparse", choices=("dense", "sparse"),
                    doc="dense softmax(QK^T)V or the DAC'22 low-bit pre-filter + top-k"),
        Int("topk", default=32, low=1, high=1024, log=True, doc="keys kept per query (sparse)"),
        Categorical("schedule", default="length-aware", choices=("padded", "length-aware"),
                    doc="pad batches to their maximum, or length-aware dynamic pipelining"),
        Categorical("bits", default=8, choices=(8, 16), doc="weight/activation bits on the MAC array"),
        Int("qk_bits", default=4, low=2, high=8, doc="bits of the pre-filter's quantised Q', K'"),
        Int("macs", default=8192, low=256, high=65536, step=256, log=True, doc="MAC units in total"),
        Pow2("lut_lanes", default=4096, low=256, high=65536, doc="LUT multipliers of the pre-filter"),
        Int("batch", default=8, low=1, high=64, doc="requests per batch (weight reuse)"),
        Int("stages", default=12, low=1, high=64, doc="physical pipeline stages"),
        Pow2("nl_lanes", default=8, low=1, high=256,
             doc="lanes (elements per clock) of each softmax / LayerNorm / GELU unit"),
        Categorical("weights", default="auto", choices=("auto", "stream"),
                    doc="weights on chip where they fit (auto) or always streamed from DDR/HBM"),
    ))
    params = (
        Param("lengths", "glue", "sequence lengths: " + LENGTHS_ALLOWED, parse=_lengths),
        Param("granularity", "layer", "one stage per encoder layer or per sub-block",
              choices=GRANULARITIES),
        Param("clock_hz", 0.0, "kernel clock in Hz (0 = the board's, data/boards.csv)", unit="Hz", ge=0),
        Param("window", 128, "batches per length-aware scheduling window", integer=True, ge=1, le=1 << 20),
        Param("reconfig", "shared", "length-aware MAC re-allocation: shared (time-multiplexed pool, free), "
              "static (no re-allocation) or drain (re-partitioned per length bucket, a pipeline drain "
              "per change)", choices=RECONFIG),
        Param("buckets", 4, "length buckets of a re-partitioned (reconfig=drain) design", integer=True, ge=1, le=64),
    )
    capabilities = frozenset({"batch", "des"})
    metric_units = {"bubble_fraction": "1", "dsp": "1", "bram36": "1", "uram": "1", "lut": "1",
                    "mac_ops": "1", "padding_fraction": "1", "work": "1"}
    param_units = {"clock_hz": "Hz"}
    example_workloads = ("bert-base",)
    example_params = ({}, {"lengths": "fixed:128", "granularity": "sublayer"})

    # -- compilation (memoised per workload) ---------------------------------------------------
    def _compiled(self, workload) -> StageTable:
        gran = self.param("granularity")
        return workload.memo(("fpga.stages", gran), lambda: compile_stages(workload, gran))

    def effective_design(self, workload: Any, point: Any) -> dict[str, Any]:
        """``clock_hz=0`` means the board's clock: show the one used."""
        out = super().effective_design(workload, point)
        if float(out.get("clock_hz", 0.0)) <= 0 and "board" in out:
            out["clock_hz"] = presets.board(out["board"]).clock_hz
        return out

    # -- evaluation ------------------------------------------------------------------------------
    def _core(self, workload, design, xp) -> SimpleNamespace:
        """Stage arrays of a batch of designs (shared by ``_evaluate`` and the DES tables)."""
        v = SimpleNamespace(st=self._compiled(workload), dist=parse_lengths(self.param("lengths")), n=design.n)
        c = v.c = lambda x: constant(xp, x, like=design["macs"])  # noqa: E731
        f64 = xp.float64
        v.code = xp.astype(design["board"], xp.int64)
        table = presets.board_arrays(BOARDS)
        v.pick = lambda key: xp.take(c(table[key]), v.code)  # noqa: E731
        clock = float(self.param("clock_hz"))
        v.clock = v.pick("clock_hz") if clock <= 0 else clock * xp.ones_like(v.pick("clock_hz"))
        v.sparse = xp.astype(design.eq("attention", "sparse"), f64)
        v.la = xp.astype(design.eq("schedule", "length-aware"), f64)
        v.bits = xp.where(design.eq("bits", 16), c(16.0), c(8.0))
        v.qk = xp.astype(design["qk_bits"], f64)
        v.k = xp.astype(design["topk"], f64)
        v.batch = xp.astype(design["batch"], f64)
        st, s_log = v.st, v.st.n

        # physical stages: logical s -> p = ceil((s+1) P / S) - 1 (contiguous, balanced)
        n_phys = xp.minimum(xp.astype(design["stages"], f64), c(float(s_log)))
        s_idx = c(np.arange(s_log, dtype=np.float64))
        phys = xp.ceil((s_idx[None, :] + 1.0) * n_phys[:, None] / float(s_log)) - 1.0    # (N, S)
        v.group = xp.astype(phys[:, :, None] == s_idx[None, None, :], f64)              # (N, S, P)
        to_phys = xp.permute_dims(v.group, (0, 2, 1))                                     # (N, P, S)
        per_phys = lambda col: xp.matmul(to_phys, c(col)[None, :, None] * xp.ones_like(phys[:, :, None]))[:, :, 0]  # noqa: E731

        v.lengths, v.probs, v.cdf = c(v.dist.support.astype(np.float64)), c(v.dist.probs), c(v.dist.cdf())
        v.l_max = float(v.dist.max_len)
        keep = xp.minimum(v.k[:, None], v.lengths[None, :])                              # (N, Q)
        exact = v.sparse[:, None] * keep + (1.0 - v.sparse[:, None]) * v.lengths[None, :]
        v.work_log = (c(st.lin)[None, :, None] * v.lengths[None, None, :] + c(st.const)[None, :, None]
                      + c(st.quad)[None, :, None] * (v.lengths[None, :] * exact)[:, None, :])  # (N, S, Q)
        v.work = xp.matmul(to_phys, v.work_log)                                          # (N, P, Q)
        v.quad_p = per_phys(st.quad)                                                      # (N, P)
        v.pre = (0.5 * v.quad_p)[:, :, None] * (v.lengths * v.lengths)[None, None, :] * v.sparse[:, None, None]

        # MAC allocation: balanced at each length; the padded design keeps the longest length's
        v.alloc_by_len = _allocate(xp, v.work, xp.astype(design["macs"], f64))            # (N, P, Q)
        la3 = v.la[:, None, None] * (0.0 if self.param("reconfig") == "static" else 1.0)
        v.alloc = la3 * v.alloc_by_len + (1.0 - la3) * v.alloc_by_len[:, :, -1:]
        lanes_total = xp.astype(design["lut_lanes"], f64)
        v.lanes = lanes_total[:, None] * v.quad_p / xp.maximum(xp.sum(v.quad_p, axis=1, keepdims=True), c(1.0))

        # per-request stage times (N, P, Q): MAC array, pre-filter, weight streaming
        v.has_work = xp.astype(xp.sum(v.work, axis=2) > 0, f64)                           # (N, P)
        v.wbytes = per_phys(st.weights) * v.bits[:, None] / 8.0                           # (N, P)
        v.onchip = _onchip(xp, v) * xp.astype(design.eq("weights", "auto"), f64)[:, None]  # (N, P)
        v.stream = v.wbytes * (1.0 - v.onchip)
        v.bw = v.pick("bw_bytes_per_s")
        v.t_mem = xp.astype(v.stream > 0, f64) * (xp.sum(v.stream, axis=1) / (v.batch * v.pick("bw_bytes_per_s")))[:, None]
        f = v.clock[:, None, None]
        t_mac = v.work / (xp.maximum(v.alloc, c(1.0)) * f)
        t_pre = v.pre / (xp.maximum(v.lanes, c(1e-9))[:, :, None] * f)
        v.nl_lanes = xp.astype(design["nl_lanes"], f64)[:, None, None]
        elems_log = unit_elements(xp, st, v.lengths, exact)                                # (N, S, Q) each
        v.nl_elems = {u: xp.matmul(to_phys, e) for u, e in elems_log.items()}              # (N, P, Q)
        v.nl_has = {u: xp.astype(xp.sum(e, axis=2) > 0, f64) for u, e in v.nl_elems.items()}  # (N, P)
        v.t_nl_unit = {u: (UNITS[u].passes * e / v.nl_lanes + UNITS[u].depth_cycles * xp.astype(e > 0, f64)) / f
                       for u, e in v.nl_elems.items()}
        t_nl = xp.maximum(xp.maximum(v.t_nl_unit["softmax"], v.t_nl_unit["layernorm"]), v.t_nl_unit["gelu"])
        v.t_nl = t_nl
        v.t_mac, v.t_pre = t_mac, t_pre
        v.t_req = xp.maximum(xp.maximum(xp.maximum(t_mac, t_pre), t_nl), v.t_mem[:, :, None])
        v.p_used = xp.sum(v.has_work, axis=1)
        return v

    def _evaluate(self, workload, design, xp):
        v = self._core(workload, design, xp)
        c, la = v.c, v.la
        pad = padded_metrics(xp, v.t_req, v.probs, v.cdf, v.batch, v.p_used)
        lam = length_aware_metrics(xp, v.t_req, v.probs, v.cdf, v.batch, v.p_used, float(self.param("window")),
                                   drains=self._drains(xp, v))
        totals = {key: la * lam[key] + (1.0 - la) * pad[key] for key in pad if key != "step_s"}

        # executed work per request (padding counted) and energy
        pmf_b = pmf_of_max(xp, v.cdf, v.batch)                                            # (N, Q)
        weight_q = la[:, None] * v.probs[None, :] + (1.0 - la[:, None]) * pmf_b
        macs_req = xp.sum(xp.sum(v.work, axis=1) * weight_q, axis=1)
        pre_req = xp.sum(xp.sum(v.pre, axis=1) * weight_q, axis=1)
        nl_req = {u: xp.sum(xp.sum(e, axis=1) * weight_q, axis=1) for u, e in v.nl_elems.items()}
        energy_static = v.pick("static_w") / totals["throughput_per_s"]   # idle board power x time per request
        energy = self._energy(xp, v, macs_req, pre_req, nl_req) + energy_static
        res, ops = self._resources(xp, v)

        fz = Feasibility(xp, v.n, like=v.code)
        for key, label in (("dsp", "DSP"), ("bram36", "BRAM"), ("uram", "URAM"), ("lut", "LUT")):
            fz.require(res[key] <= v.pick(f"{key}_budget"), f"exceeds the board's {label} budget ({key})")

        # per logical stage: mean per-request compute time and MACs
        alloc_log = xp.matmul(v.group, v.alloc)                                           # (N, S, Q)
        t_log = v.work_log / (xp.maximum(alloc_log, c(1.0)) * v.clock[:, None, None])
        pad_frac = (1.0 - la) * (1.0 - float(v.dist.mean()) / xp.sum(pmf_b * v.lengths[None, :], axis=1))
        totals.update(res, energy_j=energy, energy_static_j=energy_static,
                      power_w=energy * totals["throughput_per_s"], mac_ops=macs_req,
                      padding_fraction=pad_frac)
        layers = _breakdown(xp, v, t_log, weight_q, macs_req, pre_req, nl_req, ops)
        return self.make_metrics(totals=totals, layers=layers, layer_names=v.st.names + OPERATOR_ROWS,
                                 layer_kinds=("stage",) * v.st.n + ("operator",) * len(OPERATOR_ROWS),
                                 feasibility=fz)

    def _drains(self, xp: Any, v: SimpleNamespace) -> Any:
        """Pipeline drains per scheduling window of a re-partitioned design (``reconfig=drain``):
        windows are sorted by length, so the partition changes once per length bucket present in
        the window (``buckets`` equal-probability buckets, expected count over ``window x batch``
        requests); 0 for ``shared`` and ``static``, and 0 when the per-length allocation equals the
        static one at every length (nothing to re-partition, e.g. one identical layer per stage)."""
        if self.param("reconfig") != "drain":
            return 0.0
        n_b = float(self.param("buckets"))
        moves = xp.astype(xp.max(xp.max(xp.abs(v.alloc_by_len - v.alloc_by_len[:, :, -1:]), axis=2), axis=1) > 0,
                          xp.float64)
        return moves * n_b * (1.0 - (1.0 - 1.0 / n_b) ** (float(self.param("window")) * v.batch))

    @staticmethod
    def _energy(xp: Any, v: SimpleNamespace, macs_req: Any, pre_req: Any, nl_req: dict) -> Any:
        """Dynamic energy per request: MACs (ASIC energy x FPGA factor), on-chip weight reads,
        pre-filter LUT MACs, non-linear units (16-bit multiplies and 32-bit adds per element) and
        off-chip weight streaming (data/energy.toml)."""
        ec = presets.energy_constants()["fpga"]
        dyn = ec["dynamic_factor"]
        e_mac = dyn * (presets.mult_energy_j(v.bits) + presets.add_energy_j(2.0 * v.bits + 16.0))
        e_pre = dyn * (presets.mult_energy_j(v.qk) + presets.add_energy_j(2.0 * v.qk + 8.0))
        dram = xp.sum(v.stream, axis=1) * 8.0 / v.batch * v.pick("dram_j_per_bit")
        e_nl = sum(nl_req[u] * UNITS[u].mults_per_element for u in nl_req) * dyn * (presets.mult_energy_j(16.0) + presets.add_energy_j(32.0))
        return macs_req * (e_mac + v.bits * ec["sram_j_per_bit"]) + pre_req * e_pre + e_nl + dram

    @staticmethod
    def _resources(xp: Any, v: SimpleNamespace) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """DSP, LUT, BRAM36 and URAM of the MAC arrays, pre-filter, sorters, non-linear units and
        buffers: totals and a per-operator split (``ops[row][resource]``, ``(N,)`` each)."""
        c, st, bits, qk = v.c, v.st, v.bits[:, None], v.qk[:, None]
        m_peak = xp.max(v.alloc, axis=2)                                                  # (N, P)
        dsp = dsp_per_mac(xp, v.bits) * xp.max(xp.sum(v.alloc, axis=1), axis=1)
        width_p = _group_max(xp, v.group, c(st.width))
        lut_mac = xp.sum(v.has_work * lut_mvau(xp, m_peak / PE_LANES, c(float(PE_LANES)), bits, bits,
                                                 width_p, lut_mult=False), axis=1)
        simd = float(max(1.0, np.max(np.where(st.heads > 0, st.attn_d / np.maximum(st.heads, 1.0), 1.0))))
        pe_pf = v.lanes / simd
        index_bits = float(np.ceil(np.log2(v.l_max + 1.0)))
        lut_pf = (lut_mvau(xp, pe_pf, c(simd), qk, qk, c(simd) * xp.ones_like(pe_pf), lut_mult=True)
                  + lut_topk(xp, pe_pf, v.k[:, None], 2.0 * qk + float(np.log2(simd)), index_bits))
        lut = xp.ceil(lut_mac + v.sparse * xp.sum(xp.astype(v.quad_p > 0, xp.float64) * lut_pf, axis=1))  # whole LUTs
        tiles, uram, bram = _buffers(xp, v)
        zero = c(0.0) * dsp
        w_on = xp.sum(v.wbytes * v.onchip, axis=1) * 8.0                                  # bits on chip
        uram_left = xp.maximum(v.pick("uram_budget") - uram, zero)
        uram_w = xp.minimum(xp.ceil(w_on / URAM_BITS), xp.floor(uram_left))
        bram_w = xp.ceil(xp.maximum(w_on - uram_w * URAM_BITS, zero) / BRAM36_BITS)
        ops = {"op.mac_array": {"dsp": dsp, "lut": lut_mac, "bram36": zero, "uram": zero},
               "op.prefilter": {"dsp": zero, "lut": lut - lut_mac, "bram36": zero, "uram": zero},
               "op.weights": {"dsp": zero, "lut": zero, "bram36": tiles + bram_w, "uram": uram_w},
               "op.buffers": {"dsp": zero, "lut": zero, "bram36": bram, "uram": uram}}
        for u, unit in UNITS.items():
            has = xp.sum(v.nl_has[u], axis=1)                                               # units
            lanes = v.nl_lanes[:, 0, 0]
            ops[f"op.{u}"] = {"dsp": has * (lanes * unit.dsp_per_lane + unit.dsp_shared),
                              "lut": has * (lanes * unit.lut_per_lane + unit.lut_shared),
                              "bram36": has * (lanes * unit.bram36_per_lane + unit.bram36_shared), "uram": zero}
        tot = {key: sum(ops[row][key] for row in ops) for key in ("dsp", "lut", "bram36", "uram")}
        return tot, ops

    # -- tables for the discrete-event model ----------------------------------------------------
    def tables(self, workload, point: dict[str, Any]):
        """Numpy stage tables of one design point (``point``: knob -> value) for ``des.py``."""
        from .tables import stage_tables

        return stage_tables(self, workload, point)


def _breakdown(xp: Any, v: SimpleNamespace, t_log: Any, weight_q: Any, macs_req: Any, pre_req: Any,
               nl_req: dict, ops: dict) -> dict[str, Any]:
    """Per-layer metrics: one row per logical stage (time, MACs; resource columns 0) followed by
    one row per operator (:data:`OPERATOR_ROWS`): busy time per request summed over the stages,
    work per request (MACs, low-bit MACs, elements, streamed weight bytes) and its resources."""
    wq = weight_q[:, None, :]
    busy = lambda t: xp.sum(xp.sum(t, axis=1) * weight_q, axis=1)  # noqa: E731
    t_w = v.t_mem[:, :, None] * v.has_work[:, :, None] * xp.ones_like(v.t_mac)
    op_time = [busy(v.t_mac), busy(v.t_pre), busy(v.t_nl_unit["softmax"]), busy(v.t_nl_unit["layernorm"]),
               busy(v.t_nl_unit["gelu"]), busy(t_w), 0.0 * macs_req]
    stream = xp.sum(v.stream, axis=1) / v.batch
    op_work = [macs_req, pre_req, nl_req["softmax"], nl_req["layernorm"], nl_req["gelu"], stream, 0.0 * macs_req]
    stage_t = xp.sum(t_log * wq, axis=2)
    stage_macs = xp.sum(v.work_log * wq, axis=2)
    zeros = 0.0 * stage_t
    col = lambda stage, per_op: xp.concat([stage, xp.stack(per_op, axis=1)], axis=1)  # noqa: E731
    out = {"latency_s": col(stage_t, op_time), "mac_ops": col(stage_macs, [macs_req] + [0.0 * macs_req] * 6),
           "work": col(stage_macs, op_work)}
    for key in ("dsp", "lut", "bram36", "uram"):
        out[key] = col(zeros, [ops[row][key] for row in OPERATOR_ROWS])
    return out


def _buffers(xp: Any, v: SimpleNamespace) -> tuple[Any, Any, Any]:
    """BRAM36 of the double-buffered weight tiles, and URAM / BRAM36 of the activation ping-pong,
    K/V, low-bit K' and dense score-row buffers sized for the longest length: ``(N,)`` each."""
    c, st, bits, qk = v.c, v.st, v.bits[:, None], v.qk[:, None]
    m_peak = xp.max(v.alloc, axis=2)
    width_p = _group_max(xp, v.group, c(st.width))
    attn_p = _group_max(xp, v.group, c(st.attn_d))
    heads_p = _group_max(xp, v.group, c(st.heads))
    tiles = xp.sum(v.has_work * bram36_sdp(xp, m_peak * bits, c(2.0 * TILE_DEPTH)), axis=1)
    deep = (2.0 * v.l_max * (width_p + attn_p) * bits + v.sparse[:, None] * v.l_max * attn_p * qk)
    rows = (1.0 - v.sparse[:, None]) * heads_p * v.l_max * SCORE_BITS
    has_uram = v.pick("uram_budget") > 0
    uram = xp.where(has_uram, xp.sum(xp.ceil(deep / URAM_BITS), axis=1), c(0.0))
    bram = xp.sum(xp.ceil(rows / BRAM36_BITS), axis=1) + xp.where(
        has_uram, c(0.0), xp.sum(xp.ceil(deep / BRAM36_BITS), axis=1))
    return tiles, uram, bram


def _onchip(xp: Any, v: SimpleNamespace) -> Any:
    """1 for the physical stages whose weights stay on chip, ``(N, P)``: stages in pipeline order
    while their cumulative weight bits fit in the URAM + BRAM budget left by the buffers, the
    tiles and the non-linear units' seed tables (one BRAM36 per stage reserved, plus one block of
    each kind for rounding); the rest stream from DDR/HBM."""
    tiles, uram, bram = _buffers(xp, v)
    zero = 0.0 * tiles
    n_p = float(v.wbytes.shape[1])
    cap = (xp.maximum(v.pick("uram_budget") - uram - 1.0, zero) * URAM_BITS
           + xp.maximum(v.pick("bram36_budget") - tiles - bram - n_p - 1.0, zero) * BRAM36_BITS)
    upper = v.c(np.triu(np.ones((int(n_p), int(n_p)))))
    cum = xp.matmul(v.wbytes * 8.0, upper)                                                # (N, P)
    return xp.astype(cum <= cap[:, None], xp.float64)


def _allocate(xp: Any, work: Any, m_total: Any) -> Any:
    """MACs per stage proportional to work, rounded down to whole PEs (at least one PE per stage
    with work): ``(N, P, Q)`` for work ``(N, P, Q)`` and totals ``(N,)``."""
    share = work / xp.maximum(xp.sum(work, axis=1, keepdims=True), xp.ones_like(work[:, :1, :]))
    pes = xp.floor(share * m_total[:, None, None] / PE_LANES)
    return xp.where(work > 0, xp.maximum(pes, xp.ones_like(pes)) * PE_LANES, xp.zeros_like(pes))


def _group_max(xp: Any, group: Any, values: Any) -> Any:
    """Max of per-logical-stage ``values`` (``(S,)``) within each physical stage: ``(N, P)``."""
    return xp.max(group * values[None, :, None], axis=1)

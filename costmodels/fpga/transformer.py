"""Length-adaptive transformer accelerator on an FPGA (Peng et al., DAC'22, arXiv 2208.03646).

Hardware (per physical pipeline stage ``p``; encoder layers are folded onto ``stages`` physical
stages, contiguous and balanced):

* a DSP MAC array of ``m_p`` MACs (``macs`` in total, split across stages in proportion to their
  work and rounded down to whole PEs of :data:`PE_LANES` lanes) runs every projection, the
  feed-forward layers and the exact attention (``2 d L^2`` dense, ``2 d L min(k, L)`` sparse);
* sparse attention adds a LUT engine of ``lut_lanes`` ``qk_bits``-bit multipliers (split in
  proportion to attention width) for the low-bit ``Q'K'^T`` pre-filter (``d L^2`` cheap MACs) and
  top-``k`` insertion sorters; it runs concurrently with the MAC array;
* weights stream from off-chip memory once per batch (``B`` requests share every weight tile).

Per-request stage time ``t_p(L) = max(W_p(L) / (m_p f), PF_p(L) / (lanes_p f), bytes_w / (B BW))``
(hw.md 1.6: ``t = max(ops / (MAC f), bytes / BW)``). ``schedule=padded`` pads each batch to its
longest request and keeps the allocation made for the longest supported length;
``schedule=length-aware`` runs each request at its length and re-balances the MACs per length
(the allocation is proportional to work, the continuous optimum of the min-max problem that
``solvers/fpga_alloc.py`` solves exactly). Pipeline aggregates: :mod:`costmodels.fpga.pipeline`.

Resources: DSP per MAC, LUT of the MAC arrays / LUT multipliers / sorters, BRAM36 of the weight
tiles (FINN formulas, :mod:`costmodels.fpga.resources`) and URAM (or BRAM on boards without URAM)
for the activation ping-pong, K/V and low-bit K' buffers sized for the longest length. A design
over the board budget (usable after the shell x 0.75) is infeasible, the resource named.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse import Categorical, CostModel, DesignSpace, Feasibility, Int, Param, Pow2
from dse.errors import DseInputError
from dse.xp import constant
from workloads.distributions.lengths import LENGTHS_ALLOWED, LengthDistribution, parse_lengths

from . import presets
from .lowering import GRANULARITIES, StageTable, compile_stages
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


def _lengths(value: Any) -> LengthDistribution:
    return parse_lengths(value)


class TransformerAcceleratorModel(CostModel):
    """Coarse-pipelined transformer accelerator with sparse attention and length-aware scheduling."""

    name = "fpga-transformer"
    version = "1"
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
    ))
    params = (
        Param("lengths", "glue", "sequence lengths: " + LENGTHS_ALLOWED, parse=_lengths),
        Param("granularity", "layer", "one stage per encoder layer or per sub-block",
              choices=GRANULARITIES),
        Param("clock_hz", 0.0, "kernel clock in Hz (0 = the board's, data/boards.csv)", parse=float),
        Param("window", 32, "batches per length-aware scheduling window", parse=int),
    )
    capabilities = frozenset({"batch", "des"})
    metric_units = {"bubble_fraction": "1", "dsp": "1", "bram36": "1", "uram": "1", "lut": "1",
                    "macs": "1", "padding_fraction": "1"}
    example_workloads = ("bert-base",)
    example_params = ({}, {"lengths": "fixed:128", "granularity": "sublayer"})

    # -- compilation (memoised per workload) ---------------------------------------------------
    def _compiled(self, workload) -> StageTable:
        gran = self.param("granularity")
        return workload.memo(("fpga.stages", gran), lambda: compile_stages(workload, gran))

    def _dist(self, workload) -> LengthDistribution:
        value = self.fixed.get("lengths", "glue")
        dist = self.param("lengths")
        if isinstance(value, str) and value.startswith("fixed:") is False and dist.max_len > 1 << 16:
            raise DseInputError("lengths", value, "a maximum length <= 65536")
        return dist

    # -- evaluation ------------------------------------------------------------------------------
    def _core(self, workload, design, xp) -> dict[str, Any]:
        """Stage arrays of a batch of designs (shared by evaluate and the DES tables)."""
        st = self._compiled(workload)
        dist = self._dist(workload)
        like = design["macs"]
        f64 = xp.float64
        c = lambda v: constant(xp, v, like=like)  # noqa: E731
        n, s_log = design.n, st.n

        boards = presets.board_arrays(BOARDS)
        code = xp.astype(design["board"], xp.int64)
        pick = lambda key: xp.take(c(boards[key]), code)  # noqa: E731
        clock = pick("clock_hz") if not self.param("clock_hz") else c(np.full(len(BOARDS), self.param("clock_hz")))[code]
        bw, static_w, dram_j = pick("bw_bytes_per_s"), pick("static_w"), pick("dram_j_per_bit")

        sparse = xp.astype(design.eq("attention", "sparse"), f64)
        la = xp.astype(design.eq("schedule", "length-aware"), f64)
        bits = xp.where(design.eq("bits", 16), c(16.0), c(8.0))
        qk = xp.astype(design["qk_bits"], f64)
        k = xp.astype(design["topk"], f64)
        m_total = xp.astype(design["macs"], f64)
        lanes_total = xp.astype(design["lut_lanes"], f64)
        batch = xp.astype(design["batch"], f64)

        # physical stages: logical s -> p = ceil((s+1) P / S) - 1 (contiguous, balanced)
        n_phys = xp.minimum(xp.astype(design["stages"], f64), c(float(s_log)))
        s_idx = c(np.arange(s_log, dtype=np.float64))
        phys = xp.ceil((s_idx[None, :] + 1.0) * n_phys[:, None] / float(s_log)) - 1.0   # (N, S)
        p_idx = c(np.arange(s_log, dtype=np.float64))
        group = xp.astype(phys[:, :, None] == p_idx[None, None, :], f64)               # (N, S, P)
        group_t = xp.permute_dims(group, (0, 2, 1))                                     # (N, P, S)

        lengths = c(dist.support.astype(np.float64))
        probs, cdf = c(dist.probs), c(dist.cdf())
        l_max = float(dist.max_len)
        keep = xp.minimum(k[:, None], lengths[None, :])                                  # (N, Q)
        exact_len = sparse[:, None] * keep + (1.0 - sparse[:, None]) * lengths[None, :]
        lin, const, quad = c(st.lin), c(st.const), c(st.quad)
        work_log = (lin[None, :, None] * lengths[None, None, :] + const[None, :, None]
                    + quad[None, :, None] * (lengths[None, :] * exact_len)[:, None, :])    # (N, S, Q)
        work = xp.matmul(group_t, work_log)                                              # (N, P, Q)
        pre_log = (0.5 * quad)[None, :, None] * (lengths * lengths)[None, None, :] * sparse[:, None, None]
        pre = xp.matmul(group_t, pre_log * xp.ones_like(work_log))                       # (N, P, Q)

        # MAC allocation: static at the longest length, or per length (length-aware)
        alloc_by_len = _allocate(xp, work, m_total)                                      # (N, P, Q)
        alloc_static = alloc_by_len[:, :, -1:]
        alloc = la[:, None, None] * alloc_by_len + (1.0 - la[:, None, None]) * alloc_static
        quad_p = xp.matmul(group_t, quad[None, :, None] * xp.ones_like(work_log[:, :, :1]))[:, :, 0]
        lanes = lanes_total[:, None] * quad_p / xp.maximum(xp.sum(quad_p, axis=1, keepdims=True), c(1.0))

        # per-request stage times (N, P, Q)
        wbytes_p = xp.matmul(group_t, c(st.weights)[None, :, None] * xp.ones_like(work_log[:, :, :1]))[:, :, 0] * bits[:, None] / 8.0
        t_mem = (wbytes_p > 0) * (xp.sum(wbytes_p, axis=1) / (batch * bw))[:, None]      # (N, P)
        f = clock[:, None, None]
        t_mac = work / (xp.maximum(alloc, c(1.0)) * f)
        t_pre = pre / (xp.maximum(lanes, c(1e-9))[:, :, None] * f)
        t_req = xp.maximum(xp.maximum(t_mac, t_pre), t_mem[:, :, None])
        has_work = xp.astype(xp.sum(work, axis=2) > 0, f64)                             # (N, P)
        p_used = xp.sum(has_work, axis=1)

        return dict(locals())

    def _evaluate(self, workload, design, xp):
        v = self._core(workload, design, xp)
        (st, dist, c, n, s_log, f64, code, pick, clock, bw, static_w, dram_j, sparse, la, bits, qk, k,
         m_total, lanes_total, batch, group, group_t, lengths, probs, cdf, l_max, work_log, work, pre,
         alloc_by_len, alloc, quad_p, lanes, wbytes_p, t_req, has_work, p_used) = (
            v[key] for key in ('st', 'dist', 'c', 'n', 's_log', 'f64', 'code', 'pick', 'clock', 'bw', 'static_w',
                               'dram_j', 'sparse', 'la', 'bits', 'qk', 'k', 'm_total', 'lanes_total', 'batch',
                               'group', 'group_t', 'lengths', 'probs', 'cdf', 'l_max', 'work_log', 'work', 'pre',
                               'alloc_by_len', 'alloc', 'quad_p', 'lanes', 'wbytes_p', 't_req', 'has_work', 'p_used'))
        pad = padded_metrics(xp, t_req, probs, cdf, batch, p_used)
        lam = length_aware_metrics(xp, t_req, probs, cdf, batch, p_used, float(self.param("window")))
        out = {key: la * lam[key] + (1.0 - la) * pad[key] for key in pad}

        # executed work per request (padding counted) and energy
        pmf_b = pmf_of_max(xp, cdf, batch)                                               # (N, Q)
        weight_q = la[:, None] * probs[None, :] + (1.0 - la[:, None]) * pmf_b
        macs_req = xp.sum(xp.sum(work, axis=1) * weight_q, axis=1)
        pre_req = xp.sum(xp.sum(pre, axis=1) * weight_q, axis=1)
        ec = presets.energy_constants()["fpga"]
        dyn = ec["dynamic_factor"]
        e_mac = dyn * (presets.mult_energy_j(bits) + presets.add_energy_j(2.0 * bits + 16.0))
        e_pre = dyn * (presets.mult_energy_j(qk) + presets.add_energy_j(2.0 * qk + 8.0))
        e_dyn = (macs_req * (e_mac + bits * ec["sram_j_per_bit"]) + pre_req * e_pre
                 + xp.sum(wbytes_p, axis=1) * 8.0 / batch * dram_j)
        energy = e_dyn + static_w / out["throughput_per_s"]

        # resources
        m_inst = xp.max(xp.sum(alloc, axis=1), axis=1)
        dsp = dsp_per_mac(xp, bits) * m_inst
        pf_simd = float(max(1.0, np.max(np.where(st.heads > 0, st.attn_d / np.maximum(st.heads, 1), 1.0))))
        width_p = _group_max(xp, group, c(st.width))
        attn_p = _group_max(xp, group, c(st.attn_d))
        heads_p = _group_max(xp, group, c(st.heads))
        pe_p = xp.max(alloc, axis=2) / PE_LANES
        lut_mac = xp.sum(has_work * lut_mvau(xp, pe_p, c(float(PE_LANES)), bits[:, None], bits[:, None],
                                               width_p, lut_mult=False), axis=1)
        pe_pf = lanes / pf_simd
        lut_pf = xp.sum((quad_p > 0) * (lut_mvau(xp, pe_pf, c(pf_simd), qk[:, None], qk[:, None], c(pf_simd) + 0 * pe_pf, lut_mult=True)
                                        + lut_topk(xp, pe_pf, k[:, None], 2.0 * qk[:, None] + np.log2(pf_simd), float(np.ceil(np.log2(l_max + 1))))), axis=1)
        lut = lut_mac + sparse * lut_pf
        tiles = xp.sum(has_work * bram36_sdp(xp, xp.max(alloc, axis=2) * bits[:, None], c(2.0 * TILE_DEPTH)), axis=1)
        deep_bits = (2.0 * l_max * width_p * bits[:, None] + 2.0 * l_max * attn_p * bits[:, None]
                     + sparse[:, None] * l_max * attn_p * qk[:, None])                    # (N, P)
        rows = (1.0 - sparse[:, None]) * heads_p * l_max * SCORE_BITS
        has_uram = pick("uram_budget") > 0
        uram = xp.where(has_uram, xp.sum(xp.ceil(deep_bits / URAM_BITS), axis=1), c(0.0))
        bram = tiles + xp.sum(xp.ceil(rows / BRAM36_BITS), axis=1) + xp.where(
            has_uram, c(0.0), xp.sum(xp.ceil(deep_bits / BRAM36_BITS), axis=1))

        fz = Feasibility(xp, n, like=code)
        fz.require(dsp <= pick("dsp_budget"), "exceeds the board's DSP budget (dsp)")
        fz.require(bram <= pick("bram36_budget"), "exceeds the board's BRAM budget (bram36)")
        fz.require(uram <= pick("uram_budget"), "exceeds the board's URAM budget (uram)")
        fz.require(lut <= pick("lut_budget"), "exceeds the board's LUT budget (lut)")

        # per logical stage: mean per-request compute time and MACs
        alloc_log = xp.matmul(group, alloc)                                              # (N, S, Q)
        t_log = work_log / (xp.maximum(alloc_log, c(1.0)) * clock[:, None, None])
        lat_layer = xp.sum(t_log * weight_q[:, None, :], axis=2)
        mac_layer = xp.sum(work_log * weight_q[:, None, :], axis=2)
        mean_len = float(dist.mean())
        pad_frac = (1.0 - la) * (1.0 - mean_len / xp.sum(pmf_b * lengths[None, :], axis=1))
        totals = dict(out)
        totals.update(dsp=dsp, bram36=bram, uram=uram, lut=lut, energy_j=energy,
                      power_w=energy * out["throughput_per_s"], macs=macs_req,
                      padding_fraction=pad_frac)
        totals.pop("step_s")
        return self.make_metrics(totals=totals, layers={"latency_s": lat_layer, "macs": mac_layer},
                                 layer_names=st.names, layer_kinds=("stage",) * s_log, feasibility=fz)

    # -- tables for the discrete-event model ----------------------------------------------------
    def tables(self, workload, point: dict[str, Any]) -> dict[str, Any]:
        """Numpy stage tables of one design point (``point``: knob -> value) for ``des.py``."""
        from .tables import stage_tables

        return stage_tables(self, workload, point)


def _allocate(xp: Any, work: Any, m_total: Any) -> Any:
    """MACs per stage proportional to work, rounded down to whole PEs (at least one PE per stage
    with work): ``(N, P, Q)`` for work ``(N, P, Q)`` and totals ``(N,)``."""
    share = work / xp.maximum(xp.sum(work, axis=1, keepdims=True), xp.ones_like(work[:, :1, :]))
    pes = xp.floor(share * m_total[:, None, None] / PE_LANES)
    return xp.where(work > 0, xp.maximum(pes, xp.ones_like(pes)) * PE_LANES, xp.zeros_like(pes))


def _group_max(xp: Any, group: Any, values: Any) -> Any:
    """Max of per-logical-stage ``values`` (``(S,)``) within each physical stage: ``(N, P)``."""
    return xp.max(group * values[None, :, None], axis=1)

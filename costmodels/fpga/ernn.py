"""Block-circulant LSTM/GRU accelerator on an FPGA (E-RNN, Li et al., HPCA'19, arXiv 1812.07106;
C-LSTM, Wang et al., FPGA'18, arXiv 1803.06305).

Every weight matrix of a recurrent layer (gates ``G*H x (I+R)``, projection ``P x H``) is a
``p x q`` grid of ``b x b`` circulant blocks, ``p = ceil(rows/b)``, ``q = ceil(cols/b)``
[ERNN19; CLSTM18]. Storage drops from ``b^2`` to ``b`` per block (the FFT of each block's defining
vector is stored: ``b`` reals). One matrix-vector product per time step costs

* ``q`` real FFTs of the input blocks, ``p`` real inverse FFTs of the output blocks;
* ``p*q*(b/2+1)`` complex products (4 real mults, 2 adds) and their accumulation over ``q``.

A real FFT of size ``b`` is counted as ``(b/4)*log2(b)`` complex multiplications (a size-``b/2``
complex radix-2 FFT, ``(n/2) log2 n`` butterflies, plus the real-input post-processing) and
``1.5*b*log2(b)`` real additions [standard radix-2 counts, approximations]. ``b = 1`` is the
dense product (``rows*cols`` MACs). Element-wise cell updates add ``3H`` products (plus ``3H`` for
LSTM peepholes).

Hardware: ``multipliers`` real multipliers (``dsp_per_mac(bits)`` DSP48 each; two <=8-bit
products share one DSP) split across layers in proportion to their per-step products; layers are
pipelined over time, each step of a layer waits for the previous one (recurrence), so a layer's
step takes ``ceil(mults/units) + depth`` cycles with ``depth = 2*log2(b)*STAGE_CYCLES +
ceil(log2 q) + ACT_CYCLES`` [assumed latencies]. Weights stay on chip (BRAM, FINN layout).
Energy per input of ``T`` frames in steady-state streaming: ``T * (dynamic per frame + static power
/ frame rate)``, dynamic = arithmetic (Horowitz 45 nm x the FPGA factor) + on-chip operand reads;
the static part is also reported alone (``energy_static_j``): on the KU060 and VX690T boards it is
an assumed idle power (no measurement found, ``static_basis`` in data/boards.csv).

A recurrent layer whose workload compression sets ``circulant`` (:mod:`workloads.compression`) uses
that block size instead of the ``block`` knob (:func:`recurrent_blocks`).

Accuracy: a user-supplied table ``accuracy="1:20.1,8:20.3,16:20.7"`` (error % per block size) and
``max_error`` make block sizes whose error exceeds the limit (or is missing) infeasible.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dse import Categorical, CostModel, DesignSpace, Feasibility, Int, Param, Pow2
from dse.errors import DseInputError
from dse.xp import constant

from . import presets
from .resources import bram36_sdp, dsp_per_mac

__all__ = ["ERNNModel", "circulant_ops", "recurrent_blocks", "parse_accuracy", "STAGE_CYCLES", "ACT_CYCLES"]

#: pipeline cycles per FFT butterfly stage (DSP48 multiply + add latency) [assumption]
STAGE_CYCLES = 3
#: cycles of the activation look-up and element-wise cell update [assumption]
ACT_CYCLES = 8
BLOCKS = tuple(2 ** i for i in range(7))  # 1..64


def parse_accuracy(text: Any) -> dict[int, float]:
    """``"1:20.1,8:20.3"`` -> ``{1: 20.1, 8: 20.3}`` (block size -> error in %).

    Block sizes must be the model's (powers of two 1..64) and errors finite percentages in [0, 100]."""
    allowed = "block:error pairs, e.g. 1:20.1,8:20.3,16:20.7 (blocks 1..64 powers of two, errors in [0, 100] %)"
    items = text.items() if isinstance(text, dict) else [
        item.partition(":")[::2] if ":" in item else (item, None) for item in filter(None, str(text).split(","))]
    out: dict[int, float] = {}
    for key, value in items:
        try:
            block, err = int(key), float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise DseInputError("accuracy", text, allowed) from None
        if block not in BLOCKS or not 0.0 <= err <= 100.0:  # NaN fails the comparison too
            raise DseInputError("accuracy", text, allowed)
        out[block] = err
    return out


def circulant_ops(xp: Any, rows: Any, cols: Any, b: Any) -> tuple[Any, Any, Any]:
    """Real multiplications, real additions and stored weights of a block-circulant ``rows x cols``
    matrix-vector product with block size ``b`` (broadcasting arrays; ``b = 1`` is dense)."""
    p, q = xp.ceil(rows / b), xp.ceil(cols / b)
    lg = xp.log2(b)
    bins = b / 2.0 + 1.0
    fft_mults = b * lg                    # 4 real mults x (b/4) log2 b complex mults
    fft_adds = 1.5 * b * lg
    mults = (q + p) * fft_mults + 4.0 * p * q * bins
    adds = (q + p) * fft_adds + 2.0 * p * q * bins + 2.0 * p * (q - 1.0) * bins
    dense = b <= 1
    mults = xp.where(dense, rows * cols, mults)
    adds = xp.where(dense, rows * cols, adds)
    return mults, adds, p * q * b


def _layers(workload) -> np.ndarray:
    """Per recurrent layer: (gate rows, gate cols, proj rows, proj cols, elementwise, steps, nonlinear)."""
    rows = []
    for layer in workload.layers:
        if layer.kind != "recurrent":
            continue
        h, g = layer.hidden, layer.gates
        r = getattr(layer, "proj", 0) or h
        proj = getattr(layer, "proj", 0)
        peep = 3 * h if getattr(layer, "peephole", False) else 0
        rows.append((g * h, layer.input_size + r, proj, h if proj else 0, 3 * h + peep, layer.steps,
                     float(layer.nonlinear) / layer.steps))
    if not rows:
        raise DseInputError(f"workload {workload.name}", "no recurrent layers", "an LSTM/GRU network (e.g. lstm-timit)")
    return np.array(rows, dtype=np.float64)


def recurrent_blocks(workload) -> tuple[np.ndarray, np.ndarray]:
    """Per recurrent layer (in order): (circulant block size, set 0/1) from its workload compression."""
    from workloads.compression import compression_of

    rows = [(compression_of(l).circulant, compression_of(l).circulant > 1)
            for l in workload.layers if l.kind == "recurrent"]
    a = np.asarray(rows, dtype=np.float64).reshape(len(rows), 2)
    return a[:, 0], a[:, 1]


class ERNNModel(CostModel):
    """Block-circulant RNN accelerator: latency, energy and resources per block size and bit width."""

    name = "fpga-ernn"
    version = "3"  # 3: energy_static_j (static power assumed on ku060/vx690t); 2: LUT counts are whole numbers
    space = DesignSpace((
        Categorical("board", default="ku060", choices=presets.board_names(), doc="FPGA board"),
        Pow2("block", default=16, low=1, high=64, doc="circulant block size b (1 = dense)"),
        Int("bits", default=12, low=4, high=16, doc="weight/activation bits"),
        Int("multipliers", default=1024, low=16, high=16384, log=True, doc="parallel real multipliers"),
    ))
    params = (
        Param("accuracy", "", "error % per block size, e.g. 1:20.1,8:20.3,16:20.7 (empty: no constraint)",
              parse=parse_accuracy),
        Param("max_error", 100.0, "largest acceptable error % (with accuracy)", ge=0, le=100),
    )
    capabilities = frozenset({"batch"})
    metric_units = {"dsp": "1", "bram36": "1", "lut": "1", "cycles": "1", "dense_ops_per_j": "1/J",
                    "mults": "1"}
    param_units = {"max_error": "%"}
    example_workloads = ("lstm-timit",)
    example_params = ({}, {"accuracy": "1:20.0,4:20.1,8:20.2,16:20.5,32:21.3", "max_error": 20.6})

    def _evaluate(self, workload, design, xp):
        dims = workload.memo("fpga.ernn.layers", lambda: _layers(workload))
        like = design["multipliers"]
        c = lambda v: constant(xp, v, like=like)  # noqa: E731
        f64 = xp.float64
        code = xp.astype(design["board"], xp.int64)
        table = presets.board_arrays(presets.board_names())
        pick = lambda key: xp.take(c(table[key]), code)  # noqa: E731
        b_knob = xp.astype(design["block"], f64)[:, None]
        lb, has = workload.memo("fpga.ernn.blocks", lambda: recurrent_blocks(workload))  # per-layer circulant
        b = b_knob * (1.0 - c(has)[None, :]) + c(lb)[None, :] * c(has)[None, :]
        bits = xp.astype(design["bits"], f64)
        units = xp.astype(design["multipliers"], f64)
        g_rows, g_cols, p_rows, p_cols, elem, steps, nonlin = (c(dims[:, i])[None, :] for i in range(7))

        m1, a1, w1 = circulant_ops(xp, g_rows, g_cols, b)
        m2, a2, w2 = circulant_ops(xp, p_rows, xp.maximum(p_cols, c(1.0)), b)
        has_proj = p_rows > 0
        mults = m1 + xp.where(has_proj, m2, c(0.0)) + elem                          # (N, L) per step
        adds = a1 + xp.where(has_proj, a2, c(0.0)) + elem
        words = w1 + xp.where(has_proj, w2, c(0.0))

        share = mults / xp.sum(mults, axis=1, keepdims=True)
        units_l = xp.maximum(xp.floor(share * units[:, None]), c(1.0))
        q = xp.ceil(g_cols / b)
        depth = 2.0 * xp.log2(b) * STAGE_CYCLES + xp.ceil(xp.log2(xp.maximum(q, c(1.0)))) + ACT_CYCLES
        cycles = xp.ceil(mults / units_l) + depth                                       # per step
        f = pick("clock_hz")
        step_max = xp.max(cycles, axis=1)
        t_steps = xp.max(steps, axis=1)
        n_layers = float(dims.shape[0])
        latency = (t_steps + n_layers - 1.0) * step_max / f
        frames_per_s = f / step_max

        ec = presets.energy_constants()["fpga"]
        acc_bits = 2.0 * bits + 8.0
        per_frame = (xp.sum(mults, axis=1) * presets.mult_energy_j(bits)
                     + xp.sum(adds, axis=1) * presets.add_energy_j(acc_bits)
                     + xp.sum(nonlin, axis=1) * presets.add_energy_j(bits)) * ec["dynamic_factor"]
        per_frame = per_frame + xp.sum(mults, axis=1) * bits * ec["sram_j_per_bit"]  # operand reads
        energy_static = t_steps * pick("static_w") / frames_per_s   # idle board power x time per input
        energy = t_steps * per_frame + energy_static                    # streaming steady state
        dense_macs = xp.sum(g_rows * g_cols + xp.where(has_proj, p_rows * p_cols, c(0.0)) + elem, axis=1)
        dense_ops = 2.0 * dense_macs * t_steps
        power = pick("static_w") + per_frame * frames_per_s

        dsp = dsp_per_mac(xp, bits) * xp.sum(units_l, axis=1)
        bram = xp.sum(bram36_sdp(xp, units_l * bits[:, None], xp.ceil(words / units_l)), axis=1)
        lut = xp.sum(xp.ceil(300.0 + 1.1 * units_l * (adds / mults) * acc_bits[:, None]), axis=1)  # whole LUTs

        fz = Feasibility(xp, design.n, like=code)
        fz.require(dsp <= pick("dsp_budget"), "exceeds the board's DSP budget (dsp)")
        fz.require(bram <= pick("bram36_budget"), "exceeds the board's BRAM budget (bram36)")
        fz.require(lut <= pick("lut_budget"), "exceeds the board's LUT budget (lut)")
        acc = parse_accuracy(self.param("accuracy"))
        if acc:
            err = c(np.array([acc.get(bs, np.inf) for bs in BLOCKS]))
            level = xp.astype(xp.round(xp.log2(b_knob[:, 0])), xp.int64)
            fz.require(xp.take(err, level) <= self.param("max_error"),
                       "block size's error exceeds max_error or is not in the accuracy table (accuracy)")

        totals = {"latency_s": latency, "throughput_per_s": frames_per_s, "energy_j": energy,
                  "energy_static_j": energy_static,
                  "power_w": power, "dense_ops_per_s": dense_ops / t_steps * frames_per_s,
                  "dense_ops_per_j": dense_ops / energy, "dsp": dsp, "bram36": bram, "lut": lut,
                  "cycles": step_max, "mults": xp.sum(mults, axis=1), "weight_bits": xp.sum(words, axis=1) * bits}
        names = tuple(l.name for l in workload.layers if l.kind == "recurrent")
        return self.make_metrics(totals=totals, layers={"cycles": cycles, "mults": mults},
                                 layer_names=names, layer_kinds=("recurrent",) * len(names), feasibility=fz)

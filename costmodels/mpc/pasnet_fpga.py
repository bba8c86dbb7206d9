"""PASNet's FPGA 2PC engine [PASNet23]: linear layers, x^2 activations, GC ReLUs and pooling on an
FPGA per party, pipelined with the link between the two parties.

Protocol (2PC additive sharing over ``Z_2^bits``, CrypTen-style Beaver products, the setting of
PolyMPCNet/PASNet): bytes and rounds of every operation are CrypTen 0.4.1's counters
(:mod:`costmodels.mpc.crypten_ops`, exact against CrypTen), bytes scaled by ``bits / 64`` for a
narrower ring; a ReLU is a half-gates GC on the
garbling engine of :mod:`costmodels.mpc.fpga` (tables shipped online: ``3 l`` AND gates x 32 B
plus ``16 l`` B of input labels, one round).

FPGA compute: a ``bits``-bit ring product on DSP48E2 slices (27 x 18 signed, i.e. 26 x 17 unsigned
limbs) needs the limb pairs whose shift is below ``bits`` (8 DSPs at 64 bits, 3 at 32: derived,
:func:`dsp_per_mult`); the engine issues ``floor(util_cap * DSPs / dsp_per_mult)`` products per
cycle at the board clock (``data/fpga_boards.csv``). Per layer ``l`` with ``P_l`` products
(``macs x products_linear`` for linear layers, ``5 k`` for ``k`` x^2 activations, ``k`` adds for
pooling), ``C_l = P_l / (products per cycle x clock)``.

Pipelining rule (analytic max-of-stages): a layer is cut into ``tiles`` equal pieces that flow
through three stages -- FPGA compute ``C_l``, the FPGA-host link ``B_l / host_bw`` and the network
``B_l / BW`` -- so its makespan is ``sum_j S_j / n + (n - 1) / n * max_j S_j`` (``n = tiles``; the
usual pipeline-fill formula); ``tiles = 0`` is the limit ``max_j S_j`` (perfect overlap) and
``tiles = 1`` no overlap. The ``r_l`` round trips are not overlapped: ``T_l = r_l RTT + makespan``.
Layers run one after the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from dse.datafiles import load_csv
from dse.errors import DseInputError

from . import crypten_ops as cx
from .fpga import GarblingEngine, _board, and_gates_per_relu, engine_constants, max_cores
from .lowering import lower_workload
from .presets import DATA, Network

__all__ = ["Fpga2pc", "PipelineResult", "dsp_per_mult", "engine_constants_pasnet", "pipeline_s"]

WEIGHTS = ("public", "shared")


@cache
def engine_constants_pasnet() -> dict[str, float]:
    return {r["key"]: float(r["value"]) for r in load_csv(DATA / "pasnet_engine.csv")}


def dsp_per_mult(bits: int) -> int:
    """DSP48E2 slices for one ``bits``-bit product modulo ``2^bits`` (limb pairs with shift < bits)."""
    c = engine_constants_pasnet()
    a, b = int(c["dsp_a_bits"]), int(c["dsp_b_bits"])
    return sum(1 for i in range(math.ceil(bits / a)) for j in range(math.ceil(bits / b)) if a * i + b * j < bits)


def pipeline_s(stages, tiles: int) -> float:
    """Makespan of ``tiles`` equal pieces through stages of total times ``stages`` (s);
    ``tiles = 0``: perfect overlap, the slowest stage."""
    s = [float(x) for x in stages]
    if tiles == 0:
        return max(s)
    return sum(s) / tiles + (tiles - 1) / tiles * max(s)


@dataclass(frozen=True)
class PipelineResult:
    """Per-layer arrays (s, B, 1) and totals of one network on the engine."""

    names: tuple[str, ...]
    compute_s: np.ndarray
    host_s: np.ndarray
    wire_s: np.ndarray
    rounds: np.ndarray
    bytes: np.ndarray
    latency_s: np.ndarray = field(repr=False)

    @property
    def total_s(self) -> float:
        return float(self.latency_s.sum())

    @property
    def total_bytes(self) -> float:
        return float(self.bytes.sum())


@dataclass(frozen=True)
class Fpga2pc:
    """One FPGA per party on ``board``; ``weights``: ``public`` (the server holds them in the clear,
    the client's half of each product prepared offline) or ``shared`` (Beaver-opened each layer)."""

    board: str = "zcu102"
    bits: int = 64
    tiles: int = 0
    weights: str = "public"
    gc_cores: int = 0  #: AES cores of the GC engine (0 = the most that fit the board, fpga.max_cores)

    def __post_init__(self) -> None:
        _board(self.board)
        if not 8 <= self.bits <= 64:
            raise DseInputError("bits", self.bits, "an integer in 8..64")
        if self.tiles < 0:
            raise DseInputError("tiles", self.tiles, "an integer >= 0 (0 = perfect overlap)")
        if self.weights not in WEIGHTS:
            raise DseInputError("weights", self.weights, "public or shared")

    @property
    def products_per_s(self) -> float:
        b = _board(self.board)
        lanes = math.floor(float(b["util_cap"]) * float(b["dsp"]) / dsp_per_mult(self.bits))
        return lanes * float(b["clock_hz"])

    @property
    def _word(self) -> float:
        """Share size relative to CrypTen's 64-bit words (the counters' unit)."""
        return self.bits / 64

    def _op(self, op) -> tuple[float, float, float]:
        """(products or GC seconds flag, bytes, rounds) of one lowered operation."""
        c = engine_constants_pasnet()
        a = op.args
        if op.name == "linear":
            x, w, y, macs, operand = a
            shared = self.weights == "shared" or operand == "secret"
            cnt = cx.linear(x, w, y, 2, shared_weights=shared)
            prods = macs * c["products_linear_shared" if shared else "products_linear_public"]
            return prods / self.products_per_s, cnt.wire_bytes * self._word, cnt.calls
        if op.name == "poly":
            k, degree = a
            if degree != 2:
                raise DseInputError("degree", degree, "2 (PASNet's x^2 activation)")
            cnt = cx.poly(k, 2, 2)
            return k * c["products_poly2"] / self.products_per_s, cnt.wire_bytes * self._word, cnt.calls
        if op.name == "relu":
            return self._gc(a[0])
        if op.name == "maxpool":
            outputs, window = a
            t, b, _ = self._gc(outputs * (window - 1))
            return t, b, math.ceil(math.log2(window))
        if op.name == "avgpool":
            cnt = cx.avgpool(a[0], 2)
            return a[0] / self.products_per_s, cnt.wire_bytes * self._word, cnt.calls
        raise DseInputError("operation", op.name, "linear, poly, relu, maxpool or avgpool (CNNs)")

    def _gc(self, k: float) -> tuple[float, float, float]:
        """Garble ``k`` ReLUs on the board's GC engine; tables and the garbler's labels go online."""
        if not k:
            return 0.0, 0.0, 0.0
        e = engine_constants()
        t = GarblingEngine(self.board, self.gc_cores or max_cores(self.board)).garble_s(k, self.bits)
        nbytes = k * (and_gates_per_relu(self.bits) * e["bytes_per_and"] + self.bits * e["label_bytes"])
        return float(t), nbytes, 1.0

    def run(self, workload, net: Network) -> PipelineResult:
        """Per-layer stages and latency of ``workload`` over the link ``net``."""
        host_bw = float(_board(self.board)["pcie_bytes_per_s"])
        rows = []
        for layer_ops in lower_workload(workload):
            t = b = r = 0.0
            for op in layer_ops:
                ti, bi, ri = self._op(op)
                t, b, r = t + ti, b + bi, r + ri
            rows.append((t, b / host_bw, b / net.bytes_per_s, r, b))
        arr = np.asarray(rows, dtype=float).reshape(-1, 5)
        lat = np.asarray([r * net.rtt_s + (pipeline_s((c, h, w), self.tiles) if (c or h or w) else 0.0)
                          for c, h, w, r, _ in arr])
        return PipelineResult(tuple(layer.name for layer in workload.layers), arr[:, 0], arr[:, 1], arr[:, 2],
                              arr[:, 3], arr[:, 4], lat)

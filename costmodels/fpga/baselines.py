"""CPU and GPU baselines: padded batched GEMM inference as a roofline with an efficiency.

A batch of ``B`` sequences padded to its longest length ``X`` takes

    t(X) = max(2 * B * MACs(X) / (peak * eff_gemm), bytes / BW, overhead)

with ``MACs(X) = sum_s lin_s X + const_s + quad_s X^2`` (the stage coefficients of
:mod:`.lowering`), ``bytes`` the FP32 weights read once per batch, and ``overhead`` the framework's
floor per forward pass (kernel launches; ~6 ms for PyTorch-eager BERT-base on a TITAN RTX, where
batch 8 at 8 and 32 tokens both took 6 ms). Profiles and their sources: ``data/baselines.csv``;
``eff_gemm`` and ``overhead_s`` of the GPU come from the Hugging Face benchmark run quoted there
and are pinned by ``tests/fpga/test_baselines.py``. Energy per request is ``power * t / B``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workloads.distributions.lengths import LengthDistribution

from .lowering import StageTable
from .presets import Baseline

__all__ = ["BaselineResult", "batch_time_s", "serve", "sorted_batch_pmfs"]

FP32_BYTES = 4.0


@dataclass(frozen=True)
class BaselineResult:
    name: str
    latency_s: float          # mean time of a batch (every request of it finishes together)
    throughput_per_s: float
    energy_j: float           # per request
    padding_fraction: float


def batch_time_s(profile: Baseline, stages: StageTable, length: float | np.ndarray, batch: int) -> np.ndarray:
    """Time of one batch of ``batch`` sequences padded to ``length`` tokens (array-friendly)."""
    length = np.asarray(length, dtype=float)
    macs = (np.sum(stages.lin) * length + np.sum(stages.const) + np.sum(stages.quad) * length ** 2)
    compute = 2.0 * batch * macs / (profile.peak_flops * profile.eff_gemm)
    memory = np.sum(stages.weights) * FP32_BYTES / profile.mem_bw_bytes_per_s
    return np.maximum(np.maximum(compute, memory), profile.overhead_s)


def sorted_batch_pmfs(lengths: LengthDistribution, batch: int, window: int) -> np.ndarray:
    """``(window, Q)`` pmf of each batch's longest length when a window of ``window x batch``
    requests is sorted by length and cut into ``window`` consecutive batches: batch ``j``'s
    longest request is order statistic ``k = (j+1) batch`` of ``n = window batch`` i.i.d. draws,
    ``P(X_(k) <= x) = P(Binomial(n, F(x)) >= k)``."""
    from scipy.stats import binom

    n = int(window) * int(batch)
    k = (np.arange(int(window)) + 1) * int(batch)
    cdf = np.minimum(np.cumsum(lengths.probs), 1.0)
    upto = binom.sf(k[:, None] - 1, n, cdf[None, :])          # P(X_(k) <= L_q)
    upto[:, -1] = 1.0
    return np.diff(np.concatenate([np.zeros((len(k), 1)), upto], axis=1), axis=1)


def serve(profile: Baseline, stages: StageTable, lengths: LengthDistribution, batch: int,
          pad_to: str = "batch", window: int = 128) -> BaselineResult:
    """Expected latency/throughput/energy when batches of ``batch`` requests are padded to their
    longest request (``pad_to="batch"``, dynamic padding), to the longest supported length
    (``pad_to="max"``, static shapes as in a fixed-size GEMM engine), or padded to their longest
    request after sorting windows of ``window`` batches by length (``pad_to="sorted"``, the
    batching rule of the length-aware FPGA schedule)."""
    if pad_to == "sorted":
        if window < 1:
            from dse.errors import DseInputError

            raise DseInputError("window", window, "a positive number of batches")
        pmf = sorted_batch_pmfs(lengths, batch, window)        # (W, Q)
        t = float(np.mean(pmf @ batch_time_s(profile, stages, lengths.support, batch)))
        padded = float(np.mean(pmf @ lengths.support))
    elif pad_to == "max":
        t = float(batch_time_s(profile, stages, lengths.max_len, batch))
        padded = float(lengths.max_len)
    elif pad_to == "batch":
        pmf = lengths.max_of(batch)
        t = float(np.dot(pmf, batch_time_s(profile, stages, lengths.support, batch)))
        padded = float(np.dot(pmf, lengths.support))
    else:
        from dse.errors import DseInputError

        raise DseInputError("pad_to", pad_to, "batch, max or sorted")
    return BaselineResult(profile.name, t, batch / t, profile.power_w * t / batch, 1.0 - lengths.mean() / padded)

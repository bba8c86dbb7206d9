"""Timing helpers shared by the live calibrations (SEAL via TenSEAL, Lattigo via orion-fhe).

Seconds per call of zero-argument callables, taken in interleaved rounds (see
:func:`time_interleaved` for why), and the host's CPU name for the records.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["cpu_name", "time_interleaved"]


def _inner_count(fn: Callable[[], None], min_sample_s: float, clock: Callable[[], float]) -> int:
    """Calls per timing sample so that one sample lasts at least ``min_sample_s`` (after a warm-up call)."""
    t0 = clock()
    fn()  # warm-up, and a first estimate
    return max(1, int(min_sample_s / max(clock() - t0, 1e-7)))


def time_interleaved(fns: Sequence[Callable[[], None]], reps: int, min_sample_s: float,
                     seed: int = 0, clock: Callable[[], float] | None = None) -> list[float]:
    """Seconds per call of each of ``fns``: the fastest of ``reps`` samples taken in interleaved
    rounds (each round times every function once, in a fresh seeded random order; each sample
    lasts at least ``min_sample_s``).

    The clock is this thread's CPU time (SEAL runs these operations on the calling thread), so time
    spent descheduled is not counted, nor is CPU burnt by other threads of the process: with the
    process clock, a busy background thread (an OpenMP pool still spinning after a torch test in the
    same pytest process) inflated the samples and the held-out error reached 31-46 % (measured with a
    spinning thread; 2-7 % without). The minimum, as ``timeit`` recommends, drops the rest of the
    interference. What the minimum cannot drop is a slow phase covering every sample
    of a row: on this project's CI machine every SEAL op ran 1.5x slower in phases of 1-2 s
    (N=2^14, 6 limbs: mul_plain 0.92 -> 1.46 ms, rotate 17.0 -> 27.6 ms). Timed back to back, such
    a phase lands on whole blocks of rows, which a fit across rows cannot undo; interleaved, every
    row's samples are spread over the whole run, and the shuffled order keeps a periodic slowdown
    from meeting the same rows in every round. Alternatives measured on the quick grid (3 runs
    each, interleaved A/B): minimum 3.6-8.4 % max held-out error; median 5.3-26.9 %; either scaled by
    a reference op timed before each sample 8.8-108 % (the short reference adds its own noise).
    ``clock=time.process_time`` for a library that works on other threads of the process too (the
    Go runtime's collector behind Lattigo, :mod:`.calibrate_lattigo`); default ``time.thread_time``.
    """
    clock = clock or time.thread_time
    inner = [_inner_count(fn, min_sample_s, clock) for fn in fns]
    best = np.full(len(fns), np.inf)
    rng = np.random.default_rng(seed)
    for _ in range(reps):
        for i in rng.permutation(len(fns)):
            fn, k = fns[i], inner[i]
            t0 = clock()
            for _ in range(k):
                fn()
            best[i] = min(best[i], (clock() - t0) / k)
    return [float(x) for x in best]


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return platform.processor() or "unknown CPU"

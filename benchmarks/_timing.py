"""Shared timer for the benchmark scripts (run as ``python benchmarks/<name>.py``, so this sibling
module is importable as ``_timing``)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


def best_wall_s(fn: Callable[[], object], repeat: int = 3) -> float:
    """Fastest wall-clock seconds of ``repeat`` calls of ``fn``."""
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best

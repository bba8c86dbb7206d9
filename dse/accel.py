"""Optional compiled kernels (numba), shared by the families that have them.

numba is never required: every compiled kernel has an array (numpy) twin that gives the same
numbers, and a family's ``available()`` says which one runs. A :class:`KernelGate` checks once per
process that numba imports, that the family's switch variable (if any) is not ``"0"`` and that the
kernels compile and pass the family's self-test on a tiny case; a failure warns once and the array
version is used. Installed in CI by ``.ci/setup_numba.sh``. The first gate that opens also keeps
freed batch memory mapped (:func:`keep_batch_memory`).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["KernelGate", "jit", "keep_batch_memory", "njit"]

njit: Any
try:  # optional accelerator
    from numba import njit
except ImportError:  # pragma: no cover - exercised on machines without numba
    njit = None


def jit(fn: Any, **options: Any) -> Any:
    """``numba.njit(cache=True, **options)(fn)``, or ``fn`` itself when numba is absent (the
    plain-Python function then serves as the kernel's reference, never on a hot path)."""
    return njit(cache=True, **options)(fn) if njit is not None else fn


class KernelGate:
    """Whether one family's compiled kernels run: numba imports, ``env_switch`` (when given) is not
    ``"0"``, and ``selftest()`` passes; checked once. ``what`` names the kernels in the warning."""

    def __init__(self, what: str, selftest: Callable[[], None], env_switch: str | None = None,
                 fallback: str = "the array version") -> None:
        self.what, self.selftest, self.env_switch, self.fallback = what, selftest, env_switch, fallback
        self._ok: bool | None = None

    def available(self) -> bool:
        if self._ok is None:
            self._ok = False
            switched_off = self.env_switch is not None and os.environ.get(self.env_switch, "1") == "0"
            if njit is not None and not switched_off:
                try:
                    self.selftest()
                    self._ok = True
                    keep_batch_memory()
                except Exception as exc:  # pragma: no cover - a broken numba install
                    warnings.warn(f"numba is installed but {self.what} failed ({exc!r}); using "
                                  f"{self.fallback} (same numbers, slower)", RuntimeWarning, stacklevel=2)
        return self._ok


_ALLOCATOR_TUNED: bool | None = None
MMAP_THRESHOLD = 32 << 20  # bytes: blocks below this come from the heap, not fresh mmap pages
TRIM_THRESHOLD = 1 << 30  # bytes of freed heap kept for the next batch before returning it to the OS


def keep_batch_memory() -> bool:
    """Let glibc reuse the memory of one batch for the next (once per process; True if applied).

    Batch evaluators allocate and free arrays of a few hundred kB to a few MB per batch (a CKKS
    batch of 32,768 design points about 20 MB). glibc's defaults (a dynamic mmap threshold and a
    trim threshold of twice it) hand those pages back to the kernel after every batch and fault
    them in again in the next: about 4,800 page faults and 10-12 ms of system time per CKKS batch
    of 80 ms on the reference 2-core VM (measured with ``getrusage``), and half the CPU of the
    ``asic`` mapping search (0.85 vs 1.9 M evaluations/s). ``mallopt(M_MMAP_THRESHOLD, 32 MB)``
    and ``mallopt(M_TRIM_THRESHOLD, 1 GiB)`` keep the freed heap mapped (the faults drop to about
    20 per batch); the numbers computed do not change, only the process may keep its peak heap
    resident. Applied when a family's compiled kernels open (:class:`KernelGate`) and when the
    ``asic`` mapping search is imported; Linux/glibc only. A no-op when ``MALLOC_TRIM_THRESHOLD_``
    or ``MALLOC_MMAP_THRESHOLD_`` is set (your own tuning) or with ``DSE_KEEP_BATCH_MEMORY=0``.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED is None:
        _ALLOCATOR_TUNED = False
        own = "MALLOC_TRIM_THRESHOLD_" in os.environ or "MALLOC_MMAP_THRESHOLD_" in os.environ
        if sys.platform.startswith("linux") and not own and os.environ.get("DSE_KEEP_BATCH_MEMORY", "1") != "0":
            try:
                import ctypes

                libc = ctypes.CDLL(None)
                m_trim_threshold, m_mmap_threshold = -1, -3  # malloc.h
                _ALLOCATOR_TUNED = bool(libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD)
                                        and libc.mallopt(m_trim_threshold, TRIM_THRESHOLD))
            except (OSError, AttributeError):  # not glibc (musl): nothing to tune
                _ALLOCATOR_TUNED = False
    return _ALLOCATOR_TUNED

"""Optional compiled kernels (numba), shared by the families that have them.

numba is never required: every compiled kernel has an array (numpy) twin that gives the same
numbers, and a family's ``available()`` says which one runs. A :class:`KernelGate` checks once per
process that numba imports, that the family's switch variable (if any) is not ``"0"`` and that the
kernels compile and pass the family's self-test on a tiny case; a failure warns once and the array
version is used. Installed in CI by ``.ci/setup_numba.sh``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

__all__ = ["KernelGate", "jit", "njit"]

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
                except Exception as exc:  # pragma: no cover - a broken numba install
                    warnings.warn(f"numba is installed but {self.what} failed ({exc!r}); using "
                                  f"{self.fallback} (same numbers, slower)", RuntimeWarning, stacklevel=2)
        return self._ok

"""CKKS parameter sets: modulus chain, security against the HE-standard table, slots, precision.

Everything here is vectorised: arguments may be Python numbers, numpy arrays or torch tensors of
one shape (a batch of design points). Sources:

* maximum log2(QP) per ring degree N, security level and secret distribution: :mod:`.security`
  (uniform ternary: ``data/security.csv``, HE standard 2018
  for N <= 32768, identical to SEAL ``hestdparms.h``; OpenFHE ``stdlatticeparms.cpp`` for 2^16 and
  2^17; ternary secret, sigma ~ 3.2). [HEStandard18; OpenFHE22].
* chain layout ``q0 | L x Delta | K x P``: SEAL / EVA convention ([EVA20], EVA
  ``encryption_parameter_selector.h``): the first prime holds scale + integer range, L rescale
  primes of ``scale_bits`` each, K special (key-switching) primes of ``special_bits`` each.
* special primes: SEAL-style key switching uses one special prime (K=1, one digit per prime);
  hybrid key switching (OpenFHE/Lattigo) with ``dnum`` digits uses K = alpha = ceil((L+1)/dnum)
  ([HanKi20] notation).
* precision: CKKS rescale rounding bound ``sqrt(N/3) * (3 + 8 sqrt(h))`` with h the secret's
  Hamming weight ([CKKS17], Lemma 3 / Sec. 3.4), ternary uniform h ~ 2N/3.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from dse.accel import KernelGate, jit
from dse.errors import DseInputError
from dse.xp import namespace

from .security import RING_DEGREES, SECURITY_LEVELS, check_secret, coverage_reason, effective_hamming, security_table
from .security import bound as secbound

__all__ = [
    "KEYSWITCH_SHAPES",
    "RING_DEGREES",
    "SECURITY_LEVELS",
    "CkksParams",
    "log_qp",
    "max_log_qp",
    "precision_bits",
    "security_bits",
    "security_bound_and_bits",
    "security_table",
    "slots",
    "smallest_ring",
    "special_primes",
]

DATA = Path(__file__).parent / "data"
KEYSWITCH_SHAPES = ("seal", "hybrid")


def _arr(xp: Any, v: Any, like: Any) -> Any:
    if hasattr(v, "shape") and not isinstance(v, (int, float)):
        return xp.astype(v, xp.float64)
    return xp.asarray(float(v), dtype=xp.float64) if like is None else xp.zeros_like(like, dtype=xp.float64) + float(v)


_DEGS = np.array(sorted(RING_DEGREES), dtype=np.float64)
_LAMS = np.array(sorted(SECURITY_LEVELS), dtype=np.float64)
_EXP0 = int(np.frexp(_DEGS[0])[1])
assert np.array_equal(_DEGS, 2.0 ** (np.arange(len(_DEGS)) + _EXP0 - 1)), "ring degrees: consecutive powers of two"


@lru_cache(maxsize=64)
def _bound_grid(secret: str, hamming: int, quantum: bool) -> np.ndarray:
    """(degrees, levels) grid of :func:`.security.bound` (0: no row), in ascending order of both."""
    return np.array([[max(secbound(int(d), int(lam), secret, hamming, quantum), 0.0) for lam in _LAMS]
                     for d in _DEGS], dtype=np.float64)


def max_log_qp(n: Any, security: Any = 128, *, quantum: bool = False, secret: str = "ternary",
               hamming: int = 0) -> Any:
    """Largest log2(QP) that keeps ``security`` bits at ring degree ``n`` (0 where no table row covers it).

    ``secret`` / ``hamming`` select the table (:mod:`.security`: uniform ternary, sparse with
    Hamming weight ``hamming``, Gaussian); the sparse rule is conservative (same N, h_e <= h).
    """
    xp = namespace(n, security)
    n = _arr(xp, n, None)
    sec = _arr(xp, security, n)
    if isinstance(n, np.ndarray) and isinstance(sec, np.ndarray):  # numpy: one lookup, same values
        tab = _bound_grid(secret, int(hamming), bool(quantum))
        di = (np.frexp(n)[1] - _EXP0).clip(0, len(_DEGS) - 1)  # index if n is a table degree
        li = np.searchsorted(_LAMS, sec).clip(0, len(_LAMS) - 1)  # index if sec is a table level
        hit = (_DEGS[di] == n) & (_LAMS[li] == sec)
        return np.where(hit, tab[di, li], 0.0)
    out = xp.zeros_like(n)
    for deg in RING_DEGREES:
        for lam in SECURITY_LEVELS:
            b = secbound(deg, lam, secret, int(hamming), quantum)
            if b > 0:
                out = xp.where((n == deg) & (sec == lam), b, out)
    return out


def special_primes(levels: Any, dnum: Any = 1, shape: str = "seal") -> Any:
    """Number K of special primes: 1 for SEAL-style, ceil((L+1)/dnum) for hybrid key switching."""
    if shape not in KEYSWITCH_SHAPES:
        raise DseInputError("keyswitch", shape, "one of " + ", ".join(KEYSWITCH_SHAPES))
    xp = namespace(levels, dnum)
    lv = _arr(xp, levels, None)
    if shape == "seal":
        return xp.ones_like(lv)
    d = _arr(xp, dnum, lv)
    return xp.ceil((lv + 1.0) / xp.maximum(d, xp.ones_like(d)))


def log_qp(first_bits: Any, scale_bits: Any, levels: Any, special_bits: Any, k_special: Any) -> Any:
    """log2(Q·P) = first_bits + L·scale_bits + K·special_bits (bits)."""
    return first_bits + levels * scale_bits + k_special * special_bits


def security_bits(n: Any, logqp: Any, *, quantum: bool = False, secret: str = "ternary", hamming: int = 0) -> Any:
    """Highest lambda in {128, 192, 256} whose bound holds for (n, log2 QP); 0 when even 128 fails."""
    xp = namespace(n, logqp)
    out = xp.zeros_like(_arr(xp, logqp, None))
    if isinstance(n, np.ndarray) and isinstance(logqp, np.ndarray) and n.shape == logqp.shape:
        # numpy: the degree index once, then one table column per level (max_log_qp's values)
        tab = _bound_grid(secret, int(hamming), bool(quantum))
        di = (np.frexp(n)[1] - _EXP0).clip(0, len(_DEGS) - 1)
        on_table = _DEGS[di] == n
        for j, lam in enumerate(_LAMS.tolist()):
            bound = np.where(on_table, tab[di, j], 0.0)
            out = np.where((logqp <= bound) & (bound > 0), lam, out)
        return out
    for lam in SECURITY_LEVELS:  # ascending, so the last passing level wins
        bound = max_log_qp(n, lam, quantum=quantum, secret=secret, hamming=hamming)
        out = xp.where((logqp <= bound) & (bound > 0), float(lam), out)
    return out


def security_bound_and_bits(n: Any, security: Any, logqp: Any, *, quantum: bool = False, secret: str = "ternary",
                            hamming: int = 0) -> tuple[Any, Any]:
    """``(max_log_qp(n, security), security_bits(n, logqp))`` with the same arguments: one pass
    over the points when numba is installed and the inputs are numpy arrays, else the two calls."""
    if isinstance(n, np.ndarray) and isinstance(security, np.ndarray) and isinstance(logqp, np.ndarray) \
            and n.shape == security.shape == logqp.shape and _GATE.available():
        tab = _bound_grid(secret, int(hamming), bool(quantum))
        bound, bits = np.empty(n.shape), np.empty(n.shape)
        _security_kernel(np.asarray(n, np.float64), np.asarray(security, np.float64), np.asarray(logqp, np.float64),
                         _DEGS, _LAMS, tab, bound, bits)
        return bound, bits
    return (max_log_qp(n, security, quantum=quantum, secret=secret, hamming=hamming),
            security_bits(n, logqp, quantum=quantum, secret=secret, hamming=hamming))


@jit
def _security_kernel(n: Any, sec: Any, logqp: Any, degs: Any, lams: Any, tab: Any, bound: Any, bits: Any) -> None:
    for p in range(n.shape[0]):
        di = -1
        for d in range(degs.shape[0]):  # the table row of n (none: every bound is 0)
            if degs[d] == n[p]:
                di = d
                break
        b, s = 0.0, 0.0
        if di >= 0:
            for j in range(lams.shape[0]):  # ascending: the last level whose bound holds wins
                t = tab[di, j]
                if lams[j] == sec[p]:
                    b = t
                if logqp[p] <= t and t > 0:
                    s = lams[j]
        bound[p], bits[p] = b, s


def _selftest() -> None:
    bound, bits = np.empty(1), np.empty(1)
    _security_kernel(np.ones(1), np.ones(1), np.ones(1), np.ones(1), np.ones(1), np.ones((1, 1)), bound, bits)


_GATE = KernelGate("the compiled security lookup", _selftest)


def slots(n: Any, conjugate_invariant: Any = False) -> Any:
    """Message slots: N/2 complex slots, or N real slots on the conjugate-invariant ring."""
    xp = namespace(n, conjugate_invariant)
    n = _arr(xp, n, None)
    return n / 2.0 * (1.0 + _arr(xp, conjugate_invariant, n))


def precision_bits(n: Any, scale_bits: Any, hamming: Any = None) -> Any:
    """Bits of precision left after one rescale: ``scale_bits - log2(sqrt(N/3)(3 + 8 sqrt(h)))``.

    ``h`` defaults to the expected Hamming weight of a uniform ternary secret, 2N/3.
    """
    xp = namespace(n, scale_bits)
    n = _arr(xp, n, None)
    h = 2.0 * n / 3.0 if hamming is None else _arr(xp, hamming, n)
    noise = xp.sqrt(n / 3.0) * (3.0 + 8.0 * xp.sqrt(h))
    return scale_bits - xp.log2(noise)


def smallest_ring(depth: Any, *, scale_bits: Any = 40, first_bits: Any = 60, special_bits: Any = 60,
                  dnum: Any = 1, shape: str = "seal", security: Any = 128, quantum: bool = False,
                  secret: str = "ternary", hamming: int = 0) -> Any:
    """EVA's rule: the smallest N whose security bound holds for a chain of ``depth`` rescale primes.

    Returns 0 where no tabled N (<= 2^17) fits. Vectorised over all arguments.
    """
    xp = namespace(depth, scale_bits, first_bits, security)
    depth = _arr(xp, depth, None)
    k = special_primes(depth, dnum, shape)
    need = log_qp(first_bits, scale_bits, depth, special_bits, k)
    out = xp.zeros_like(need)
    for deg in reversed(RING_DEGREES):  # descending, so the smallest fitting N is written last
        cap = max_log_qp(xp.zeros_like(need) + deg, security, quantum=quantum, secret=secret, hamming=hamming)
        out = xp.where((need <= cap) & (cap > 0), float(deg), out)
    return out


@dataclass(frozen=True)
class CkksParams:
    """One CKKS parameter set (scalar view for reports and searches).

    ``levels`` is L, the number of rescale primes: a fresh ciphertext holds L+1 limbs.
    """

    n: int
    levels: int
    scale_bits: int = 40
    first_bits: int = 60
    special_bits: int = 60
    dnum: int = 1
    keyswitch: str = "seal"
    security: int = 128
    conjugate_invariant: bool = False
    secret: str = "ternary"
    hamming: int = 0
    log_qp_exact: float = 0.0  # a preset's exact sum of prime bits (0: from the bit sizes)
    k_fixed: int = 0           # special primes K when not alpha = ceil((L+1)/dnum) (0: derived)
    word_bytes: int = 8        # bytes per RNS word (8; 4 for 32-bit libraries such as Cheddar)
    boot_depth: int = 14       # levels a bootstrap consumes
    boot_return: int = 0       # levels a bootstrap returns (0: all, L - boot_depth)
    source: str = ""

    @property
    def k_special(self) -> int:
        if self.k_fixed > 0:
            return int(self.k_fixed)
        return int(special_primes(np.asarray(float(self.levels)), self.dnum, self.keyswitch))

    # -- chain geometry and sizes (shared with he-multigpu) ----------------------------------
    @property
    def logn(self) -> int:
        return int(self.n).bit_length() - 1

    @property
    def limbs(self) -> int:
        """Ciphertext primes at the top level, L + 1."""
        return int(self.levels) + 1

    @property
    def special_limbs(self) -> int:
        return self.k_special

    @property
    def alpha(self) -> int:
        """Limbs per key-switching digit, ceil((L+1)/dnum) (hybrid; 1 for SEAL-style)."""
        return -(-self.limbs // max(1, int(self.dnum))) if self.keyswitch == "hybrid" else 1

    @property
    def boot_levels(self) -> int:
        return int(self.boot_depth)

    @property
    def user_levels(self) -> int:
        """Levels left for the network after a bootstrap: ``boot_return``, or L - boot_depth."""
        return int(self.boot_return) if self.boot_return > 0 else self.usable_levels(self.boot_depth)

    def ct_bytes(self, limbs: Any) -> Any:
        """A ciphertext with ``limbs`` primes: 2 limbs N w bytes (:func:`.opcost.ciphertext_bytes`)."""
        from .opcost import ciphertext_bytes

        return ciphertext_bytes(self.n, limbs, self.word_bytes)

    def key_bytes(self) -> float:
        """One switching key at the top level (:func:`.opcost.switching_key_bytes`, this chain's K)."""
        from .opcost import switching_key_bytes

        return float(switching_key_bytes(np.float64(self.n), np.float64(self.limbs), np.float64(self.dnum),
                                         self.keyswitch, self.word_bytes, k_special=np.float64(self.k_special)))

    @property
    def log_qp(self) -> float:
        if self.log_qp_exact > 0:
            return float(self.log_qp_exact)
        return float(log_qp(self.first_bits, self.scale_bits, self.levels, self.special_bits, self.k_special))

    @property
    def slots(self) -> int:
        return self.n if self.conjugate_invariant else self.n // 2

    @property
    def precision_bits(self) -> float:
        h = effective_hamming(np.asarray(float(self.n)), self.secret, self.hamming)
        return float(precision_bits(np.asarray(float(self.n)), float(self.scale_bits), h))

    @property
    def security_bits(self) -> int:
        return int(security_bits(np.asarray(float(self.n)), np.asarray(self.log_qp), secret=self.secret,
                                 hamming=self.hamming))

    def problems(self) -> list[str]:
        """Reasons this set is unusable (empty when feasible)."""
        out = []
        if self.n not in RING_DEGREES:
            out.append(f"N={self.n} is not a power of two in [{RING_DEGREES[0]}, {RING_DEGREES[-1]}]")
        check_secret(self.secret, self.hamming)
        if self.n in RING_DEGREES:
            bound = float(max_log_qp(np.asarray(float(self.n)), self.security, secret=self.secret,
                                     hamming=self.hamming))
            if bound <= 0:
                out.append(coverage_reason(self.secret, self.hamming))
            elif self.log_qp > bound:
                out.append(f"insecure: log2(QP)={self.log_qp:g} > {bound:g} allowed at N={self.n} for "
                           f"{self.security}-bit security ({self.secret} secret)")
        if self.first_bits <= self.scale_bits:
            out.append("first prime must be larger than the scale (first_bits > scale_bits)")
        return out

    @property
    def feasible(self) -> bool:
        return not self.problems()

    def usable_levels(self, boot_depth: int = 0) -> int:
        """Levels left for the network after a bootstrap that consumes ``boot_depth`` levels."""
        return max(0, self.levels - boot_depth)

    def describe(self) -> dict[str, Any]:
        return {"n": self.n, "levels": self.levels, "slots": self.slots, "log_qp": self.log_qp,
                "k_special": self.k_special, "security_bits": self.security_bits,
                "usable_levels_after_bootstrap": self.user_levels,
                "precision_bits": round(self.precision_bits, 2), "problems": self.problems()}

    @staticmethod
    def smallest(depth: int, **kw: Any) -> CkksParams:
        """The EVA-rule parameter set for ``depth`` (raises DseInputError when nothing fits)."""
        shape = kw.get("keyswitch", "seal")
        n = int(smallest_ring(np.asarray(float(depth)), scale_bits=kw.get("scale_bits", 40),
                              first_bits=kw.get("first_bits", 60), special_bits=kw.get("special_bits", 60),
                              dnum=kw.get("dnum", 1), shape=shape, security=kw.get("security", 128),
                              secret=kw.get("secret", "ternary"), hamming=kw.get("hamming", 0)))
        if n == 0:
            raise DseInputError("depth", depth, f"a depth whose chain fits N <= 2^17 at {kw.get('security', 128)}-bit security")
        return CkksParams(n=n, levels=int(depth), **kw)


"""Monte Carlo accuracy under device variation and the k-th percentile performance (KPP).

:func:`mc_accuracy` draws ``draws`` device instances (perturbed weight sets) and evaluates the
network on all of them, vectorised over draws in chunks (numpy only; no torch needed). Draw ``i``
uses its own generator spawned from ``SeedSequence(seed)``, so results depend only on the seed,
not on the chunk size.

:func:`kpp` is the KPP of Yan et al. (ICCAD'23, arXiv 2307.15853): the k-th percentile of the
accuracy distribution ("realistic worst case"), estimated by the order statistic
``X_(r)``, ``r = ceil(n k / 100)``, with a distribution-free confidence interval from the
binomial law of the number of draws below the true percentile: ``[X_(l), X_(u)]`` with
``P(l <= B < u) >= confidence``, ``B ~ Binomial(n, k/100)`` (e.g. Hahn & Meeker, *Statistical
Intervals*, §5.2). The interval needs no assumption on the accuracy distribution.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from dse.errors import DseInputError

from .network import Net, accuracy

__all__ = ["KPP", "Sampler", "kpp", "mc_accuracy", "order_statistic_interval"]

#: ``sampler(weights, rng, draws) -> per-draw weights`` (each (draws, *w.shape))
Sampler = Callable[[Sequence[np.ndarray], np.random.Generator, int], Sequence[np.ndarray]]


@dataclass(frozen=True)
class KPP:
    """k-th percentile performance with its confidence interval and the sample's mean/std."""

    k: float
    value: float
    lo: float
    hi: float
    confidence: float
    n: int
    mean: float
    std: float
    mean_lo: float
    mean_hi: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def order_statistic_interval(n: int, q: float, confidence: float) -> tuple[int, int, float]:
    """1-based ranks (l, u) with ``P(X_(l) <= xi_q <= X_(u)) >= confidence`` and that probability.

    Equal-tailed binomial ranks ``l = F^-1(alpha/2)``, ``u = F^-1(1 - alpha/2) + 1`` (F the
    Binomial(n, q) cdf), widened if needed. ``l = 0`` means the interval has no lower end and
    ``u = n + 1`` no upper end (too few draws for that confidence, e.g. n <= 367 for k = 1 at 95%).
    """
    alpha = 1.0 - confidence
    b = stats.binom(n, q)
    lo = int(b.ppf(alpha / 2))
    hi = int(b.ppf(1 - alpha / 2)) + 1

    def cover(l: int, u: int) -> float:
        return float(b.cdf(u - 1) - (b.cdf(l - 1) if l >= 1 else 0.0))

    while cover(lo, hi) < confidence and (lo > 0 or hi <= n):
        lo, hi = max(0, lo - 1), min(n + 1, hi + 1)
    return lo, hi, cover(lo, hi)


def kpp(samples: Sequence[float] | np.ndarray, k: float = 1.0, confidence: float = 0.95) -> KPP:
    """The k-th percentile (0 < k < 100) of ``samples`` with a distribution-free CI.

    ``lo = -inf`` / ``hi = inf`` when the draws are too few to bound that side at ``confidence``.
    """
    x = np.sort(np.asarray(samples, dtype=np.float64).ravel())
    n = x.size
    if n < 1:
        raise DseInputError("samples", n, "at least one Monte Carlo draw")
    if not 0 < k < 100:
        raise DseInputError("k", k, "a percentile in (0, 100)")
    if not 0 < confidence < 1:
        raise DseInputError("confidence", confidence, "a probability in (0, 1)")
    q = k / 100.0
    r = min(n, max(1, math.ceil(n * q)))
    l, u, _ = order_statistic_interval(n, q, confidence)
    std = float(x.std(ddof=1)) if n > 1 else 0.0
    half = float(stats.t.ppf(0.5 + confidence / 2, max(n - 1, 1))) * std / math.sqrt(n)
    mean = float(x.mean())
    lo = float(x[l - 1]) if l >= 1 else -math.inf
    hi = float(x[u - 1]) if u <= n else math.inf
    return KPP(k=float(k), value=float(x[r - 1]), lo=lo, hi=hi,
               confidence=float(confidence), n=int(n), mean=mean, std=std,
               mean_lo=mean - half, mean_hi=mean + half)


def mc_accuracy(net: Net, x: np.ndarray, y: np.ndarray, sampler: Sampler, draws: int = 1000, *,
                seed: int = 0, chunk: int = 50, crossbar: Any = None) -> np.ndarray:
    """Accuracy of ``net`` on (x, y) for ``draws`` device instances from ``sampler``: (draws,).

    ``crossbar``: computed on the functional crossbar (see :func:`~.network.forward`); give it
    fixed ranges (``x_top``, ``adc_top``, e.g. from :func:`~.codesign.calibrate`) so that a draw's
    result does not depend on the other draws of its chunk.
    """
    if not (isinstance(draws, (int, np.integer)) and draws >= 1):
        raise DseInputError("draws", draws, "an integer >= 1")
    if not (isinstance(chunk, (int, np.integer)) and chunk >= 1):
        raise DseInputError("chunk", chunk, "an integer >= 1")
    children = np.random.SeedSequence(seed).spawn(int(draws))
    base = net.weights()
    out = np.empty(int(draws))
    for start in range(0, int(draws), int(chunk)):
        stop = min(int(draws), start + int(chunk))
        per = [sampler(base, np.random.default_rng(s), 1) for s in children[start:stop]]
        ws = [np.concatenate([p[i] for p in per]) for i in range(len(base))]
        out[start:stop] = accuracy(net, x, y, ws, crossbar=crossbar)
    return out

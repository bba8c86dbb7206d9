"""The few operations whose gradient needs a decision, each with an explicit ``mode`` argument.

``mode="exact"`` is the plain operation (no useful gradient through ceil/argmax); ``"ste"`` returns
the exact value in the forward pass and passes the gradient straight through (identity for ceil,
the selected branch for max); ``"smooth"`` returns a smooth surrogate (softplus-style max, sigmoid
ramp for ceil) controlled by ``temperature``. The mode is always an argument, never a global.
"""

from __future__ import annotations

from typing import Any

from .xp import is_torch, namespace

__all__ = ["ceil", "maximum", "minimum", "clip", "topk_mask", "MODES"]

MODES = ("exact", "ste", "smooth")


def _check(mode: str) -> None:
    if mode not in MODES:
        from .errors import DseInputError

        raise DseInputError("mode", mode, "one of " + ", ".join(MODES))


def _ste(exact: Any, surrogate: Any) -> Any:
    """Forward ``exact``, backward through ``surrogate`` (torch only; numpy has no gradient)."""
    if is_torch(surrogate) and getattr(surrogate, "requires_grad", False):
        return surrogate + (exact - surrogate).detach()
    return exact


def ceil(x: Any, *, mode: str = "exact", temperature: float = 0.05) -> Any:
    """Ceiling. ``ste``: gradient 1; ``smooth``: x + 1/2 - smoothed frac (sum of sigmoid steps is
    costly, so the smooth form is the continuous relaxation ``x`` shifted up by ``1/2``)."""
    _check(mode)
    xp = namespace(x)
    exact = xp.ceil(x)
    if mode == "exact":
        return exact
    if mode == "ste":
        return _ste(exact, x)
    return x + 0.5


def maximum(a: Any, b: Any, *, mode: str = "exact", temperature: float = 1.0) -> Any:
    """Elementwise max. ``smooth``: ``t * logaddexp(a/t, b/t)`` (upper bound, error <= t ln 2)."""
    _check(mode)
    xp = namespace(a, b)
    if mode == "smooth":
        t = temperature
        return t * xp.logaddexp(a / t, b / t)
    return xp.maximum(a, b)  # subgradient flows to the selected branch


def minimum(a: Any, b: Any, *, mode: str = "exact", temperature: float = 1.0) -> Any:
    """Elementwise min. ``smooth``: ``-t * logaddexp(-a/t, -b/t)``."""
    _check(mode)
    xp = namespace(a, b)
    if mode == "smooth":
        t = temperature
        return -t * xp.logaddexp(-a / t, -b / t)
    return xp.minimum(a, b)


def clip(x: Any, low: float, high: float) -> Any:
    xp = namespace(x)
    return xp.minimum(xp.maximum(x, xp.asarray(low, dtype=x.dtype)), xp.asarray(high, dtype=x.dtype))


def topk_mask(scores: Any, k: int, *, mode: str = "exact", temperature: float = 0.1) -> Any:
    """Mask (same shape as ``scores``) of the ``k`` largest entries along the last axis.

    ``ste``: hard mask forward, gradient of a sigmoid around the k-th value backward;
    ``smooth``: that sigmoid relaxation itself.
    """
    _check(mode)
    xp = namespace(scores)
    n = scores.shape[-1]
    k = max(0, min(int(k), n))
    if k == 0:
        return xp.zeros_like(scores)
    order = xp.argsort(scores, axis=-1, descending=True)
    ranks = xp.argsort(order, axis=-1)
    hard = xp.astype(ranks < k, scores.dtype)
    if mode == "exact":
        return hard
    kth = xp.sort(scores, axis=-1, descending=True)[..., k - 1:k]
    soft = 1.0 / (1.0 + xp.exp(-(scores - kth) / temperature))
    return soft if mode == "smooth" else _ste(hard, soft)

"""Analytic twin of the coarse-grained synchronous pipeline (padded vs length-aware scheduling).

The pipeline has ``P`` physical stages and moves in lock-step (the DAC'22 timing diagram, Fig. 5):
at every step each stage processes the batch of ``B`` requests it holds, and the step lasts as
long as the slowest stage. A batch leaves after ``P`` steps, so in steady state

* throughput = ``B / E[step]``, mean latency = ``P * E[step]`` (every step is lived by the ``P``
  batches in flight, an exact identity);
* bubble fraction = ``1 - useful / (P * E[step])`` where ``useful`` is the stage time the
  requests need at their true lengths (padding and lock-step waiting both count as bubbles).

**Padded** (baseline): batches in arrival order, each padded to its longest request and run with
one static allocation. With equal stage shapes the step is set by the longest of the ``P*B``
requests in flight, so ``E[step] = sum_q pmf_max(P*B)(q) * step(L_q)`` (exact for identical
stages and for a constant length; an upper bound otherwise). The p99 latency is that of a batch
whose maximum is the 0.99 quantile ``x*`` of a batch maximum: ``P * E[max(step(x*), step(Z))]``
with ``Z`` the maximum of the other ``(P-1)*B`` requests.

**Length-aware** (DAC'22 dynamic pipelining): the scheduler ranks a window of ``window`` batches
by the critical-path rank ``P(v, s) = W(v, s) + max_succ P`` (for a chain of stages this is the
sequence length, so it sorts by length), forms batches from neighbours in that order, runs every
request at its own length, and re-balances the MACs per batch. Consecutive batches then have
nearly equal steps; only the ``P-1`` steps at a window boundary mix a long and a short batch:
``E[step] ~= E[own] + min(1, (P-1)/window) * (E[own(max of window)] - own(L_u))``, with
``L_u`` the length quantile ``u = (P-1)/(2 window)`` where the window's last ``P-1`` batches sit.
The p99 latency is ``P * own(L_0.99)``. The SimPy model (``des.py``) checks both forms.

Arrays: design axis ``N``, physical-stage axis ``P``, length-support axis ``Q``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["pmf_of_max", "pmf_of_min", "padded_metrics", "length_aware_metrics"]


def pmf_of_max(xp: Any, cdf: Any, n: Any) -> Any:
    """pmf over the support of the maximum of ``n`` iid draws: ``F^n`` differences.

    ``cdf`` has shape ``(Q,)``, ``n`` shape ``(N,)``; the result is ``(N, Q)``.
    """
    c = cdf[None, :] ** n[:, None]
    return xp.concat([c[:, :1], c[:, 1:] - c[:, :-1]], axis=1)


def pmf_of_min(xp: Any, cdf: Any, n: Any) -> Any:
    """pmf of the minimum of ``n`` iid draws: ``1 - (1 - F)^n`` differences."""
    c = 1.0 - (1.0 - cdf[None, :]) ** n[:, None]
    return xp.concat([c[:, :1], c[:, 1:] - c[:, :-1]], axis=1)


def _quantile_onehot(xp: Any, cdf_n: Any, q: Any) -> Any:
    """One-hot ``(N, Q)`` of the first support point where ``cdf_n`` (``(N, Q)``) reaches ``q``
    (a number or an ``(N,)`` array)."""
    q = q[:, None] if hasattr(q, "shape") else q
    below = xp.astype(cdf_n < q - 1e-12, cdf_n.dtype)
    idx = xp.sum(below, axis=1, keepdims=True)
    pos = xp.cumulative_sum(xp.ones_like(cdf_n), axis=1) - 1.0
    q_last = float(cdf_n.shape[1] - 1)
    return xp.astype(pos == xp.minimum(idx, q_last * xp.ones_like(idx)), cdf_n.dtype)


def padded_metrics(xp: Any, t_req: Any, probs: Any, cdf: Any, batch: Any, n_stages: Any) -> dict[str, Any]:
    """Padded, synchronous pipeline. ``t_req``: per-request stage time ``(N, P, Q)`` at length ``L_q``
    (static allocation); ``batch``, ``n_stages``: ``(N,)`` floats. Returns ``(N,)`` arrays."""
    step = batch[:, None] * xp.max(t_req, axis=1)                      # (N, Q)
    e_step = xp.sum(pmf_of_max(xp, cdf, n_stages * batch) * step, axis=1)
    useful = batch * xp.sum(xp.sum(t_req * probs[None, None, :], axis=2), axis=1)
    # p99: a batch whose own maximum is the 0.99 quantile of a batch maximum
    star = _quantile_onehot(xp, cdf[None, :] ** batch[:, None], 0.99)
    step_star = xp.sum(star * step, axis=1)
    others = pmf_of_max(xp, cdf, xp.maximum(n_stages - 1.0, xp.zeros_like(n_stages)) * batch)
    p99 = n_stages * xp.sum(others * xp.maximum(step, step_star[:, None]), axis=1)
    return _finish(xp, e_step, useful, p99, batch, n_stages)


def length_aware_metrics(xp: Any, t_req: Any, probs: Any, cdf: Any, batch: Any, n_stages: Any,
                         window: float, drains: Any = 0.0, t_switch_s: float = 0.0) -> dict[str, Any]:
    """Length-aware, rank-sorted synchronous pipeline; ``t_req`` uses the allocation balanced at
    each length ``L_q``. ``window`` = batches per scheduling window. ``drains``: pipeline drains
    per window (re-partitioned MACs: the ``S-1`` batches in flight finish before the new partition
    starts, ``(S-1) E[own]`` each, plus ``t_switch_s`` to switch)."""
    own = batch[:, None] * xp.max(t_req, axis=1)                       # (N, Q)
    e_own = xp.sum(own * probs[None, :], axis=1)
    n_win = batch * float(window)
    e_hi = xp.sum(pmf_of_max(xp, cdf, n_win) * own, axis=1)
    tail = xp.maximum(n_stages - 1.0, xp.zeros_like(n_stages))
    frac = xp.minimum(tail / float(window), xp.ones_like(n_stages))
    # the S-1 batches that end a window sit around quantile (S-1)/(2 window) of the lengths
    lo = _quantile_onehot(xp, xp.ones_like(own) * cdf[None, :], 0.5 * frac)
    e_lo = xp.sum(lo * own, axis=1)
    e_step = e_own + frac * (e_hi - e_lo) + drains * (tail * e_own + t_switch_s) / float(window)
    useful = batch * xp.sum(xp.sum(t_req * probs[None, None, :], axis=2), axis=1)
    star = _quantile_onehot(xp, xp.ones_like(own) * cdf[None, :], 0.99)
    p99 = n_stages * xp.sum(star * own, axis=1)
    return _finish(xp, e_step, useful, p99, batch, n_stages)


def _finish(xp: Any, e_step: Any, useful: Any, p99: Any, batch: Any, n_stages: Any) -> dict[str, Any]:
    busy = n_stages * e_step
    return {
        "step_s": e_step,
        "throughput_per_s": batch / e_step,
        "latency_s": n_stages * e_step,
        "latency_p99_s": p99,
        "bubble_fraction": xp.maximum(1.0 - useful / busy, xp.zeros_like(busy)),
    }

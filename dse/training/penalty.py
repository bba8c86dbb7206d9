"""Loss terms: predicted private-inference latency (PASNet-style) and a ReLU-count hinge (AutoReP).

:class:`LatencyPenalty` turns per-site gate probabilities into a scalar loss term::

    pen = LatencyPenalty(costs, gates)      # costs: SiteCosts (e.g. costmodels.mpc.training.mpc_costs)
    loss = cross_entropy + pen()          # weight * T(p) / T_ref,  or a hinge on budget_s

``T(p)`` is :meth:`SiteCosts.latency` (s); ``T_ref`` the all-ReLU latency, so ``weight`` is
unitless (``normalize=False`` gives seconds). With ``budget_s`` the term is
``weight * max(0, T - budget_s) / T_ref``. Every call records the total and per-site latency
(:attr:`LatencyPenalty.log`). It runs on numpy arrays too (no torch needed) and is differentiable
in the probabilities under torch.

:class:`ReluCountPenalty` is AutoReP's budget loss ([AutoReP23, code train_util.py]):
``weight * max(0, kept / total - budget)`` over per-element masks.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..errors import DseInputError
from ..xp import namespace
from .sites import LATENCY_MODES, SiteCosts

__all__ = ["LatencyPenalty", "ReluCountPenalty"]


def _to_float(v: Any) -> float:
    return float(v.detach().cpu()) if hasattr(v, "detach") else float(v)


def _to_numpy(v: Any) -> np.ndarray:
    return v.detach().cpu().numpy() if hasattr(v, "detach") else np.asarray(v, dtype=np.float64)


class LatencyPenalty:
    """Predicted latency of a gated network as a loss term (see the module docstring).

    ``costs``: a :class:`SiteCosts`, or any object with ``site_costs() -> SiteCosts`` (an MPC
    ``SiteTable``; family adapters such as :func:`costmodels.mpc.training.latency_penalty` build them); ``gates``: objects with ``probs()``
    (a :class:`~dse.training.GateSet` from :func:`bind_gates`, or a list of gate modules) in site
    order, or ``None`` to pass probabilities to each call. ``mode``: ``expected`` (PASNet, exact for
    hard choices), ``exact``/``ste``/``smooth`` (partially kept ReLU sites share rounds). Sites may
    have two options (ReLU/poly, max/avg) or three (ReLU/poly/identity, see ``costmodels.mpc.training.mpc_costs(linearise=True)``);
    gate probabilities shorter than a site's option count are padded with zeros.
    """

    def __init__(self, costs: Any, gates: Any = None, *, weight: float = 1.0, budget_s: float | None = None,
                 mode: str = "expected", normalize: bool = True, tau: float = 0.05, keep_log: int = 10_000):
        if not isinstance(costs, SiteCosts):
            convert = getattr(costs, "site_costs", None)
            if not callable(convert):
                raise DseInputError("costs", type(costs).__name__,
                                    "a SiteCosts, or an object with site_costs() such as an MPC SiteTable")
            costs = convert()
        if mode not in LATENCY_MODES:
            raise DseInputError("mode", mode, "one of " + ", ".join(LATENCY_MODES))
        if budget_s is not None and not budget_s > 0:
            raise DseInputError("budget_s", budget_s, "a positive latency budget in seconds")
        self.costs = costs
        self.gates = gates
        self.weight = float(weight)
        self.budget_s = None if budget_s is None else float(budget_s)
        self.mode = mode
        self.normalize = bool(normalize)
        self.tau = float(tau)
        self.keep_log = int(keep_log)
        self.log: list[dict] = []
        if gates is not None and len(gates) != len(costs):
            raise DseInputError("gates", len(gates), f"{len(costs)} gates, one per site ({', '.join(costs.names)})")

    def __len__(self) -> int:
        return len(self.costs)

    @property
    def reference_s(self) -> float:
        return self.costs.reference_s

    def _probs(self, probs: Any) -> Any:
        if probs is not None:
            return probs
        if self.gates is None:
            raise DseInputError("probs", None, "gate probabilities (no gates bound to this penalty)")
        return [g.probs() for g in self.gates]

    def latency(self, probs: Any = None, *, mode: str | None = None) -> Any:
        """Predicted latency (s) for ``probs`` (default: the bound gates' current probabilities)."""
        return self.costs.latency(self._probs(probs), mode=mode or self.mode, tau=self.tau)

    def site_latency(self, probs: Any = None, *, mode: str | None = None) -> Any:
        return self.costs.site_latency(self._probs(probs), mode=mode or self.mode, tau=self.tau)

    def per_site(self, probs: Any = None, *, mode: str | None = None) -> dict[str, float]:
        """Per-site latency (s) as plain floats, keyed by site name."""
        v = _to_numpy(self.site_latency(probs, mode=mode))
        return dict(zip(self.costs.names, map(float, v)))

    def __call__(self, probs: Any = None) -> Any:
        sites = self.site_latency(probs)
        xp = namespace(sites)
        total = self.costs.base_s + xp.sum(sites)
        scale = self.reference_s if self.normalize else 1.0
        term = total if self.budget_s is None else xp.maximum(total - self.budget_s, 0.0 * total)
        if len(self.log) < self.keep_log:
            self.log.append({"latency_s": _to_float(total), "sites_s": _to_numpy(sites)})
        return self.weight * term / scale

    def summary(self) -> dict[str, Any]:
        """Last logged total and per-site latency (s)."""
        if not self.log:
            return {}
        last = self.log[-1]
        return {"latency_s": last["latency_s"], **{f"lat[{n}]": float(v) for n, v in zip(self.costs.names, last["sites_s"])}}


class ReluCountPenalty:
    """AutoReP's budget hinge ``weight * max(0, kept / total - budget)`` over mask gates
    (objects with ``count()`` and ``mask`` of the site's shape). ``budget`` is a fraction in [0, 1]."""

    def __init__(self, gates: Sequence[Any], budget: float, *, weight: float = 10.0):
        if not 0.0 <= float(budget) <= 1.0:
            raise DseInputError("budget", budget, "a kept-ReLU fraction in [0, 1]")
        missing = [i for i, g in enumerate(gates) if not hasattr(g, "count")]
        if missing:
            raise DseInputError("gates", missing, "mask gates with count() (bind_gates(..., gate='gate-ste'))")
        self.gates = list(gates)
        self.budget = float(budget)
        self.weight = float(weight)
        self.total = float(sum(int(np.prod(g.mask.shape)) for g in self.gates))

    def density(self) -> Any:
        counts = [g.count() for g in self.gates]
        out = counts[0]
        for c in counts[1:]:
            out = out + c
        return out / self.total

    def __call__(self) -> Any:
        d = self.density()
        return self.weight * (d - self.budget).clamp(min=0.0) if hasattr(d, "clamp") else \
            self.weight * max(0.0, float(d) - self.budget)

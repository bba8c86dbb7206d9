"""MPC adapter for the training hooks (as ``optuna.integration`` lives outside Optuna's core).

:mod:`dse.training` knows only the cost-model contract; this module ties the MPC family's
per-site tables (:func:`costmodels.mpc.latency_table`) to it:

* :func:`site_costs` (defined next to the table, :mod:`costmodels.mpc.tables`) -
  :class:`~dse.training.SiteCosts` of a :class:`~costmodels.mpc.SiteTable`
  (options ``relu``, ``poly``) with the bytes/compute vs rounds split (:class:`~dse.training.MixedSplit`)
  that prices partially kept sites (AutoReP masks);
* :func:`mpc_costs` - the same for a workload and protocol, optionally with max/avg-pool sites and
  a third ``identity`` option per ReLU site, both priced by the registered ``mpc`` model;
* :func:`latency_penalty` - a :class:`~dse.training.LatencyPenalty` priced by :func:`mpc_costs`.

All latencies in seconds; ``bytes_per_s`` and ``rtt_s`` come from the table's network.
"""

from __future__ import annotations

from typing import Any

from dse.training import LatencyPenalty, SiteCosts
from dse.training.linearise import with_identity
from dse.training.sites import pool_alternatives

from .tables import latency_table, site_costs

__all__ = ["latency_penalty", "mpc_costs", "site_costs"]


def mpc_costs(workload: Any, *, protocol: str = "crypten", network: str = "wan", weights: str = "shared",
              parties: int = 2, poly_degree: int = 2, bits: int = 0, pools: bool = False,
              linearise: bool = False) -> SiteCosts:
    """:class:`SiteCosts` of ``workload`` under the MPC family.

    ReLU sites have options ``(relu, poly)``, plus ``identity`` with ``linearise=True`` (priced by
    the registered ``mpc`` model on the workload with those sites dropped,
    :func:`dse.training.linearise.with_identity`); max-pools ``(max, avg)`` with ``pools=True``."""
    from dse.registry import make_model

    costs = site_costs(latency_table(workload, protocol, parties, weights, network,
                                     poly_degree=poly_degree, bits=bits), workload)
    design = {"protocol": protocol, "parties": parties, "weights": weights, "network": network, "relu_keep": 1.0}
    alts = pool_alternatives(workload) if pools else {}
    if linearise or alts:
        model = make_model("mpc", {"poly_degree": poly_degree, "bits": bits})
    if linearise:
        costs = with_identity(costs, model, workload, design)
    if alts:
        costs = costs.merge(SiteCosts.from_model(model, workload, design, alts), rtol=1e-9)
    return costs


def latency_penalty(workload: Any, *, protocol: str = "crypten", network: str = "wan", weights: str = "shared",
                    parties: int = 2, poly_degree: int = 2, bits: int = 0, pools: bool = False,
                    linearise: bool = False, gates: Any = None, **kwargs: Any) -> LatencyPenalty:
    """A :class:`LatencyPenalty` priced by :func:`mpc_costs` (``kwargs``: weight, budget_s, mode...)."""
    return LatencyPenalty(mpc_costs(workload, protocol=protocol, network=network, weights=weights, parties=parties,
                                    poly_degree=poly_degree, bits=bits, pools=pools, linearise=linearise),
                          gates, **kwargs)

"""Differentiable latency-in-loss training hooks (torch optional except for the gate modules).

* :class:`SiteCosts` - per-site latency of each option (ReLU/polynomial[/identity], max/avg pool),
  from any additive cost model (family adapters such as :mod:`costmodels.mpc.training` add what
  they know); numpy or torch evaluation. This package knows only the cost-model contract;
* :func:`with_identity` - linearisation (ReLU -> identity, SNL/DeepReDuce) as a third per-site
  option, priced by the cost model;
* :class:`LatencyPenalty` - ``weight * T(p) / T_ref`` (or a hinge on a budget) as a loss term,
  logging per-site latency; :class:`ReluCountPenalty` - AutoReP's ReLU-count hinge;
* :func:`bind_gates` - swaps a torch model's activation (and max-pool) modules for gated kernels,
  returning the gates in workload order;
* :class:`LatencyHook` / :func:`lightning_callback` - adapters for training loops.

Guide: ``docs/training.md``.
"""

from __future__ import annotations

from .bind import GateSet, bind_gates
from .callbacks import LatencyHook, lightning_callback
from .linearise import cheapest_replacement, identity_alternatives, with_identity
from .penalty import LatencyPenalty, ReluCountPenalty
from .sites import LATENCY_MODES, MixedSplit, SiteCosts, pool_alternatives, relu_poly_alternatives

__all__ = ["LatencyPenalty", "ReluCountPenalty", "bind_gates", "GateSet", "SiteCosts", "MixedSplit",
           "LatencyHook", "lightning_callback", "relu_poly_alternatives", "pool_alternatives",
           "LATENCY_MODES", "with_identity", "cheapest_replacement", "identity_alternatives"]

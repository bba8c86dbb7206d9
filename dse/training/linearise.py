"""Linearisation as a per-site option: a ReLU site may also become the identity (SNL, DeepReDuce, SENet).

ReLU-budget methods (DeepReDuce, Jha et al. ICML 2021; SNL, Cho et al. ICML 2022; SENet, Kundu et
al. ICLR 2023 [SENet23]; [SNL22]) *drop* ReLUs: the activation becomes ``x``. PASNet
and AutoReP replace them by a polynomial instead. :func:`with_identity` adds the identity as a third
option to every ReLU site of a :class:`~dse.training.SiteCosts`, priced by the cost model itself:
the model is evaluated on the workload with those sites rewritten to ``fn="identity"`` and its
per-layer latency (and rounds, for the shared-rounds rule of partially kept sites) is read back.
Nothing is assumed about the price: the MPC family lowers an identity activation to no operation
today, so the column is zero, but the number comes from the model.

:func:`cheapest_replacement` picks, per site, the cheaper non-ReLU option (the replacement a
per-element mask gate uses: ReLU vs the cheapest alternative under the current protocol).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import DseInputError
from .sites import MixedSplit, SiteCosts

__all__ = ["IDENTITY", "REPLACEMENTS", "with_identity", "cheapest_replacement", "identity_alternatives"]

IDENTITY = "identity"
REPLACEMENTS = ("poly", IDENTITY)


def identity_alternatives(workload: Any) -> dict[str, dict[str, Any]]:
    """Every ReLU activation layer: ``relu`` (as is) or ``identity`` (the ReLU dropped)."""
    return {l.name: {"relu": {}, IDENTITY: {"fn": IDENTITY}}
            for l in workload.layers if l.kind == "activation" and getattr(l, "fn", "") == "relu"}


def _variant(workload: Any, names: Sequence[str], change: Mapping[str, Any]):
    layers = tuple(replace(l, **change) if l.name in names else l for l in workload.layers)
    return type(workload)(workload.name, workload.input_shape, layers, workload.meta, workload.kind)


def with_identity(costs: SiteCosts, model: Any, workload: Any, design: Mapping[str, Any], *,
                  option: str = IDENTITY, change: Mapping[str, Any] | None = None, rtol: float = 1e-9) -> SiteCosts:
    """``costs`` with ``option`` (default ``identity``) appended to every site that has a ReLU /
    polynomial split (``costs.mixed``), priced by ``model`` (a CostModel or registry name) at the
    single design point ``design`` on ``workload`` with those sites rewritten by ``change``
    (default ``{"fn": "identity"}``).

    Reads the per-layer ``latency_s`` and, when the model reports it, ``rounds`` (the rounds part
    ``rounds x RTT`` uses ``costs.info["rtt_s"]``; without per-layer rounds the whole latency is
    treated as linear in the fraction). Checks that the model prices the other layers as ``costs``
    does (all-identity and one alternating assignment must equal ``base + sum of sites``) and
    raises :class:`DseInputError` otherwise."""
    if costs.mixed is None or len(costs.mixed.sites) == 0:
        raise DseInputError("costs", costs.info.get("source", "?"), "a SiteCosts with ReLU sites (costs.mixed)")
    if isinstance(model, str):
        from ..registry import models

        model = models.get(model)()
    change = dict(change or {"fn": IDENTITY})
    m = costs.mixed
    site_idx = np.asarray(m.sites, dtype=np.int64)
    site_names = [costs.names[s] for s in site_idx]
    if any(option in costs.options[s] for s in site_idx):
        raise DseInputError("option", option, "an option the sites do not have yet")
    layer_names = [l.name for l in workload.layers]
    missing = [n for n in site_names if n not in layer_names]
    if missing:
        raise DseInputError("workload", getattr(workload, "name", "?"), "the workload of costs (no layers " +
                            ", ".join(missing) + ")")

    def run(names: Sequence[str]):
        met = model.evaluate(_variant(workload, names, change), {k: [v] for k, v in design.items()}).numpy()
        if not bool(met.feasible[0]):
            raise DseInputError("design", dict(design), "a feasible point: " + met.reason_of(0))
        rounds = met.layers.get("rounds") if hasattr(met.layers, "get") else None
        return (np.asarray(met.layers["latency_s"][0], dtype=np.float64),
                None if rounds is None else np.asarray(rounds[0], dtype=np.float64), float(met.totals["latency_s"][0]))

    per, rounds, total = run(site_names)
    pos = [layer_names.index(n) for n in site_names]
    lat_new = per[pos]
    rtt = float(costs.info.get("rtt_s", 0.0))
    rnd_new = rounds[pos] * rtt if rounds is not None and rtt > 0 else np.zeros_like(lat_new)
    lin_new = lat_new - rnd_new
    K = costs.n_options
    col = np.zeros((len(costs), 1))
    col[site_idx, 0] = lat_new
    lat = np.concatenate([costs.latency_s, col], axis=1)
    # the model must price everything else as costs does: check two assignments
    for picks in (site_names, site_names[::2]):
        t = total if picks is site_names else run(picks)[2]
        want = costs.base_s + sum(lat[s, K] if costs.names[s] in picks else lat[s, 0] for s in range(len(costs)))
        if not np.isclose(t, want, rtol=max(rtol, 1e-12), atol=1e-15):
            raise DseInputError("model", getattr(model, "name", type(model).__name__),
                                f"a model that prices the other layers as the cost table does (sites {list(picks)} on "
                                f"{option}: total {t} != table {want})")
    extra = lambda old, new: new[:, None] if old is None else np.concatenate([old, new[:, None]], axis=1)  # noqa: E731
    pad = K - 2 - (0 if m.linear_extra_s is None else m.linear_extra_s.shape[1])
    if pad:
        raise DseInputError("costs", f"{K} options", "mixed sites whose every option has a bytes/rounds split")
    mixed = MixedSplit(m.sites, m.linear_relu_s, m.linear_poly_s, m.rounds_relu_s, m.rounds_poly_s,
                       extra(m.linear_extra_s, lin_new), extra(m.rounds_extra_s, rnd_new))
    options = tuple(o + (option,) if s in set(site_idx.tolist()) else o for s, o in enumerate(costs.options))
    info = {**costs.info, "linearised": option, "identity_model": getattr(model, "name", type(model).__name__)}
    return replace(costs, options=options, latency_s=lat, mixed=mixed, info=info)


def cheapest_replacement(costs: SiteCosts, candidates: Sequence[str] = REPLACEMENTS) -> tuple[str | None, ...]:
    """Per site, the non-ReLU option among ``candidates`` with the lowest whole-site latency under
    ``costs`` (ties: the earlier candidate); ``None`` for sites without any (pools)."""
    out: list[str | None] = []
    for s, opts in enumerate(costs.options):
        have = [c for c in candidates if c in opts]
        out.append(min(have, key=lambda c: (costs.latency_s[s, opts.index(c)], have.index(c))) if have else None)
    return tuple(out)

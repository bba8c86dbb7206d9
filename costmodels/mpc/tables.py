"""Per-site latency tables (LAT_relu, LAT_poly) in the form a training loss consumes.

For every activation site ``g`` (a ReLU layer) of a workload under one protocol, party count,
weight placement and network, :func:`latency_table` gives the latency of the site when all its
elements are ReLUs (``lat_relu_s[g]``) and when all are replaced by the polynomial
(``lat_poly_s[g]``), each ``rounds * RTT + bytes / BW + compute``, plus the latency of everything
else (``base_latency_s``). With per-site keep fractions ``k_g`` (AutoReP masks averaged per site,
PASNet's ``softmax(alpha_g)_relu``), the relaxed total is

    T(k) = base + sum_g [k_g * LAT_relu,g + (1 - k_g) * LAT_poly,g]

which is PASNet's ``loss_lat`` form [PASNet23] and exact whenever every ``k_g`` is 0 or 1
(the model, :class:`costmodels.mpc.MpcModel`, also prices mixed sites exactly: their ReLU and
polynomial batches share rounds). :meth:`SiteTable.latency` accepts numpy or torch arrays of
shape ``(S,)`` or ``(N, S)`` and is differentiable in ``k``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from dse.errors import DseInputError
from dse.xp import constant, namespace

from .compiled import layer_costs
from .lowering import site_layers
from .presets import Network
from .presets import network as make_network

__all__ = ["SiteTable", "latency_table", "site_costs"]


@dataclass(frozen=True)
class SiteTable:
    """Latency/bytes of every activation site with all-ReLU vs all-polynomial (SI units)."""

    workload: str
    protocol: str
    parties: int
    weights: str
    network: Network
    sites: tuple[str, ...]
    elements: np.ndarray          # (S,) ReLUs per site per sample
    channels: np.ndarray          # (S,) channels per site (leading output dimension)
    bytes_relu: np.ndarray        # (S,) online bytes, all ReLU
    bytes_poly: np.ndarray        # (S,) online bytes, all polynomial
    rounds_relu: np.ndarray
    rounds_poly: np.ndarray
    compute_relu_s: np.ndarray
    compute_poly_s: np.ndarray
    offline_bytes_relu: np.ndarray
    offline_bytes_poly: np.ndarray
    base_bytes: float             # online bytes of everything that is not a site part
    base_rounds: float
    base_compute_s: float
    extra: dict = field(default_factory=dict)  # provenance (poly degree, bits, engine)

    def site_costs(self, workload: Any = None) -> Any:
        """This table as training-hook :class:`~dse.training.SiteCosts` (see
        :func:`site_costs`); lets ``LatencyPenalty(table)`` work."""
        return site_costs(self, workload)

    # -- derived tables ---------------------------------------------------------------------
    def _lat(self, nbytes, rounds, compute):
        return rounds * self.network.rtt_s + nbytes / self.network.bytes_per_s + compute

    @property
    def lat_relu_s(self) -> np.ndarray:
        return self._lat(self.bytes_relu, self.rounds_relu, self.compute_relu_s)

    @property
    def lat_poly_s(self) -> np.ndarray:
        return self._lat(self.bytes_poly, self.rounds_poly, self.compute_poly_s)

    @property
    def base_latency_s(self) -> float:
        return float(self._lat(self.base_bytes, self.base_rounds, self.base_compute_s))

    @property
    def total_relus(self) -> int:
        return int(self.elements.sum())

    def __len__(self) -> int:
        return len(self.sites)

    # -- evaluation (numpy or torch, differentiable in keep) --------------------------------
    def _keep(self, keep: Any):
        xp = namespace(keep) if hasattr(keep, "shape") else namespace(np.zeros(0))
        k = keep if hasattr(keep, "shape") else xp.asarray(np.asarray(keep, dtype=np.float64))
        if k.shape[-1] != len(self):
            raise DseInputError("keep", f"shape {tuple(k.shape)}", f"last dimension {len(self)} (one per site)")
        return xp, k

    def _mix(self, keep: Any, relu: np.ndarray, poly: np.ndarray, base: float):
        xp, k = self._keep(keep)
        r = constant(xp, relu, like=k)
        p = constant(xp, poly, like=k)
        return base + xp.sum(k * r + (1.0 - k) * p, axis=-1)

    def latency(self, keep: Any):
        """Relaxed total latency (s) for per-site keep fractions ``keep`` of shape (S,) or (N, S)."""
        return self._mix(keep, self.lat_relu_s, self.lat_poly_s, self.base_latency_s)

    def comm_bytes(self, keep: Any):
        """Online bytes (exact for any keep: bytes are linear in the kept fraction)."""
        return self._mix(keep, self.bytes_relu, self.bytes_poly, self.base_bytes)

    def relus(self, keep: Any):
        """Kept ReLU count for per-site keep fractions."""
        return self._mix(keep, self.elements.astype(float), np.zeros(len(self)), 0.0)

    def keep_from_masks(self, masks: Sequence[Any]):
        """Per-site keep fractions from per-site 0/1 (or relaxed) masks of any shape (AutoReP's
        pixel masks, per-channel masks): the mean of each mask. Stays differentiable in torch."""
        if len(masks) != len(self):
            raise DseInputError("masks", len(masks), f"{len(self)} masks (one per site)")
        xp = namespace(*[m for m in masks if hasattr(m, "shape")])
        return xp.stack([xp.mean(xp.asarray(m, dtype=xp.float64)) for m in masks])

    def uniform_keep(self, budget: float) -> np.ndarray:
        """Keep fraction per site when ``budget`` ReLUs are spread uniformly over the sites."""
        if not 0 <= budget <= self.total_relus:
            raise DseInputError("budget", budget, f"a ReLU count in [0, {self.total_relus}] (the workload's ReLUs)")
        return np.full(len(self), budget / self.total_relus if self.total_relus else 0.0)

    def per_element(self) -> tuple[np.ndarray, np.ndarray]:
        """Marginal latency of one more ReLU / polynomial element per site (bytes and compute
        terms only, s per element): PASNet's per-element LAT coefficients."""
        e = np.maximum(self.elements, 1)
        bw = self.network.bytes_per_s
        return ((self.bytes_relu / bw + self.compute_relu_s) / e,
                (self.bytes_poly / bw + self.compute_poly_s) / e)

    def with_relu_compute(self, compute_relu_s: np.ndarray, **extra: Any) -> SiteTable:
        """A copy whose ReLU compute per site is replaced (e.g. by an FPGA garbling engine)."""
        return replace(self, compute_relu_s=np.asarray(compute_relu_s, dtype=float),
                       extra={**self.extra, **extra})

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({
            "site": self.sites, "elements": self.elements, "channels": self.channels,
            "lat_relu_s": self.lat_relu_s, "lat_poly_s": self.lat_poly_s,
            "bytes_relu": self.bytes_relu, "bytes_poly": self.bytes_poly,
            "rounds_relu": self.rounds_relu, "rounds_poly": self.rounds_poly,
            "compute_relu_s": self.compute_relu_s, "compute_poly_s": self.compute_poly_s,
            "offline_bytes_relu": self.offline_bytes_relu, "offline_bytes_poly": self.offline_bytes_poly,
        })


def latency_table(workload, protocol: str = "crypten", parties: int = 2, weights: str = "shared",
                  network: str | Network = "lan", *, poly_degree: int = 2, bits: int = 0,
                  bandwidth_bps: float | None = None, rtt_s: float | None = None) -> SiteTable:
    """The per-site table of ``workload`` (see the module docstring). Bad configurations
    (e.g. ``cryptflow2`` with 3 parties) raise :class:`~dse.errors.DseInputError`."""
    net = network if isinstance(network, Network) else make_network(network, bandwidth_bps=bandwidth_bps, rtt_s=rtt_s)
    if weights not in ("shared", "public"):
        raise DseInputError("weights", weights, "shared or public")
    if parties < 2:
        raise DseInputError("parties", parties, "an integer >= 2")
    lc = layer_costs(workload, protocol, parties, weights, poly_degree=poly_degree, bits=bits)
    if lc.reason:
        raise DseInputError("protocol", protocol, lc.reason)
    idx = site_layers(workload)
    layers = workload.layers
    base = lc.fixed.sum(axis=1)
    non_site = np.setdiff1d(np.arange(len(layers)), idx)
    # layers without a site contribute their (zero) relu/poly parts nowhere
    assert not np.any(lc.relu[:, non_site]) and not np.any(lc.poly[:, non_site])
    return SiteTable(
        workload=getattr(workload, "name", "workload"), protocol=protocol, parties=int(parties),
        weights=weights, network=net, sites=tuple(layers[i].name for i in idx),
        elements=lc.site_elems[idx].astype(np.int64),
        channels=np.asarray([layers[i].out_shape[0] for i in idx], dtype=np.int64),
        bytes_relu=lc.relu[0, idx], bytes_poly=lc.poly[0, idx],
        rounds_relu=lc.relu[2, idx], rounds_poly=lc.poly[2, idx],
        compute_relu_s=lc.relu[3, idx], compute_poly_s=lc.poly[3, idx],
        offline_bytes_relu=lc.relu[1, idx], offline_bytes_poly=lc.poly[1, idx],
        base_bytes=float(base[0]), base_rounds=float(base[2]), base_compute_s=float(base[3]),
        extra={"poly_degree": poly_degree, "bits": bits},
    )


def site_costs(table: Any, workload: Any = None) -> Any:
    """:class:`SiteCosts` of an MPC ``SiteTable`` (options ``relu``, ``poly``) with the bytes/compute
    vs rounds split for partially kept sites; ``workload`` (optional) gives the sites' layer order."""
    from dse.training import MixedSplit, SiteCosts

    bw, rtt = float(table.network.bytes_per_s), float(table.network.rtt_s)
    S = len(table.sites)
    lin_r = np.asarray(table.bytes_relu) / bw + np.asarray(table.compute_relu_s)
    lin_p = np.asarray(table.bytes_poly) / bw + np.asarray(table.compute_poly_s)
    rnd_r, rnd_p = np.asarray(table.rounds_relu) * rtt, np.asarray(table.rounds_poly) * rtt
    if workload is not None:
        names = [layer.name for layer in workload.layers]
        order = np.asarray([names.index(s) for s in table.sites])
    else:
        order = np.arange(S)
    mixed = MixedSplit(np.arange(S), lin_r, lin_p, rnd_r, rnd_p)
    info = {"source": "site-table", "protocol": table.protocol, "parties": table.parties,
            "weights": table.weights, "network": getattr(table.network, "name", "custom"),
            "rtt_s": rtt, "bytes_per_s": bw,
            **dict(getattr(table, "extra", {}))}
    return SiteCosts(tuple(table.sites), (("relu", "poly"),) * S, np.stack([lin_r + rnd_r, lin_p + rnd_p], axis=1),
                     float(table.base_latency_s), np.asarray(table.elements), ("activation",) * S, order,
                     mixed, info)

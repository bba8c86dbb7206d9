"""Per-site latency of the choices a training loop can make (ReLU vs polynomial, max vs avg pool).

A :class:`SiteCosts` holds, for each *site* (a layer of the workload with alternatives), the
latency of that layer under each option (``latency_s[s, k]``, option 0 is the reference: ``relu``,
``max``) and the latency of everything else (``base_s``). With per-site option probabilities
``p[s, k]`` (PASNet's softmax gates) the relaxed latency is

    T(p) = base + sum_s sum_k p[s, k] * latency_s[s, k]                         ("expected")

which is exact whenever every ``p[s]`` is one-hot (PASNet ``loss_lat``, [PASNet23]).

When only a *fraction* ``k_s`` of a ReLU site is kept (AutoReP's per-element masks), the ReLU and
polynomial batches of the site run side by side and share rounds (the rule of
:class:`costmodels.mpc.MpcModel`): bytes and compute are linear in ``k_s``, rounds are
``max(r_relu [k_s > 0], r_poly [k_s < 1])``. Sites built by a family adapter that knows the split
(the MPC one, :func:`costmodels.mpc.training.site_costs`) carry it (:class:`MixedSplit`) and ``mode="exact"`` prices partial sites with it; ``"ste"`` keeps the
exact forward value with the gradient of the smooth indicator ``k / (k + tau)``; ``"smooth"``
uses the smooth indicators and a log-sum-exp max (differentiable everywhere, for gradient checks).

Builders: :meth:`SiteCosts.from_model` (any registered model whose per-layer ``latency_s`` is
additive: it evaluates the model on workload variants, one per option, and checks additivity) and
family adapters that know more (the MPC family's bytes/rounds split:
:func:`costmodels.mpc.training.site_costs`). This module knows only the cost-model contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import DseInputError
from ..ops import maximum
from ..xp import constant, is_torch, namespace

__all__ = ["SiteCosts", "MixedSplit", "relu_poly_alternatives", "pool_alternatives", "LATENCY_MODES"]

LATENCY_MODES = ("expected", "exact", "ste", "smooth")


@dataclass(frozen=True)
class MixedSplit:
    """For ReLU/polynomial sites (indices ``sites`` into the table): latency split into the part
    linear in the kept fraction (bytes / BW + compute) and the rounds part (rounds x RTT), s.

    ``linear_extra_s`` / ``rounds_extra_s`` (shape ``(sites, E)``, optional) split options 2, 3...
    of the same sites the same way (e.g. ``identity``, :func:`dse.training.linearise.with_identity`).
    """

    sites: np.ndarray
    linear_relu_s: np.ndarray
    linear_poly_s: np.ndarray
    rounds_relu_s: np.ndarray
    rounds_poly_s: np.ndarray
    linear_extra_s: np.ndarray | None = None
    rounds_extra_s: np.ndarray | None = None

    def _cols(self, a: np.ndarray, b: np.ndarray, extra: np.ndarray | None) -> np.ndarray:
        cols = np.stack([np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)], axis=1)
        if extra is None:
            return cols
        return np.concatenate([cols, np.asarray(extra, dtype=np.float64).reshape(len(cols), -1)], axis=1)

    @property
    def linear_s(self) -> np.ndarray:
        """``(sites, options)``: bytes / BW + compute of every option (s)."""
        return self._cols(self.linear_relu_s, self.linear_poly_s, self.linear_extra_s)

    @property
    def rounds_s(self) -> np.ndarray:
        """``(sites, options)``: rounds x RTT of every option (s)."""
        return self._cols(self.rounds_relu_s, self.rounds_poly_s, self.rounds_extra_s)


@dataclass(frozen=True)
class SiteCosts:
    names: tuple[str, ...]
    options: tuple[tuple[str, ...], ...]
    latency_s: np.ndarray          # (S, K) per-site latency of each option (0 where absent)
    base_s: float                  # latency of all non-site layers
    elements: np.ndarray           # (S,) output elements per sample
    kinds: tuple[str, ...]         # layer kind per site ("activation", "pool2d")
    order: np.ndarray              # (S,) index of the site's layer in the workload
    mixed: MixedSplit | None = None
    info: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        lat = np.asarray(self.latency_s, dtype=np.float64)
        if lat.ndim != 2 or lat.shape[0] != len(self.names):
            raise DseInputError("latency_s", f"shape {lat.shape}", f"(sites={len(self.names)}, options)")
        object.__setattr__(self, "latency_s", lat)

    def __len__(self) -> int:
        return len(self.names)

    @property
    def n_options(self) -> int:
        return int(self.latency_s.shape[1])

    @property
    def reference_s(self) -> float:
        """Latency with every site on option 0 (the all-ReLU, max-pool baseline)."""
        return float(self.base_s + self.latency_s[:, 0].sum())

    def onehot(self, choices: Sequence[int | str]) -> np.ndarray:
        """Probabilities ``(S, K)`` of a hard assignment (option index or name per site)."""
        p = np.zeros((len(self), self.n_options))
        for s, c in enumerate(choices):
            k = self.options[s].index(c) if isinstance(c, str) else int(c)
            p[s, k] = 1.0
        return p

    # -- evaluation (numpy or torch) ------------------------------------------------------------
    def probs(self, probs: Any) -> tuple[Any, Any]:
        """``(xp, P)`` with ``P`` of shape ``(S, K)`` from: an ``(S, K)`` array, an ``(S,)`` array of
        kept (option-0) fractions, or a list of per-site probability vectors (gate outputs)."""
        S, K = len(self), self.n_options
        if isinstance(probs, (list, tuple)) and probs and hasattr(probs[0], "shape"):
            xp = namespace(*probs)
            rows = []
            for p in probs:
                p = xp.reshape(p, (-1,))
                if p.shape[0] == 1:
                    p = xp.concat([p, 1.0 - p])
                if p.shape[0] < K:
                    p = xp.concat([p, xp.zeros(K - p.shape[0], dtype=p.dtype)])
                rows.append(p)
            P = xp.stack(rows)
        else:
            xp = namespace(probs) if hasattr(probs, "shape") else namespace(np.zeros(0))
            P = probs if hasattr(probs, "shape") else xp.asarray(np.asarray(probs, dtype=np.float64))
            if P.ndim == 1:
                P = xp.stack([P, 1.0 - P], axis=1)
                if K > 2:
                    P = xp.concat([P, xp.zeros((P.shape[0], K - 2), dtype=P.dtype)], axis=1)
        if tuple(P.shape) != (S, K):
            raise DseInputError("probs", f"shape {tuple(P.shape)}", f"({S}, {K}) or ({S},) kept fractions")
        return xp, P

    def site_latency(self, probs: Any, *, mode: str = "expected", tau: float = 0.05) -> Any:
        """Per-site latency ``(S,)`` (s) for option probabilities ``probs`` (see :meth:`probs`)."""
        if mode not in LATENCY_MODES:
            raise DseInputError("mode", mode, "one of " + ", ".join(LATENCY_MODES))
        xp, P = self.probs(probs)
        lat = constant(xp, self.latency_s, like=P, dtype=P.dtype)
        per = xp.sum(P * lat, axis=1)
        if mode == "expected" or self.mixed is None or len(self.mixed.sites) == 0:
            return per
        m = self.mixed
        idx = xp.asarray(np.asarray(m.sites, dtype=np.int64), device=getattr(P, "device", None)) \
            if is_torch(P) else np.asarray(m.sites, dtype=np.int64)
        Pm = xp.take(P, idx, axis=0)                        # (mixed sites, K)
        lin_np, rnd_np = m.linear_s, m.rounds_s             # (mixed sites, options with a split)
        c = lambda a: constant(xp, a, like=P, dtype=P.dtype)  # noqa: E731
        n = min(lin_np.shape[1], self.n_options)
        # option 1 of a two-option site is "the rest": 1 - k (kept fractions price as before)
        cols = [Pm[:, 0], 1.0 - Pm[:, 0]] if n == 2 else [Pm[:, j] for j in range(n)]
        linear = cols[0] * c(lin_np[:, 0])
        for j in range(1, n):
            linear = linear + cols[j] * c(lin_np[:, j])
        terms = [c(rnd_np[:, j]) * _indicator(xp, cols[j], mode, tau) for j in range(n)]
        rounds = terms[0]
        scale = float(max(np.max(rnd_np[:, :n]) if rnd_np.size else 0.0, 1e-12))
        for t in terms[1:]:
            rounds = maximum(rounds, t, mode="smooth", temperature=tau * scale) if mode == "smooth" \
                else xp.maximum(rounds, t)
        mixed = linear + rounds
        # scatter the mixed-site values into the per-site vector
        sel = np.zeros(len(self), dtype=bool)
        sel[m.sites] = True
        pos = np.cumsum(sel) - 1
        rows = [mixed[int(pos[s])] if sel[s] else per[s] for s in range(len(self))]
        return xp.stack(rows)

    def latency(self, probs: Any, *, mode: str = "expected", tau: float = 0.05) -> Any:
        """Total latency (s): ``base_s`` plus the per-site latencies."""
        return self.base_s + xp_sum(self.site_latency(probs, mode=mode, tau=tau))

    # -- builders ----------------------------------------------------------------------------------
    @classmethod
    def from_model(cls, model: Any, workload: Any, design: Mapping[str, Any],
                   alternatives: Mapping[str, Mapping[str, Any]], *, metric: str = "latency_s",
                   rtol: float = 1e-9) -> SiteCosts:
        """Evaluate ``model`` (a CostModel or registry name) at the single design point ``design``
        on workload variants: variant ``k`` puts every site on its ``k``-th option.
        ``alternatives`` maps a layer name to ``{option: layer or dict of field changes}`` (first
        option = the layer as it is). Raises when per-layer ``metric`` is not additive."""
        if isinstance(model, str):
            from ..registry import models

            model = models.get(model)()
        layers = list(workload.layers)
        names = [l.name for l in layers]
        for site in alternatives:
            if site not in names:
                raise DseInputError("alternatives", site, "names of layers of workload " + workload.name)
        sites = [n for n in names if n in alternatives]
        opts = [tuple(alternatives[s]) for s in sites]
        K = max(len(o) for o in opts)

        def variant(pick: Sequence[int]):
            new = list(layers)
            for s, k in zip(sites, pick):
                i = names.index(s)
                alt = alternatives[s][opts[sites.index(s)][min(k, len(opts[sites.index(s)]) - 1)]]
                new[i] = replace(layers[i], **alt) if isinstance(alt, Mapping) else alt
            return type(workload)(workload.name, workload.input_shape, tuple(new), workload.meta, workload.kind)

        def run(pick):
            m = model.evaluate(variant(pick), {k: [v] for k, v in design.items()}).numpy()
            if not bool(m.feasible[0]):
                raise DseInputError("design", dict(design), "a feasible point: " + m.reason_of(0))
            return m.layers[metric][0], float(m.totals[metric][0])

        lat = np.zeros((len(sites), K))
        totals = []
        for k in range(K):
            per, tot = run([k] * len(sites))
            for j, s in enumerate(sites):
                lat[j, k] = per[names.index(s)] if k < len(opts[j]) else 0.0
            totals.append(tot)
        base = totals[0] - lat[:, 0].sum()
        checks = [(k, [k] * len(sites)) for k in range(K)] + [(-1, [j % 2 for j in range(len(sites))])]
        for _, pick in checks:
            want = base + sum(lat[j, min(k, len(opts[j]) - 1)] for j, k in enumerate(pick))
            got = run(pick)[1]
            if not np.isclose(got, want, rtol=max(rtol, 1e-9), atol=1e-15):
                raise DseInputError("model", model.name, f"a model whose per-layer {metric} is additive "
                                    f"over layers (variant {pick}: total {got} != sum {want})")
        order = np.asarray([names.index(s) for s in sites])
        return cls(tuple(sites), tuple(opts), lat, float(base),
                   np.asarray([layers[i].activations for i in order]), tuple(layers[i].kind for i in order),
                   order, None, {"source": "model", "model": model.name, **dict(design)})

    def merge(self, other: SiteCosts, *, rtol: float = 1e-9) -> SiteCosts:
        """Both tables' sites in workload order; both must price the all-option-0 network alike."""
        if set(self.names) & set(other.names):
            raise DseInputError("merge", sorted(set(self.names) & set(other.names)), "disjoint site sets")
        if not np.isclose(self.reference_s, other.reference_s, rtol=rtol):
            raise DseInputError("merge", other.reference_s, f"the same reference latency {self.reference_s} s")
        K = max(self.n_options, other.n_options)
        pad = lambda a: np.pad(a, ((0, 0), (0, K - a.shape[1])))  # noqa: E731
        lat = np.concatenate([pad(self.latency_s), pad(other.latency_s)])
        order = np.concatenate([self.order, other.order])
        perm = np.argsort(order, kind="stable")
        names = tuple(np.asarray(self.names + other.names, dtype=object)[perm])
        mixed = None
        if self.mixed is not None or other.mixed is not None:
            parts = [(t.mixed, off) for t, off in ((self, 0), (other, len(self))) if t.mixed is not None]
            inv = np.argsort(perm)
            widths = {m.linear_s.shape[1] for m, _ in parts}
            if len(widths) > 1:
                raise DseInputError("merge", sorted(widths), "mixed sites with the same options in both tables")
            cat = lambda f: np.concatenate([getattr(m, f) for m, _ in parts])  # noqa: E731
            fields = ["linear_relu_s", "linear_poly_s", "rounds_relu_s", "rounds_poly_s"]
            if widths.pop() > 2:
                fields += ["linear_extra_s", "rounds_extra_s"]
            sites = np.concatenate([inv[m.sites + off] for m, off in parts])
            keep = np.argsort(sites)
            mixed = MixedSplit(sites[keep], *(cat(f)[keep] for f in fields))
        pick = lambda seq: tuple(seq[i] for i in perm)  # noqa: E731
        return SiteCosts(names, pick(self.options + other.options), lat[perm],
                         float(self.base_s - other.latency_s[:, 0].sum()),
                         np.concatenate([self.elements, other.elements])[perm], pick(self.kinds + other.kinds),
                         order[perm], mixed, {**other.info, **self.info})

    def to_rows(self) -> list[dict]:
        return [{"site": n, "kind": k, "elements": int(e), **{f"lat_{o}_s": float(self.latency_s[s, j])
                                                              for j, o in enumerate(self.options[s])}}
                for s, (n, k, e) in enumerate(zip(self.names, self.kinds, self.elements))]


def xp_sum(v: Any) -> Any:
    return namespace(v).sum(v)


def _indicator(xp: Any, k: Any, mode: str, tau: float) -> Any:
    """``[k > 0]`` for ``k`` in [0, 1]: exact, smooth ``k / (k + tau)``, or STE of the smooth one."""
    exact = xp.astype(k > 0.0, k.dtype)
    if mode == "exact":
        return exact
    smooth = k / (k + tau)
    if mode == "smooth":
        return smooth
    if is_torch(smooth) and smooth.requires_grad:
        return smooth + (exact - smooth).detach()
    return exact


def relu_poly_alternatives(workload: Any, degree: int = 2) -> dict[str, dict[str, Any]]:
    """Every ReLU activation layer: ``relu`` (as is) or ``poly`` (a degree-``degree`` polynomial)."""
    return {l.name: {"relu": {}, "poly": {"fn": "poly", "degree": int(degree)}}
            for l in workload.layers if l.kind == "activation" and getattr(l, "fn", "") == "relu"}


def pool_alternatives(workload: Any) -> dict[str, dict[str, Any]]:
    """Every max-pool layer: ``max`` (as is) or ``avg`` (PASNet's ``GatePool``)."""
    return {l.name: {"max": {}, "avg": {"mode": "avg"}}
            for l in workload.layers if l.kind == "pool2d" and getattr(l, "mode", "") == "max"}

"""Fold runs of linear layers into one layer once the activations between them are gone.

After linearisation (a ReLU site set to ``identity``, a max-pool to ``avg``) two neighbouring
convolutions compose into one linear map. DepthShrinker (Fu et al., ICML 2022) merges such
layers after removing activations; in private inference that also removes the per-layer protocol
cost that an activation choice cannot touch (CrypTFlow2: one HE round trip plus a faithful
truncation of 7 round trips per linear layer, ``costmodels/mpc/data/protocols.csv``).

:func:`collapse_linear` rewrites a sequential workload: every maximal run of linear layers
(``conv2d``, ``linear``, ``norm``, ``reshape``, average pools, ``identity`` activations) that holds
at least two layers with weights or pooling becomes one dense ``Linear`` from the run's input
elements to its output elements (reshaped back to the output shape). A run with a single such
layer is kept as it is. The dense form is the cheapest generic form under the MPC family's
per-layer rounds (one linear protocol and one truncation); it can cost more bytes than the
composed convolution for large feature maps, which is why this is a *bound* for what merging
can buy, not a compiler.

:func:`assign` applies per-site choices (``relu``/``poly``/``identity``, ``max``/``avg``) to a
workload, in the site order of :class:`~dse.training.SiteCosts` (activation and max-pool layers
in workload order).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Sequence

from ..errors import DseInputError

__all__ = ["collapse_linear", "assign", "site_layers", "site_options", "ranked_assignments", "is_linear"]

_WEIGHTED = ("conv2d", "linear", "norm")


def _is_linear(layer: Any) -> bool:
    kind = layer.kind
    if kind in _WEIGHTED or kind == "reshape":
        return True
    if kind == "activation":
        return getattr(layer, "fn", "") == "identity"
    if kind == "pool2d":
        return getattr(layer, "mode", "") == "avg"
    return False


def _counts(layer: Any) -> bool:
    """Layers whose folding saves a linear protocol step (weights, or an average)."""
    return layer.kind in _WEIGHTED or layer.kind == "pool2d"


def _check_chain(workload: Any) -> None:
    prev = "input"
    for layer in workload.layers:
        if tuple(layer.inputs) != (prev,):
            raise DseInputError(f"workload {workload.name}.layers", layer.name,
                                "a chain of single-input layers (collapse_linear folds sequential networks only)")
        prev = layer.name


def collapse_linear(workload: Any) -> Any:
    """``workload`` with each run of >= 2 linear layers folded into one dense ``Linear``.

    Raises :class:`~dse.errors.DseInputError` for a workload that is not a chain (residual or
    multi-input layers). Element counts and the output shape are unchanged.
    """
    from workloads.ir import Linear, Reshape, numel

    _check_chain(workload)
    out: list[Any] = []
    shape = tuple(workload.input_shape)
    prev = "input"

    def link(layer: Any) -> None:
        nonlocal prev, shape
        layer = replace(layer, inputs=(prev,), in_shapes=(shape,))
        out.append(layer)
        prev, shape = layer.name, tuple(layer.out_shape)

    run: list[Any] = []

    def flush() -> None:
        nonlocal run
        if sum(_counts(l) for l in run) < 2:
            for l in run:
                link(l)
        else:
            end = tuple(run[-1].out_shape)
            tag = f"fold[{run[0].name}..{run[-1].name}]"
            if len(shape) != 1:
                link(Reshape(name=f"{tag}.in", in_shapes=(shape,), inputs=(prev,), shape=(numel(shape),)))
            link(Linear(name=tag, in_shapes=(shape,), inputs=(prev,), out_features=numel(end), bias=True))
            if len(end) != 1:
                link(Reshape(name=f"{tag}.out", in_shapes=(shape,), inputs=(prev,), shape=end))
        run = []

    for layer in workload.layers:
        if _is_linear(layer):
            run.append(layer)
        else:
            flush()
            link(layer)
    flush()
    return type(workload)(workload.name, workload.input_shape, tuple(out), workload.meta, workload.kind)


def site_layers(workload: Any) -> list[Any]:
    """The choice sites of a workload: ReLU activations and max-pools, in workload order."""
    return [l for l in workload.layers
            if (l.kind == "activation" and getattr(l, "fn", "") == "relu")
            or (l.kind == "pool2d" and getattr(l, "mode", "") == "max")]


def assign(workload: Any, choices: Sequence[str], *, poly_degree: int = 2) -> Any:
    """``workload`` with site ``i`` set to ``choices[i]``: ``relu``/``poly``/``identity`` for an
    activation site, ``max``/``avg`` for a pool site (sites from :func:`site_layers`)."""
    sites = site_layers(workload)
    if len(choices) != len(sites):
        raise DseInputError("choices", len(choices), f"one choice per site ({len(sites)} sites)")
    change: dict[str, dict[str, Any]] = {}
    for layer, c in zip(sites, choices):
        if layer.kind == "activation":
            alts: dict[str, dict[str, Any]] = {"relu": {}, "poly": {"fn": "poly", "degree": int(poly_degree)}, "identity": {"fn": "identity"}}
        else:
            alts = {"max": {}, "avg": {"mode": "avg"}}
        if c not in alts:
            raise DseInputError(f"choices[{layer.name}]", c, "one of " + ", ".join(alts))
        change[layer.name] = alts[c]
    layers = tuple(replace(l, **change[l.name]) if l.name in change else l for l in workload.layers)
    return type(workload)(workload.name, workload.input_shape, layers, workload.meta, workload.kind)


def site_options(workload: Any) -> list[tuple[str, ...]]:
    """Per site: ``(relu, poly, identity)`` for a ReLU, ``(max, avg)`` for a max-pool."""
    return [("relu", "poly", "identity") if l.kind == "activation" else ("max", "avg") for l in site_layers(workload)]


def ranked_assignments(workload: Any, latency: Callable[[Any], float], *, fold: bool = True,
                       poly_degree: int = 2) -> list[tuple[float, tuple[str, ...]]]:
    """Every assignment of the sites' options, priced by ``latency(workload) -> seconds`` on the
    assigned (and, with ``fold``, :func:`collapse_linear`-folded) workload; cheapest first.
    ``prod(len(options))`` evaluations (324 for a network with 4 ReLU sites and 2 max-pools)."""
    import itertools

    out = []
    for choices in itertools.product(*site_options(workload)):
        w = assign(workload, choices, poly_degree=poly_degree)
        out.append((float(latency(collapse_linear(w) if fold else w)), tuple(choices)))
    return sorted(out)


def is_linear(choices: Sequence[str]) -> bool:
    """True if no site keeps a non-linearity (every ReLU ``identity``, every pool ``avg``)."""
    return all(c in ("identity", "avg") for c in choices)

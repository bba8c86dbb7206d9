"""The cost-model contract (after scikit-learn's estimator and Optuna's sampler ABC).

A cost model is a class with

* ``name``, ``version``: registry name and model version (bump when numbers change);
* ``space``: its :class:`~dse.space.DesignSpace` (the knobs a search may vary);
* ``params``: fixed knobs given to ``__init__`` (protocol presets, device tables...), each a
  :class:`Param` with a parser and an allowed-values text;
* ``capabilities``: a subset of ``{"batch", "grad", "des", "algebraic"}``;
* ``metric_units``: every metric it returns, name -> unit (``"1"`` for counts).

``__init__`` stores the fixed knobs verbatim and does nothing else. ``evaluate(workload, design,
*, xp=None)`` is pure and batched: ``design`` maps each knob to an array of shape ``(N,)``; there is
no Python ``if`` on array values; infeasible points are masked with a reason, never raised.
Subclasses implement :meth:`CostModel._evaluate`; the base class validates inputs, picks the
array namespace and merges the design-space constraints into the feasibility mask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping

import numpy as np

from .domains import check_number, domain_text
from .errors import DseInputError, UnknownNameError
from .metrics import Metrics, unit_of
from .space import Design, DesignSpace
from .units import parse_quantity
from .xp import namespace

__all__ = ["CostModel", "Param", "CAPABILITIES"]

CAPABILITIES = frozenset({"batch", "grad", "des", "algebraic"})


@dataclass(frozen=True)
class Param:
    """A fixed (non-searched) knob of a model: parsed from text, validated, with a default.

    The physical domain is declared, not coded: ``unit`` (a kind of :data:`dse.units.UNIT_KINDS`;
    human units and plain SI numbers accepted), ``gt``/``ge``/``lt``/``le`` bounds, ``integer``,
    ``special`` values accepted outside the bounds (``0`` = "use the preset"), and ``optional``
    (``None`` / ``"none"`` = not set). A numeric value outside its domain, NaN or infinite raises
    :class:`DseInputError` naming the parameter, the value and :meth:`allowed`. ``parse`` handles
    values that are not plain numbers (profiles, length distributions, ...); when both are given
    the domain is checked on what ``parse`` returns.
    """

    name: str
    default: Any
    doc: str = ""
    parse: Callable[[Any], Any] | None = None
    choices: tuple = ()
    unit: str | None = None
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    integer: bool = False
    special: tuple = ()
    optional: bool = False

    @property
    def numeric(self) -> bool:
        """True when the parameter declares a numeric domain."""
        return (self.unit is not None or self.integer
                or any(b is not None for b in (self.gt, self.ge, self.lt, self.le)))

    def allowed(self) -> str:
        """The domain in words, e.g. ``a number > 0 in B/s, e.g. 400MB/s or 3.2Gbps (...)``."""
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        if not self.numeric:
            return self.doc or "a valid value"
        return domain_text(self.unit or "1", gt=self.gt, ge=self.ge, lt=self.lt, le=self.le,
                           integer=self.integer, special=self.special, optional=self.optional)

    def coerce(self, value: Any) -> Any:
        """``value`` (text, number or object) parsed and checked against the domain."""
        if self.choices:
            for c in self.choices:
                if str(c) == str(value):
                    return c
            raise DseInputError(self.name, value, "one of " + ", ".join(map(str, self.choices)))
        if self.optional and (value is None or (isinstance(value, str) and value.strip().lower() in ("none", ""))):
            return None
        if self.parse is not None:
            try:
                parsed = self.parse(value)
            except DseInputError:
                raise
            except (TypeError, ValueError, ArithmeticError) as exc:
                raise DseInputError(self.name, value, self.allowed(), detail=str(exc)) from None
        elif self.numeric:
            parsed = parse_quantity(value, self.unit or "1", field=self.name, allowed=self.allowed())
        else:
            return value
        if self.numeric or _is_number(parsed):
            check_number(self.name, value, parsed, self.allowed(), gt=self.gt, ge=self.ge, lt=self.lt,
                         le=self.le, integer=self.integer, special=self.special)
            if self.integer and not isinstance(parsed, bool):
                parsed = int(parsed)
        return parsed


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


class CostModel:
    """Base class of every cost model. See the module docstring for the contract."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "0"
    space: ClassVar[DesignSpace] = DesignSpace()
    params: ClassVar[tuple[Param, ...]] = ()
    capabilities: ClassVar[frozenset[str]] = frozenset({"batch"})
    metric_units: ClassVar[Mapping[str, str]] = {}
    #: unit of each numeric fixed parameter's stored value, for display (``dse models``, ``whatif``):
    #: an SI kind of :data:`dse.units.UNIT_KINDS` (``"B/s"``, ``"s"``, ``"Hz"``, ``"B"``) or a
    #: display unit (``"nm"``, ``"V"``, ``"bit"``, ``"%"``); parameters not listed are plain.
    param_units: ClassVar[Mapping[str, str]] = {}
    #: Workload kinds the model accepts (``"network"``, ``"he-trace"``...), for clear errors.
    workload_kinds: ClassVar[tuple[str, ...]] = ("network",)

    def __init__(self, **fixed: Any) -> None:
        known = {p.name for p in self.params}
        for key in fixed:
            if key not in known:
                raise UnknownNameError(f"{self.name} parameter", key, sorted(known))
        self.fixed = dict(fixed)

    # -- fixed parameters -------------------------------------------------------------------
    def param(self, name: str) -> Any:
        """The value of fixed parameter ``name`` (validated, default when not given)."""
        for p in self.params:
            if p.name == name:
                return p.coerce(self.fixed[name]) if name in self.fixed else p.default
        raise UnknownNameError(f"{self.name} parameter", name, [p.name for p in self.params])

    @classmethod
    def param_names(cls) -> tuple[str, ...]:
        return tuple(p.name for p in cls.params)

    def get_params(self) -> dict[str, Any]:
        return {p.name: self.param(p.name) for p in self.params}

    def effective_design(self, workload: Any, point: Mapping[str, Any]) -> dict[str, Any]:
        """The knob and parameter values a design point is really evaluated with (what ``whatif``
        shows): ``point`` (one design point, labels for categoricals) plus every fixed parameter.
        Models whose presets or workloads override a value (a network preset's bandwidth, a trace's
        own ring degree) extend this so the display never shows a value that was not used."""
        return {**dict(point), **self.get_params()}

    # -- evaluation ----------------------------------------------------------------------------
    def evaluate(self, workload: Any, design: Mapping[str, Any] | Design, *, xp: Any = None,
                 layers: bool = True) -> Metrics:
        """Evaluate a batch of design points on ``workload``; see the module docstring.

        ``layers=False`` asks for totals only (``Metrics.layers`` empty): a model that defines
        ``_evaluate_totals(workload, design, xp)`` then skips building its per-layer arrays (the
        sweep's hot loop keeps totals only); other models are evaluated in full and their
        per-layer arrays dropped. Totals are the same either way (``dse.testing``).
        """
        self.check_workload(workload)
        design = self.coerce_design(design)
        if xp is None:
            xp = namespace(*design.values())
        fast = getattr(self, "_evaluate_totals", None) if not layers else None
        metrics = fast(workload, design, xp) if fast is not None else self._evaluate(workload, design, xp)
        if not layers and metrics.layers:
            metrics = Metrics(metrics.totals, {}, metrics.layer_names, metrics.layer_kinds, metrics.feasible,
                              metrics.reason, metrics.reasons, metrics.units)
        return self._merge_constraints(metrics, design, xp)

    @classmethod
    def check_workload(cls, workload: Any) -> None:
        """Raise :class:`~dse.errors.DseInputError` unless ``workload.kind`` (``"network"`` when
        absent) is one of :attr:`workload_kinds` (every :meth:`evaluate` call checks it)."""
        kind = getattr(workload, "kind", "network")
        if kind not in cls.workload_kinds:
            raise DseInputError("workload", getattr(workload, "name", str(workload)),
                                f"a workload of kind {', '.join(cls.workload_kinds)} for model "
                                f"{cls.name} (got kind {kind})")

    def _evaluate(self, workload: Any, design: Design, xp: Any) -> Metrics:  # pragma: no cover
        raise NotImplementedError

    def coerce_design(self, design: Mapping[str, Any] | Design) -> Design:
        """Validate a mapping of knob values into a :class:`Design` (torch tensors pass through)."""
        if isinstance(design, Design):
            return design
        space = self.space
        if any(hasattr(v, "requires_grad") for v in design.values()):
            # torch: validate a numpy copy (labels for categoricals), keep the tensors (and their
            # autograd graph) for numeric knobs, and use the validated codes for categoricals.
            checked = space.design(dict(design))
            arrays = {}
            for k in space.names:
                if k in design and not space[k].is_categorical:
                    arrays[k] = design[k]
                else:
                    arrays[k] = _like_torch(checked[k], design)
            return Design(space, arrays, checked.n)
        return space.design(design)

    def _merge_constraints(self, metrics: Metrics, design: Design, xp: Any) -> Metrics:
        if not self.space.constraints:
            return metrics
        from .metrics import Feasibility

        n = design.n
        f = Feasibility(xp, n)
        if metrics.reason is not None:
            # keep the model's own reasons first
            for code, text in enumerate(metrics.reasons):
                if code:
                    f.require(metrics.reason != code, text)
        for c in self.space.constraints:
            f.require(c.fn(design, xp), c.reason)
        return Metrics(metrics.totals, metrics.layers, metrics.layer_names, metrics.layer_kinds,
                       f.feasible, f.reason, f.reasons, metrics.units)

    # -- helpers for subclasses -------------------------------------------------------------
    def make_metrics(self, *, totals: Mapping[str, Any], layers: Mapping[str, Any] | None = None,
                     layer_names: tuple[str, ...] = (), layer_kinds: tuple[str, ...] = (),
                     feasibility: Any = None) -> Metrics:
        """Build :class:`Metrics` with units looked up from names / :attr:`metric_units`."""
        layers = dict(layers or {})
        units = {k: unit_of(k, self.metric_units) for k in list(totals) + list(layers)}
        feasible = feasibility.feasible if feasibility is not None else None
        reason = feasibility.reason if feasibility is not None else None
        reasons = feasibility.reasons if feasibility is not None else ("",)
        if feasible is None:
            first = next(iter(totals.values()))
            xp = namespace(first)
            feasible = xp.ones(first.shape[0], dtype=xp.bool)
            reason = xp.zeros(first.shape[0], dtype=xp.int64)
        return Metrics(dict(totals), layers, tuple(layer_names), tuple(layer_kinds),
                       feasible, reason, tuple(reasons), units)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.fixed.items())
        return f"{type(self).__name__}({args})"


def _like_torch(arr: np.ndarray, design: Mapping[str, Any]) -> Any:
    import torch

    ref = next(v for v in design.values() if hasattr(v, "requires_grad"))
    return torch.as_tensor(arr, device=ref.device)

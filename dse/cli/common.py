"""Shared CLI helpers: ``--set key=value`` parsing into design knobs / fixed parameters."""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import DseInputError, UnknownNameError
from ..model import CostModel
from ..registry import make_model

__all__ = ["split_assignments", "resolve_sets", "build_model", "load_workload", "check_workload_kind"]


def split_assignments(items: Sequence[str] | None, flag: str = "--set") -> list[tuple[str, str]]:
    """``["rows=32", "bandwidth=400Mbps"]`` -> ``[("rows", "32"), ("bandwidth", "400Mbps")]``.

    A key given twice is an error (never "last one wins")."""
    out: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for item in items or ():
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise DseInputError(flag, item, "key=value (e.g. rows=32 or bandwidth=400Mbps)")
        if key in seen:
            raise DseInputError(f"{flag} {key}", item, f"each key once (already given as {key}={seen[key]})")
        seen[key] = value.strip()
        out.append((key, value.strip()))
    return out


def resolve_sets(model_cls: type[CostModel], pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``--set`` pairs into (design knob values, fixed parameters); knob values are parsed
    here (human units), fixed parameters by :func:`dse.registry.make_model`."""
    design: dict[str, Any] = {}
    fixed: dict[str, Any] = {}
    params = {p.name: p for p in model_cls.params}
    for key, value in pairs:
        if key in model_cls.space:
            knob = model_cls.space[key]
            design[key] = knob.parse(value)
            try:
                knob.validate([design[key]])
            except DseInputError as exc:  # name the value as typed (-200MHz), not its SI number
                raise DseInputError(key, value, exc.allowed) from None
        elif key in params:
            fixed[key] = value
        else:
            raise UnknownNameError(f"knob or parameter of {model_cls.name}", key,
                                   list(model_cls.space.names) + list(params))
    return design, fixed


def build_model(name: str, fixed: dict[str, Any]) -> CostModel:
    return make_model(name, fixed, field="--set")


def load_workload(spec: str) -> Any:
    from workloads import load

    return load(spec)


def check_workload_kind(model_cls: type[CostModel], workload: Any) -> None:
    model_cls.check_workload(workload)

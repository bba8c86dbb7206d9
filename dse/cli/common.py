"""Shared CLI helpers: ``--set key=value`` parsing into design knobs / fixed parameters."""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import DseInputError, UnknownNameError
from ..model import CostModel
from ..registry import make_model

__all__ = ["split_assignments", "resolve_sets", "build_model", "load_workload", "check_workload_kind"]


def split_assignments(items: Sequence[str] | None, flag: str = "--set") -> list[tuple[str, str]]:
    """``["rows=32", "bandwidth=400Mbps"]`` -> ``[("rows", "32"), ("bandwidth", "400Mbps")]``."""
    out = []
    for item in items or ():
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise DseInputError(flag, item, "key=value (e.g. rows=32 or bandwidth=400Mbps)")
        out.append((key.strip(), value.strip()))
    return out


def resolve_sets(model_cls: type[CostModel], pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``--set`` pairs into (design knob values, fixed parameters); knob values are parsed
    here (human units), fixed parameters by :func:`dse.registry.make_model`."""
    design: dict[str, Any] = {}
    fixed: dict[str, Any] = {}
    params = {p.name: p for p in model_cls.params}
    for key, value in pairs:
        if key in model_cls.space:
            design[key] = model_cls.space[key].parse(value)
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

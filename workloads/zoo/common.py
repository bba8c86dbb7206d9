"""Helpers shared by zoo builders: activation choice and parameter validation."""

from __future__ import annotations

from dse.errors import DseInputError

from ..graph import Tensor, WorkloadBuilder

__all__ = ["activation", "check_act", "require"]

#: activations a zoo builder's ``act`` parameter accepts (``poly`` uses the ``degree`` parameter)
ZOO_ACTS = ("relu", "relu6", "gelu", "silu", "sigmoid", "tanh", "poly")


def check_act(workload: str, act: str, degree: int) -> None:
    """Validate an ``act``/``degree`` pair of a zoo builder (one-line error naming the field)."""
    if act not in ZOO_ACTS:
        raise DseInputError(f"workload {workload}.act", act, "one of " + ", ".join(ZOO_ACTS))
    if act == "poly" and not 1 <= degree <= 1024:
        raise DseInputError(f"workload {workload}.degree", degree, "an integer in [1, 1024] when act=poly")


def activation(b: WorkloadBuilder, x: Tensor, act: str, degree: int = 2, name: str | None = None) -> Tensor:
    """``act`` applied to ``x`` (a polynomial of ``degree`` when ``act == "poly"``)."""
    return b.act(x, act, degree=degree if act == "poly" else 0, name=name)


def require(workload: str, key: str, value: object, ok: bool, allowed: str) -> None:
    if not ok:
        raise DseInputError(f"workload {workload}.{key}", value, allowed)

"""Entry-point registries for cost models, solvers, functional kernels, calibrators and commands.

Built-ins register through the same ``[project.entry-points]`` tables as third-party plug-ins
(see ``pyproject.toml``). Loading is lazy: listing names imports nothing; asking for a name
imports that one entry point. An unknown name raises :class:`~dse.errors.UnknownNameError` listing
what exists; a name whose import fails raises :class:`~dse.errors.UnavailableError` with the
reason (never a silent fallback).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Any

from .errors import UnavailableError, UnknownNameError

__all__ = ["GROUPS", "Registry", "models", "solvers", "kernels", "calibrators", "commands", "Entry"]

GROUPS = {
    "model": "dse.models",
    "solver": "dse.solvers",
    "kernel": "dse.kernels",
    "calibrator": "dse.calibrators",
    "command": "dse.commands",
}


@dataclass(frozen=True)
class Entry:
    name: str
    target: str
    available: bool
    why: str  # empty when available


class Registry:
    """Names -> objects for one entry-point group, plus in-process registrations."""

    def __init__(self, kind: str):
        self.kind = kind
        self.group = GROUPS[kind]
        self._local: dict[str, Any] = {}
        self._cache: dict[str, Any] = {}

    def _entry_points(self) -> dict[str, metadata.EntryPoint]:
        return {ep.name: ep for ep in metadata.entry_points(group=self.group)}

    def register(self, name: str, obj: Any) -> None:
        """Register ``obj`` under ``name`` in this process (tests, notebooks)."""
        self._local[name] = obj

    def unregister(self, name: str) -> None:
        self._local.pop(name, None)
        self._cache.pop(name, None)

    def names(self) -> list[str]:
        return sorted(set(self._entry_points()) | set(self._local))

    def get(self, name: str) -> Any:
        if name in self._local:
            return self._local[name]
        if name in self._cache:
            return self._cache[name]
        eps = self._entry_points()
        if name not in eps:
            raise UnknownNameError(self.kind, name, self.names())
        try:
            obj = eps[name].load()
        except Exception as exc:  # ImportError, missing optional dependency, syntax error...
            raise UnavailableError(self.kind, name, f"{type(exc).__name__}: {exc}") from exc
        why = _unavailable_reason(obj)
        if why:
            raise UnavailableError(self.kind, name, why)
        self._cache[name] = obj
        return obj

    def entries(self) -> list[Entry]:
        """Every registered name with its availability and, when unavailable, why."""
        out = []
        eps = self._entry_points()
        for name in self.names():
            target = eps[name].value if name in eps else repr(self._local[name])
            try:
                self.get(name)
                out.append(Entry(name, target, True, ""))
            except UnavailableError as exc:
                out.append(Entry(name, target, False, exc.why))
        return out


def _unavailable_reason(obj: Any) -> str:
    """Objects may expose ``available() -> (bool, why)`` (solvers needing a binary, ...)."""
    check = getattr(obj, "available", None)
    if callable(check):
        try:
            ok, why = check()
        except Exception as exc:  # pragma: no cover - defensive
            return f"availability check failed: {exc}"
        return "" if ok else (why or "not available")
    return ""


models = Registry("model")
solvers = Registry("solver")
kernels = Registry("kernel")
calibrators = Registry("calibrator")
commands = Registry("command")


def get_model(name: str, **fixed: Any) -> Any:
    """Instantiate cost model ``name`` with fixed parameters, each checked against its domain now
    (a :class:`~dse.errors.DseInputError` names the first bad one)."""
    model = models.get(name)(**fixed)
    model.get_params()
    return model

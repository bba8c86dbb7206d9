"""Named networks with their published layer shapes.

``get("resnet18-cifar")`` builds a workload; builders with parameters accept them after a colon,
``get("bert-base:seq_len=512")``. Each entry records the source of its shapes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

from dse.errors import DseInputError, UnknownNameError

from ..graph import Workload

__all__ = ["register", "get", "names", "entries", "ZooEntry", "parse_spec"]

#: modules whose import registers builders (kept lazy so ``dse workloads`` stays fast)
_MODULES = ("resnet", "classic", "mobile", "transformer", "gcn", "rnn", "mlp", "ecg", "digits")


@dataclass(frozen=True)
class ZooEntry:
    name: str
    build: Callable[..., Workload]
    source: str
    doc: str
    defaults: dict[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, ZooEntry] = {}
_loaded = False


def register(name: str, *, source: str, doc: str = "", **defaults: Any) -> Callable:
    """Decorator: register ``fn(**params) -> Workload`` under ``name`` with default params."""

    def deco(fn: Callable[..., Workload]) -> Callable[..., Workload]:
        _REGISTRY[name] = ZooEntry(name, fn, source, doc or (fn.__doc__ or "").strip().split("\n")[0], defaults)
        return fn

    return deco


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    for mod in _MODULES:
        try:
            importlib.import_module(f"{__name__}.{mod}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{mod}":
                raise
    _loaded = True


def names() -> list[str]:
    _load_all()
    return sorted(_REGISTRY)


def entries() -> list[ZooEntry]:
    _load_all()
    return [_REGISTRY[n] for n in sorted(_REGISTRY)]


def parse_spec(spec: str) -> tuple[str, dict[str, str]]:
    """``"bert-base:seq_len=512,layers=2"`` -> ``("bert-base", {"seq_len": "512", "layers": "2"})``."""
    name, _, rest = spec.partition(":")
    params: dict[str, str] = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise DseInputError("workload", spec, "NAME or NAME:key=value,... (e.g. bert-base:seq_len=512)")
        params[key.strip()] = value.strip()
    return name.strip(), params


def get(spec: str, **overrides: Any) -> Workload:
    """Build the named workload; parameters from the spec string and ``overrides``."""
    _load_all()
    name, params = parse_spec(spec)
    if name not in _REGISTRY:
        raise UnknownNameError("workload", name, list(_REGISTRY))
    entry = _REGISTRY[name]
    params = {**params, **overrides}
    kwargs: dict[str, Any] = {}
    for key, value in params.items():
        if key not in entry.defaults:
            allowed = ", ".join(entry.defaults) or "no parameters"
            raise DseInputError(f"workload {name}.{key}", value, f"a parameter of {name}: {allowed}")
        kwargs[key] = _coerce(name, key, value, entry.defaults[key])
    return entry.build(**{**entry.defaults, **kwargs})


def _coerce(name: str, key: str, value: Any, default: Any) -> Any:
    if isinstance(value, str):
        try:
            if isinstance(default, bool):
                if value.lower() not in ("true", "false", "1", "0"):
                    raise ValueError
                return value.lower() in ("true", "1")
            if isinstance(default, int):
                return int(float(value)) if float(value) == int(float(value)) else int(value)
            if isinstance(default, float):
                return float(value)
        except ValueError:
            raise DseInputError(f"workload {name}.{key}", value, f"a {type(default).__name__}") from None
    return value

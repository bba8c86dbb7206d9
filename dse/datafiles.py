"""Reading the data files families ship next to their code (``costmodels/<family>/data``)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["load_toml"]


@cache
def _load(path: str) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_toml(path: str | Path) -> dict[str, Any]:
    """The parsed TOML file at ``path``, read once per process (callers must not mutate it)."""
    return _load(str(Path(str(path)).resolve()))

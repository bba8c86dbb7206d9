"""Workload importers: ONNX graphs, JSON/TOML layer lists and HE operation traces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dse.errors import DseInputError

__all__ = ["load_file"]


def load_file(path: str | Path) -> Any:
    """Load a workload file; the format follows from the suffix and, for CSV/JSON, the content."""
    path = Path(path)
    if not path.is_file():
        raise DseInputError("workload", str(path), "an existing .onnx, .json, .toml or .csv file, or a zoo name")
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        from .onnx_import import load_onnx

        return load_onnx(path)
    if suffix == ".csv" or (suffix == ".json" and _looks_like_trace(path)):
        from .optrace import load_trace

        return load_trace(path)
    if suffix in (".json", ".toml"):
        from .layerlist import load_layer_list

        return load_layer_list(path)
    raise DseInputError("workload", str(path), "a .onnx, .json, .toml or .csv file")


def _looks_like_trace(path: Path) -> bool:
    """An HE trace JSON is a list of {op, n, limbs, count} rows (or {"trace": [...]})."""
    import json

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DseInputError("workload", str(path), "valid JSON", detail=str(exc)) from None
    rows = data.get("trace") if isinstance(data, dict) else data
    return isinstance(rows, list) and bool(rows) and isinstance(rows[0], dict) and "op" in rows[0]

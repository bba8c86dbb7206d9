"""Workloads: the layer-graph IR, a zoo of named networks, importers and input distributions.

:func:`load` is the one entry point the CLI and studies use: a zoo name (``resnet18-cifar``,
``bert-base:seq_len=512``) or a file (``.onnx``, a JSON/TOML layer list, an HE op-trace CSV/JSON).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .graph import PARAM_PREFIX, Tensor, Workload, WorkloadBuilder
from .ir import *  # noqa: F401,F403
from .ir import __all__ as _ir_all

__all__ = ["Workload", "WorkloadBuilder", "Tensor", "PARAM_PREFIX", "load", *_ir_all]


def load(name_or_path: str | Path, **params: Any) -> Any:
    """A workload from a zoo name or a file path (dispatch on the suffix and, for CSV/JSON, the header)."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix.lower() in (".onnx", ".json", ".toml", ".csv"):
        from .importers import load_file

        return load_file(path)
    from . import zoo

    return zoo.get(text, **params)

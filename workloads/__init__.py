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


def load(name_or_path: str | Path, *, compression: Any = None, **params: Any) -> Any:
    """A workload from a zoo name or a file path (dispatch on the suffix and, for CSV/JSON, the header).

    ``compression`` (a ``{layer or glob: table}`` mapping or a sidecar ``.toml``/``.json`` path)
    is applied on top (:mod:`workloads.compression`); an ONNX file also picks up its sidecar
    ``<stem>.compression.toml|json`` and the sparsity/bits it stores itself. A spec
    ``NAME_OR_FILE+SIDECAR.toml`` (or ``.json``) names the sidecar inline, so every CLI
    ``--workload`` and study spec accepts it (``dse whatif cim -w digits-cnn+q4.toml``).
    """
    text = str(name_or_path)
    base, plus, side = text.rpartition("+")
    if plus and base and side.lower().endswith((".toml", ".json")) and compression is None:
        if not Path(side).is_file():
            from dse.errors import DseInputError

            raise DseInputError("workload compression file", side, "an existing .toml/.json sidecar after '+'")
        text, compression = base, side
    path = Path(text)
    if path.suffix.lower() in (".onnx", ".json", ".toml", ".csv"):
        from .importers import load_file

        w = load_file(path)
    else:
        from . import zoo

        w = zoo.get(text, **params)
    if compression is None:
        return w
    if not hasattr(w, "with_compression"):
        from dse.errors import DseInputError

        raise DseInputError("compression", str(compression), "a layer network (not an HE operation trace)")
    return w.with_compression(compression)

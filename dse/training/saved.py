"""Trained networks saved with the design that priced them, so they can be priced again and fine-tuned.

A training study (:mod:`solvers.optuna_train`) saves every completed trial's network as three files
in ``networks/``:

* ``trial<N>.pt`` - ``{"state_dict", "design", "metrics", "pricing", "trial"}`` (``torch.save``);
  the state dict is the trained module's (gated modules with their frozen choice included), so a
  later run rebuilds the same module, loads it and fine-tunes (:func:`load_network`);
* ``trial<N>.json`` - the same without the weights, readable without torch;
* ``trial<N>.workload.json`` - when the pricing holds a workload: the network *as trained* (each
  ReLU/pool site set to its chosen option) as a JSON layer list (:func:`layer_list`), the file
  ``dse whatif MODEL --workload trial<N>.workload.json --set k=v ...`` reads. ``whatif_args``
  in the JSON is that command's argument list.

``pricing`` is ``{"model": name, "params": {fixed parameters}, "design": {knob: value},
"workload": Workload}``. Files are written to a temporary name and renamed: a kill never leaves a
half-written network.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import DseInputError

__all__ = ["save_network", "load_network", "layer_list", "whatif_args"]


def layer_list(workload: Any) -> dict[str, Any]:
    """A sequential workload as a JSON layer list (``workloads.load`` reads it back to an equal workload).

    Covers the layer kinds of a CNN/MLP chain (conv2d, linear, activation, max/avg pool, reshape,
    norm); any other kind or a non-chain graph raises :class:`~dse.errors.DseInputError`."""
    layers: list[dict[str, Any]] = []
    prev = "input"
    for l in workload.layers:
        if tuple(l.inputs) != (prev,):
            raise DseInputError("workload", workload.name, "a chain of layers (each fed by the previous one)")
        prev = l.name
        k = l.kind
        if k == "conv2d":
            row = {"kind": k, "out_channels": l.out_channels, "kernel": list(l.kernel), "stride": list(l.stride),
                   "padding": list(l.padding), "dilation": list(l.dilation), "groups": l.groups, "bias": l.bias}
        elif k == "linear":
            row = {"kind": k, "out_features": l.out_features, "bias": l.bias}
        elif k == "activation":
            row = {"kind": k, "fn": l.fn, "degree": l.degree}
        elif k == "pool2d" and l.mode in ("max", "avg"):
            row = {"kind": f"{l.mode}pool", "kernel": list(l.kernel), "stride": list(l.stride),
                   "padding": list(l.padding)}
        elif k == "reshape":
            row = {"kind": k, "shape": list(l.shape)}
        elif k == "norm":
            row = {"kind": k, "mode": l.mode}
        else:
            raise DseInputError(f"workload.{l.name}", k, "conv2d, linear, activation, max/avg pool2d, reshape or norm")
        layers.append({"name": l.name, **row})
    return {"name": workload.name, "input": list(workload.input_shape), "layers": layers}


def whatif_args(pricing: dict[str, Any], workload_file: str | Path) -> list[str]:
    """``dse whatif`` arguments that price the saved network: model, workload file, every knob."""
    args = [str(pricing["model"]), "--workload", str(workload_file)]
    for k, v in {**pricing.get("params", {}), **pricing.get("design", {})}.items():
        args += ["--set", f"{k}={v}"]
    return args


def _atomic_write(path: Path, write: Any) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    write(tmp)
    tmp.replace(path)


def save_network(path: str | Path, state: Any, *, design: dict[str, Any], metrics: dict[str, float],
                 pricing: dict[str, Any] | None = None, trial: int | None = None) -> Path:
    """Write ``path`` (``.pt``) and its ``.json`` (and ``.workload.json``) siblings; returns ``path``."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {"trial": trial, "design": _plain(design), "metrics": _plain(metrics)}
    if pricing is not None:
        wl = pricing.get("workload")
        plain = {k: _plain(v) for k, v in pricing.items() if k != "workload"}
        if wl is not None:
            wfile = path.with_suffix(".workload.json")
            _atomic_write(wfile, lambda p: p.write_text(json.dumps(layer_list(wl), indent=1)))
            plain["workload_file"] = wfile.name
            plain["whatif_args"] = whatif_args(plain, wfile.name)
        meta["pricing"] = plain
    _atomic_write(path.with_suffix(".json"), lambda p: p.write_text(json.dumps(meta, indent=1)))
    _atomic_write(path, lambda p: torch.save({"state_dict": state, **meta}, p))
    return path


def load_network(path: str | Path) -> dict[str, Any]:
    """A saved network: ``{"state_dict", "design", "metrics", "pricing", "trial"}``."""
    import torch

    path = Path(path)
    if not path.is_file():
        raise DseInputError("network", str(path), "a saved trial<N>.pt file")
    blob = torch.load(path, weights_only=False)
    if not isinstance(blob, dict) or "state_dict" not in blob:
        raise DseInputError("network", str(path), "a file written by dse.training.saved.save_network")
    return blob


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if hasattr(v, "item"):
        return v.item()
    return v if isinstance(v, (str, int, float, bool)) or v is None else str(v)

"""SCALE-Sim 3.0.0 as an optional peer: runs in its own venv, never imported by the engine.

``.ci/setup_scalesim.sh`` builds ``<repo>/.venv-scalesim`` (``scalesim==3.0.0``, ``numpy<2``);
:func:`run` pipes cases to :mod:`costmodels.asic.peer_scalesim_worker` executed by that interpreter.
A case describes one SCALE-Sim layer (conv topology or GEMM ``M, N, K``), the array and dataflow;
:func:`case_from_layer` builds it from a ``workloads`` layer, :func:`analytic` gives our closed
form for the same case.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from .systolic import gemm_cycles, gemm_sram_accesses

__all__ = ["venv_python", "available", "run", "case_from_layer", "case_gemms", "analytic"]

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("peer_scalesim_worker.py")


def venv_python() -> Path:
    """The SCALE-Sim venv interpreter (``$SCALESIM_VENV`` or ``<repo>/.venv-scalesim``)."""
    root = Path(os.environ.get("SCALESIM_VENV", REPO / ".venv-scalesim"))
    return root / "bin" / "python"


def available() -> tuple[bool, str]:
    """``(True, "")`` when the venv imports scalesim 3.0.0, else ``(False, why)``."""
    py = venv_python()
    if not py.exists():
        return False, f"SCALE-Sim venv not found at {py.parent.parent} (run: bash .ci/setup_scalesim.sh)"
    probe = subprocess.run([str(py), "-c", "import importlib.metadata as m, scalesim; "
                            "print(m.version('scalesim'))"], capture_output=True, text=True)
    if probe.returncode != 0:
        return False, f"scalesim does not import in {py}: {probe.stderr.strip().splitlines()[-1:]}"
    version = probe.stdout.strip()
    if version != "3.0.0":
        return False, f"scalesim {version} installed, the goldens are for 3.0.0"
    return True, ""


def run(cases: list[dict[str, Any]], *, timeout: float = 3600) -> list[dict[str, Any]]:
    """Run SCALE-Sim on ``cases`` (see :mod:`.peer_scalesim_worker`); one result per case."""
    ok, why = available()
    if not ok:
        from dse.errors import UnavailableError

        raise UnavailableError("peer", "scalesim", why)
    proc = subprocess.run([str(venv_python()), str(WORKER)], input=json.dumps(cases),
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"SCALE-Sim worker failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def case_from_layer(layer, rows: int, cols: int, dataflow: str, sram_kb=(64, 64, 64)) -> dict[str, Any]:
    """The SCALE-Sim case of one IR layer.

    Convolutions use the conv topology with the *padded* input (SCALE-Sim has no padding field),
    cropped to the rows/columns the windows read, and square strides; depthwise convolutions use SCALE-Sim's ``DP`` mode (one 1-channel layer
    per channel); other grouped convolutions become one conv per group (``groups`` cases, run as
    a single ``DP``-named layer with ``channels = groups`` only when ``in/groups == 1``). Other
    layers with one product use the GEMM topology ``M, N, K``.
    """
    base = {"rows": rows, "cols": cols, "dataflow": dataflow, "sram_kb": list(sram_kb)}
    if layer.kind == "conv2d":
        c = layer.in_shape[0]
        (kh, kw), (sh, sw) = layer.kernel, layer.stride
        if sh != sw or layer.dilation != (1, 1):
            raise ValueError(f"{layer.name}: SCALE-Sim needs square strides and no dilation")
        per_group = c // layer.groups
        _, oh, ow = layer.out_shape
        # the input extent the convolution actually reads: SCALE-Sim rounds the output size up
        # (ceil((H - k + s) / s)), PyTorch down, so trailing rows no window reads are cropped
        conv = {"ifmap_h": (oh - 1) * sh + kh, "ifmap_w": (ow - 1) * sw + kw, "filt_h": kh,
                "filt_w": kw, "stride": sh}
        if layer.groups == 1:
            conv.update(name=_safe(layer.name), channels=c, filters=layer.out_channels)
        elif per_group == 1:
            conv.update(name="DP_" + _safe(layer.name), channels=layer.groups,
                        filters=layer.out_channels // layer.groups)
        else:
            raise ValueError(f"{layer.name}: grouped conv with {per_group} channels per group; "
                             "use case_gemms() (one GEMM per group)")
        return {**base, "kind": "conv", "layer": conv}
    gemms = layer.gemms()
    if len(gemms) != 1 or gemms[0].batch != 1:
        raise ValueError(f"{layer.name}: use case_gemms() for batched or multi-product layers")
    g = gemms[0]
    return {**base, "kind": "gemm", "layer": {"name": _safe(layer.name), "m": g.m, "n": g.n, "k": g.k}}


def case_gemms(layer, rows: int, cols: int, dataflow: str, sram_kb=(64, 64, 64)) -> list[dict[str, Any]]:
    """One SCALE-Sim GEMM case per distinct product of ``layer`` (a batch runs each product once;
    multiply by the batch)."""
    base = {"rows": rows, "cols": cols, "dataflow": dataflow, "sram_kb": list(sram_kb)}
    return [{**base, "kind": "gemm", "batch": g.batch,
             "layer": {"name": f"{_safe(layer.name)}_{i}", "m": g.m, "n": g.n, "k": g.k}}
            for i, g in enumerate(layer.gemms())]


def analytic(case: dict[str, Any]) -> list[dict[str, int]]:
    """Our closed-form count per SCALE-Sim layer of ``case`` (DP layers expand per channel)."""
    L = case["layer"]
    if case["kind"] == "gemm":
        m, k, n, copies = L["m"], L["k"], L["n"], 1
    else:
        # SCALE-Sim topology_utils: ofmap = ceil((ifmap - filt + stride) / stride)
        oh = -(-(L["ifmap_h"] - L["filt_h"] + L["stride"]) // L["stride"])
        ow = -(-(L["ifmap_w"] - L["filt_w"] + L["stride"]) // L["stride"])
        dp = "DP" in L["name"]
        m, n = oh * ow, L["filters"]
        k = L["filt_h"] * L["filt_w"] * (1 if dp else L["channels"])
        copies = L["channels"] if dp else 1
    args = (m, k, n, case["rows"], case["cols"], case["dataflow"])
    one = {"total_cycles": gemm_cycles(*args), **gemm_sram_accesses(*args)}
    return [dict(one) for _ in range(copies)]


def _safe(name: str) -> str:
    return name.replace(".", "_").replace(",", "_")

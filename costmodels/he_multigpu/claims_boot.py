"""Claims of he-multigpu's GPU roofline: bootstraps of published GPU libraries (issue 17).

Registered as ``he-multigpu-boot`` in the ``dse.claims`` entry-point group. The roofline's one
efficiency constant (``hbm_efficiency``, ``data/ckks.toml``) is fitted to WarpDrive's A100-80G
bootstrap (calibration); every other library's published bootstrap is a validation of it, with
the he family's structure tolerance (+-25 %, the registry's tolerance for a composite prediction).
"""

from __future__ import annotations

from costmodels.he.claims_boot import _SRC_BOOT, STRUCT_TOL
from dse.claims import Claim

__all__ = ["CLAIMS"]

_SRC_WARPDRIVE = "[WarpDrive25] as listed in scale-snu/cheddar-fhe README: bootstrapping 121 ms, A100 80GB"
_ROOFLINE_GAP = ("one HBM-efficiency constant (fitted to WarpDrive) prices every library: Cheddar's 32-bit words and "
                 "kernel fusion make it 3x faster than WarpDrive on the same A100-80G (40 vs 121 ms), a library "
                 "property a device roofline cannot predict")


def _roofline_boot(gpu: str) -> float:
    from . import presets
    from .gpu_ops import bootstrap_seconds

    return float(bootstrap_seconds(presets.ckks_defaults(), presets.constants(), presets.gpu(gpu)))


def CLAIMS() -> list[Claim]:
    out = [Claim(id="he-boot-roofline-warpdrive-a100-80g", family="he_multigpu", kind="calibration",
                 what="he-multigpu GPU roofline: N=2^16 bootstrap on A100-80G", reference=0.121, unit="s",
                 source=_SRC_WARPDRIVE, rel_tol=0.01, compute=lambda: _roofline_boot("a100-80g"),
                 fitted=("he_multigpu data/ckks.toml gpu.hbm_efficiency",))]
    rows = [("cheddar-h100", "h100-sxm", 0.0312, _SRC_BOOT["gpu-cheddar-h100"], _ROOFLINE_GAP),
            ("cheddar-a100-80g", "a100-80g", 0.0400, _SRC_BOOT["gpu-cheddar-a100"], _ROOFLINE_GAP),
            ("tensorfhe-a100-40g", "a100-40g", 0.250, _SRC_BOOT["gpu-tensorfhe-a100"],
             ("TensorFHE batches operations for throughput; its single-bootstrap latency is above a roofline "
              "fitted to a latency-optimised library"))]
    for name, gpu, ref, src, gap in rows:
        out.append(Claim(id=f"he-boot-roofline-{name}", family="he_multigpu", kind="validation",
                         what=f"he-multigpu GPU roofline (fitted to WarpDrive only): N=2^16 bootstrap on {gpu}",
                         reference=ref, unit="s", source=src, rel_tol=STRUCT_TOL, compute=lambda g=gpu: _roofline_boot(g),
                         fitted_to=("he-boot-roofline-warpdrive-a100-80g",), gap=gap))
    return out

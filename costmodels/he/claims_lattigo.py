"""Claims of the Lattigo peer: per-op fit, held-out ops, and bootstraps predicted from structure (issue 17).

Registered as ``he-lattigo`` in the ``dse.claims`` entry-point group. The data are three runs of
``dse calibrate he --backend lattigo`` on this project's 2-core VM (Lattigo v6.2.0 via orion-fhe
1.0.2, 1 thread), recorded in ``data/lattigo/calibration-n{13,14,16}.json``: per-op rows on the
25-prime bootstrapping chain of N16QP1546H192H32 (fit and held-out limb counts) and one bootstrap
(full slots) measured between two passes over the op rows. The shipped profile ``lattigo-cpu`` is
fitted on the N = 2^16 run's fit rows (``op_latency.csv``, written from that record).

* **validation**: held-out op rows; each run's bootstrap predicted from Lattigo's structure
  (CoeffsToSlots 4 levels, EvalMod cosine degree 30 + 3 double-angle steps on 2 ciphertexts,
  SlotsToCoeffs 3) and per-op constants fitted on the same run's op rows (boot_scale = 1); the
  N = 2^14 and 2^13 bootstraps also from the N = 2^16 profile (extrapolation in N).
* **calibration**: the profile's fit, and ``lattigo-cpu``'s boot_scale anchored to the measured bootstrap.

No constant is fitted to a bootstrap in the validations; all use the registry's tolerances
(held-out single ops 20 % max as SEAL's, composite predictions +-25 %).
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np

from dse.claims import Claim

from .bootstrap import bootstrap_latency
from .calibrate_lattigo import ROW_OPS
from .claims_boot import STRUCT_TOL
from .fit import Measurement, predict, relative_errors
from .presets import DATA, get_profile, load_profile_json, measurements

__all__ = ["CLAIMS", "claims"]

HELDOUT_TOL = 0.20  # max |error| over held-out rows, the SEAL calibration's criterion (he-seal-heldout)
PROFILE = "lattigo-cpu"
SRC = ("[Lattigo v6.2.0 via orion-fhe 1.0.2, measured] dse calibrate he --backend lattigo --log-n {n}, "
       "costmodels/he/data/lattigo/calibration-n{n}.json (1 thread, 2-core x86-64 VM, 2026-12-06)")


@cache
def _record(log_n: int) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "lattigo" / f"calibration-n{log_n}.json").read_text())
    return data


def _boot(log_n: int, prof: Any) -> float:
    """Bootstrap of the run at ``log_n`` priced from structure with ``prof`` (boot_scale forced to 1)."""
    rec = _record(log_n)["calibration"]
    n = float(1 << log_n)
    return float(bootstrap_latency(replace(prof, boot_scale=1.0), np.asarray(n), np.asarray(float(rec["top_limbs"])),
                                   dnum=float(rec["dnum"]), slots=rec["bootstrap"]["slots"]))


def _own_fit(log_n: int) -> Any:
    """The profile that run fitted on its own op rows (stored in the record)."""
    return load_profile_json(DATA / "lattigo" / f"calibration-n{log_n}.json")


def _heldout_max() -> float:
    """Max |error| of lattigo-cpu on the N = 2^16 run's held-out op rows (limbs outside the fit)."""
    rec = _record(16)["calibration"]
    fit_limbs = {r["limbs"] for r in rec["fit"]}
    prof = get_profile(PROFILE)
    worst = 0.0
    for r in rec["holdout"]:
        if r["limbs"] in fit_limbs:
            raise ValueError(f"held-out row at {r['limbs']} limbs was in the fit")
        m = Measurement(ROW_OPS[r["ops"]], r["n"], r["limbs"], r["measured_s"], rec["top_limbs"], rec["dnum"])
        worst = max(worst, abs(predict(prof, m) / m.latency_s - 1.0))
    return worst


_GAP_HELD = ("the worst rows are element-wise ops at 18-23 limbs (decrypt -28 %, add -24 %, mul_plain -19 % at 23 "
             "limbs): a 23-limb ciphertext at N = 2^16 is 24 MB, past the cache, and these memory-bound ops cost "
             "more per element than the fit's line; the key-switch rows (rotate, mul+relinearize), ~90 % of a "
             "predicted bootstrap, are within 4 % on every held-out limb count")
_GAP_BOOT = {
    16: "under-predicted by a fifth, not by the operation counts: Lattigo's own counts (read from its v6.2.0 "
        "source: wrapped diagonals, a giant-heavy BSGS split, 12 EvalMod relinearisations) price at ~19.5 s "
        "with these constants, below our 22.5 s. Unpriced: the variants the circuit runs (products and "
        "automorphisms over the extended basis, a decomposition per giant step, the top-level sparse-to-dense "
        "key switch with a 25-digit buffer, Go allocation per baby step) and element-wise ops at 22-25 limbs "
        "(19-34 % above the fit). The error grows with N: +5.0 % at 2^13, -12.8 % at 2^14, -19.7 % at 2^16 "
        "(each with its own run's fit)",
    14: "under-predicted by 12.8 %: the suspects of he-boot-structure-lattigo-n16, weighing less at this N",
    13: "within tolerance (+5.0 %); the under-prediction of the larger rings is absent at N = 2^13",
}


def claims() -> list[Claim]:
    """Every claim of this module (built lazily: the records are read on first use)."""
    out = [
        Claim(id="he-lattigo-fit", family="he", kind="calibration",
              what="lattigo-cpu vs the 80 Lattigo op rows it was fitted to (N = 2^16, 9 limb counts): median |error|",
              reference=0.0, unit="1", source=SRC.format(n=16), abs_tol=0.10,
              compute=lambda: float(np.median(np.abs(relative_errors(get_profile(PROFILE), measurements(PROFILE))))),
              fitted=("lattigo-cpu theta_B, theta_M, theta_C per group",)),
        Claim(id="he-lattigo-heldout", family="he", kind="validation",
              what="lattigo-cpu on 36 held-out Lattigo op rows (N = 2^16, limbs 8/13/18/23, every op): max |error|",
              reference=0.0, unit="1", source=SRC.format(n=16), abs_tol=HELDOUT_TOL, compute=_heldout_max,
              gap=_GAP_HELD),
        Claim(id="he-boot-anchor-lattigo-cpu", family="he", kind="calibration",
              what="lattigo-cpu: bootstrap with boot_scale anchored to the measured one (N = 2^16, full slots)",
              reference=_record(16)["calibration"]["bootstrap"]["measured_s"], unit="s", source=SRC.format(n=16),
              rel_tol=1e-3, compute=lambda: _boot(16, get_profile(PROFILE)) * get_profile(PROFILE).boot_scale,
              fitted=("lattigo-cpu.boot_scale",)),
    ]
    for log_n in (16, 14, 13):
        out.append(Claim(
            id=f"he-boot-structure-lattigo-n{log_n}", family="he", kind="validation",
            what=f"Lattigo default bootstrap at N = 2^{log_n} (full slots, 25-prime chain) predicted from its "
                 "structure with per-op constants fitted on the same run's op rows (boot_scale = 1)",
            reference=_record(log_n)["calibration"]["bootstrap"]["measured_s"], unit="s", source=SRC.format(n=log_n),
            rel_tol=STRUCT_TOL, compute=lambda log_n=log_n: _boot(log_n, _own_fit(log_n)), gap=_GAP_BOOT[log_n]))
    for log_n, gap in ((14, "within tolerance by two errors cancelling: the N = 2^16 constants price N = 2^14 ops "
                             "15 % above that run's own fit (5.68 vs 4.93 s), while the structure under-prices "
                             "its bootstrap by 12.8 %"),
                       (13, "per-op constants fitted at N = 2^16 only, where the per-call and per-limb "
                                      "costs are not separable from the per-element ones; at N = 2^13 the fixed "
                                      "costs weigh more (the run's own N = 2^13 fit predicts +5.0 %)")):
        out.append(Claim(
            id=f"he-boot-lattigo-n{log_n}-from-n16", family="he", kind="validation",
            what=f"Lattigo bootstrap at N = 2^{log_n} predicted by lattigo-cpu (fitted at N = 2^16 only, "
                 "boot_scale = 1): extrapolation in the ring degree",
            reference=_record(log_n)["calibration"]["bootstrap"]["measured_s"], unit="s", source=SRC.format(n=log_n),
            rel_tol=STRUCT_TOL, compute=lambda log_n=log_n: _boot(log_n, get_profile(PROFILE)), gap=gap))
    return out


def CLAIMS() -> list[Claim]:
    return claims()

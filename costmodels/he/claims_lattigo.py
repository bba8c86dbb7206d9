"""Claims of the Lattigo peer: per-op fit, held-out ops, and bootstraps predicted from structure (issue 17).

Registered as ``he-lattigo`` in the ``dse.claims`` entry-point group. The data are three runs of
``dse calibrate he --backend lattigo`` on this project's 2-core VM (Lattigo v6.2.0 via orion-fhe
1.0.2, 1 thread), recorded in ``data/lattigo/calibration-{n16,n14,n14-r2,n13}.json``: per-op rows on the
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
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np

from dse.claims import Claim

from .bootstrap import bootstrap_latency
from .calibrate_lattigo import ROW_OPS, as_run
from .claims_boot import STRUCT_TOL
from .fit import Measurement, predict, relative_errors
from .presets import DATA, get_profile, load_profile_json, measurements

__all__ = ["CLAIMS", "claims"]

HELDOUT_TOL = 0.20  # max |error| over held-out rows, the SEAL calibration's criterion (he-seal-heldout)
PROFILE = "lattigo-cpu"
#: recorded runs (file ``calibration-<run>.json``); n14-r2 is a second N = 2^14 run, with a sparse bootstrap
RUNS = ("n16", "n14", "n14-r2", "n13")
SRC = ("[Lattigo v6.2.0 via orion-fhe 1.0.2, measured] dse calibrate he --backend lattigo --log-n {n}{extra}, "
       "costmodels/he/data/lattigo/calibration-{run}.json (1 thread, 2-core x86-64 VM, 2026-12-06)")


@cache
def _record(run: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / "lattigo" / f"calibration-{run}.json").read_text())["calibration"]
    return data


def _src(run: str) -> str:
    rec = _record(run)
    extra = f" --sparse-slots {rec['bootstrap_sparse']['slots']}" if "bootstrap_sparse" in rec else ""
    return SRC.format(n=rec["log_n"], extra=extra, run=run)


def _own_fit(run: str) -> Any:
    """The profile that run fitted on its own op rows (stored in the record)."""
    return load_profile_json(DATA / "lattigo" / f"calibration-{run}.json")


def _boot(run: str, prof: Any, key: str = "bootstrap") -> float:
    """The run's bootstrap (``key``: full or sparse slots) priced from structure with ``prof``, boot_scale 1."""
    rec = _record(run)
    prof = as_run(prof, rec[key])  # the run's sparse-secret encapsulation
    return float(bootstrap_latency(replace(prof, boot_scale=1.0), np.asarray(float(1 << rec["log_n"])),
                                   np.asarray(float(rec["top_limbs"])), dnum=float(rec["dnum"]),
                                   slots=rec[key]["slots"]))


def _heldout_max() -> float:
    """Max |error| of lattigo-cpu on the N = 2^16 run's held-out op rows (limbs outside the fit)."""
    rec = _record("n16")
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
_NOISE = ("Two N = 2^14 runs on this host, minutes apart, measured the same bootstrap at 5.65 s and 3.71 s "
          "(their op rows 12 % apart): a run's ops and its bootstrap are timed in different subprocesses, so "
          "the host's speed phases reach the comparison; the same-run errors span -11.2 % to +18.8 %")
_GAP_BOOT = {
    "n16": "under-predicted by a fifth, not by the operation counts: Lattigo's own counts (read from its v6.2.0 "
           "source: wrapped diagonals, a giant-heavy BSGS split, 12 EvalMod relinearisations) price at ~19.5 s "
           "with these constants, below our 22.5 s (before the encapsulation switch was priced; 22.8 s with it). Unpriced: the variants the circuit runs (products and "
           "automorphisms over the extended basis, a decomposition per giant step, the top-level sparse-to-dense "
           "key switch's 25-digit buffer (the switch itself is priced as one hybrid key switch), Go allocation per "
           "baby step) and element-wise ops at 22-25 limbs "
           "(19-34 % above the fit). " + _NOISE,
    "n14": "under-predicted by 11.2 %. " + _NOISE,
    "n14-r2": "over-predicted by 18.8 %. " + _NOISE,
    "n13": "within tolerance (+7.0 %). " + _NOISE,
}
_GAP_SPARSE = ("priced as OpenFHE runs sparse packing (a partial sum of log2(N/2 / slots) rotations at the top "
               "level, then CoeffsToSlots on the used slots and one EvalMod); Lattigo packs real and imaginary "
               "parts into one ciphertext of twice the slots (RepackImagAsReal) and sums by a trace. " + _NOISE)
_GAP_FROM16 = {
    "n14": "within tolerance by two errors cancelling: the N = 2^16 constants price N = 2^14 ops 15 % above that "
           "run's own fit (5.77 vs 5.01 s) while the structure under-prices its bootstrap by 11.2 %. " + _NOISE,
    "n14-r2": "the N = 2^16 constants come from another run (another host phase) and price this run's faster ops "
              "31 % high (5.77 vs 4.41 s with its own fit). " + _NOISE,
    "n13": "per-op constants fitted at N = 2^16 only, where the per-call and per-limb costs are not separable from "
           "the per-element ones; at N = 2^13 the fixed costs weigh more (the run's own fit predicts +7.0 %)",
}


def _boot_claim(cid: str, run: str, key: str, profile_of: Callable[[str], Any], gap: str, what: str) -> Claim:
    """A validation: the run's measured bootstrap (``key``) against the structure priced with
    ``profile_of(run)`` and boot_scale = 1."""
    return Claim(id=cid, family="he", kind="validation", what=what + " (boot_scale = 1)",
                 reference=_record(run)[key]["measured_s"], unit="s", source=_src(run), rel_tol=STRUCT_TOL,
                 compute=lambda: _boot(run, profile_of(run), key), gap=gap)


def claims() -> list[Claim]:
    """Every claim of this module (built lazily: the records are read on first use)."""
    out = [
        Claim(id="he-lattigo-fit", family="he", kind="calibration",
              what="lattigo-cpu vs the 80 Lattigo op rows it was fitted to (N = 2^16, 9 limb counts): median |error|",
              reference=0.0, unit="1", source=_src("n16"), abs_tol=0.10,
              compute=lambda: float(np.median(np.abs(relative_errors(get_profile(PROFILE), measurements(PROFILE))))),
              fitted=("lattigo-cpu theta_B, theta_M, theta_C per group",)),
        Claim(id="he-lattigo-heldout", family="he", kind="validation",
              what="lattigo-cpu on 36 held-out Lattigo op rows (N = 2^16, limbs 8/13/18/23, every op): max |error|",
              reference=0.0, unit="1", source=_src("n16"), abs_tol=HELDOUT_TOL, compute=_heldout_max,
              gap=_GAP_HELD),
        Claim(id="he-boot-anchor-lattigo-cpu", family="he", kind="calibration",
              what="lattigo-cpu: bootstrap with boot_scale anchored to the measured one (N = 2^16, full slots)",
              reference=_record("n16")["bootstrap"]["measured_s"], unit="s", source=_src("n16"),
              rel_tol=1e-3, compute=lambda: _boot("n16", get_profile(PROFILE)) * get_profile(PROFILE).boot_scale,
              fitted=("lattigo-cpu.boot_scale",)),
    ]
    for run in RUNS:
        log_n = _record(run)["log_n"]
        out.append(_boot_claim(f"he-boot-structure-lattigo-{run}", run, "bootstrap", _own_fit, _GAP_BOOT[run],
                               f"Lattigo default bootstrap at N = 2^{log_n} (full slots, 25-prime chain; run {run}) "
                               "predicted from its structure with per-op constants fitted on the same run's op rows"))
        if "bootstrap_sparse" in _record(run):
            slots = _record(run)["bootstrap_sparse"]["slots"]
            out.append(_boot_claim(f"he-boot-structure-lattigo-{run}-sparse", run, "bootstrap_sparse", _own_fit,
                                   _GAP_SPARSE, f"Lattigo bootstrap of a sparsely packed ciphertext ({slots} slots) at "
                                   f"N = 2^{log_n} (run {run}) predicted from structure (partial sum, one EvalMod) "
                                   "with the same run's per-op fit"))
        if run != "n16":
            out.append(_boot_claim(f"he-boot-lattigo-{run}-from-n16", run, "bootstrap",
                                   lambda _run: get_profile(PROFILE), _GAP_FROM16[run],
                                   f"Lattigo bootstrap at N = 2^{log_n} (run {run}) predicted by lattigo-cpu (fitted "
                                   "on the N = 2^16 run only): extrapolation in the ring degree, across runs"))
    return out


def CLAIMS() -> list[Claim]:
    return claims()

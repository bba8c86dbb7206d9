"""Claims of the ``he`` family (``dse validate --family he``): every comparison README.md and
docs/he.md make, classified honestly (see :mod:`dse.claims`).

Profiles fitted to a table are calibrations against that table; only data they never saw (the
held-out op mixes at limb counts outside the fit, an independent SEAL table, OpenFHE's hoisted
rotation split, the structural bootstrap before ``boot_scale`` anchors it) validate them. The
TenSEAL live calibration is a ``peer`` claim. Left out: CryptoGCN demo.cpp's 9 + C_out rotations
(the demo uses the diagonal method; our BSGS count is below it by design, not a comparison).
"""

from __future__ import annotations

import json
import tempfile
from functools import lru_cache

from dse.claims import Claim, load_study

__all__ = ["CLAIMS"]

SEAL_VM = ("seal-tenseal-vm profile vs its recorded held-out op mixes: TenSEAL 0.3.18 / SEAL on this "
           "2-core VM, 2026-11-25 (costmodels/he/data/profiles/seal-tenseal-vm.json; re-record: "
           "dse calibrate he --backend tenseal)")
CRYPTORACLE = "[CryptOracle26] UnaryLab/CryptOracle resnet-logreg-primitives.csv (OpenFHE, 1 thread)"
CRYPTOGCN = "[CryptoGCN22] abstract (arXiv 2209.11904)"
LINGCN = "[LinGCN23] frontier figure figures/plot_frontiers_LinGCN.png and text (14.2x)"


def _profile(name: str):
    from .presets import get_profile

    return get_profile(name)


def _heldout_max_err() -> float:
    from .calibrate import MIXES
    from .fit import Measurement, predict
    from .presets import DATA

    data = json.loads((DATA / "profiles" / "seal-tenseal-vm.json").read_text())
    prof = _profile("seal-tenseal-vm")
    fit_limbs = {int(n): set(v) for n, v in data["calibration"]["grid"].items()}
    worst = 0.0
    for r in data["calibration"]["holdout"]:
        if r["limbs"] in fit_limbs[r["n"]]:
            raise ValueError(f"held-out mix at {r['limbs']} limbs was in the fit")
        ops = tuple((op, float(c)) for op, c in MIXES[r["ops"]].items()
                    if not (r["limbs"] < 2 and op in ("rescale", "mod_switch")))
        worst = max(worst, abs(predict(prof, Measurement(ops, r["n"], r["limbs"], r["measured_s"]))
                               / r["measured_s"] - 1))
    return worst


def _median_fit_error(profile: str, table: str) -> float:
    import numpy as np

    from .fit import relative_errors
    from .presets import measurements

    return float(np.median(np.abs(relative_errors(_profile(profile), measurements(table)))))


def _hoisted(op: str) -> float:
    import numpy as np

    from .opcost import op_latency

    n, l = np.array(65536.0), np.array(11.0)
    return float(op_latency(_profile("openfhe-cpu"), op, n, l, top_limbs=l, dnum=2))


def _max_log_qp(logn: int) -> float:
    import numpy as np

    from .params import max_log_qp

    return float(max_log_qp(np.array([2 ** logn]), 128)[0])


def _bsgs_rotations() -> float:
    from .primitives import channel_mix

    oc = channel_mix(64, 64, 1, 4096)
    return float(oc.count("rotate_hoisted") + oc.count("rotate"))


def _tconv_pmults() -> float:
    from .primitives import channel_mix

    return float(channel_mix(64, 64, 32, 4096, taps=9).count("mul_plain"))


def _lingcn_mask_layers() -> float:
    from .gcn import LINGCN_SHIPPED_KEEP, site_levels

    return float(sum(site_levels(LINGCN_SHIPPED_KEEP, 25)))


@lru_cache(maxsize=1)
def _gcn_study() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return load_study("he_gcn").run(tmp)


def _gcn(key: str) -> float:
    return float(_gcn_study()[key])


def _tenseal_live_max_err() -> float:
    from .calibrate import calibrate

    _, rec = calibrate(grid={8192: (4, (1, 2, 4), (3,))}, reps=7)
    return max(abs(r["rel_err"]) for r in rec["holdout"])


CLAIMS: list[Claim] = [
    Claim("he-seal-heldout", "he", "seal-tenseal-vm on 24 held-out op mixes (conv tile, activation, "
          "key switch, client I/O at limb counts not in the fit): max |error|", 0.0, "1", SEAL_VM,
          "validation", _heldout_max_err, abs_tol=0.20),
    Claim("he-seal-independent", "he", "seal-tenseal-vm vs an independently measured SEAL table (42 "
          "single-op rows, N = 2^13..2^15): median |error|", 0.0, "1",
          "SEAL 4.x via TenSEAL sealapi, 1 thread, median of 5 (costmodels/he/data/op_latency.csv, "
          "profile seal-cpu rows)", "validation", lambda: _median_fit_error("seal-tenseal-vm", "seal-cpu"),
          abs_tol=0.15),
    Claim("he-seal-cpu-fit", "he", "seal-cpu profile vs the 42 rows it was fitted to: median |error|",
          0.0, "1", "SEAL 4.x via TenSEAL sealapi (op_latency.csv, seal-cpu rows)", "calibration",
          lambda: _median_fit_error("seal-cpu", "seal-cpu"), abs_tol=0.10,
          fitted=("seal-cpu theta_B, theta_M, theta_C per op",)),
    Claim("he-openfhe-fit", "he", "openfhe-cpu profile vs the 40 rows it was fitted to: median |error|",
          0.0, "1", CRYPTORACLE, "calibration", lambda: _median_fit_error("openfhe-cpu", "openfhe-cpu"),
          abs_tol=0.10, fitted=("openfhe-cpu theta_B, theta_M, theta_C per op",),
          gap="Add at N >= 2^15 is memory-bound (up to -65 %); the linear model cannot follow it"),
    Claim("he-openfhe-16t-fit", "he", "openfhe-cpu-16t profile vs the 20 rows it was fitted to: "
          "median |error|", 0.0, "1", CRYPTORACLE.replace("1 thread", "16 threads"), "calibration",
          lambda: _median_fit_error("openfhe-cpu-16t", "openfhe-cpu-16t"), abs_tol=0.10,
          fitted=("openfhe-cpu-16t theta_B, theta_M, theta_C per op",)),
    Claim("he-openfhe-hoisted-modup", "he", "OpenFHE fast rotation precompute (ModUp), N = 2^16, "
          "L = 10, dnum 2 (not fitted)", 0.050, "s", CRYPTORACLE + ": fast rotation 50 ms precompute",
          "validation", lambda: _hoisted("ks_modup"), rel_tol=0.25),
    Claim("he-openfhe-hoisted-rotation", "he", "OpenFHE hoisted rotation after the precompute, "
          "N = 2^16, L = 10 (not fitted)", 0.047, "s", CRYPTORACLE + ": 47 ms per rotation",
          "validation", lambda: _hoisted("rotate_hoisted"), rel_tol=0.25),
    Claim("he-security-2p15", "he", "largest log2(QP) at N = 2^15, 128-bit, ternary secret", 881.0,
          "bits", "[HEStandard18] Table 1 / SEAL hestdparms.h", "restatement", lambda: _max_log_qp(15), abs_tol=0.0),
    Claim("he-security-2p16", "he", "largest log2(QP) at N = 2^16, 128-bit, ternary secret", 1747.0,
          "bits", "OpenFHE stdlatticeparms.cpp [OpenFHE22]", "restatement", lambda: _max_log_qp(16), abs_tol=0.0),
    Claim("he-bsgs-64", "he", "64x64 BSGS mat-vec rotations (7 hoisted baby + 7 giant)", 14.0, "1",
          "hand count of Halevi-Shoup BSGS [HaleviShoup18]", "restatement", _bsgs_rotations, abs_tol=0.0),
    Claim("he-cryptogcn-tconv-pmult", "he", "CryptoGCN temporal conv 9x1, C_out = 64, per joint: PMults",
          576.0, "1", "[CryptoGCN22] SEAL code demo.cpp: 9 x C_out", "validation", _tconv_pmults, abs_tol=0.0),
    Claim("he-lingcn-mask-depth", "he", "LinGCN shipped node mask [10,15,25,25,25,0]: effective "
          "non-linear layers", 4.0, "1", "[LinGCN23] released STGCN-3-256 E=4 model", "restatement",
          _lingcn_mask_layers, abs_tol=0.0),
    Claim("he-cryptogcn-ama-speedup", "he", "CryptoGCN AMA vs feature-wise packing, whole network, "
          "STGCN-3-128 (the larger of the two backbones' speed-ups)", 3.10, "1",
          CRYPTOGCN + ": up to 3.10x", "validation", lambda: _gcn("stgcn3_128_naive_network_speedup"),
          rel_tol=0.25),
    Claim("he-cryptogcn-total-ops", "he", "CryptoGCN AMA vs feature-wise packing: total HE operation "
          "count change, STGCN-3-128 network", -0.774, "1", CRYPTOGCN + ": -77.4 % total HE op count",
          "validation", lambda: _gcn("stgcn3_128_naive_network_total_ops_change"), rel_tol=0.25,
          gap="temporal convolutions (similar PMult counts in both layouts) dominate the op count; the "
              "paper's scope and baseline are in its body text, which we could not read"),
    Claim("he-cryptogcn-keyswitch", "he", "same, counted as key switches (scope chosen after the "
          "total count missed)", -0.774, "1", CRYPTOGCN, "calibration",
          lambda: _gcn("stgcn3_128_naive_network_keyswitch_change"), rel_tol=0.10,
          fitted=("op-count scope: key switches instead of the paper's total HE operations, picked "
                  "after the total count missed",)),
    Claim("he-lingcn-vs-cryptogcn", "he", "LinGCN STGCN-3-128 (E=2) vs CryptoGCN STGCN-3-256 latency "
          "at ~75 % accuracy", 14.2, "1", LINGCN, "validation", lambda: _gcn("lingcn_vs_cryptogcn"),
          rel_tol=0.25, gap="CryptoGCN's published 75.32 % point is ~2x slower than its structure "
          "predicts relative to LinGCN's points (its N, levels and convolution method are not "
          "published); ours is 7.5x = 2.0x op count x 3.7x per op"),
    Claim("he-lingcn-digitised", "he", "digitised frontier: CryptoGCN 75.32 % / LinGCN 75.20 % "
          "latency ratio vs the paper's text", 14.2, "1", LINGCN, "restatement",
          lambda: _gcn("published_pair_ratio"), rel_tol=0.03,
          gap="checks the digitisation (log-axis reading error), not the model"),
    Claim("he-tenseal-live", "he", "live TenSEAL calibration at N = 8192 (1, 2, 4 limbs) predicting "
          "the 4 mixes at 3 limbs: max |error|", 0.0, "1",
          "TenSEAL / SEAL [TenSEAL21] (costmodels.he.calibrate.calibrate, measured on this host)",
          "peer", _tenseal_live_max_err, abs_tol=0.20, requires=("tenseal",), slow=True,
          gap="a live timing on a shared 2-vCPU VM: 9 runs within 10 minutes on 2026-12-06 gave max errors of "
              "1.9-43.9 % (benchmarks/he_calibration.py --grid small), the spread of the host's speed, not of "
              "the model; the recorded full calibration predicts its 24 held-out mixes within 9.3 %"),
]

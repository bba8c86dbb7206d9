"""Measure the MPC family's local-compute profile on this machine and write it to
``costmodels/mpc/data/compute_profile.csv`` (the file the protocol profiles read).

Regenerate with::

    /path/to/venv/bin/python benchmarks/mpc_compute_profile.py            # measure and write
    /path/to/venv/bin/python benchmarks/mpc_compute_profile.py --dry-run  # print only

What is measured (every row records the library version, the date and this command):

* CrypTen 0.4.1 [CrypTen21], 2 processes on loopback (``costmodels.mpc.calibrate.measure_compute``):
  ``compute_s_per_mac`` / ``compute_s_per_mac_public`` = rank 0's process CPU time / MACs of a
  3x3 conv (32 -> 64 channels, 32 x 32; torch on one thread per party) with shared / public weights; ``compute_s_per_word`` =
  the same CPU time / logged 64-bit words of a ReLU on 65,536 elements (the comparison
  throughput, per word of circuit traffic); ``relu_s_per_element`` the same time per element
  (reported, not read by the model). CPU time leaves out descheduling and waits for the peer on a
  shared machine, but not cache/memory contention: the minimum over ``--runs`` independent
  measurements is kept, and the max/min spread and the 1-minute load average are written into
  the source.
* Microsoft SEAL through TenSEAL's ``sealapi`` [TenSEAL21], BFV, one thread, process CPU time:
  ``he_pmult_s_per_coeff_limb`` = ``multiply_plain`` of an NTT-form ciphertext by an NTT-form
  plaintext (what SCI_HE and Cheetah do with pre-transformed weights) / (N x data limbs), at
  N = 8192 with SCI_HE's modulus {60, 60, 60, 38}; the non-NTT ``multiply_plain`` (two NTTs per
  limb included), ``rotate_rows`` and ``encrypt`` per ciphertext are recorded for reference and
  are not read by the model (rotations cost no time in the model; see docs/mpc.md Limits).

Timings depend on the machine and its load; bytes never do. Prints the rows; no assertions.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable

OUT = Path(__file__).resolve().parents[1] / "costmodels" / "mpc" / "data" / "compute_profile.csv"
COMMAND = "python benchmarks/mpc_compute_profile.py"


def _cpu_time(fn: Callable[[], None], reps: int = 5, min_sample_s: float = 0.2) -> float:
    """Fastest of ``reps`` samples of process CPU time per call (SEAL is single-threaded here)."""
    clock = time.process_time
    t0 = clock()
    fn()
    inner = max(1, int(min_sample_s / max(clock() - t0, 1e-7)))
    best = float("inf")
    for _ in range(reps):
        t0 = clock()
        for _ in range(inner):
            fn()
        best = min(best, (clock() - t0) / inner)
    return best


def seal_bfv(n: int = 8192, bits: tuple[int, ...] = (60, 60, 60, 38)) -> dict[str, float]:
    """BFV per-operation times (s) at ``n`` with coefficient modulus ``bits`` (last = special prime)."""
    from tenseal import sealapi as s

    parms = s.EncryptionParameters(s.SCHEME_TYPE.BFV)
    parms.set_poly_modulus_degree(n)
    parms.set_coeff_modulus(s.CoeffModulus.Create(n, list(bits)))
    parms.set_plain_modulus(s.PlainModulus.Batching(n, 20))
    ctx = s.SEALContext(parms, True, s.SEC_LEVEL_TYPE.TC128)
    kg = s.KeyGenerator(ctx)
    pk, gk = s.PublicKey(), s.GaloisKeys()
    kg.create_public_key(pk)
    kg.create_galois_keys(gk)
    enc, ev, be = s.Encryptor(ctx, pk), s.Evaluator(ctx), s.BatchEncoder(ctx)
    pt = s.Plaintext()
    be.encode([(7 * i + 1) % 1000 for i in range(n)], pt)  # dense: no SEAL monomial fast path
    a, out = s.Ciphertext(), s.Ciphertext()
    enc.encrypt(pt, a)
    a_ntt, pt_ntt = s.Ciphertext(), s.Plaintext()
    enc.encrypt(pt, a_ntt)
    be.encode([(7 * i + 1) % 1000 for i in range(n)], pt_ntt)
    ev.transform_to_ntt_inplace(a_ntt)
    ev.transform_to_ntt_inplace(pt_ntt, a_ntt.parms_id())
    limbs = len(bits) - 1
    t_ntt = _cpu_time(lambda: ev.multiply_plain(a_ntt, pt_ntt, out))
    return {"he_pmult_s_per_coeff_limb": t_ntt / (n * limbs),
            "he_pmult_ntt_s_per_ct": t_ntt,
            "he_pmult_s_per_ct": _cpu_time(lambda: ev.multiply_plain(a, pt, out)),
            "he_rotate_rows_s_per_ct": _cpu_time(lambda: ev.rotate_rows(a, 1, gk, out)),
            "he_encrypt_s_per_ct": _cpu_time(lambda: enc.encrypt(pt, out))}


def crypten_profile(repeat: int = 3, runs: int = 3) -> tuple[dict[str, float], dict[str, float]]:
    """CrypTen 2-party local compute (s per MAC / per logged word / per ReLU element): the minimum
    over ``runs`` independent measurements (wall-clock on a shared machine: the minimum is the
    least-contended estimate), and each key's max/min spread over the runs."""
    from costmodels.mpc.calibrate import measure_compute

    samples = [measure_compute(repeat=repeat, seed=r) for r in range(runs)]
    best = {k: min(float(s[k]) for s in samples) for k in samples[0]}
    spread = {k: max(float(s[k]) for s in samples) / best[k] for k in best}
    best["relu_s_per_element"] = best["compute_s_per_word"] * (464 / 8)  # 464 B = 58 words per ReLU [CrypTen21]
    spread["relu_s_per_element"] = spread["compute_s_per_word"]
    return best, spread


def rows(runs: int = 3) -> list[dict[str, Any]]:
    import tenseal

    from costmodels.mpc.calibrate import import_crypten

    crypten = import_crypten()
    day = _dt.date.today().isoformat()
    load = os.getloadavg()[0]
    where = f"{day}, {platform.machine()}, {os.cpu_count()} cores, load average {load:.1f} ({COMMAND})"
    out = []
    used = {"compute_s_per_mac", "compute_s_per_mac_public", "compute_s_per_word", "he_pmult_s_per_coeff_limb"}
    best, spread = crypten_profile(runs=runs)
    for key, val in best.items():
        out.append({"library": "crypten", "key": key, "value": f"{val:.3g}", "unit": "s",
                    "used": int(key in used),
                    "source": f"[CrypTen21; measured] crypten {crypten.__version__} 2 processes on loopback, "
                              f"minimum of {runs} runs (max/min {spread[key]:.2f}), {where}"})
    for key, val in seal_bfv().items():
        out.append({"library": "seal-bfv", "key": key, "value": f"{val:.3g}", "unit": "s",
                    "used": int(key in used),
                    "source": f"[TenSEAL21; measured] tenseal {tenseal.__version__} sealapi BFV N=8192 "
                              f"{{60,60,60,38}}, 1 thread, CPU time, {where}"})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="print the rows, do not write the file")
    ap.add_argument("--runs", type=int, default=3, help="independent CrypTen measurements (minimum kept)")
    args = ap.parse_args(argv)
    table = rows(args.runs)
    w = csv.DictWriter(sys.stdout, fieldnames=list(table[0]))
    w.writeheader()
    w.writerows(table)
    if not args.dry_run:
        with OUT.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(table[0]))
            w.writeheader()
            w.writerows(table)
        print(f"wrote {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

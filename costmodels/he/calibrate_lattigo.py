"""``dse calibrate he --backend lattigo``: fit a profile on Lattigo's per-op timings, then predict its bootstrap.

Lattigo v6.2.0 (through orion-fhe 1.0.2, :mod:`.lattigo_peer`) is timed on this machine, single
threaded, in two kinds of subprocess (one Lattigo scheme per process; a bootstrapper at N = 2^16
needs ~18 GB, so the two never share a process):

1. **ops**: every operation at fit and held-out limb counts of the *extended* chain of Lattigo's
   default bootstrapping set N16QP1546H192H32 (25 Q primes: residual 60 + 9 x 40, SlotsToCoeffs
   3 x 39, EvalMod 8 x 60, CoeffsToSlots 4 x 56; P 5 x 61; hybrid key switching with 5 primes per
   digit, dnum 5): the geometry the bootstrapping evaluator runs on. Run before and after (2).
2. **boot**: Lattigo's default bootstrap (full N/2 slots) of a level-0 ciphertext of the residual
   chain.

The per-op constants of :mod:`.opcost` are fitted on the fit rows only (groups as ``openfhe-cpu``:
Lattigo multiplies and relinearises in one call, timed as one row). The held-out op rows and the
bootstrap are then **predicted**: the bootstrap by :func:`.bootstrap.bootstrap_latency` with
Lattigo's structure (CoeffsToSlots 4 levels, EvalMod = cosine degree 30 + 3 double-angle steps on 2
ciphertexts, SlotsToCoeffs 3 levels; ``boot_scale`` = 1), no constant fitted to it. Timings are
the fastest of ``reps`` interleaved samples in process CPU time (the Go collector's work on other
threads is counted; time spent descheduled is not).

N = 2^16 is the secure preset (about 8 minutes here, 21 GB peak); ``--log-n 14`` runs the same chain
and structure at N = 2^14 (insecure at this N; timing only) in about 2.5 minutes and 3 GB.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from dse.errors import DseInputError

from .bootstrap import bootstrap_latency
from .fit import Measurement, fit_coeffs, predict
from .opcost import Profile
from .presets import _specs, get_profile
from .timing import cpu_name as _cpu_name
from .timing import time_interleaved

__all__ = ["LIMBS", "PROFILE", "ROW_OPS", "as_run", "calibrate_lattigo", "main", "profile_csv_rows"]

#: the timed Lattigo call -> the model's operations it runs (MulRelin = tensor product + relinearise)
ROW_OPS: dict[str, tuple[tuple[str, float], ...]] = {
    "add": (("add", 1.0),), "add_plain": (("add_plain", 1.0),), "mul_plain": (("mul_plain", 1.0),),
    "mul_relin": (("mul", 1.0), ("relinearize", 1.0)), "rescale": (("rescale", 1.0),),
    "rotate": (("rotate", 1.0),), "encode": (("encode", 1.0),), "encrypt": (("encrypt", 1.0),),
    "decrypt": (("decrypt", 1.0),),
}
#: the shipped profile whose coefficient groups and bootstrap structure a local calibration uses
PROFILE = "lattigo-cpu"
#: (fit limbs, held-out limbs) on the 25-prime extended chain: the fit spans 1..25 with both sides of
#: the 5-prime digit boundaries; the held-out counts sit between fit points
LIMBS = {"fit": (1, 3, 5, 6, 10, 11, 16, 21, 25), "holdout": (8, 13, 18, 23)}
SOURCE = "Lattigo v6.2.0 via orion-fhe 1.0.2, measured"


def _stage_ops(log_n: int, limbs: Sequence[int], reps: int, min_sample_s: float, gogc: str) -> dict[str, Any]:
    from .lattigo_peer import N16QP1546H192H32, OVERHEAD, LattigoBench, bootstrap_structure

    p = N16QP1546H192H32
    s = bootstrap_structure(log_n, p["log_q"], p["log_scale"])
    bench = LattigoBench(log_n, s["log_q"], s["log_p"], p["h"], p["log_scale"], gogc=gogc)
    labels, fns = [], []
    for lb in limbs:
        for op in (*ROW_OPS, *sorted(set(OVERHEAD.values()))):
            fn = bench.runner(op, lb)
            if fn is not None:
                labels.append((op, lb))
                fns.append(fn)
    secs = time_interleaved(fns, reps, min_sample_s, clock=time.process_time)
    by = dict(zip(labels, secs))
    # a callable that copies its operand first (rescale consumes a level) is net of that copy
    rows = [{"op": op, "limbs": lb, "seconds": by[(op, lb)] - (by[(OVERHEAD[op], lb)] if op in OVERHEAD else 0.0)}
            for (op, lb) in labels if op in ROW_OPS]
    bench.close()
    return {"rows": rows, "keygen_s": bench.keygen_s, "top_limbs": s["q_primes"], "dnum": s["dnum"],
            "log_q": s["log_q"], "log_p": s["log_p"]}


def _stage_boot(log_n: int, reps: int, gogc: str, slots: int = 0) -> dict[str, Any]:
    from .lattigo_peer import N16QP1546H192H32, LattigoBench, bootstrap_structure

    p = N16QP1546H192H32
    bench = LattigoBench(log_n, p["log_q"], p["log_p"], p["h"], p["log_scale"], gogc=gogc)
    slots = slots or bench.n // 2
    run = bench.bootstrap_runner(slots)
    (sec,) = time_interleaved([run], reps, 0.0, clock=time.process_time)
    out = {"seconds": sec, "keygen_s": bench.keygen_s, "slots": slots,
           "structure": bootstrap_structure(log_n, p["log_q"], p["log_scale"], log_slots=slots.bit_length() - 1)}
    bench.close()
    return out


def _run_stage(args: list[str], log: Callable[[str], None]) -> dict[str, Any]:
    """Run one stage in a fresh Python process (its own Lattigo scheme and memory) and read its JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stage.json"
        cmd = [sys.executable, "-m", "costmodels.he.calibrate_lattigo", *args, "--stage-out", str(out)]
        t0 = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0 or not out.is_file():
            tail = (res.stderr or res.stdout).strip().splitlines()[-1:] or ["no output"]
            raise DseInputError("lattigo stage", " ".join(args[:1]), "a stage that completes", detail=tail[0])
        log(f"stage {args[0]}: {time.perf_counter() - t0:.0f} s")
        data: dict[str, Any] = json.loads(out.read_text())
        return data


def calibrate_lattigo(*, log_n: int = 16, reps: int = 5, boot_reps: int = 2, gogc: str = "400",
                      sparse_slots: int = 0,
                      log: Callable[[str], None] = lambda s: None) -> tuple[Profile, dict[str, Any]]:
    """Measure (subprocesses), fit, predict; returns the profile and a JSON-ready record.

    ``record["bootstrap"]``: measured and predicted seconds and the error (full slots), and
    ``record["bootstrap_sparse"]`` the same for ``sparse_slots`` slots when given (a power of two
    below N/2; its own subprocess); ``record["holdout"]``:
    the held-out op rows; ``record["drift"]``: median ratio of the second ops pass to the first
    (each row keeps its faster pass)."""
    from .lattigo_peer import find_lattigo

    if log_n not in (12, 13, 14, 15, 16):
        raise DseInputError("--log-n", log_n, "12..16 (16: the 128-bit preset; below: the same chain, timing only)")
    if reps < 1 or boot_reps < 1:
        raise DseInputError("--reps", (reps, boot_reps), "integers >= 1")
    if sparse_slots and (sparse_slots & (sparse_slots - 1) or not 16 <= sparse_slots < 1 << (log_n - 1)):
        raise DseInputError("--sparse-slots", sparse_slots, f"a power of two in [16, 2^{log_n - 2}] (below N/2)")
    find_lattigo()  # fail here, with the install line, not in a subprocess
    t0 = time.perf_counter()
    limbs = sorted({*LIMBS["fit"], *LIMBS["holdout"]})
    ops_args = ["ops", "--log-n", str(log_n), "--reps", str(reps), "--gogc", gogc,
                "--limbs", ",".join(map(str, limbs))]
    first = _run_stage(ops_args, log)
    boot_args = ["boot", "--log-n", str(log_n), "--reps", str(boot_reps), "--gogc", gogc]
    boot = _run_stage(boot_args, log)
    sparse = _run_stage([*boot_args, "--slots", str(sparse_slots)], log) if sparse_slots else None
    second = _run_stage(ops_args, log)
    n, top, dnum = 1 << log_n, first["top_limbs"], first["dnum"]
    a = {(r["op"], r["limbs"]): r["seconds"] for r in first["rows"]}
    b = {(r["op"], r["limbs"]): r["seconds"] for r in second["rows"]}
    drift = float(np.median([b[k] / a[k] for k in a if a[k] > 0 and b.get(k, 0) > 0]))
    best = {k: min(a[k], b.get(k, a[k])) for k in a}
    rows = {True: [], False: []}  # held out? -> measurements
    for (op, lb), sec in sorted(best.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if sec > 0:
            rows[lb in LIMBS["holdout"]].append(Measurement(ROW_OPS[op], n, lb, sec, top, dnum, label=op))
    spec = _specs()[PROFILE]  # groups as openfhe-cpu: products share "mul", key switches "ks"
    coeffs = fit_coeffs(rows[False], spec["groups"], "hybrid", mode="full")
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d")
    prof = Profile(name=f"lattigo-cpu-local-n{log_n}", keyswitch="hybrid", coeffs=coeffs, hoisting=True, threads=1,
                   boot=get_profile(PROFILE).boot, source=f"{SOURCE} on {platform.machine()} {_cpu_name()}, {stamp}, N=2^{log_n}",
                   notes="Lattigo hybrid key switching, 25-prime bootstrapping chain, 5 special primes (dnum 5)")

    def boot_row(b: dict[str, Any]) -> dict[str, Any]:
        pred = float(bootstrap_latency(as_run(prof, b), np.asarray(float(n)), np.asarray(float(top)), dnum=float(dnum),
                                       slots=b["slots"]))
        return {"slots": b["slots"], "measured_s": b["seconds"], "predicted_s": pred,
                "rel_err": pred / b["seconds"] - 1.0, "keygen_s": b["keygen_s"], "structure": b["structure"]}

    def table(ms: list[Measurement]) -> list[dict[str, Any]]:
        return [{"ops": m.label, "n": m.n, "limbs": m.limbs, "measured_s": m.latency_s,
                 "predicted_s": predict(prof, m), "rel_err": predict(prof, m) / m.latency_s - 1.0} for m in ms]

    record = {"source": SOURCE, "date": stamp, "host": _cpu_name(), "log_n": log_n, "reps": reps,
              "top_limbs": top, "dnum": dnum, "log_q": first["log_q"], "log_p": first["log_p"],
              "fit": table(rows[False]), "holdout": table(rows[True]), "drift": drift,
              "bootstrap": boot_row(boot), "wall_s": time.perf_counter() - t0}
    if sparse is not None:
        record["bootstrap_sparse"] = boot_row(sparse)
    return prof, record


def as_run(prof: Profile, boot_record: dict[str, Any]) -> Profile:
    """``prof`` with the sparse-secret encapsulation of a recorded bootstrap run (its structure's
    ``ephemeral_secret_weight``; Lattigo's default is 32)."""
    enc = bool(boot_record.get("structure", {}).get("ephemeral_secret_weight", 0))
    return replace(prof, boot=replace(prof.boot, encapsulation=enc))


def profile_csv_rows(record: dict[str, Any], profile: str = "lattigo-cpu") -> list[str]:
    """``op_latency.csv`` lines of a record's fit rows (the shipped profile's data) with their source."""
    src = (f'"[Lattigo v6.2.0 via orion-fhe 1.0.2, measured] dse calibrate he --backend lattigo, {record["date"]}, '
           f'{record["host"]}, 1 thread, fastest of {record["reps"]} x 2 passes, process CPU time, extended '
           f'bootstrapping chain of N16QP1546H192H32 (25 Q + 5 P primes)"')
    ops = {k: "+".join(o for o, _ in v) for k, v in ROW_OPS.items()}
    return [f"{profile},{ops[r['ops']]},{r['n']},{r['limbs']},{record['top_limbs']},{record['dnum']},1,"
            f"{r['measured_s']:.6g},{src}" for r in record["fit"]]


def report(record: dict[str, Any]) -> str:
    """Plain-text summary: fit and held-out errors, and the bootstrap prediction."""
    fit = np.array([abs(r["rel_err"]) for r in record["fit"]])
    hold = np.array([abs(r["rel_err"]) for r in record["holdout"]])
    b = record["bootstrap"]
    lines = [f"Lattigo at N=2^{record['log_n']}: {len(fit)} fit rows (median |error| {100 * np.median(fit):.1f}%), "
             f"{len(hold)} held-out op rows (median {100 * np.median(hold):.1f}%, max {100 * hold.max():.1f}%), "
             f"drift between ops passes x{record['drift']:.3f}",
             f"bootstrap (full slots): measured {b['measured_s']:.2f} s, predicted from structure "
             f"{b['predicted_s']:.2f} s ({100 * b['rel_err']:+.1f}%)"]
    if "bootstrap_sparse" in record:
        s = record["bootstrap_sparse"]
        lines.append(f"bootstrap ({s['slots']} slots): measured {s['measured_s']:.2f} s, predicted from structure "
                     f"{s['predicted_s']:.2f} s ({100 * s['rel_err']:+.1f}%)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m costmodels.he.calibrate_lattigo {ops,boot} ... --stage-out F`` (one stage), or the
    calibration options of ``dse calibrate he --backend lattigo``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("ops", "boot"):
        ap = argparse.ArgumentParser(prog="calibrate_lattigo stage")
        ap.add_argument("stage", choices=("ops", "boot"))
        ap.add_argument("--log-n", type=int, required=True)
        ap.add_argument("--reps", type=int, required=True)
        ap.add_argument("--gogc", required=True)
        ap.add_argument("--limbs", default="")
        ap.add_argument("--slots", type=int, default=0)
        ap.add_argument("--stage-out", required=True)
        a = ap.parse_args(argv)
        from .lattigo_peer import off_main_thread

        if a.stage == "ops":
            limbs = [int(x) for x in a.limbs.split(",") if x]
            data = off_main_thread(lambda: _stage_ops(a.log_n, limbs, a.reps, 0.05, a.gogc))
        else:
            data = off_main_thread(lambda: _stage_boot(a.log_n, a.reps, a.gogc, a.slots))
        Path(a.stage_out).write_text(json.dumps(data))
        return 0
    raise DseInputError("stage", argv[:1], "ops or boot (use dse calibrate he --backend lattigo)")


if __name__ == "__main__":
    raise SystemExit(main())

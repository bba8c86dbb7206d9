"""``dse calibrate he --backend tenseal|lattigo [--quick] --out PROFILE.json``: measure SEAL (or Lattigo) here.

Runs every operation through ``tenseal.sealapi`` (Microsoft SEAL, single-threaded) over a grid of
ring degrees N and ciphertext limbs, fits the per-op constants of :mod:`.opcost` (SEAL-shaped key
switching) and writes a JSON profile that ``--profile`` loads. Held-out points (limb counts not in
the fit grid) are measured as whole operation *mixes* and compared with the prediction; the error
table goes into the profile (``holdout``) and to stdout.

Chains: first and special prime 60 bits, 30-bit rescale primes (timing depends on the number of
limbs, not their size; every chain is 128-bit secure under SEAL's own check).
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dse.errors import DseInputError

from .fit import Measurement, fit_coeffs, predict
from .opcost import FEATURE_OPS, Profile
from .presets import profile_to_dict
from .timing import cpu_name as _cpu_name
from .timing import time_interleaved

__all__ = ["GRIDS", "MIXES", "SealBench", "calibrate", "main", "require_tenseal", "time_interleaved"]

INSTALL = "pip install tenseal (or the he extra: pip install 'dse-pi[he]')"

#: N -> (top limbs, fit limbs, held-out limbs)
GRIDS = {
    "quick": {8192: (4, (1, 2, 4), (3,)), 16384: (11, (1, 3, 6, 11), (8,)), 32768: (14, (1, 4, 9, 14), (6, 12))},
    "full": {8192: (4, (1, 2, 4), (3,)), 16384: (11, (1, 2, 4, 6, 8, 11), (3, 9)),
             32768: (26, (1, 2, 4, 7, 10, 14, 18, 22, 26), (5, 12, 20))},
}
#: held-out operation mixes (op -> count): a conv tile, an activation, key-switch heavy, client I/O
MIXES = {
    "conv-tile": {"rotate": 3, "mul_plain": 16, "add": 16, "rescale": 1},
    "activation": {"mul": 1, "relinearize": 1, "rescale": 1},
    "keyswitch": {"rotate": 2, "conjugate": 1, "mul": 1, "relinearize": 1, "add": 4},
    "client-io": {"encode": 1, "encrypt": 1, "decrypt": 1},
}
#: ops sharing coefficients in the fit (every op is measured, so each has its own group)
GROUPS = {op: op for op in FEATURE_OPS}


def require_tenseal() -> Any:
    try:
        from tenseal import sealapi
    except ImportError as exc:
        raise DseInputError("backend", "tenseal", f"an installed backend: {INSTALL}", detail=str(exc)) from None
    return sealapi


class SealBench:
    """Keys and operands for one N; ``runner(op, limbs)`` returns a zero-argument callable."""

    def __init__(self, sealapi: Any, n: int, top_limbs: int):
        s = self.s = sealapi
        self.n = n
        parms = s.EncryptionParameters(s.SCHEME_TYPE.CKKS)
        parms.set_poly_modulus_degree(n)
        # 60-bit first and special primes when 128-bit security allows, else 30-bit primes throughout
        # (SEAL stores every prime below 2^61 in one 64-bit word, so the time depends on the number of
        # limbs, not their size); the scales shrink with the primes so every product stays in range.
        chains = (([60] + [30] * (top_limbs - 1) + [60], 2.0**25, 2.0**40), ([30] * (top_limbs + 1), 2.0**12, 2.0**20))
        for chain in chains:
            parms.set_coeff_modulus(s.CoeffModulus.Create(n, chain[0]))
            self.ctx = s.SEALContext(parms, True, s.SEC_LEVEL_TYPE.TC128)
            if self.ctx.parameters_set():
                break
        else:
            raise DseInputError("calibration chain", (n, top_limbs), "parameters SEAL accepts at 128-bit security")
        self.bits, scale, rescale_scale = chain
        kg = s.KeyGenerator(self.ctx)
        self.pk, self.rk, self.gk = s.PublicKey(), s.RelinKeys(), s.GaloisKeys()
        kg.create_public_key(self.pk)
        kg.create_relin_keys(self.rk)
        kg.create_galois_keys([3, 2 * n - 1], self.gk)  # rotate by 1 and complex conjugation
        self.enc, self.ev = s.Encryptor(self.ctx, self.pk), s.Evaluator(self.ctx)
        self.dec, self.ce = s.Decryptor(self.ctx, kg.secret_key()), s.CKKSEncoder(self.ctx)
        self.values = [0.25] * (n // 2)
        self.top = top_limbs
        self.scale, self.rescale_scale = scale, rescale_scale  # timing ignores the scale
        self._cache: dict[int, dict[str, Any]] = {}

    def operands(self, limbs: int) -> dict[str, Any]:
        if not 1 <= limbs <= self.top:
            raise DseInputError("limbs", limbs, f"1..{self.top} (the calibration chain's top at N={self.n})")
        if limbs not in self._cache:
            s, ev = self.s, self.ev
            pt, pr = s.Plaintext(), s.Plaintext()
            self.ce.encode(self.values, self.scale, pt)
            self.ce.encode(self.values, self.rescale_scale, pr)
            a, b, r = s.Ciphertext(), s.Ciphertext(), s.Ciphertext()
            self.enc.encrypt(pt, a)
            self.enc.encrypt(pt, b)
            self.enc.encrypt(pr, r)
            for _ in range(self.top - limbs):
                for ct in (a, b, r):
                    ev.mod_switch_to_next_inplace(ct)
            ptl = s.Plaintext()
            self.ce.encode(self.values, a.parms_id(), self.scale, ptl)
            c3 = s.Ciphertext()
            ev.multiply(a, b, c3)
            self._cache[limbs] = {"a": a, "b": b, "r": r, "pt": ptl, "c3": c3, "out": s.Ciphertext(),
                                  "pout": s.Plaintext()}
        return self._cache[limbs]

    def runner(self, op: str, limbs: int) -> Callable[[], None] | None:
        o, ev, gk = self.operands(limbs), self.ev, self.gk
        a, b, pt, c3, out, pout = o["a"], o["b"], o["pt"], o["c3"], o["out"], o["pout"]
        if limbs < 2 and op in ("rescale", "mod_switch"):
            return None
        pid = a.parms_id()
        table: dict[str, Callable[[], None]] = {
            "add": lambda: ev.add(a, b, out), "add_plain": lambda: ev.add_plain(a, pt, out),
            "mul_plain": lambda: ev.multiply_plain(a, pt, out), "mul": lambda: ev.multiply(a, b, out),
            "relinearize": lambda: ev.relinearize(c3, self.rk, out),
            "rescale": lambda: ev.rescale_to_next(o["r"], out), "rotate": lambda: ev.rotate_vector(a, 1, gk, out),
            "conjugate": lambda: ev.complex_conjugate(a, gk, out),
            "mod_switch": lambda: ev.mod_switch_to_next(a, out),
            "encode": lambda: self.ce.encode(self.values, pid, self.scale, pout),
            "encrypt": lambda: self.enc.encrypt(pt, out), "decrypt": lambda: self.dec.decrypt(a, pout),
        }
        return table[op]


def _mix_runner(bench: SealBench, mix: dict[str, int], limbs: int) -> tuple[Callable[[], None], dict[str, int]]:
    steps, used = [], {}
    for op, count in mix.items():
        fn = bench.runner(op, limbs)
        if fn is None:
            continue
        steps.extend([fn] * count)
        used[op] = count

    def run() -> None:
        for fn in steps:
            fn()
    return run, used


def measure(sealapi: Any, grid: dict[int, tuple], *, reps: int, min_sample_s: float,
            log: Callable[[str], None] = lambda s: None,
            alongside: Sequence[Callable[[], None]] = ()) -> tuple[list[Measurement], list[Measurement], list[float]]:
    """(single-op fit rows, held-out mix rows, seconds per call of each ``alongside`` callable), all
    measured on this machine in the same interleaved rounds (so a comparison between the fit and the
    ``alongside`` work is not skewed by the host's speed drift between two separate runs)."""
    rows: list[tuple[bool, tuple, int, int, int, str]] = []  # (held out?, ops, n, limbs, top, label)
    fns: list[Callable[[], None]] = []
    benches = []
    for n, (top, fit_limbs, hold_limbs) in grid.items():
        t0 = time.perf_counter()
        bench = SealBench(sealapi, n, top)
        benches.append(bench)
        log(f"N={n}: keys for {top} limbs in {time.perf_counter() - t0:.1f} s")
        for limbs in fit_limbs:
            for op in FEATURE_OPS:
                fn = bench.runner(op, limbs)
                if fn is not None:
                    rows.append((False, ((op, 1.0),), n, limbs, top, op))
                    fns.append(fn)
        for limbs in hold_limbs:
            for name, mix in MIXES.items():
                run, used = _mix_runner(bench, mix, limbs)
                rows.append((True, tuple((op, float(c)) for op, c in used.items()), n, limbs, top, name))
                fns.append(run)
    fit_rows: list[Measurement] = []
    hold_rows: list[Measurement] = []
    times = time_interleaved([*fns, *alongside], reps, min_sample_s)
    for (held, ops, n, limbs, top, label), t in zip(rows, times):
        (hold_rows if held else fit_rows).append(Measurement(ops, n, limbs, t, top, label=label))
    for bench in benches:
        bench._cache.clear()
    return fit_rows, hold_rows, times[len(fns):]


def calibrate(*, quick: bool = False, reps: int | None = None, grid: dict | None = None,
              log: Callable[[str], None] = lambda s: None,
              alongside: Sequence[Callable[[], None]] = ()) -> tuple[Profile, dict[str, Any]]:
    """Measure, fit and evaluate; returns the profile and a JSON-ready record of the run.

    ``alongside``: extra zero-argument callables timed in the same rounds as the calibration rows;
    their seconds per call are ``record["alongside_s"]`` (a same-host, same-moment comparison).
    """
    sealapi = require_tenseal()
    import tenseal

    grid = grid or GRIDS["quick" if quick else "full"]
    reps = reps or (5 if quick else 7)
    t0 = time.perf_counter()
    fit_rows, hold_rows, extra_s = measure(sealapi, grid, reps=reps, min_sample_s=2e-3 if quick else 5e-3, log=log,
                                           alongside=alongside)
    coeffs = fit_coeffs(fit_rows, GROUPS, "seal", mode="full")
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d")
    prof = Profile(name="seal-tenseal-local", keyswitch="seal", coeffs=coeffs, hoisting=False, threads=1,
                   source=f"measured with tenseal {tenseal.__version__} (SEAL) on {platform.machine()} "
                          f"{_cpu_name()}, {stamp}, {'quick' if quick else 'full'} grid",
                   notes="SEAL key switching (one digit per prime, one special prime); no bootstrapping in SEAL")

    def rows(ms: list[Measurement]) -> list[dict[str, Any]]:
        return [{"ops": m.label, "n": m.n, "limbs": m.limbs, "measured_s": m.latency_s,
                 "predicted_s": predict(prof, m), "rel_err": predict(prof, m) / m.latency_s - 1.0} for m in ms]

    record = {"tenseal_version": tenseal.__version__, "date": stamp, "host": _cpu_name(), "quick": quick,
              "reps": reps, "grid": {str(n): list(v[1]) for n, v in grid.items()},
              "holdout_grid": {str(n): list(v[2]) for n, v in grid.items()},
              "fit": rows(fit_rows), "holdout": rows(hold_rows), "wall_s": time.perf_counter() - t0}
    if alongside:
        record["alongside_s"] = list(extra_s)
    return prof, record


def error_table(rows: Sequence[dict[str, Any]]) -> str:
    lines = ["| mix | N | limbs | measured ms | predicted ms | error |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['ops']} | {r['n']} | {r['limbs']} | {1e3 * r['measured_s']:.3f} | "
                     f"{1e3 * r['predicted_s']:.3f} | {100 * r['rel_err']:+.1f}% |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point registered under ``dse.calibrators`` as ``he``: ``fn(argv) -> exit code``."""
    from dse.argparsing import OneLineParser

    ap = OneLineParser(prog="dse calibrate he", description=__doc__.split("\n")[0])
    ap.add_argument("--backend", choices=("tenseal", "lattigo"), default="tenseal", help="library to measure")
    ap.add_argument("--quick", action="store_true", help="small grid, under a minute on 2 cores (lattigo: N=2^14)")
    ap.add_argument("--log-n", type=int, default=None, help="lattigo: log2 ring degree 12..16 (default 16, --quick 14)")
    ap.add_argument("--sparse-slots", type=int, default=0,
                    help="lattigo: also bootstrap a sparsely packed ciphertext of this many slots (a power of two < N/2)")
    ap.add_argument("--out", required=True, help="profile JSON to write")
    ap.add_argument("--reps", type=int, default=None, help="timing rounds (each op's fastest sample is kept)")
    args = ap.parse_args(list(argv) if argv is not None else None)
    out = Path(args.out)
    if out.suffix.lower() != ".json":
        raise DseInputError("--out", str(out), "a path ending in .json")
    from dse.report import atomic_write_text

    if args.backend == "lattigo":
        from .calibrate_lattigo import calibrate_lattigo, report

        log_n = args.log_n or (14 if args.quick else 16)
        prof, record = calibrate_lattigo(log_n=log_n, reps=args.reps or 5, sparse_slots=args.sparse_slots,
                                         log=lambda s: print(s, file=sys.stderr))
        atomic_write_text(out, json.dumps(profile_to_dict(prof, calibration=record), indent=2))
        print(f"wrote {out}")
        print(report(record))
        return 0
    prof, record = calibrate(quick=args.quick, reps=args.reps, log=lambda s: print(s, file=sys.stderr))

    atomic_write_text(out, json.dumps(profile_to_dict(prof, calibration=record), indent=2))
    errs = np.array([abs(r["rel_err"]) for r in record["holdout"]])
    fit_errs = np.array([abs(r["rel_err"]) for r in record["fit"]])
    print(f"wrote {out} ({len(record['fit'])} fit rows, median |error| {100 * np.median(fit_errs):.1f}%)")
    print(f"held-out mixes: max |error| {100 * errs.max():.1f}%, median {100 * np.median(errs):.1f}%")
    print(error_table(record["holdout"]))
    return 0

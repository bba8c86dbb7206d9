"""Stage 3 (optional, expensive): time the predicted operation trace of the top-k with TenSEAL.

For a configuration the cost model predicts per-layer counts (rotations, plaintext and
ciphertext multiplies, rescales) and levels; :func:`trace_of` turns them into rows
``(op, limbs, count)`` by walking the chain (a layer starts where the previous one ended, a
bootstrap resets to L - bootstrap depth). :func:`measure_trace` builds a Microsoft SEAL context
(``tenseal.sealapi``) with the configuration's own coefficient modulus
``[q0] + [scale] * L + [special]`` at 128-bit security, times every distinct ``(op, limbs)`` once
(best of ``reps``) and sums ``count x time``: the *measured* latency of the trace, next to the
*predicted* one (the same trace priced by the device profile). SEAL has no bootstrapping and
no N = 2^16 at 128 bits, and no conjugate-invariant ring (an op costs the same on it), so
configurations with bootstraps or N > 32768 are reported as not measurable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from costmodels.he import get_profile, op_latency

from .evaluate import KNOBS, Evaluator

__all__ = ["measurable", "measure_top_k", "measure_trace", "predict_trace", "tenseal_available", "trace_of"]

_TRACE_OPS = (("rotations", "rotate"), ("pt_mults", "mul_plain"), ("ct_mults", "mul"), ("ct_mults", "relinearize"),
              ("rescales", "rescale"))


def tenseal_available() -> bool:
    try:
        import tenseal.sealapi  # noqa: F401
    except ImportError:
        return False
    return True


def measurable(cfg: dict[str, Any], bootstraps: float, keyswitch: str) -> str | None:
    """None when the configuration can be timed with SEAL, else the reason it cannot."""
    if keyswitch != "seal":
        return "profile is not SEAL-shaped (hybrid key switching cannot be timed with SEAL)"
    if int(cfg["N"]) > 32768:
        return "N > 32768 (SEAL refuses N = 65536 at 128-bit security)"
    if bootstraps > 0:
        return "needs bootstrapping (not available in SEAL / TenSEAL)"
    return None


def trace_of(ev: Evaluator, cfg: dict[str, Any], workload: Any = None) -> pd.DataFrame:
    """Rows ``op, limbs, count`` of the predicted trace of ``cfg`` (module docstring)."""
    design = {k: [cfg[k]] for k in KNOBS}
    design["security"] = [128]
    m = ev.model.evaluate(workload if workload is not None else ev.workload, design).numpy()
    lay = {k: m.layers[k][0] for k in ("rotations", "pt_mults", "ct_mults", "rescales", "bootstraps", "levels_used")}
    levels, boot_depth = int(cfg["levels"]), get_profile(ev.bench.profile).boot.depth
    level = min(levels, int(lay["levels_used"].sum()))
    rows: dict[tuple[str, int], float] = {}
    for i in range(len(m.layer_names)):
        if lay["bootstraps"][i] > 0:
            level = levels - boot_depth
        limbs = max(level, 0) + 1
        for metric, op in _TRACE_OPS:
            c = float(lay[metric][i])
            if c > 0 and not (op == "rescale" and limbs < 2):
                rows[(op, limbs)] = rows.get((op, limbs), 0.0) + c
        level -= int(lay["levels_used"][i])
    return pd.DataFrame([{"op": op, "limbs": limbs, "count": c} for (op, limbs), c in sorted(rows.items())])


def predict_trace(profile: str, cfg: dict[str, Any], trace: pd.DataFrame) -> pd.Series:
    """Predicted seconds per trace row (device profile, same (N, limbs))."""
    prof = get_profile(profile)
    top = float(cfg["levels"]) + 1.0
    per = [float(op_latency(prof, r.op, float(cfg["N"]), float(r.limbs), top_limbs=top, dnum=float(cfg["dnum"])))
           for r in trace.itertuples()]
    return pd.Series(per, index=trace.index) * trace["count"]


def measure_trace(cfg: dict[str, Any], trace: pd.DataFrame, *, reps: int = 3) -> pd.Series:
    """Measured seconds per trace row with SEAL at the configuration's own modulus chain."""
    from costmodels.he.calibrate import time_interleaved

    times = time_interleaved(trace_runners(cfg, trace), reps, min_sample_s=2e-3)  # as the calibration
    return pd.Series(times, index=trace.index) * trace["count"]


def trace_runners(cfg: dict[str, Any], trace: pd.DataFrame) -> list[Callable[[], None]]:
    """One zero-argument SEAL call per trace row (one op at the row's limbs), at the configuration's
    own modulus chain; the callables keep their context, keys and operands alive."""
    import tenseal.sealapi as s

    n, levels = int(cfg["N"]), int(cfg["levels"])
    parms = s.EncryptionParameters(s.SCHEME_TYPE.CKKS)
    parms.set_poly_modulus_degree(n)
    bits = [int(cfg["first_bits"])] + [int(cfg["scale_bits"])] * levels + [int(cfg["special_bits"])]
    parms.set_coeff_modulus(s.CoeffModulus.Create(n, bits))
    ctx = s.SEALContext(parms, True, s.SEC_LEVEL_TYPE.TC128)
    if not ctx.parameters_set():
        raise RuntimeError(f"SEAL rejects the chain {bits} at N={n}")
    kg = s.KeyGenerator(ctx)
    pk, rk, gk = s.PublicKey(), s.RelinKeys(), s.GaloisKeys()
    kg.create_public_key(pk)
    kg.create_relin_keys(rk)
    kg.create_galois_keys([3], gk)
    enc, ev, ce = s.Encryptor(ctx, pk), s.Evaluator(ctx), s.CKKSEncoder(ctx)
    scale = 2.0 ** int(cfg["scale_bits"])
    values = [0.5] * (n // 2)
    cache: dict[int, dict[str, Any]] = {}

    def operands(limbs: int) -> dict[str, Any]:
        if limbs not in cache:
            pt = s.Plaintext()
            ce.encode(values, scale, pt)
            a, b = s.Ciphertext(), s.Ciphertext()
            enc.encrypt(pt, a)
            enc.encrypt(pt, b)
            for _ in range(levels + 1 - limbs):
                ev.mod_switch_to_next_inplace(a)
                ev.mod_switch_to_next_inplace(b)
            ptl, c3 = s.Plaintext(), s.Ciphertext()
            ce.encode(values, a.parms_id(), scale, ptl)
            ev.multiply(a, b, c3)
            prod = s.Ciphertext()  # a relinearised product (two components, scale^2): what a rescale meets
            ev.relinearize(c3, rk, prod)
            cache[limbs] = {"a": a, "b": b, "pt": ptl, "c3": c3, "prod": prod, "out": s.Ciphertext()}
        return cache[limbs]

    def runner(op: str, o: dict[str, Any]) -> Callable[[], None]:
        return {"rotate": lambda: ev.rotate_vector(o["a"], 1, gk, o["out"]),
                "mul_plain": lambda: ev.multiply_plain(o["a"], o["pt"], o["out"]),
                "mul": lambda: ev.multiply(o["a"], o["b"], o["out"]),
                "relinearize": lambda: ev.relinearize(o["c3"], rk, o["out"]),
                "rescale": lambda: ev.rescale_to_next(o["prod"], o["out"])}[op]

    return [runner(r.op, operands(int(r.limbs))) for r in trace.itertuples()]


def measure_top_k(ev: Evaluator, table: pd.DataFrame, *, k: int = 3, reps: int = 3) -> pd.DataFrame:
    """Stage 3 on the ``k`` fastest distinct feasible configurations (the evaluation budget)."""
    feas = table[table["feasible"]].sort_values("latency_s").drop_duplicates(subset=list(KNOBS))
    shape = get_profile(ev.bench.profile).keyswitch
    rows = []
    for _, r in feas.head(k).iterrows():
        cfg = {key: r[key] for key in KNOBS}
        row = {**cfg, "model_latency_s": float(r["latency_s"])}
        why = measurable(cfg, float(r["bootstraps"]), shape)
        if why is None and not tenseal_available():
            why = "tenseal not installed (pip install tenseal)"
        if why is None:
            trace = trace_of(ev, cfg)
            try:
                meas = measure_trace(cfg, trace, reps=reps)
            except (RuntimeError, ValueError) as exc:
                why = f"SEAL could not build the chain: {exc}"
            else:
                pred = predict_trace(ev.bench.profile, cfg, trace)
                row.update({"trace_predicted_s": float(pred.sum()), "trace_measured_s": float(meas.sum()),
                            "trace_error": float(pred.sum() / meas.sum() - 1.0), "trace_rows": len(trace)})
        row["measured"] = why is None
        row["not_measured_reason"] = why or ""
        rows.append(row)
    return pd.DataFrame(rows)

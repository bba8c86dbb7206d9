"""Device profiles: built-in ones fitted from ``data/*.csv`` and JSON profiles written by calibration.

``get_profile(spec)`` accepts a built-in name (``seal-cpu``, ``openfhe-cpu``, ``heaan-cpu``,
``gpu-cheddar-h100``... see :func:`builtin_names`) or a path to a JSON profile written by
``dse calibrate he --backend tenseal --out P.json``. Built-ins are fitted once per process from
``op_latency.csv`` / ``bootstrap.csv`` as ``profiles.toml`` says; every row names its source.
"""

from __future__ import annotations

import json
import tomllib
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from dse.datafiles import load_csv
from dse.errors import DseInputError

from .bootstrap import bootstrap_latency
from .fit import Measurement, fit_coeffs, parse_ops, relative_errors
from .opcost import FEATURE_OPS, BootConfig, Profile

__all__ = [
    "DEFAULT_PROFILE",
    "bootstrap_rows",
    "builtin_names",
    "fit_report",
    "get_profile",
    "load_profile_json",
    "measurements",
    "profile_to_dict",
]

DATA = Path(__file__).parent / "data"
DEFAULT_PROFILE = "seal-tenseal-vm"


@lru_cache(maxsize=1)
def _specs() -> dict[str, dict[str, Any]]:
    with open(DATA / "profiles.toml", "rb") as fh:
        specs = tomllib.load(fh)
    for path in sorted((DATA / "profiles").glob("*.json")):
        specs[path.stem] = {"json": str(path)}
    return specs


def builtin_names() -> list[str]:
    return sorted(_specs())


def measurements(profile: str) -> list[Measurement]:
    """Published per-op measurements of ``profile`` (rows of op_latency.csv)."""
    rows = []
    for r in load_csv(DATA / "op_latency.csv"):
        if r["profile"] == profile:
            rows.append(Measurement(parse_ops(r["ops"]), int(r["n"]), int(r["limbs"]), float(r["latency_s"]),
                                    int(r["top_limbs"]), int(r["dnum"]), label=r["ops"]))
    return rows


def bootstrap_rows() -> dict[str, dict[str, Any]]:
    """Measured bootstrap latency per profile (bootstrap.csv)."""
    def run(r: dict[str, Any], key: str) -> int:  # the measured run's own structure (0: the profile's)
        return int(r.get(key) or 0)

    return {r["profile"]: {"n": int(r["n"]), "slots": int(r["slots"]), "top_limbs": int(r["top_limbs"]),
                           "dnum": int(r["dnum"]), "latency_s": float(r["latency_s"]), "source": r["source"],
                           "run_top_limbs": run(r, "run_top_limbs"), "run_evalmod_degree": run(r, "run_evalmod_degree"),
                           "run_double_angle": run(r, "run_double_angle"),
                           "run_extra_levels": run(r, "run_extra_levels")}
            for r in load_csv(DATA / "bootstrap.csv")}


def _boot_cfg(spec: dict[str, Any]) -> BootConfig:
    return BootConfig(cts_levels=int(spec.get("cts_levels", 3)), stc_levels=int(spec.get("stc_levels", 3)),
                      evalmod_degree=int(spec.get("evalmod_degree", 30)), double_angle=int(spec.get("double_angle", 3)),
                      encapsulation=bool(spec.get("encapsulation", False)))


def _model_boot(p: Profile, ref: dict[str, Any]) -> float:
    return float(bootstrap_latency(p, np.asarray(float(ref["n"])), np.asarray(float(ref["top_limbs"])),
                                   dnum=float(ref["dnum"]), slots=ref["slots"]))


@cache
def _builtin(name: str) -> Profile:
    spec = _specs()[name]
    if "json" in spec:
        return load_profile_json(spec["json"])
    common = dict(name=name, keyswitch=spec["keyswitch"], hoisting=bool(spec.get("hoisting", True)),
                  threads=int(spec.get("threads", 1)), device=spec.get("device", "cpu"),
                  word_bytes=int(spec.get("word_bytes", 8)), source=spec.get("source", ""),
                  notes=spec.get("description", ""), boot=_boot_cfg(spec))
    fit = spec.get("fit", "full")
    if fit == "boot-ratio":
        base = _builtin(spec["base"])
        ref = bootstrap_rows()[name]
        factor = ref["latency_s"] / _model_boot(base, ref)
        coeffs = {op: tuple(factor * x for x in base.theta(op)) for op in FEATURE_OPS}
        return Profile(coeffs=coeffs, boot_scale=base.boot_scale, **common)
    base = _builtin(spec["base"]) if fit == "scale" else None
    coeffs = fit_coeffs(measurements(name), spec["groups"], spec["keyswitch"], mode=fit, base=base)
    prof = Profile(coeffs=coeffs, **common)
    ref = bootstrap_rows().get(name)
    if ref is not None:  # anchor bootstrapping to the measured figure
        scale = ref["latency_s"] / _model_boot(prof, ref)
        prof = Profile(coeffs=coeffs, boot_scale=scale, **common)
    return prof


def get_profile(spec: str | Path | Profile) -> Profile:
    """A :class:`Profile` from a built-in name, a JSON path, or a Profile (returned as is)."""
    if isinstance(spec, Profile):
        return spec
    text = str(spec)
    if text in _specs():
        return _builtin(text)
    path = Path(text)
    if path.suffix.lower() == ".json" and path.is_file():
        return load_profile_json(path)
    raise DseInputError("profile", text, "a built-in profile (" + ", ".join(builtin_names()) + ") or a JSON profile path")


def load_profile_json(path: str | Path) -> Profile:
    """Read a profile written by :func:`profile_to_dict` / ``dse calibrate he``."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DseInputError("profile", str(path), "a readable JSON profile", detail=str(exc)) from None
    try:
        coeffs = {op: tuple(float(x) for x in data["coeffs"][op]) for op in FEATURE_OPS}
        boot = BootConfig(**data.get("boot", {}))
        return Profile(name=data.get("name", path.stem), keyswitch=data["keyswitch"], coeffs=coeffs,
                       boot_scale=float(data.get("boot_scale", 1.0)), boot=boot,
                       hoisting=bool(data.get("hoisting", False)), threads=int(data.get("threads", 1)),
                       device=data.get("device", "cpu"), word_bytes=int(data.get("word_bytes", 8)),
                       source=data.get("source", str(path)), notes=data.get("notes", ""))
    except (KeyError, TypeError, ValueError) as exc:
        raise DseInputError("profile", str(path), "a JSON profile with keyswitch and coeffs for every op",
                            detail=f"{type(exc).__name__}: {exc}") from None


def profile_to_dict(p: Profile, **extra: Any) -> dict[str, Any]:
    """JSON-ready form of a profile (``extra`` keys such as measurements and fit errors appended)."""
    boot = p.boot
    return {"name": p.name, "keyswitch": p.keyswitch, "hoisting": p.hoisting, "threads": p.threads,
            "device": p.device, "word_bytes": p.word_bytes, "boot_scale": p.boot_scale,
            "boot": {"cts_levels": boot.cts_levels, "stc_levels": boot.stc_levels,
                     "evalmod_degree": boot.evalmod_degree, "double_angle": boot.double_angle,
                     **({"encapsulation": True} if boot.encapsulation else {})},
            "coeffs": {op: list(p.coeffs[op]) for op in FEATURE_OPS},
            "coeff_units": ["s per NTT butterfly", "s per element op", "s per call"],
            "source": p.source, "notes": p.notes, **extra}


def fit_report(name: str) -> list[dict[str, Any]]:
    """Per published row of a built-in profile: measured, predicted and relative error."""
    prof = get_profile(name)
    rows = measurements(name)
    errs = relative_errors(prof, rows)
    return [{"ops": m.label, "n": m.n, "limbs": m.limbs, "measured_s": m.latency_s,
             "predicted_s": m.latency_s * (1 + e), "rel_err": float(e)} for m, e in zip(rows, errs)]

"""Fingerprints of every built-in cost model's numbers, so a change of numbers forces a ``version`` bump.

A model's fingerprint is computed from fixed inputs only: each of its declared example cases
(``example_params`` x ``example_workloads``, see :func:`dse.testing.example_cases`) evaluated on a
fixed batch of design points (the space defaults, then ``space.sample(N_SAMPLES, SEED)``). The
hashed content is, per metric name, the totals and per-layer values on feasible points rounded to
``DIGITS`` significant digits, plus the feasibility mask. Layer names, reason texts and the values
of infeasible points are left out (they are labels, not the model's numbers).

The record lives in ``model_fingerprints.json`` next to this file; regenerate it with
``python -m tests.regression.regen_fingerprints`` (see that module).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from dse.registry import models
from dse.space import concat_designs
from dse.testing import example_cases
from workloads import load

__all__ = ["DIGITS", "N_SAMPLES", "SEED", "RECORD", "REGEN", "builtin_model_names", "case_key",
           "model_cases", "model_fingerprint", "load_record", "compare", "source_of"]

ROOT = Path(__file__).resolve().parents[2]
RECORD = Path(__file__).with_name("model_fingerprints.json")
REGEN = "python -m tests.regression.regen_fingerprints"
DIGITS = 6
N_SAMPLES = 15
SEED = 20240601


def builtin_model_names() -> list[str]:
    """Names in pyproject.toml's ``dse.models`` table (plug-ins installed alongside are not ours)."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return sorted(meta["project"]["entry-points"]["dse.models"])


def case_key(params: dict, workload: str) -> str:
    """A stable text key for one example case: ``<workload> <params as sorted JSON>``."""
    return f"{workload} {json.dumps(params, sort_keys=True, default=str)}"


def _rounded(values: np.ndarray) -> list[str]:
    return [f"{float(v):.{DIGITS}g}" for v in np.asarray(values, dtype=np.float64).ravel()]


def _case_digest(model_cls: type, params: dict, workload: str) -> str:
    model = model_cls(**params)
    space = model_cls.space
    design = concat_designs([space.design(space.defaults()), space.sample(N_SAMPLES, SEED)])
    m = model.evaluate(load(workload), design).numpy()
    ok = np.asarray(m.feasible, dtype=bool)
    content: dict[str, Any] = {"feasible": ok.astype(int).tolist()}
    for k, v in m.totals.items():
        content[f"total:{k}"] = _rounded(np.asarray(v)[ok])
    for k, v in m.layers.items():
        content[f"layer:{k}"] = _rounded(np.asarray(v)[ok])
    text = json.dumps(content, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def model_cases(name: str) -> dict[str, str]:
    """``{case key: digest}`` for the registered model ``name`` (deterministic)."""
    cls = models.get(name)
    return {case_key(p, w): _case_digest(cls, p, w) for p, w in example_cases(cls)}


def model_fingerprint(cases: dict[str, str]) -> str:
    """One digest over all of a model's case digests."""
    return hashlib.sha256(json.dumps(cases, sort_keys=True).encode()).hexdigest()[:16]


def load_record() -> dict[str, dict[str, Any]]:
    """The recorded ``{model: {version, fingerprint, cases}}`` (empty when the file is absent)."""
    if not RECORD.is_file():
        return {}
    return json.loads(RECORD.read_text())["models"]


def source_of(name: str) -> str:
    """Where model ``name``'s class (and so its ``version``) is defined, as a repository path."""
    cls = models.get(name)
    path = Path(inspect.getsourcefile(cls) or "?").resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def compare(name: str, version: str, cases: dict[str, str], recorded: dict[str, Any] | None) -> tuple[str, str]:
    """Classify model ``name`` against its record: ``(status, message)``.

    status is ``"ok"``; ``"unbumped"`` (a recorded case's numbers changed under the same version: the
    version must be bumped); or ``"stale"`` (new model, version bumped, or cases added/removed: the
    record must be regenerated, no bump needed).
    """
    if recorded is None:
        return "stale", f"{name}: no fingerprint recorded (a new model); run `{REGEN}`"
    changed = sorted(k for k in cases if k in recorded["cases"] and recorded["cases"][k] != cases[k])
    if changed and str(version) == str(recorded["version"]):
        return "unbumped", (
            f"{name}: numbers changed (cases {changed}) but its version is still {version!r}; "
            f"bump `version` of the model class in {source_of(name)}, say why in CHANGELOG.md, "
            f"then run `{REGEN}`")
    if str(version) != str(recorded["version"]):
        return "stale", (f"{name}: version {recorded['version']!r} -> {version!r} not recorded; "
                         f"run `{REGEN}`")
    if set(cases) != set(recorded["cases"]):
        return "stale", (f"{name}: example cases changed (added {sorted(set(cases) - set(recorded['cases']))}, "
                         f"removed {sorted(set(recorded['cases']) - set(cases))}); run `{REGEN}`")
    return "ok", ""

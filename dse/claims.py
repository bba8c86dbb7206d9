"""The claim registry: every number the docs hold up against something real.

A :class:`Claim` compares one value the engine computes *live* with a reference value from a
primary source, within a stated tolerance, and says what kind of comparison it is:

``validation``
    the reference was never used to fit any constant of the engine;
``calibration``
    a constant was fitted to the reference (``fitted`` names the constants);
``peer``
    a live run of a real library (SCALE-Sim, CrypTen, TenSEAL/SEAL, aihwkit, ZigZag, ...);
    ``requires`` names the importable module(s), and the claim is skipped with the reason when
    one is missing;
``restatement``
    the model's own formula printed next to the source it came from (bookkeeping, not fidelity).

Families declare their claims in ``costmodels/<family>/claims.py`` as a module-level ``CLAIMS``
list (or a function returning one) registered under the ``dse.claims`` entry-point group, so a
plug-in package adds its own claims the same way. ``dse validate`` runs them.

Honesty rule (checked by :func:`check_registry`): a reference that appears in any fitting set
(``fitted_to`` of a calibration) must itself be a ``calibration`` claim, never a ``validation``.
"""

from __future__ import annotations

import importlib.util
import math
import time
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterable

__all__ = [
    "KINDS", "Claim", "ClaimResult", "all_claims", "check_registry", "load_repo_module",
    "load_study", "ratio",
    "register", "repo_file", "run_claim", "run_claims",
]

KINDS = ("validation", "calibration", "peer", "restatement")


@dataclass(frozen=True)
class Claim:
    """One comparison of a live engine value with a sourced reference.

    ``reference`` and the value ``compute()`` returns are in the same unit, ``unit`` (SI base
    units, or a plain ratio/count: ``"1"``). ``rel_tol`` is the relative tolerance
    (|ours - ref| / |ref|); use ``abs_tol`` instead for references near zero. ``source`` names
    the primary source precisely (paper key from ``docs/references.md`` + table/figure/section,
    or the peer, its version and the exact command). ``fitted`` names the constants fitted to
    this reference (calibrations only); ``fitted_to`` lists ids of *other* claims whose
    references a constant used here was fitted to. ``gap`` explains a known miss (cause, not
    excuse); a claim with a gap still fails when outside its tolerance. ``available`` (optional)
    returns ``(ok, why)`` for peers that are not importable modules (e.g. SCALE-Sim in its own
    venv); ``slow`` claims are left out by ``dse validate --fast``.
    """

    id: str
    family: str
    what: str
    reference: float
    unit: str
    source: str
    kind: str
    compute: Callable[[], float]
    rel_tol: float | None = None
    abs_tol: float | None = None
    fitted: tuple[str, ...] = ()
    fitted_to: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    slow: bool = False
    gap: str = ""
    available: Callable[[], tuple[bool, str]] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"claim {self.id}: kind {self.kind!r} is not one of {KINDS}")
        if (self.rel_tol is None) == (self.abs_tol is None):
            raise ValueError(f"claim {self.id}: give exactly one of rel_tol, abs_tol")
        if not self.source.strip():
            raise ValueError(f"claim {self.id}: empty source")
        if self.kind == "calibration" and not self.fitted:
            raise ValueError(f"claim {self.id}: a calibration names the constants fitted to it")
        if self.kind == "peer" and not self.requires:
            raise ValueError(f"claim {self.id}: a peer claim names the module(s) it requires")

    @property
    def tolerance_text(self) -> str:
        if self.rel_tol is not None:
            return f"±{self.rel_tol * 100:g} %"
        return f"±{self.abs_tol:g}" + ("" if self.unit == "1" else f" {self.unit}")

    def missing(self) -> str:
        """Why this claim cannot run here ('' when it can)."""
        if self.available is not None:
            ok, why = self.available()
            return "" if ok else f"peer not available: {why}"
        absent = [m for m in self.requires if _find_spec(m) is None]
        return f"peer not installed: {', '.join(absent)}" if absent else ""


def _find_spec(module: str) -> Any:
    try:
        return importlib.util.find_spec(module)
    except (ImportError, ValueError):  # a parent package missing or broken
        return None


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    value: float | None  # None when skipped or errored
    error: float | None  # relative error (rel_tol claims) or absolute difference
    status: str  # "pass", "fail", "skip", "error"
    why: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        c = self.claim
        return {
            "id": c.id, "family": c.family, "kind": c.kind, "what": c.what,
            "reference": c.reference, "unit": c.unit, "source": c.source,
            "value": self.value, "error": self.error,
            "error_kind": "relative" if c.rel_tol is not None else "absolute",
            "tolerance": c.rel_tol if c.rel_tol is not None else c.abs_tol,
            "status": self.status, "why": self.why, "fitted": list(c.fitted),
            "fitted_to": list(c.fitted_to), "gap": c.gap, "seconds": round(self.seconds, 3),
        }


def run_claim(claim: Claim) -> ClaimResult:
    """Compute ``claim``'s live value and compare it with its reference."""
    why = claim.missing()
    if why:
        return ClaimResult(claim, None, None, "skip", why)
    t0 = time.perf_counter()
    try:
        value = float(claim.compute())
    except Exception as exc:  # a claim that cannot compute is reported, not raised
        return ClaimResult(claim, None, None, "error", f"{type(exc).__name__}: {exc}",
                           time.perf_counter() - t0)
    dt = time.perf_counter() - t0
    if not math.isfinite(value):
        return ClaimResult(claim, value, None, "fail", "non-finite value", dt)
    if claim.rel_tol is not None:
        err = (value - claim.reference) / abs(claim.reference) if claim.reference else math.inf
        ok = abs(err) <= claim.rel_tol + 1e-12
    else:
        err = value - claim.reference
        ok = abs(err) <= claim.abs_tol + 1e-12  # type: ignore[operator]
    return ClaimResult(claim, value, err, "pass" if ok else "fail", "" if ok else claim.gap, dt)


def _entry_claims() -> Iterable[Claim]:
    for ep in sorted(metadata.entry_points(group="dse.claims"), key=lambda e: e.name):
        obj = ep.load()
        yield from (obj() if callable(obj) else obj)


_LOCAL: list[Claim] = []


def register(claims: Iterable[Claim]) -> None:
    """Register claims in this process (tests, notebooks); entry points are the normal way."""
    _LOCAL.extend(claims)


def all_claims(family: str | None = None, kind: str | None = None,
               include_slow: bool = True) -> list[Claim]:
    """Every registered claim, filtered; ids are unique (checked)."""
    claims = list(_entry_claims()) + list(_LOCAL)
    seen: set[str] = set()
    for c in claims:
        if c.id in seen:
            raise ValueError(f"duplicate claim id {c.id!r}")
        seen.add(c.id)
    return [c for c in claims
            if (family is None or c.family == family) and (kind is None or c.kind == kind)
            and (include_slow or not c.slow)]


def check_registry(claims: Iterable[Claim]) -> list[str]:
    """Honesty problems of a claim set (empty when clean).

    A claim id named in any ``fitted_to`` must exist and be a ``calibration``: nothing is fitted
    to a validation.
    """
    claims = list(claims)
    by_id = {c.id: c for c in claims}
    problems = []
    for c in claims:
        for target in c.fitted_to:
            if target not in by_id:
                problems.append(f"{c.id}: fitted_to names unknown claim {target!r}")
            elif by_id[target].kind != "calibration":
                problems.append(f"{c.id}: a constant is fitted to {target!r}, "
                                f"which is a {by_id[target].kind} claim (must be calibration)")
    return problems


def run_claims(claims: Iterable[Claim]) -> list[ClaimResult]:
    return [run_claim(c) for c in claims]


# a tiny convenience used by family claim modules
def ratio(a: float, b: float) -> float:
    return float(a) / float(b)



REPO = Path(__file__).resolve().parents[1]


def repo_file(rel: str) -> Path:
    """A file of the source checkout (recorded peer goldens live in ``tests/*/data``); claims that
    need one report an error, not a pass, when the engine is installed without its checkout."""
    path = REPO / rel
    if not path.exists():
        raise FileNotFoundError(f"{rel} (claims that read recorded goldens need the source checkout)")
    return path


def load_study(name: str) -> ModuleType:
    """``studies/<name>.py`` of the checkout, loaded by path (studies are scripts, not a package;
    a claim about a study's published-vs-ours number calls the study's own function)."""
    return load_repo_module(f"studies/{name}.py")


@cache
def load_repo_module(rel: str) -> ModuleType:
    """A script of the checkout (a study, a peer-golden recorder under ``tests/``) loaded by path."""
    path = repo_file(rel)
    name = "_dse_repo_" + rel.replace("/", "_").removesuffix(".py")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod

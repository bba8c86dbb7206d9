"""Output folders that never lose results: one study per folder, resumable, never overwritten silently.

Before a study or sweep writes anything, :func:`claim` checks its output folder:

* missing or empty: the run may start (the folder is created only by :func:`claim_and_create`,
  after every input has been validated);
* holding ``spec.json`` (the identity of the spec that wrote it, see :func:`spec_identity`):
  the same identity resumes (Optuna continues the stored trials) or re-runs into it; a different
  one is refused with a one-line :class:`~dse.errors.DseInputError` naming the folder and the spec it
  holds, unless ``overwrite`` (then the previous study is moved aside, restored if the new run is
  rejected, and deleted once it finishes);
* holding results without ``spec.json`` (written before the marker existed): ``summary.json`` is
  compared instead; any other non-empty folder is refused, and ``overwrite`` never deletes a
  folder that does not look like a study output.

The identity leaves out what only sets the budget (``n_trials``, ``workers``, ``timeout_s``...), so
asking a stored Optuna study for more trials resumes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from .errors import DseInputError

__all__ = ["MARKER", "BUDGET_OPTIONS", "spec_identity", "claim", "claim_and_create", "write_marker",
           "next_free", "park", "restore", "drop"]

#: The file naming the spec a folder holds (written first, before any result).
MARKER = "spec.json"
#: Solver options that change only how long a study runs, not what it is.
BUDGET_OPTIONS = frozenset({"n_trials", "workers", "timeout_s", "grace_s", "lease_s", "storage", "progress"})
#: Files whose presence marks a folder as a study output (safe to clear with ``overwrite``).
_STUDY_FILES = ("spec.json", "summary.json", "results.csv", "study.db", "solve.json", "report.md")


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in sorted(v.items(), key=lambda kv: str(kv[0]))}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


def spec_identity(spec: Any) -> dict[str, Any]:
    """What makes two runs the same study: model, workload, parameters, space, objectives, bounds,
    solver and its non-budget options, seed (search specs); script and options (script specs)."""
    if getattr(spec, "script", None) is not None:
        return _plain({"name": spec.name, "script": Path(spec.script).name, "options": spec.options,
                       "seed": spec.seed})
    options = {k: v for k, v in spec.solver_options.items() if k not in BUDGET_OPTIONS}
    return _plain({"name": spec.name, "model": spec.model, "workload": spec.workload, "params": spec.params,
                   "space": spec.space, "objectives": spec.objectives, "bounds": spec.bounds,
                   "solver": spec.solver, "solver_options": options, "seed": spec.seed})


def _fingerprint(identity: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def _held(out: Path) -> tuple[str, dict[str, Any] | None]:
    """(description of the spec the folder holds, its identity or None when unknown)."""
    marker = out / MARKER
    if marker.is_file():
        try:
            data = json.loads(marker.read_text())
            return f"spec {data.get('spec', '?')} (study {data.get('identity', {}).get('name', '?')!r})", \
                data.get("identity")
        except (OSError, ValueError):
            return f"an unreadable {MARKER}", None
    summary = out / "summary.json"
    if summary.is_file():
        try:
            data = json.loads(summary.read_text())
            return f"study {data.get('name', '?')!r} (summary.json, written before {MARKER} existed)", data
        except (OSError, ValueError):
            return "an unreadable summary.json", None
    return "files of something else", None


def _same_legacy(summary: dict[str, Any], identity: dict[str, Any]) -> bool:
    keys = ("name", "model", "workload", "objectives", "solver", "seed")
    return all(_plain(summary.get(k)) == identity.get(k) for k in keys)


def claim(out: Path, spec: Any, *, overwrite: bool = False) -> str:
    """Check that ``out`` may receive ``spec``'s results; return ``"new"`` (missing or empty
    folder), ``"same"`` (it holds this spec: resume or re-run) or ``"overwrite"`` (it holds another
    study and ``overwrite`` was given: the caller clears it). Raises :class:`DseInputError` when
    the folder holds a different study (or unknown files) and ``overwrite`` is not given."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise DseInputError("--out", str(out), "a folder (this path is a file)")
    if not out.is_dir() or not any(p for p in out.iterdir() if not p.name.startswith(".")):
        return "new"
    identity = spec_identity(spec)
    held, other = _held(out)
    if other is not None and (other == identity if (out / MARKER).is_file() else _same_legacy(other, identity)):
        return "same"
    looks_like_study = any((out / name).exists() for name in _STUDY_FILES)
    if overwrite and looks_like_study:
        return "overwrite"
    if overwrite:
        raise DseInputError("--out", str(out), "an empty folder or a study output folder",
                            detail=f"it holds {held}; --overwrite only replaces study outputs")
    raise DseInputError("--out", str(out), f"an empty folder or one holding this spec ({spec.path})",
                        detail=f"it holds {held}; pass --overwrite to replace it, or choose another --out")


def claim_and_create(out: Path, spec: Any, state: str) -> bool:
    """Create ``out`` and write the marker (after :func:`claim`; a study being replaced has been
    moved aside by :func:`park`). Returns True when the folder did not exist before."""
    out = Path(out)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    if state != "same" or not (out / MARKER).is_file():  # a resumed folder keeps its marker
        write_marker(out, spec)
    return created


def park(out: Path) -> Path:
    """Move the study in ``out`` aside (a hidden sibling) until the run replacing it succeeds."""
    out = Path(out)
    parked = out.parent / f".{out.name}.replaced-{os.getpid()}"
    if parked.exists():
        shutil.rmtree(parked)
    os.replace(out, parked)
    return parked


def restore(parked: Path, out: Path) -> None:
    """Put a parked study back (the run replacing it was rejected)."""
    os.replace(parked, out)


def drop(parked: Path) -> None:
    """Delete a parked study (the run replacing it finished)."""
    shutil.rmtree(parked, ignore_errors=True)


def write_marker(out: Path, spec: Any) -> None:
    """Write ``spec.json``: the spec's path, its identity and a short fingerprint."""
    from .report import atomic_write_text

    identity = spec_identity(spec)
    data = {"spec": str(spec.path), "fingerprint": _fingerprint(identity), "identity": identity}
    atomic_write_text(Path(out) / MARKER, json.dumps(data, indent=2, sort_keys=True) + "\n")


def next_free(base: Path) -> Path:
    """``base-1``, ``base-2``, ...: the first that does not exist (a sweep's folder per run)."""
    base = Path(base)
    used = [int(p.name.rsplit("-", 1)[1]) for p in base.parent.glob(base.name + "-*")
            if p.name.rsplit("-", 1)[1].isdigit()] if base.parent.is_dir() else []
    return base.parent / f"{base.name}-{max(used, default=0) + 1}"

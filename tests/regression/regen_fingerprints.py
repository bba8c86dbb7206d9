"""Regenerate ``tests/regression/model_fingerprints.json``: ``python -m tests.regression.regen_fingerprints``.

Run from the repository root after changing a built-in model. It refuses (exit 1, nothing written)
when a model's numbers changed but its ``version`` did not: bump the ``version`` class attribute
of each model it lists (and add a CHANGELOG.md line saying what changed), then run it again.
``--check`` only reports (exit 1 when the record is out of date).
"""

from __future__ import annotations

import argparse
import json
import sys

from dse.registry import models

from .fingerprints import (
    DIGITS,
    N_SAMPLES,
    RECORD,
    SEED,
    builtin_model_names,
    compare,
    load_record,
    model_cases,
    model_fingerprint,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.strip().split("\n")[0])
    ap.add_argument("--check", action="store_true", help="report only; exit 1 when the record is out of date")
    args = ap.parse_args(argv)
    recorded = load_record()
    out: dict[str, dict] = {}
    unbumped, stale = [], []
    for name in builtin_model_names():
        cases = model_cases(name)
        version = str(models.get(name).version)
        status, message = compare(name, version, cases, recorded.get(name))
        if status == "unbumped":
            unbumped.append(message)
        elif status == "stale":
            stale.append(message)
        out[name] = {"version": version, "fingerprint": model_fingerprint(cases), "cases": cases}
    removed = sorted(set(recorded) - set(out))
    stale += [f"{name}: no longer registered; its record goes" for name in removed]
    for line in unbumped:
        print("version bump needed: " + line, file=sys.stderr)
    if unbumped:
        print(f"{RECORD.name} not written: bump the versions above first.", file=sys.stderr)
        return 1
    if args.check:
        for line in stale:
            print("out of date: " + line)
        return 1 if stale else 0
    doc = {
        "_about": (f"Fingerprints of each built-in model's numbers (tests/regression/fingerprints.py: "
                   f"example cases x space defaults + {N_SAMPLES} points sampled with seed {SEED}, "
                   f"{DIGITS} significant digits). Regenerate: python -m tests.regression.regen_fingerprints"),
        "models": out,
    }
    RECORD.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    for line in stale:
        print("recorded: " + line.split(";")[0])
    print(f"wrote {RECORD} ({len(out)} models)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

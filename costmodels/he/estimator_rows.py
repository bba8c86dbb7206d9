"""Fold a grid-checked estimator run into the security data: one ``estimated`` row per run.

A run of ``python -m costmodels.he.estimator_peer ... --grid-check`` prints JSON lines: the
guidelines' procedure's estimates (``logq`` -> ``bits``), its bound, the grid check's steps and a
final line with ``guideline_max_log_qp`` and ``grid_checked_max_log_qp``. :func:`fold` turns a
saved run into

* a row of ``data/security_estimates.json`` (``rows``: the bound, every estimate behind it and the
  grid check's log, which ``tests/he/test_security_secrets.py`` re-checks), and
* a line of ``data/security_secrets.csv`` (kind ``estimated``), the table the model reads.

A run that found no row (no log2 q above the search's floor reaches the target: the weight is too
light for the security level at that ring degree) is recorded under ``no_row`` in the JSON only,
so the model keeps such sets infeasible ("outside every table").

An earlier unfinished run of the same (N, h, lambda, cost model) recorded under
``guideline_procedure_only`` contributes its estimates and is removed. Every run is checked
before anything is written; a run whose row already exists, or a log without a final line, is a
one-line error and leaves both files as they were. Command line::

    python -m costmodels.he.estimator_rows run1.log [run2.log ...]
    python -m costmodels.he.estimator_rows --table   # the rows as docs/he.md's markdown table
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from dse.errors import DseInputError

from .estimator_peer import COST_MODELS

__all__ = ["DATA", "fold", "markdown_table", "parse_run"]

DATA = Path(__file__).with_name("data")
_ESTIMATES, _CSV = DATA / "security_estimates.json", DATA / "security_secrets.csv"
_STEP_KINDS = ("grid", "default", "candidate")


def parse_run(text: str, name: str = "run") -> dict[str, Any]:
    """The parts of one saved run: key (n, h, lambda, quantum), procedure bound and estimates,
    grid-checked bound and steps. Raises :class:`DseInputError` naming ``name`` when incomplete."""
    recs = []
    for i, line in enumerate(text.splitlines(), 1):
        if line.startswith("{"):
            try:
                recs.append(json.loads(line))
            except json.JSONDecodeError:
                raise DseInputError(name, f"line {i}", "JSON lines printed by estimator_peer") from None
    final = [r for r in recs if "grid_checked_max_log_qp" in r]
    if len(final) != 1:
        raise DseInputError(name, f"{len(final)} final lines", "a log of one finished --grid-check run")
    f = final[0]
    if f["model"] not in COST_MODELS:
        raise DseInputError(name, f["model"], f"a cost model in {sorted(COST_MODELS)}")
    steps = [dict(r) for r in recs if r.get("kind") in _STEP_KINDS]
    for s in steps:
        for k in ("min_bits", "bits", "known_min_bits", "next_bits"):
            if k in s:
                s[k] = round(s[k], 4)
    estimates = {int(r["logq"]): round(r["bits"], 4) for r in recs if "bits" in r and "kind" not in r}
    none = f["guideline_max_log_qp"] is None  # no log2 q >= the floor reaches the target
    return {"key": (int(f["n"]), int(f["h"]), int(f["lam"]), f["model"] == "quantum"), "model": f["model"],
            "procedure": None if none else int(f["guideline_max_log_qp"]),
            "row": None if none else int(f["grid_checked_max_log_qp"]),
            "floor": f.get("floor"), "reason": f.get("reason", ""), "estimates": estimates, "steps": steps}


def _source(run: dict[str, Any]) -> str:
    model = COST_MODELS[run["model"]]
    return (f"re-estimated here (data/security_estimates.json): lattice-estimator eae2fdb, the 2024 guidelines' "
            f"sparse procedure (compute_max_logQ.sage, gong-cr/FHE-Security-Guidelines 1161517: dual hybrid with "
            f"MitM, {model}, SparseTernary(N, h/2, h/2), sigma 3.19, m = oo, target lambda + 2) gave "
            f"2^{run['procedure']}; with the (zeta, h1) grid check 2^{run['row']}; not a published table")


def _fold_one(data: dict[str, Any], csv_lines: list[str], run: dict[str, Any], name: str) -> None:
    n, h, lam, quantum = run["key"]
    if any((r["n"], r["hamming"], r["lambda"], r["quantum"]) == run["key"]
           for r in data["rows"] + data.get("no_row", [])):
        raise DseInputError(name, f"N={n} h={h} lambda={lam} quantum={quantum}", "a run whose row is not recorded yet")
    if run["row"] is None:  # recorded so the table's gap is documented; no CSV line: outside every row
        data.setdefault("no_row", []).append({
            "n": n, "hamming": h, "lambda": lam, "quantum": quantum, "cost_model": COST_MODELS[run["model"]],
            "floor_log_q": run["floor"], "reason": run["reason"],
            "estimates_bits": {str(q): run["estimates"][q] for q in sorted(run["estimates"])}})
        return
    if run["row"] > run["procedure"]:
        raise DseInputError(name, run["row"], f"a grid-checked bound <= the procedure's {run['procedure']}")
    estimates: dict[int, float] = {}
    for entry in [e for e in data["guideline_procedure_only"]
                  if (e["n"], e["hamming"], e.get("lambda", 128), e["quantum"]) == run["key"]]:
        estimates.update({int(q): b for q, b in entry["estimates_bits"].items()})
        data["guideline_procedure_only"].remove(entry)
    estimates.update(run["estimates"])
    data["rows"].append({
        "n": n, "hamming": h, "lambda": lam, "quantum": quantum, "cost_model": COST_MODELS[run["model"]],
        "max_log_qp": run["row"],
        "guideline_procedure": {"max_log_qp": run["procedure"],
                                "estimates_bits": {str(q): estimates[q] for q in sorted(estimates)}},
        "grid_checked_log": run["steps"]})
    csv_lines.append(f'sparse,{n},{h},{lam},{int(quantum)},{run["row"]},estimated,"{_source(run)}"')


def _replace(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def fold(logs: list[Path], estimates_path: Path = _ESTIMATES,
         csv_path: Path = _CSV) -> list[tuple[tuple[int, int, int, bool], int | None]]:
    """Fold the saved runs ``logs`` into both data files; ``((N, h, lambda, quantum), row)`` per run
    (row None: no row exists). All runs are checked first: on any error neither file changes."""
    data = json.loads(estimates_path.read_text())
    csv_lines = csv_path.read_text().splitlines()
    added = []
    for path in logs:
        run = parse_run(Path(path).read_text(), name=str(path))
        _fold_one(data, csv_lines, run, str(path))
        added.append((run["key"], run["row"]))
    _replace(estimates_path, json.dumps(data, indent=1) + "\n")
    _replace(csv_path, "\n".join(csv_lines) + "\n")
    return added


def markdown_table(estimates_path: Path = _ESTIMATES) -> str:
    """The re-estimated rows as the markdown table of ``docs/he.md`` (``--table``): per (lambda,
    cost model, N, h) the procedure's bound, the grid-checked row and the grid's cheapest attack at
    the procedure's bound; then the no-row runs."""
    data = json.loads(estimates_path.read_text())
    out = ["| λ | cost | N | h | guidelines' procedure | grid-checked (the row) | grid minimum at the procedure's value |",
           "|---|---|---|---|---|---|---|"]
    order = sorted(data["rows"], key=lambda r: (r["lambda"], r["quantum"], r["n"], r["hamming"]))
    for r in order:
        proc, row = r["guideline_procedure"]["max_log_qp"], r["max_log_qp"]
        grid = [e for e in r["grid_checked_log"] if e["kind"] == "grid" and e["logq"] == proc]
        at = f"{grid[0]['min_bits']:.2f} bits (ζ = {grid[0]['zeta']}, h1 = {grid[0]['h1']})" if grid else "–"
        change = f" ({(row - proc) / proc * 100:+.1f} %)" if row != proc else ""
        out.append(f"| {r['lambda']} | {'quantum' if r['quantum'] else 'classical'} | 2^{r['n'].bit_length() - 1} "
                   f"| {r['hamming']} | {proc} | **{row}**{change} | {at} |")
    for e in sorted(data.get("no_row", []), key=lambda e: (e["lambda"], e["quantum"], e["n"], e["hamming"])):
        best = max(e["estimates_bits"].items(), key=lambda kv: kv[1])
        out.append(f"| {e['lambda']} | {'quantum' if e['quantum'] else 'classical'} | 2^{e['n'].bit_length() - 1} "
                   f"| {e['hamming']} | none | **none** | best {best[1]:.2f} bits at 2^{best[0]} (the floor) |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if not args:
        print("error: log: got nothing; allowed: one or more saved estimator_peer --grid-check runs, or --table",
              file=sys.stderr)
        return 2
    if args == ["--table"]:
        print(markdown_table(), end="")
        return 0
    try:
        missing = [a for a in args if not Path(a).is_file()]
        if missing:
            raise DseInputError("log", missing[0], "a saved estimator_peer --grid-check run (file not found)")
        for key, row in fold([Path(a) for a in args]):
            what = f"max log2 QP {row}" if row is not None else "no row (recorded under no_row)"
            print("N={} h={} lambda={} quantum={}: ".format(*key) + what)
    except DseInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

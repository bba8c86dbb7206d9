"""The claim registry, `dse validate`, and the generated docs/validation.md (fails when stale:
regenerate with `dse validate --markdown docs/validation.md`)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dse.claims import KINDS, Claim, all_claims, check_registry, run_claim
from dse.validate import fmt_error, fmt_value, ref_text, render_markdown, run

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "validation.md"
FAMILIES = {"asic", "he", "he_multigpu", "he_search", "mpc", "fpga", "cim"}
_CELL = re.compile(r"(?<!\\)\|")


def _doc_rows() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text().splitlines():
        if line.startswith("| `"):
            cells = [c.strip().replace("\\|", "|") for c in _CELL.split(line)[1:-1]]
            rows[cells[0].strip("`")] = cells
    return rows


def test_registry_is_honest_and_covers_every_family():
    """Every family registers claims; ids are unique; nothing is fitted to a validation; every
    calibration names its fitted constants and every peer what it requires."""
    claims = all_claims()
    assert {c.family for c in claims} >= FAMILIES
    assert check_registry(claims) == []
    assert all(c.kind in KINDS for c in claims)
    assert all(c.fitted for c in claims if c.kind == "calibration")
    assert all(c.requires for c in claims if c.kind == "peer")


def test_check_registry_flags_a_constant_fitted_to_a_validation():
    """A claim whose constants were fitted to a validation claim's reference is reported."""
    a = Claim("t-a", "t", "a", 1.0, "1", "src", "validation", lambda: 1.0, rel_tol=0.1)
    b = Claim("t-b", "t", "b", 1.0, "1", "src", "validation", lambda: 1.0, rel_tol=0.1, fitted_to=("t-a",))
    assert check_registry([a, b]) == ["t-b: a constant is fitted to 't-a', which is a validation claim "
                                      "(must be calibration)"]
    with pytest.raises(ValueError, match="calibration names"):
        Claim("t-c", "t", "c", 1.0, "1", "src", "calibration", lambda: 1.0, rel_tol=0.1)


def test_run_claim_statuses():
    """A claim passes inside its tolerance, fails outside it (with its gap text), errors when its
    computation raises, and skips with the reason when a peer is missing."""
    ok = Claim("t-ok", "t", "x", 10.0, "1", "s", "validation", lambda: 10.5, rel_tol=0.1)
    bad = Claim("t-bad", "t", "x", 10.0, "1", "s", "validation", lambda: 12.0, rel_tol=0.1, gap="why")
    err = Claim("t-err", "t", "x", 10.0, "1", "s", "validation", lambda: 1 / 0, rel_tol=0.1)
    peer = Claim("t-peer", "t", "x", 0.0, "1", "s", "peer", lambda: 0.0, abs_tol=0.1,
                 requires=("no_such_module_xyz",))
    assert run_claim(ok).status == "pass" and run_claim(ok).error == pytest.approx(0.05)
    assert (run_claim(bad).status, run_claim(bad).why) == ("fail", "why")
    assert run_claim(err).status == "error" and "ZeroDivisionError" in run_claim(err).why
    r = run_claim(peer)
    assert r.status == "skip" and "no_such_module_xyz" in r.why


def test_doc_lists_every_claim_with_its_metadata():
    """docs/validation.md has one row per registered claim with the same kind, what, reference,
    tolerance and source, and the same counts per family and kind."""
    rows = _doc_rows()
    claims = all_claims()
    assert set(rows) == {c.id for c in claims}, "stale: dse validate --markdown docs/validation.md"
    for c in claims:
        _, kind, what, ref, _, _, tol, _, source = rows[c.id]
        assert (kind, what, ref, tol, source) == (c.kind, c.what, ref_text(c), c.tolerance_text, c.source), c.id


def test_doc_values_of_fast_claims_are_current():
    """The value, error and status in docs/validation.md of every non-peer, non-slow claim equal a
    fresh run (peers read "run in CI"; slow claims are checked in the slow tier)."""
    rows = _doc_rows()
    for r in run([c for c in all_claims() if not c.slow and c.kind != "peer"]):
        _, _, _, _, ours, err, _, status, _ = rows[r.claim.id]
        assert (ours, err) == (fmt_value(r.value), fmt_error(r)), r.claim.id
        assert status.startswith(r.status), r.claim.id


@pytest.mark.slow
def test_doc_is_exactly_the_generated_file():
    """Regenerating docs/validation.md (slow claims included, peers not run) changes nothing."""
    assert DOC.read_text() == render_markdown(run(all_claims(), peers=False))


def _dse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dse", "validate", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)


def test_cli_json_exit_status_and_bad_options():
    """`dse validate --json` prints one JSON object whose exit status says whether every claim that
    ran passed; an unknown family or kind exits 2 with one line and no traceback."""
    r = _dse("--family", "he_search", "--fast", "--no-peers", "--json")
    out = json.loads(r.stdout)
    assert {c["id"] for c in out["claims"]} == {c.id for c in all_claims(family="he_search", include_slow=False)}
    assert r.returncode == (0 if all(c["status"] in ("pass", "skip") for c in out["claims"]) else 1)
    for bad in (("--family", "nope"), ("--kind", "proof")):
        r = _dse(*bad)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_cli_exits_1_when_a_claim_misses():
    """A family with a documented miss (fpga: DAC'22 ratios) makes `dse validate` exit 1 and print
    the miss in its table."""
    r = _dse("--family", "fpga", "--kind", "validation", "--fast")
    assert r.returncode == 1 and "fail" in r.stdout and "fpga-dac22-speedup-vs-cpu" in r.stdout

"""Folding a saved grid-checked estimator run into the security data (no Sage needed)."""

from __future__ import annotations

import json

import pytest

from costmodels.he import estimator_rows as er
from dse.errors import DseInputError

KEY = (65536, 64, 128, False)


def _row_key(r):
    return (r["n"], r["hamming"], r["lambda"], r["quantum"])


def _log_of(row) -> str:
    """The lines estimator_peer --grid-check prints for the run behind a stored row."""
    model = "quantum" if row["quantum"] else "classic"
    head = {"n": row["n"], "h": row["hamming"], "model": model}
    lines = [dict(head, logq=int(q), bits=b) for q, b in row["guideline_procedure"]["estimates_bits"].items()]
    lines += row["grid_checked_log"]
    lines.append(dict(head, lam=row["lambda"], guideline_max_log_qp=row["guideline_procedure"]["max_log_qp"],
                      grid_checked_max_log_qp=row["max_log_qp"]))
    return "\n".join(json.dumps(x) for x in lines) + "\n"


@pytest.fixture
def data_without_row(tmp_path):
    """Copies of both data files with the KEY row taken out, the stored row and its CSV line."""
    data = json.loads(er._ESTIMATES.read_text())
    (row,) = [r for r in data["rows"] if _row_key(r) == KEY]
    data["rows"].remove(row)
    csv = er._CSV.read_text().splitlines()
    (line,) = [s for s in csv if s.startswith("sparse,{},{},{},{},".format(*KEY[:3], int(KEY[3])))]
    est, sec = tmp_path / "e.json", tmp_path / "s.csv"
    est.write_text(json.dumps(data, indent=1) + "\n")
    sec.write_text("\n".join(s for s in csv if s != line) + "\n")
    return est, sec, row, line


def test_fold_rebuilds_the_stored_row_and_csv_line_from_its_log(tmp_path, data_without_row):
    est, sec, row, line = data_without_row
    log = tmp_path / "run.log"
    log.write_text(_log_of(row))
    assert er.fold([log], est, sec) == [(KEY, row["max_log_qp"])]
    (new,) = [r for r in json.loads(est.read_text())["rows"] if _row_key(r) == KEY]
    assert new == row
    assert sec.read_text().splitlines()[-1] == line


def test_a_recorded_row_or_an_unfinished_log_changes_nothing(tmp_path, data_without_row):
    est, sec, row, _line = data_without_row
    good, dup, bad = tmp_path / "good.log", tmp_path / "dup.log", tmp_path / "bad.log"
    good.write_text(_log_of(row))
    dup.write_text(_log_of(row))
    bad.write_text("\n".join(_log_of(row).splitlines()[:-1]))
    garbled = tmp_path / "garbled.log"
    garbled.write_text(_log_of(row).replace('"kind": "grid"', '"kind": grid', 1))
    before = est.read_text(), sec.read_text()
    with pytest.raises(DseInputError, match="not recorded yet"):
        er.fold([good, dup], est, sec)
    with pytest.raises(DseInputError, match="finished --grid-check run"):
        er.fold([good, bad], est, sec)
    with pytest.raises(DseInputError, match="garbled.log: got 'line 7'"):
        er.fold([good, garbled], est, sec)
    assert (est.read_text(), sec.read_text()) == before


def test_an_unfinished_earlier_run_contributes_its_estimates(tmp_path, data_without_row):
    est, sec, row, _line = data_without_row
    data = json.loads(est.read_text())
    data["guideline_procedure_only"].append({"n": KEY[0], "hamming": KEY[1], "lambda": KEY[2], "quantum": KEY[3],
                                             "cost_model": "BDGL16", "max_log_qp": None,
                                             "estimates_bits": {"900": 140.5}})
    est.write_text(json.dumps(data))
    log = tmp_path / "run.log"
    log.write_text(_log_of(row))
    er.fold([log], est, sec)
    out = json.loads(est.read_text())
    (new,) = [r for r in out["rows"] if _row_key(r) == KEY]
    assert new["guideline_procedure"]["estimates_bits"]["900"] == 140.5
    assert not [e for e in out["guideline_procedure_only"] if _row_key(e) == KEY]


def test_cli_names_a_missing_log_in_one_line(capsys, tmp_path):
    assert er.main([str(tmp_path / "absent.log")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("error: log:")
    assert er.main([]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("error: log: got nothing")


def test_a_run_without_a_row_is_recorded_as_such_and_adds_no_table_line(tmp_path, data_without_row):
    """N = 2^14, h = 32 at 256 bits: the estimate never reaches 258 bits above the floor."""
    est, sec, _row, _line = data_without_row
    data = json.loads(est.read_text())
    data["no_row"] = []
    est.write_text(json.dumps(data))
    head = {"n": 16384, "h": 32, "model": "classic"}
    lines = [dict(head, logq=28, bits=168.4527), dict(head, logq=16, bits=195.9429),
             dict(head, lam=256, guideline_max_log_qp=None, grid_checked_max_log_qp=None, floor=16,
                  reason="no log2 q >= 16 reaches 258 bits (best 195.94 bits at 2^16)")]
    log = tmp_path / "none.log"
    log.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    csv_before = sec.read_text()
    assert er.fold([log], est, sec) == [((16384, 32, 256, False), None)]
    assert sec.read_text() == csv_before
    (entry,) = json.loads(est.read_text())["no_row"]
    assert entry["floor_log_q"] == 16 and entry["estimates_bits"] == {"16": 195.9429, "28": 168.4527}
    with pytest.raises(DseInputError, match="not recorded yet"):
        er.fold([log], est, sec)


def test_docs_carry_the_table_of_the_recorded_rows():
    """docs/he.md's table of re-estimated rows is `estimator_rows --table` of the shipped data."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "he.md").read_text()
    assert er.markdown_table() in docs, "regenerate: python -m costmodels.he.estimator_rows --table"

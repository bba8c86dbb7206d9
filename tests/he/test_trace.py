"""HE operation traces as a workload: parsing, dispatch, additive evaluation per row."""

from __future__ import annotations

import json

import numpy as np
import pytest

from costmodels.he import CkksModel, bootstrap_latency, get_profile, op_latency
from dse.errors import DseInputError
from workloads import load
from workloads.importers.optrace import load_trace

CSV = "op,n,limbs,count\nrotate,16384,8,10\nmul_plain,16384,8,64\nmul,16384,8,2\nrelinearize,16384,8,2\nrescale,16384,8,2\nbootstrap,65536,1,1\n"


def test_csv_trace_is_dispatched_and_summed(tmp_path):
    """`workloads.load(x.csv)` gives an he-trace; per-row latency = count x t_op(n, limbs)."""
    path = tmp_path / "t.csv"
    path.write_text(CSV)
    trace = load(path)
    assert trace.kind == "he-trace" and len(trace.rows) == 6
    m = CkksModel().evaluate(trace, {"N": [32768], "levels": [18]}).numpy()
    prof = get_profile("seal-tenseal-vm")
    n, l = np.array(16384.0), np.array(8.0)
    want = 10 * float(op_latency(prof, "rotate", n, l, top_limbs=np.array(19.0)))
    assert m.layers["latency_s"][0, 0] == pytest.approx(want)
    boot = float(bootstrap_latency(prof, np.array(65536.0), np.array(19.0)))
    assert m.layers["latency_s"][0, 5] == pytest.approx(boot)
    assert m.totals["latency_s"][0] == pytest.approx(m.layers["latency_s"][0].sum())
    assert (m.totals["rotations"][0], m.totals["pt_mults"][0], m.totals["ct_mults"][0]) == (10, 64, 2)
    assert m.totals["bootstraps"][0] == 1 and m.layer_kinds[0] == "rotate"


def test_json_trace(tmp_path):
    """JSON: {"trace": [...]} with optional row names."""
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"name": "conv", "trace": [{"op": "add", "n": 8192, "limbs": 3, "count": 5,
                                                           "name": "sum"}]}))
    trace = load(path)
    assert trace.name == "conv" and trace.rows[0].name == "sum"
    m = CkksModel().evaluate(trace, {"N": [8192], "levels": [2]}).numpy()
    assert m.feasible[0] and m.totals["security_bits"][0] == 128  # 60 + 2x40 + 60 = 200 <= 218


def test_insecure_trace_chain_is_infeasible(tmp_path):
    """A trace at N=8192 with 10 limbs cannot be 128-bit secure with 40-bit primes."""
    path = tmp_path / "t.csv"
    path.write_text("op,n,limbs,count\nmul,8192,10,1\n")
    m = CkksModel().evaluate(load(path), {"N": [8192], "levels": [2]}).numpy()
    assert not m.feasible[0] and "insecure" in m.reason_of(0)


@pytest.mark.parametrize("text,field", [
    ("op,n,count\nadd,8192,1\n", "header"),
    ("op,n,limbs,count\nsquare,8192,3,1\n", "op"),
    ("op,n,limbs,count\nadd,9000,3,1\n", "n"),
    ("op,n,limbs,count\nadd,8192,0,1\n", "limbs"),
    ("op,n,limbs,count\nadd,8192,3,-1\n", "count"),
])
def test_bad_trace_rows_raise_one_line_errors(tmp_path, text, field):
    """Malformed traces raise DseInputError naming the row and field."""
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DseInputError) as err:
        load_trace(path)
    assert field in str(err.value) and "\n" not in str(err.value)

"""The issue's stable interface: `dse whatif fpga-transformer ... --json` (subprocess)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

KEYS = ("latency_s", "latency_p99_s", "throughput_per_s", "bubble_fraction", "dsp", "bram36", "energy_j")


def _dse(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("dse")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "dse.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("attention,schedule,lengths", [("sparse", "length-aware", "glue"),
                                                        ("dense", "padded", "squad"),
                                                        ("sparse", "padded", "fixed:128")])
def test_whatif_interface(attention, schedule, lengths):
    """All documented totals come back for every knob combination of the interface."""
    r = _dse("whatif", "fpga-transformer", "--workload", "bert-base", "--set", "board=u200",
             "--set", f"attention={attention}", "--set", "topk=32", "--set", f"schedule={schedule}",
             "--set", f"lengths={lengths}", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["feasible"] is True
    for key in KEYS:
        assert key in out["metrics"] and out["metrics"][key] >= 0


def test_whatif_reports_infeasible_resource():
    """A design over the ZCU102's DSPs is infeasible and the reason names the resource."""
    r = _dse("whatif", "fpga-transformer", "--workload", "bert-base", "--set", "board=zcu102",
             "--set", "macs=16384", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["feasible"] is False and "(dsp)" in out["reason"]


def test_whatif_bad_lengths_is_a_one_line_error():
    """An unknown length spec exits with status 2 and names the field."""
    r = _dse("whatif", "fpga-transformer", "--workload", "bert-base", "--set", "lengths=bogus", "--json")
    assert r.returncode == 2 and "lengths" in r.stderr and "Traceback" not in r.stderr


def test_whatif_ernn():
    """fpga-ernn answers on lstm-timit."""
    r = _dse("whatif", "fpga-ernn", "--workload", "lstm-timit", "--set", "block=16", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["metrics"]["dense_ops_per_j"] > 0


@pytest.mark.parametrize("setting,field", [("buckets=0", "buckets"), ("buckets=2.5", "buckets"),
                                           ("reconfig=sometimes", "reconfig"), ("weights=disk", "weights"),
                                           ("nl_lanes=3", "nl_lanes")])
def test_whatif_bad_new_fields_are_one_line_errors(setting, field):
    """The re-allocation, weights and non-linear-lane inputs reject bad values: exit 2, field named."""
    r = _dse("whatif", "fpga-transformer", "--workload", "bert-base", "--set", setting, "--json")
    assert r.returncode == 2 and field in r.stderr and "Traceback" not in r.stderr

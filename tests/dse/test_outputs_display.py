"""What the faces show a person: effective design values, human units, whole counts."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from dse.cli.whatif import whatif_result
from dse.humanize import knob_range, quantity, scale_for
from dse.registry import models


def test_whatif_design_shows_the_network_preset_actually_used():
    """network=wan shows the WAN preset's bandwidth/rtt (400 Mbit/s, 40 ms), not the custom defaults."""
    from costmodels.mpc.presets import network

    wan = network("wan")
    out = whatif_result("mpc", "resnet20-cifar", [("network", "wan")])
    assert out["design"]["bandwidth"] == wan.bytes_per_s and out["design"]["rtt"] == wan.rtt_s
    assert (wan.bytes_per_s, wan.rtt_s) != (models.get("mpc")().param("bandwidth"), models.get("mpc")().param("rtt"))
    custom = whatif_result("mpc", "resnet20-cifar", [("network", "custom"), ("rtt", "7ms")])
    assert custom["design"]["rtt"] == pytest.approx(7e-3)


def test_whatif_design_shows_the_trace_ring_degree(tmp_path):
    """For an HE op trace the design line carries the trace's N (65536 here), not the knob default."""
    path = tmp_path / "t.csv"
    path.write_text("op,n,limbs,count\nmul,8192,10,1\nrotate,65536,8,3\n")
    out = whatif_result("he", str(path), [])
    assert out["design"]["N"] == 65536 != models.get("he").space["N"].default


def test_whatif_json_counts_are_integers():
    """Whole counts and byte totals are JSON integers (cycles, stall_cycles, dram_bytes, rounds, comm_bytes)."""
    out = whatif_result("asic-systolic", "resnet20-cifar", [("bits", "2")])
    for k in ("cycles", "stall_cycles", "dram_bytes", "macs"):
        assert isinstance(out["metrics"][k], int), k
    assert all(isinstance(l["metrics"]["dram_bytes"], int) for l in out["layers"])
    mpc = whatif_result("mpc", "resnet20-cifar", [("protocol", "cheetah"), ("weights", "public")])
    assert isinstance(mpc["metrics"]["comm_bytes"], int) and isinstance(mpc["metrics"]["relus_kept"], int)


def test_infeasible_mpc_config_has_nan_costs_not_zeros():
    """cheetah with shared weights does not exist: its costs are null (NaN), relus_kept is the network's."""
    out = whatif_result("mpc", "resnet20-cifar", [("protocol", "cheetah"), ("weights", "shared")])
    assert not out["feasible"] and out["metrics"]["latency_s"] is None and out["metrics"]["comm_bytes"] is None
    assert out["metrics"]["relus_kept"] > 0


@pytest.mark.parametrize("value,unit,text", [
    (1.25e8, "B/s", "1 Gbit/s"), (5e7, "B/s", "400 Mbit/s"), (65536, "B", "64 KiB"), (1e-3, "s", "1 ms"),
    (2.0745e-6, "m2", "2.075 mm²"), (2e8, "Hz", "200 MHz"), (1568631.0, "1", "1,568,631"), (45.0, "nm", "45 nm"),
])
def test_quantity_human_units(value, unit, text):
    """SI values print with the prefix a person reads (bandwidth in bit/s, buffers in KiB)."""
    assert quantity(value, unit) == text


def test_knob_range_and_scale():
    """Knob ranges print in human units; one axis scale is picked from the data."""
    k = models.get("asic-systolic").space["ifmap_sram"]
    assert knob_range(k) == "1 KiB .. 128 MiB (powers of two)"
    s = scale_for(np.array([2e-3, 5e-3, 9e-3]), "s")
    assert s.unit == "ms" and s(np.array([2e-3]))[0] == pytest.approx(2.0)
    assert scale_for(np.array([3e-6, 4e-6]), "J").unit == "µJ"


def test_dse_models_lists_every_knob_and_param_in_human_units():
    """`dse models` shows each knob and parameter with its default in human units (rtt 1 ms, 1 Gbit/s)."""
    out = subprocess.run([sys.executable, "-m", "dse", "models"], capture_output=True, text=True, check=True).stdout
    block = out[out.index("\nmpc "):]
    block = block[: block.index("\n\n")]
    assert "rtt          1 ms" in block and "bandwidth    1 Gbit/s" in block
    js = json.loads(subprocess.run([sys.executable, "-m", "dse", "models", "--json"], capture_output=True,
                                   text=True, check=True).stdout)
    for info in js["models"]:
        if not info["available"]:
            continue
        cls = models.get(info["name"])
        assert set(info["knobs"]) == set(cls.space.names) and set(info["params"]) == set(cls.param_names())
        assert all(v["default_shown"] for v in list(info["knobs"].values()) + list(info["params"].values()))

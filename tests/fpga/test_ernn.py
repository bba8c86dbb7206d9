"""fpga-ernn: block-circulant operation counts, compression, accuracy constraint, resources."""

from __future__ import annotations

import numpy as np
import pytest

import workloads
from costmodels.fpga import ERNNModel, circulant_ops, parse_accuracy
from dse.errors import DseInputError
from workloads import WorkloadBuilder


def _lstm(hidden=256, inputs=256, frames=1):
    b = WorkloadBuilder("lstm-test", (frames, inputs))
    with b.scope("lstm0"):
        b.recurrent(b.input, hidden, "lstm", name="cell")
    return b.build()


def test_circulant_counts_by_hand():
    """b=1 is the dense product; b=16 on the 4096 x 665 LSTMP gate matrix: p=256, q=42 blocks,
    (q+p) real FFTs of b log2 b = 64 mults + 4 p q (b/2+1) complex-product mults = 406,144."""
    m, a, w = circulant_ops(np, np.array(4096.0), np.array(665.0), np.array(1.0))
    assert m == 4096 * 665 and w == 4096 * 665
    m, a, w = circulant_ops(np, np.array(4096.0), np.array(665.0), np.array(16.0))
    assert m == (42 + 256) * 64 + 4 * 256 * 42 * 9
    assert w == 256 * 42 * 16


@pytest.mark.parametrize("block", [2, 4, 8, 16, 32, 64])
def test_storage_drops_by_the_block_size(block):
    """Storage b^2 -> b per block [ERNN19; CLSTM18]: exactly a factor b when dimensions divide."""
    model, wl = ERNNModel(), _lstm()
    out = model.evaluate(wl, {"block": [1, block], "bits": [12, 12]}).numpy().totals["weight_bits"]
    assert out[0] / out[1] == pytest.approx(block)


def test_compute_shrinks_with_block_size_and_more_multipliers_help():
    """Fewer multiplications per step for larger blocks; more multipliers, fewer cycles per step."""
    model, wl = ERNNModel(), workloads.load("lstm-timit")
    out = model.evaluate(wl, {"block": [1, 4, 16, 64]}).numpy().totals["mults"]
    assert np.all(np.diff(out) < 0)
    cyc = model.evaluate(wl, {"multipliers": [256, 512, 1024]}).numpy().totals["cycles"]
    assert cyc[0] > cyc[1] > cyc[2]


def test_dense_equivalent_ops_follow_the_workload():
    """Dense-equivalent ops per frame = 2 x (IR MACs + the 3H element-wise cell products)."""
    wl = workloads.load("lstm-timit")
    tot = ERNNModel().evaluate(wl, {"block": [16]}).numpy().totals
    per_frame = tot["dense_ops_per_s"][0] / tot["throughput_per_s"][0]
    extra = sum(3 * l.hidden for l in wl.layers if l.kind == "recurrent")
    assert per_frame == pytest.approx(2 * (wl.macs + extra), rel=1e-12)
    assert tot["energy_j"][0] == pytest.approx(tot["power_w"][0] / tot["throughput_per_s"][0], rel=1e-9)


def test_accuracy_table_constrains_block_size():
    """Block sizes with error above max_error, or missing from the table, are infeasible."""
    model = ERNNModel(accuracy="1:20.0,4:20.1,16:21.0", max_error=20.5)
    out = model.evaluate(workloads.load("lstm-timit"), {"block": [4, 8, 16]}).numpy()
    assert out.reason_of(0) is None
    assert out.reason_of(1).endswith("(accuracy)") and out.reason_of(2).endswith("(accuracy)")
    assert parse_accuracy("8:20.2") == {8: 20.2}
    with pytest.raises(DseInputError):
        parse_accuracy("8-20")


def test_resource_limits_name_the_resource():
    """Dense LSTMP weights overflow the KU060's BRAM; too many multipliers overflow its DSPs."""
    out = ERNNModel().evaluate(workloads.load("lstm-timit"),
                               {"block": [1, 16], "multipliers": [512, 8192], "bits": [16, 16]}).numpy()
    assert out.reason_of(0).endswith("(bram36)") and out.reason_of(1).endswith("(dsp)")

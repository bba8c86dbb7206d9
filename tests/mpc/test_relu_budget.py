"""ReLU-budget MILP (Pyomo + HiGHS) against exhaustive enumeration; budgets and nesting."""

from __future__ import annotations

import numpy as np
import pytest

from costmodels.mpc import latency_table
from costmodels.mpc.relu_budget import allocate, enumerate_allocation, read_sensitivity
from dse.errors import DseInputError
from workloads import WorkloadBuilder


def _tiny():
    b = WorkloadBuilder("tiny", (3, 8, 8))
    x = b.relu(b.conv2d(b.input, 4, 3, padding=1))
    x = b.relu(b.conv2d(x, 3, 3, padding=1))
    x = b.maxpool(x, 2)
    x = b.relu(b.conv2d(x, 4, 3, padding=1))
    b.relu(b.conv2d(x, 2, 3, padding=1))
    return b.build()


CASES = [("crypten", 2, "wan", [100], "channel"), ("crypten", 2, "lan", [60, 200], "channel"),
         ("cryptflow2", 2, "lan", [30, 90, 250], 2), ("delphi", 2, "wan", [120], "site"),
         ("shamir", 3, "wan", [40, 160], 2), ("ssnet", 4, "lan", [150], "channel")]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("proto,n,net,budgets,gran", CASES)
def test_milp_matches_enumeration(proto, n, net, budgets, gran, seed):
    """The MILP optimum (loss, then latency) equals brute-force enumeration on small cases."""
    t = latency_table(_tiny(), proto, n, "public", net)
    units = {"channel": t.channels, "site": np.ones(len(t), int)}.get(gran, np.minimum(t.channels, 2))
    rng = np.random.default_rng(seed)
    sens = [rng.uniform(0, 1, u) for u in units]
    a = allocate(t, budgets, sens, granularity=gran)
    e = enumerate_allocation(t, budgets, sens, granularity=gran)
    assert a.loss.sum() == pytest.approx(e.loss.sum(), rel=1e-6, abs=1e-9)
    assert a.latency_s.sum() == pytest.approx(e.latency_s.sum(), rel=1e-9)
    assert np.all(a.relus <= np.asarray(budgets) + 1e-9)


def test_nested_budgets_keep_nested_sets():
    """AdaPI nesting: every site keeps at least as many units under a larger budget."""
    t = latency_table(_tiny(), "crypten", 2, "public", "wan")
    a = allocate(t, [50, 120, 300], [np.linspace(1, 2, c) for c in t.channels])
    assert np.all(np.diff(a.kept_units, axis=0) >= 0)


def test_budget_errors():
    """A budget above the ReLU count, negative or not increasing is a DseInputError."""
    t = latency_table(_tiny(), "crypten", 2, "public", "wan")
    with pytest.raises(DseInputError, match="budget"):
        allocate(t, t.total_relus + 1)
    with pytest.raises(DseInputError, match="budget"):
        allocate(t, [-1])
    with pytest.raises(DseInputError, match="increasing"):
        allocate(t, [100, 50])


def test_sensitivity_file(tmp_path):
    """Per-site sensitivities are read from a CSV (site,sensitivity); missing sites are errors."""
    t = latency_table(_tiny(), "crypten", 2, "public", "wan")
    path = tmp_path / "s.csv"
    path.write_text("site,sensitivity\n" + "".join(f"{s},{i + 1}\n" for i, s in enumerate(t.sites)))
    assert read_sensitivity(path, t).tolist() == [1.0, 2.0, 3.0, 4.0]
    path.write_text("site,sensitivity\nrelu,1\n")
    with pytest.raises(DseInputError, match="sensitivity"):
        read_sensitivity(path, t)

"""The bad-input battery: each command line is rejected with exit 2, one line, no traceback, nothing written.

Every case is a real ``dse`` process (``tests/dse/_cli_runner.py``: forked after one shared start-up,
or ``sys.executable -m dse`` for the ``spawn`` cases and with ``DSE_BATTERY_SPAWN=1``), run in its own
empty working directory; the test compares a snapshot of that directory and of the shared input
files before and after the run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

RUNNER = Path(__file__).with_name("_cli_runner.py")
W = "resnet20-cifar"


@dataclass(frozen=True)
class Case:
    id: str
    argv: tuple[str, ...]
    expect: str = ""          # a fragment the one-line message must contain
    spawn: bool = False       # run as `python -m dse` (fresh interpreter)
    hide_torch: bool = False  # run with a `torch` that cannot be imported
    held: bool = False        # the case folder holds another study in ./held before the run


def _c(id: str, *argv: str, **kw) -> Case:
    return Case(id, tuple(argv), **kw)


WHATIF = ("whatif",)
CASES = [
    # -- inputs that describe no physical system (issue 14) ---------------------------------------
    _c("negative-bandwidth", *WHATIF, "mpc", "-w", W, "--set", "network=custom", "--set", "bandwidth=-400Mbps",
       expect="bandwidth"),
    _c("zero-bandwidth", *WHATIF, "mpc", "-w", W, "--set", "bandwidth=0Mbps", expect="> 0"),
    _c("negative-rtt", *WHATIF, "mpc", "-w", W, "--set", "rtt=-5ms", expect="rtt"),
    _c("negative-clock", *WHATIF, "asic-systolic", "-w", W, "--set", "clock=-200MHz", expect="clock"),
    _c("negative-size", *WHATIF, "asic-systolic", "-w", W, "--set", "ifmap_sram=-4KiB", expect="ifmap_sram"),
    _c("nan-knob", *WHATIF, "mpc", "-w", W, "--set", "relu_keep=nan", expect="NaN", spawn=True),
    _c("inf-knob", *WHATIF, "asic-systolic", "-w", W, "--set", "dram_bw=inf", expect="dram_bw"),
    _c("overflow-to-inf", *WHATIF, "mpc", "-w", W, "--set", "bandwidth=1e400", expect="bandwidth"),
    _c("nan-param", *WHATIF, "he", "-w", W, "--set", "min_precision_bits=nan", expect="min_precision_bits"),
    _c("negative-gpu-memory", *WHATIF, "he-multigpu", "-w", "bert-base:layers=2", "--set", "memory_budget=-3GB",
       expect="memory_budget"),
    _c("negative-fpga-clock", *WHATIF, "fpga-transformer", "-w", "bert-base", "--set", "clock_hz=-1MHz",
       expect="clock_hz"),
    _c("feature-size-in-nm-as-m", *WHATIF, "cim", "-w", W, "--set", "feature_m=56", expect="56nm"),
    _c("zero-area-budget", *WHATIF, "asic-systolic", "-w", W, "--set", "max_area_mm2=0", expect="max_area_mm2"),
    _c("vdd-out-of-range", *WHATIF, "asic-systolic", "-w", W, "--set", "vdd=5V", expect="vdd"),
    _c("poly-degree-zero", *WHATIF, "mpc", "-w", W, "--set", "poly_degree=0", expect="poly_degree"),
    _c("ring-bits-below-8", *WHATIF, "mpc", "-w", W, "--set", "bits=7", expect="bits"),
    _c("ernn-accuracy-nan", *WHATIF, "fpga-ernn", "-w", "lstm-timit", "--set", "accuracy=1:nan", expect="accuracy"),
    _c("logn-too-small", *WHATIF, "he-multigpu", "-w", "bert-base:layers=2", "--set", "logn=9", expect="logn"),
    _c("knob-out-of-range", *WHATIF, "asic-systolic", "-w", W, "--set", "rows=0", expect="rows"),
    _c("knob-above-range", *WHATIF, "asic-systolic", "-w", W, "--set", "rows=4097", expect="rows"),
    _c("fractional-integer-knob", *WHATIF, "mpc", "-w", W, "--set", "parties=2.5", expect="parties"),
    _c("wrong-unit-kind", *WHATIF, "asic-systolic", "-w", W, "--set", "dram_bw=10GHz", expect="1 Gbps = 125 MB/s"),
    _c("not-a-number", *WHATIF, "asic-systolic", "-w", W, "--set", "clock=fast", expect="200MHz"),
    # -- tracebacks before issue 14 ------------------------------------------------------------------
    _c("binary-trace-file", *WHATIF, "he", "-w", "{fx}/garbage.csv", expect="UTF-8"),
    _c("empty-grid-cli", "sweep", "asic-systolic", "-w", W, "--grid", "rows=", "--out", "out", expect="at least one"),
    _c("empty-grid-spec", "study", "run", "{fx}/empty_grid.toml", "--out", "out", expect="at least one"),
    _c("non-numeric-bound", "study", "run", "{fx}/bound_ten.toml", "--out", "out", expect="bounds.latency_s.high"),
    _c("non-npz-weights", "kpp", "--weights", "{fx}/notnpz.npz", expect=".npz"),
    _c("study-without-torch", "study", "run", "{repo}/studies/latency_aware_training.toml", "--out", "out",
       expect='pip install torch==2.13.0 && pip install -e ".[train]"', spawn=True, hide_torch=True),
    _c("duplicated-set", *WHATIF, "mpc", "-w", W, "--set", "relu_keep=0.5", "--set", "relu_keep=0.6",
       expect="each key once"),
    _c("negative-layers", *WHATIF, "mpc", "-w", W, "--layers", "-1", expect="--layers"),
    _c("range-low-exceeds-high", "sweep", "asic-systolic", "-w", W, "--range", "rows=128:8", "--out", "out",
       expect="low exceeds high"),
    # -- names, files and formats ----------------------------------------------------------------------
    _c("unknown-model", *WHATIF, "nosuchmodel", "-w", W, expect="nosuchmodel", spawn=True),
    _c("unknown-workload", *WHATIF, "mpc", "-w", "nosuchnet", expect="nosuchnet"),
    _c("unknown-knob", *WHATIF, "mpc", "-w", W, "--set", "nosuchknob=1", expect="nosuchknob"),
    _c("unknown-choice", *WHATIF, "asic-systolic", "-w", W, "--set", "dataflow=xx", expect="dataflow"),
    _c("set-without-equals", *WHATIF, "mpc", "-w", W, "--set", "relu_keep", expect="key=value"),
    _c("missing-workload-file", *WHATIF, "mpc", "-w", "{fx}/missing.onnx", expect="missing.onnx"),
    _c("malformed-json-layers", *WHATIF, "mpc", "-w", "{fx}/bad.json", expect="JSON"),
    _c("malformed-toml-layers", *WHATIF, "mpc", "-w", "{fx}/bad.toml", expect="TOML"),
    _c("trace-bad-header", *WHATIF, "he", "-w", "{fx}/badheader.csv", expect="header"),
    _c("trace-negative-count", *WHATIF, "he", "-w", "{fx}/negcount.csv", expect="count"),
    _c("trace-for-wrong-model", *WHATIF, "mpc", "-w", "{fx}/trace.csv", expect="he-trace"),
    _c("malformed-spec", "study", "run", "{fx}/malformed.toml", "--out", "out", expect="valid TOML"),
    _c("non-utf8-spec", "study", "run", "{fx}/nonutf8.toml", "--out", "out", expect="UTF-8"),
    _c("missing-spec", "study", "run", "{fx}/nosuchspec.toml", "--out", "out", expect="nosuchspec"),
    _c("spec-unknown-table", "study", "run", "{fx}/unknown_table.toml", "--out", "out", expect="tables"),
    _c("spec-unknown-knob", "study", "run", "{fx}/unknown_knob.toml", "--out", "out", expect="nosuchknob"),
    _c("spec-bad-direction", "study", "run", "{fx}/direction.toml", "--out", "out", expect="min or max"),
    _c("spec-negative-seed", "study", "run", "{fx}/seed.toml", "--out", "out", expect="study.seed"),
    _c("spec-unknown-solver", "study", "run", "{fx}/solver.toml", "--out", "out", expect="nosuchsolver"),
    _c("spec-bounds-low-above-high", "study", "run", "{fx}/bounds_order.toml", "--out", "out",
       expect="low exceeds high"),
    _c("spec-range-low-above-high", "study", "run", "{fx}/range_order.toml", "--out", "out",
       expect="low exceeds high"),
    _c("spec-unknown-metric", "study", "run", "{fx}/unknown_metric.toml", "--out", "out", expect="latency"),
    _c("spec-negative-param", "study", "run", "{fx}/negative_param.toml", "--out", "out", expect="rtt"),
    _c("spec-name-with-slash", "study", "run", "{fx}/name_slash.toml", expect="study.name"),
    _c("study-into-other-study", "study", "run", "{fx}/good.toml", "--out", "held", expect="held", held=True),
    _c("zero-trials", "study", "run", "{fx}/good.toml", "--out", "out", "--n-trials", "0", expect="--n-trials"),
    _c("range-bad-points", "sweep", "mpc", "-w", W, "--range", "relu_keep=0:1:x", "--out", "out",
       expect="points"),
    _c("set-and-grid-same-knob", "sweep", "mpc", "-w", W, "--set", "parties=2", "--grid", "parties=2,3",
       "--out", "out", expect="parties"),
    _c("objective-direction", "sweep", "mpc", "-w", W, "--objective", "latency_s:up", "--out", "out",
       expect="min or max"),
    _c("zero-chunk", "sweep", "mpc", "-w", W, "--chunk", "0", "--out", "out", expect="--chunk"),
    _c("grid-unknown-knob", "sweep", "mpc", "-w", W, "--grid", "nosuchknob=1,2", "--out", "out",
       expect="nosuchknob"),
    _c("sweep-default-folder-rejected", "sweep", "mpc", "-w", W, "--grid", "parties=2,2", expect="once"),
    _c("report-of-non-study", "report", "{fx}", expect="summary.json"),
    _c("argparse-bad-int", *WHATIF, "mpc", "-w", W, "--layers", "many", expect="--layers"),
    _c("calibrate-bad-option", "calibrate", "he", "--out", "cal.json", "--bogus", expect="--bogus"),
    _c("kpp-negative-sigma", "kpp", "--sigma", "-0.1", expect="sigma"),
    _c("kpp-stuck-at-rates", "kpp", "--noise", "stuck-at", "--rate-sa0", "0.7", "--rate-sa1", "0.7",
       expect="rate_sa0 + rate_sa1"),
    _c("workload-param-nan", *WHATIF, "mpc", "-w", "resnet20-cifar:classes=nan", expect="classes"),
    _c("spec-solver-option-rejected-in-solve", "study", "run", "{fx}/optuna_negative_trials.toml", "--out", "out",
       expect="n_trials"),
    _c("spec-nan-knob-value", "study", "run", "{fx}/nan_knob.toml", "--out", "out", expect="relu_keep"),
]

_SPEC_BASE = """[study]
name = "{name}"
model = "mpc"
workload = "resnet20-cifar"
solver = "{solver}"
seed = {seed}
[space]
parties = {parties}
{space}
[objectives]
{metric} = "{direction}"
{extra}
"""


def _spec(name="b", solver="sweep", seed=0, parties="[2]", space="", metric="latency_s", direction="min",
          extra="") -> str:
    return _SPEC_BASE.format(name=name, solver=solver, seed=seed, parties=parties, space=space, metric=metric,
                             direction=direction, extra=extra)


def _fixtures(fx: Path) -> None:
    fx.mkdir()
    (fx / "garbage.csv").write_bytes(bytes(range(256)) * 4)
    (fx / "notnpz.npz").write_text("not an archive\n")
    (fx / "bad.json").write_text('{"input": [1, 3, 8, 8], "layers": [')
    (fx / "bad.toml").write_text("input = [1, 3\nlayers = \n")
    (fx / "badheader.csv").write_text("operation,ring,limbs,count\nmul,16384,10,3\n")
    (fx / "negcount.csv").write_text("op,n,limbs,count\nmul,16384,10,-3\n")
    (fx / "trace.csv").write_text("op,n,limbs,count\nmul,16384,10,3\n")
    (fx / "good.toml").write_text(_spec())
    (fx / "empty_grid.toml").write_text(_spec(parties="[]"))
    (fx / "bound_ten.toml").write_text(_spec(extra='[bounds]\nlatency_s = { high = "ten" }'))
    (fx / "malformed.toml").write_text(_spec() + "\n[study\n")
    (fx / "nonutf8.toml").write_bytes(_spec().encode() + b"\n# \xff\xfe\n")
    (fx / "unknown_table.toml").write_text(_spec(extra="[knobs]\nrows = 1"))
    (fx / "unknown_knob.toml").write_text(_spec(space="nosuchknob = [1]"))
    (fx / "direction.toml").write_text(_spec(direction="up"))
    (fx / "seed.toml").write_text(_spec(seed=-1))
    (fx / "solver.toml").write_text(_spec(solver="nosuchsolver"))
    (fx / "bounds_order.toml").write_text(_spec(extra="[bounds]\nlatency_s = { low = 2.0, high = 1.0 }"))
    (fx / "range_order.toml").write_text(_spec(space="relu_keep = { low = 0.9, high = 0.1 }"))
    (fx / "unknown_metric.toml").write_text(_spec(metric="latency"))
    (fx / "negative_param.toml").write_text(_spec(extra='[params]\nrtt = "-40ms"'))
    (fx / "name_slash.toml").write_text(_spec(name="../escape"))
    (fx / "optuna_negative_trials.toml").write_text(_spec(solver="optuna", extra="[solver]\nn_trials = -1"))
    (fx / "nan_knob.toml").write_text(_spec(space="relu_keep = [nan]"))
    torch = fx / "notorch" / "torch"
    torch.mkdir(parents=True)
    (torch / "__init__.py").write_text('raise ModuleNotFoundError("No module named \'torch\'", name="torch")\n')


def _held(folder: Path) -> None:
    held = folder / "held"
    held.mkdir()
    marker = {"spec": "other.toml", "fingerprint": "0", "identity": {"name": "other", "model": "asic-systolic"}}
    (held / "spec.json").write_text(json.dumps(marker))
    (held / "results.csv").write_text("rows,latency_s\n8,1.0\n")


def _snapshot(root: Path) -> dict[str, tuple]:
    return {str(p.relative_to(root)): (p.is_dir(), p.stat().st_size if p.is_file() else 0, p.stat().st_mtime_ns)
            for p in root.rglob("*")}


@pytest.fixture(scope="module")
def battery(tmp_path_factory):
    """Run every case once (one runner process); return results by id and the two snapshots."""
    root = tmp_path_factory.mktemp("battery")
    fx = root / "fx"
    _fixtures(fx)
    repo = Path(__file__).resolve().parents[2]
    specs = []
    for case in CASES:
        cwd = root / "cases" / case.id
        cwd.mkdir(parents=True)
        if case.held:
            _held(cwd)
        argv = [a.format(fx=fx, repo=repo) for a in case.argv]
        specs.append({"id": case.id, "argv": argv, "cwd": str(cwd), "spawn": case.spawn,
                      "pythonpath": str(fx / "notorch") if case.hide_torch else None})
    (root / "cases.json").write_text(json.dumps(specs))
    before = _snapshot(root)
    proc = subprocess.run([sys.executable, str(RUNNER), str(root / "cases.json")], capture_output=True, text=True,
                          timeout=600, cwd=root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    after = _snapshot(root)
    return {r["id"]: r for r in json.loads(proc.stdout)}, before, after


def test_battery_has_at_least_40_inputs():
    """The issue asks for at least 40 bad inputs, each with its own id."""
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_rejected_in_one_line(battery, case):
    """Exit status 2, exactly one output line naming the problem, no traceback, no file or folder changed."""
    results, before, after = battery
    r = results[case.id]
    lines = (r["stdout"] + r["stderr"]).splitlines()
    assert "Traceback" not in r["stderr"] + r["stdout"], r["stderr"][-1500:]
    assert r["code"] == 2, (r["code"], lines[-3:])
    assert len(lines) == 1, lines
    assert lines[0].startswith("dse: error: "), lines[0]
    assert case.expect in lines[0], lines[0]
    changed = sorted(k for k in set(before) | set(after)
                     if (k.startswith(f"cases/{case.id}/") or k == f"cases/{case.id}" or k.startswith("fx"))
                     and before.get(k) != after.get(k))
    assert not changed, changed

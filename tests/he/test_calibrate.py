"""Calibration on real SEAL (tenseal): held-out operation mixes predicted within 20 %."""

from __future__ import annotations

import builtins
import json

import numpy as np
import pytest

from costmodels.he import get_profile
from costmodels.he.fit import Measurement, predict, relative_errors
from costmodels.he.presets import DATA, measurements
from dse.errors import DseInputError

SHIPPED = DATA / "profiles" / "seal-tenseal-vm.json"


def test_missing_tenseal_says_how_to_install(monkeypatch):
    """Without tenseal the calibrator fails with one line naming the install command."""
    from costmodels.he import calibrate

    real = builtins.__import__

    def fake(name, *a, **k):
        if name.startswith("tenseal"):
            raise ImportError("No module named 'tenseal'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(DseInputError) as err:
        calibrate.require_tenseal()
    assert "pip install tenseal" in str(err.value) and "\n" not in str(err.value)


def test_shipped_profile_predicts_its_held_out_mixes():
    """Golden: seal-tenseal-vm (tenseal 0.3.18, this VM, full grid) predicts every recorded held-out
    op mix (limb counts not in the fit) within 20 %; recomputed from the recorded op counts."""
    from costmodels.he.calibrate import MIXES

    data = json.loads(SHIPPED.read_text())
    prof = get_profile("seal-tenseal-vm")
    hold = data["calibration"]["holdout"]
    assert len(hold) >= 16
    for r in hold:
        ops = tuple((op, float(c)) for op, c in MIXES[r["ops"]].items()
                    if not (r["limbs"] < 2 and op in ("rescale", "mod_switch")))
        pred = predict(prof, Measurement(ops, r["n"], r["limbs"], r["measured_s"]))
        assert abs(pred / r["measured_s"] - 1) <= 0.20, r
    fit_limbs = {int(n): set(v) for n, v in data["calibration"]["grid"].items()}
    assert all(r["limbs"] not in fit_limbs[r["n"]] for r in hold)


def test_shipped_profile_agrees_with_independent_seal_table():
    """Peer measurement: the SEAL table measured independently [TenSEAL21; tenseal 0.3.18, measured] is
    predicted by our calibration with median error <= 15 % (its N=2^14 key-switch rows are outliers)."""
    errs = np.abs(relative_errors(get_profile("seal-tenseal-vm"), measurements("seal-cpu")))
    assert np.median(errs) <= 0.15


@pytest.mark.peer
def test_tenseal_small_calibration_measures_every_row_and_fits():
    """Live, N=8192 at 1, 2, 4 limbs (the he-tenseal-live claim's grid): every op is measured at every
    fit limb count it exists at, the four mixes at 3 limbs are held out, every time is positive, the
    key-switch ops cost more than an add at the same limbs, and each error is the fitted profile's
    own prediction. How close the prediction lands is a property of the host at the time (a busy
    SMT sibling slows SEAL 1.5x in bursts): it is reported by ``benchmarks/he_calibration.py --small``
    and by ``dse validate`` (claim he-tenseal-live), not asserted here."""
    pytest.importorskip("tenseal", reason="tenseal not installed (pip install tenseal): live calibration skipped")
    from costmodels.he.calibrate import FEATURE_OPS, MIXES, calibrate

    prof, rec = calibrate(grid={8192: (4, (1, 2, 4), (3,))}, reps=2)
    fit = {(r["ops"], r["limbs"]): r for r in rec["fit"]}
    skipped_at_one = {"rescale", "mod_switch"}  # need two limbs
    assert set(fit) == {(op, l) for l in (1, 2, 4) for op in FEATURE_OPS if not (l == 1 and op in skipped_at_one)}
    assert [r["ops"] for r in rec["holdout"]] == list(MIXES) and {r["limbs"] for r in rec["holdout"]} == {3}
    assert all(r["measured_s"] > 0 for r in rec["fit"] + rec["holdout"])
    for l in (1, 2, 4):
        assert fit[("rotate", l)]["measured_s"] > fit[("add", l)]["measured_s"]
    for r in rec["holdout"]:
        ops = tuple((op, float(c)) for op, c in MIXES[r["ops"]].items())
        again = predict(prof, Measurement(ops, 8192, 3, r["measured_s"], 4, label=r["ops"]))
        assert again == pytest.approx(r["predicted_s"], rel=1e-9)


@pytest.mark.slow
@pytest.mark.peer
def test_quick_calibration_cli_writes_a_loadable_profile(tmp_path):
    """`dse calibrate he --backend tenseal --quick --out P.json` (~20-35 s on 2 cores) writes a profile
    that loads, with its held-out error table: one row per mix and held-out (N, limbs), errors that
    are the profile's own prediction against the measurement. Its accuracy is a property of the host
    at the time, so it is reported by ``benchmarks/he_calibration.py`` (3 runs on 2026-12-06: max
    |error| 5.7-11.6 %); the 20 % criterion is held on the shipped profile's recorded calibration."""
    pytest.importorskip("tenseal", reason="tenseal not installed (pip install tenseal): live calibration skipped")
    from costmodels.he.calibrate import GRIDS, MIXES, main

    out = tmp_path / "p.json"
    assert main(["--backend", "tenseal", "--quick", "--out", str(out)]) == 0
    record = json.loads(out.read_text())["calibration"]
    prof = get_profile(str(out))
    assert prof.keyswitch == "seal"
    expected = {(name, n, limbs) for n, (_, _, held) in GRIDS["quick"].items() for limbs in held for name in MIXES}
    hold = record["holdout"]
    assert {(r["ops"], r["n"], r["limbs"]) for r in hold} == expected and len(hold) == len(expected)
    top = {n: v[0] for n, v in GRIDS["quick"].items()}
    for r in hold:  # the error column is the loaded profile's prediction against the measured time
        ops = tuple((op, float(c)) for op, c in MIXES[r["ops"]].items())
        again = predict(prof, Measurement(ops, r["n"], r["limbs"], r["measured_s"], top[r["n"]], label=r["ops"]))
        assert r["measured_s"] > 0 and again == pytest.approx(r["predicted_s"], rel=1e-9)
        assert r["rel_err"] == pytest.approx(r["predicted_s"] / r["measured_s"] - 1.0, rel=1e-9)


def test_interleaved_timer_shuffles_each_round_deterministically():
    """Every round times every function once, in a seeded order that changes between rounds."""
    from costmodels.he import calibrate as cal

    log: list[int] = []
    fns = [lambda i=i: log.append(i) for i in range(6)]
    cal.time_interleaved(fns, reps=4, min_sample_s=0.0)
    first = log[6:]  # after the six warm-up calls
    rounds = [first[6 * r:6 * r + 6] for r in range(4)]
    assert all(sorted(r) == list(range(6)) for r in rounds) and len(first) == 24
    assert len({tuple(r) for r in rounds}) > 1
    log.clear()
    cal.time_interleaved(fns, reps=4, min_sample_s=0.0)
    assert log[6:] == first


def test_interleaved_timer_recovers_costs_through_a_slow_phase(monkeypatch):
    """A virtual clock with a 1.5x slow phase covering a third of the run (as measured on the CI VM):
    timing each function's samples back to back puts the whole phase on some rows; the interleaved
    timer returns every row's true cost."""
    from costmodels.he import calibrate as cal

    now = [0.0]
    calls = [0]
    costs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]

    def make(c: float):
        def fn() -> None:
            slow = 30 <= calls[0] < 45  # calls 30-44 of the 6 warm-ups + 5 rounds x 6 functions
            now[0] += c * (1.5 if slow else 1.0)
            calls[0] += 1
        return fn

    monkeypatch.setattr(cal.time, "thread_time", lambda: now[0])
    got = cal.time_interleaved([make(c) for c in costs], reps=5, min_sample_s=0.0)
    assert got == costs
    # the same phase met back to back (row by row, 5 samples each) covers rows 4 and 5 entirely
    now[0], calls[0] = 0.0, 0
    back_to_back = [min(cal.time_interleaved([make(c)], reps=5, min_sample_s=0.0)) for c in costs]
    assert back_to_back != costs


@pytest.mark.peer
def test_seal_bench_rejects_limbs_above_its_top_and_builds_long_chains():
    """limbs above the chain's top raise (SEAL would clamp silently); a chain 60-bit primes cannot
    hold at 128-bit security (N=8192, 6 limbs) falls back to 30-bit primes and runs every op."""
    pytest.importorskip("tenseal", reason="tenseal not installed (pip install tenseal)")
    from tenseal import sealapi

    from costmodels.he.calibrate import FEATURE_OPS, SealBench

    bench = SealBench(sealapi, 8192, 6)
    assert bench.bits == [30] * 7
    for op in FEATURE_OPS:
        fn = bench.runner(op, 6)
        assert fn is not None
        fn()
    with pytest.raises(DseInputError, match="limbs"):
        bench.runner("mul", 7)
    assert SealBench(sealapi, 8192, 4).bits == [60, 30, 30, 30, 60]

"""``dse calibrate he --backend lattigo``: the shipped records, the profile built from them, the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from costmodels.he import calibrate_lattigo as cl
from costmodels.he.claims_lattigo import RUNS, _boot, _own_fit, _record
from costmodels.he.lattigo_peer import BOOT_DEFAULTS, N16QP1546H192H32, bootstrap_structure, find_lattigo
from costmodels.he.presets import DATA, get_profile
from dse.errors import DseInputError


def test_shipped_profile_rows_are_the_n16_records_fit_rows():
    """op_latency.csv's lattigo-cpu rows are exactly what profile_csv_rows writes from the N = 2^16 record."""
    shipped = [line for line in (DATA / "op_latency.csv").read_text().splitlines() if line.startswith("lattigo-cpu,")]
    assert shipped == cl.profile_csv_rows(_record("n16"))
    assert len(shipped) == 80


@pytest.mark.parametrize("run", RUNS)
def test_records_hold_out_limbs_outside_the_fit_and_cover_every_op(run):
    rec = _record(run)
    log_n = rec["log_n"]
    fit = {(r["ops"], r["limbs"]) for r in rec["fit"]}
    held = {(r["ops"], r["limbs"]) for r in rec["holdout"]}
    assert {lb for _, lb in fit} == set(cl.LIMBS["fit"]) and {lb for _, lb in held} == set(cl.LIMBS["holdout"])
    for lb in (*cl.LIMBS["fit"], *cl.LIMBS["holdout"]):
        ops = {op for op, l2 in fit | held if l2 == lb}
        assert ops == set(cl.ROW_OPS) - ({"rescale"} if lb == 1 else set()), (lb, ops)
    assert rec["top_limbs"] == 25 and rec["dnum"] == 5 and rec["bootstrap"]["slots"] == 2 ** (log_n - 1)


@pytest.mark.parametrize("run", RUNS)
def test_recorded_bootstrap_prediction_is_what_the_model_computes(run):
    """The predictions stored at calibration time equal the model's price of the stored profile now."""
    rec = _record(run)
    for key in ("bootstrap", "bootstrap_sparse"):
        if key in rec:
            assert _boot(run, _own_fit(run), key) == pytest.approx(rec[key]["predicted_s"], rel=1e-9)


def test_profile_structure_is_lattigos_default_bootstrap():
    """lattigo-cpu prices Lattigo's own bootstrap: depths, EvalMod degree and double-angle steps as
    re-derived from Lattigo v6.2.0's defaults, on the 25-prime chain with 5 special primes."""
    p = N16QP1546H192H32
    s = bootstrap_structure(16, p["log_q"], p["log_scale"])
    boot = get_profile("lattigo-cpu").boot
    assert (boot.cts_levels, boot.stc_levels, boot.evalmod_depth) == (s["depth"]["c2s"], s["depth"]["s2c"],
                                                                     s["depth"]["evalmod"])
    assert (boot.evalmod_degree, boot.double_angle) == (BOOT_DEFAULTS["mod1_degree"], BOOT_DEFAULTS["double_angle"])
    assert _record("n16")["log_q"] == s["log_q"] and _record("n16")["log_p"] == s["log_p"]


def test_anchored_profile_reproduces_the_measured_bootstrap_and_structure_alone_does_not():
    prof = get_profile("lattigo-cpu")
    measured = _record("n16")["bootstrap"]["measured_s"]
    assert _boot("n16", prof) * prof.boot_scale == pytest.approx(measured, rel=1e-3)
    assert prof.boot_scale != pytest.approx(1.0, abs=0.05)  # the structure alone misses by ~20 %


@pytest.mark.parametrize("log_n", [11, 17])
def test_bad_ring_degree_is_a_one_line_error(log_n):
    with pytest.raises(DseInputError, match="--log-n") as err:
        cl.calibrate_lattigo(log_n=log_n)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("slots", [3000, 8, 1 << 13])
def test_bad_sparse_slot_count_is_a_one_line_error(slots):
    """Sparse slots must be a power of two below N/2 (here N = 2^14: at most 2^12)."""
    with pytest.raises(DseInputError, match="--sparse-slots") as err:
        cl.calibrate_lattigo(log_n=14, sparse_slots=slots)
    assert "\n" not in str(err.value)


def test_stage_entry_rejects_an_unknown_stage():
    with pytest.raises(DseInputError, match="stage"):
        cl.main(["nope"])


@pytest.mark.peer
def test_cli_calibrates_and_predicts_a_bootstrap_end_to_end(tmp_path):
    """Live at N = 2^12 (insecure; timing only), one round: the written profile loads, every op has a
    fit row at every fit limb count, held-out rows are present, the bootstrap was timed, and the
    stored prediction is the loaded profile's price of that bootstrap. No accuracy asserted."""
    try:
        find_lattigo()
    except DseInputError as exc:
        pytest.skip(f"Lattigo peer absent: {exc}")
    out = tmp_path / "lt.json"
    res = subprocess.run([sys.executable, "-m", "dse", "calibrate", "he", "--backend", "lattigo", "--log-n", "12",
                          "--reps", "1", "--sparse-slots", "256", "--out", str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    rec = json.loads(out.read_text())["calibration"]
    assert len(rec["fit"]) == len(cl.ROW_OPS) * len(cl.LIMBS["fit"]) - 1
    assert len(rec["holdout"]) == len(cl.ROW_OPS) * len(cl.LIMBS["holdout"])
    assert all(r["measured_s"] > 0 for r in rec["fit"] + rec["holdout"]) and rec["bootstrap"]["measured_s"] > 0
    from dataclasses import replace

    import numpy as np

    from costmodels.he.bootstrap import bootstrap_latency
    from costmodels.he.presets import load_profile_json

    prof = replace(load_profile_json(out), boot_scale=1.0)
    again = float(bootstrap_latency(prof, np.asarray(4096.0), np.asarray(25.0), dnum=5.0, slots=2048))
    assert again == pytest.approx(rec["bootstrap"]["predicted_s"], rel=1e-9)
    sp = rec["bootstrap_sparse"]  # one EvalMod on a sparsely packed ciphertext: priced below the full one
    assert sp["slots"] == 256 and sp["measured_s"] > 0 and sp["structure"]["evalmod_runs"] == 1
    assert sp["predicted_s"] == pytest.approx(float(bootstrap_latency(prof, np.asarray(4096.0), np.asarray(25.0),
                                                                      dnum=5.0, slots=256)), rel=1e-9)
    assert sp["predicted_s"] < rec["bootstrap"]["predicted_s"]


def _live(claim_id: str) -> tuple[str, float, float]:
    """The gap text, live value and live relative error of one Lattigo claim."""
    from costmodels.he.claims_lattigo import claims
    from dse.claims import run_claim

    claim = next(c for c in claims() if c.id == claim_id)
    result = run_claim(claim)
    assert result.value is not None and result.error is not None, result.why
    return claim.gap, result.value, result.error


_STATED_ERROR = re.compile(r"(?:under|over)-predicted by (\d+\.\d) %|within tolerance \(([+-]\d+\.\d) %\)")


@pytest.mark.parametrize("run", [r for r in RUNS if r != "n16"])
def test_gap_text_states_the_live_error_of_its_own_claim(run):
    """A gap that quotes its claim's error is re-derived from the model: a model change that
    moves the error without updating the explanation fails here."""
    gap, _value, err = _live(f"he-boot-structure-lattigo-{run}")
    m = _STATED_ERROR.search(gap)
    assert m, gap
    stated = float(m.group(2)) if m.group(2) else float(m.group(1)) * (1 if "over" in m.group(0) else -1)
    assert err * 100 == pytest.approx(stated, abs=0.05)


def test_gap_texts_quote_the_live_bootstrap_seconds():
    """The n16 gap quotes the structural prediction; the across-run gaps quote both predictions."""
    gap, value, _err = _live("he-boot-structure-lattigo-n16")
    assert f"{value:.1f} s with it" in gap
    for run in ("n14", "n14-r2"):
        gap, value, _err = _live(f"he-boot-lattigo-{run}-from-n16")
        own = _boot(run, _own_fit(run))
        assert f"({value:.2f} vs {own:.2f} s" in gap
    errs = [_live(f"he-boot-structure-lattigo-{run}")[2] * 100 for run in ("n14", "n14-r2")]
    assert f"span {min(errs):+.1f} % to {max(errs):+.1f} %" in gap
    gap, _value, _err = _live("he-boot-lattigo-n13-from-n16")
    assert f"own fit predicts {_live('he-boot-structure-lattigo-n13')[2] * 100:+.1f} %" in gap

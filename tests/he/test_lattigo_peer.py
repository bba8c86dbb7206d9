"""Lattigo (v6.2.0 via orion-fhe 1.0.2) as a timing peer: lookup, parameter derivation, live run."""

from __future__ import annotations

import importlib.util

import pytest

from costmodels.he import lattigo_peer
from costmodels.he.lattigo_peer import N16QP1546H192H32, OPS, bootstrap_structure
from dse.errors import DseInputError

SMALL_LOG_N = 12  # smallest ring the test runs at: bootstrapping keys in ~3 s, insecure (timing only)


def test_missing_peer_says_how_to_install(monkeypatch):
    """Without orion-fhe (and no DSE_LATTIGO_SO) the lookup fails with one line naming the install."""
    monkeypatch.delenv(lattigo_peer.ENV_SO, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DseInputError) as err:
        lattigo_peer.find_lattigo()
    msg = str(err.value)
    assert "pip install --no-deps orion-fhe==1.0.2" in msg and msg.startswith("backend:") and "\n" not in msg


def test_env_override_must_name_a_file(monkeypatch, tmp_path):
    monkeypatch.setenv(lattigo_peer.ENV_SO, str(tmp_path / "nope.so"))
    with pytest.raises(DseInputError, match="DSE_LATTIGO_SO"):
        lattigo_peer.find_lattigo()


def test_default_bootstrapping_set_is_n16qp1546():
    """Re-derived Lattigo defaults on the N16QP1546H192H32 residual chain give the preset's name:
    logQP = 1546 bits, 25 Q primes (10 residual + 3 SlotsToCoeffs + 8 EvalMod + 4 CoeffsToSlots),
    5 P primes of 61 bits (the preset's LogP), dnum 5, depth 15."""
    p = N16QP1546H192H32
    s = bootstrap_structure(16, p["log_q"], p["log_scale"])
    assert s["log_qp"] == 1546 and s["q_primes"] == 25 and s["log_p"] == p["log_p"] and s["dnum"] == 5
    assert s["depth"] == {"c2s": 4, "evalmod": 8, "s2c": 3} and s["evalmod_runs"] == 2
    assert s["s2c_log_q"] == [39] * 3 and s["c2s_log_q"] == [56] * 4 and s["evalmod_log_q"] == [60] * 8
    sparse = bootstrap_structure(16, p["log_q"], p["log_scale"], log_slots=13)
    assert sparse["evalmod_runs"] == 1 and sparse["depth"] == s["depth"]


@pytest.fixture(scope="module")
def bench():
    try:
        lattigo_peer.find_lattigo()
    except DseInputError as exc:
        pytest.skip(f"Lattigo peer absent: {exc}")
    p = N16QP1546H192H32
    b = lattigo_peer.LattigoBench(SMALL_LOG_N, p["log_q"], p["log_p"], p["h"], p["log_scale"])
    yield b
    b.close()


@pytest.mark.peer
def test_every_op_runs_and_bootstrap_raises_the_level(bench):
    """Live at logN=12 (the default-bootstrapping chain, insecure at this N): every op runs at 1, 2
    and 10 limbs with a positive time, a rescale drops exactly one level, the ops keep their operands'
    level, and a bootstrap of a level-0 ciphertext returns one at the residual top level (9); the
    Go runtime was started with GOMAXPROCS=1. No accuracy is checked (timing peer). ~10 s."""
    import time

    def work() -> dict:
        out: dict = {"times": {}}
        for limbs in (1, 2, bench.top):
            for op in OPS:
                fn = bench.runner(op, limbs)
                if fn is None:
                    assert op == "rescale" and limbs == 1
                    continue
                t0 = time.perf_counter()
                for _ in range(3):
                    fn()
                out["times"][(op, limbs)] = (time.perf_counter() - t0) / 3
            out.setdefault("levels", {})[limbs] = {k: bench.level(v) for k, v in bench.operands(limbs).items() if k != "pt"}
        ct = bench.encrypt_at(bench.top)
        before = bench.level(ct)
        bench.lib.Rescale(ct)
        out["rescale"] = (before, bench.level(ct))
        run = bench.bootstrap_runner()
        x = bench.bootstrap_input()
        y = bench.bootstrap(x)
        out["boot"] = (bench.level(x), bench.level(y), int(bench.lib.GetCiphertextDegree(y)))
        bench.lib.DeleteCiphertext(y)
        t0 = time.perf_counter()
        run()
        out["boot_s"] = time.perf_counter() - t0
        return out

    out = lattigo_peer.off_main_thread(work)
    assert lattigo_peer.gomaxprocs() == "1"
    assert len(out["times"]) == 3 * len(OPS) - 1 and all(t > 0 for t in out["times"].values())
    for limbs, levels in out["levels"].items():
        assert set(levels.values()) == {limbs - 1}, levels
    assert out["rescale"] == (bench.top - 1, bench.top - 2)
    level_in, level_out, degree = out["boot"]
    assert level_in == 0 and level_out == bench.top - 1 > level_in and degree == 1
    assert out["boot_s"] > 0
    assert out["times"][("rotate", bench.top)] > out["times"][("add", bench.top)]

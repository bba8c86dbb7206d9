"""dse.accel: the optional-numba gate checks once, honours its switch and falls back on failure."""

import warnings

import pytest

from dse import accel


def test_gate_runs_the_selftest_once_and_honours_the_switch(monkeypatch):
    calls = []
    gate = accel.KernelGate("a test kernel", lambda: calls.append(1), env_switch="DSE_TEST_ACCEL")
    monkeypatch.setenv("DSE_TEST_ACCEL", "0")
    assert gate.available() is False and calls == []
    gate2 = accel.KernelGate("a test kernel", lambda: calls.append(1), env_switch="DSE_TEST_ACCEL")
    monkeypatch.setenv("DSE_TEST_ACCEL", "1")
    expected = accel.njit is not None
    assert gate2.available() is expected and gate2.available() is expected
    assert calls == ([1] if expected else [])


@pytest.mark.skipif(accel.njit is None, reason="numba not installed (.ci/setup_numba.sh)")
def test_a_failing_selftest_warns_once_and_disables_the_kernels():
    def broken() -> None:
        raise ValueError("bad kernel")

    gate = accel.KernelGate("a broken kernel", broken)
    with pytest.warns(RuntimeWarning, match="a broken kernel failed.*same numbers"):
        assert gate.available() is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gate.available() is False


def test_jit_without_numba_returns_the_function(monkeypatch):
    monkeypatch.setattr(accel, "njit", None)

    def f(x):
        return x + 1

    assert accel.jit(f, nogil=True) is f

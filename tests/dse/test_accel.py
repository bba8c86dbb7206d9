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


@pytest.mark.parametrize("env,applied", [({}, True), ({"DSE_KEEP_BATCH_MEMORY": "0"}, False),
                                         ({"MALLOC_TRIM_THRESHOLD_": "131072"}, False),
                                         ({"DSE_ASIC_KEEP_HEAP": "0"}, True)])
def test_keep_batch_memory_applies_once_unless_switched_off(env: dict, applied: bool) -> None:
    """On Linux/glibc the allocator setting is applied (True) unless switched off or tuned by the user;
    DSE_ASIC_KEEP_HEAP=0 switches off only the asic search's call. A fresh process per case."""
    import os
    import subprocess
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("glibc mallopt: Linux only")
    code = ("from dse.accel import keep_batch_memory as k; from costmodels.asic.mapping_common import keep_freed_heap as a;"
            " print(k(), k(), a())")
    clean = {key: v for key, v in os.environ.items()
             if key not in ("DSE_KEEP_BATCH_MEMORY", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "DSE_ASIC_KEEP_HEAP")}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True)
    asic = applied and env.get("DSE_ASIC_KEEP_HEAP") != "0"
    assert out.stdout.split() == [str(applied), str(applied), str(asic)]

"""`dse.kernels` stays the kernel registry after `import dse.kernels.builtin` (it used to become the subpackage)."""

from __future__ import annotations

import subprocess
import sys


def test_dse_kernels_is_registry_before_and_after_builtin_import():
    """In a fresh interpreter, dse.kernels answers get/names/entries both before and after importing the builtins."""
    code = (
        "import dse\n"
        "before = dse.kernels\n"
        "assert 'relu' in before.names() and before.get('relu').name == 'relu'\n"
        "import dse.kernels.builtin\n"
        "from dse import kernels\n"
        "assert dse.kernels is before is kernels, (dse.kernels, before)\n"
        "assert dse.kernels.get('relu').name == 'relu' and any(e.name == 'relu' for e in dse.kernels.entries())\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr


def test_register_round_trip():
    """dse.kernels.register/unregister act on the same registry as dse.registry.kernels."""
    import dse
    from dse.registry import kernels as reg

    dse.kernels.register("toy-kernel-x", object())
    try:
        assert "toy-kernel-x" in reg.names()
    finally:
        dse.kernels.unregister("toy-kernel-x")
    assert "toy-kernel-x" not in dse.kernels.names()

"""Run many ``dse`` command lines, each as its own process, and report exit status and output.

Used by ``test_bad_inputs.py``. Input: a JSON file of cases ``{"id", "argv", "cwd", "spawn",
"pythonpath"}``; output (stdout): a JSON list of ``{"id", "code", "stdout", "stderr"}``.

Two ways to start a case, both real processes running the ``dse`` entry module with the case's
argv, working directory, stdout/stderr file descriptors and exit status:

* ``spawn``: ``sys.executable -m dse ARGV`` (a fresh interpreter; ``pythonpath`` is prepended to
  ``PYTHONPATH``);
* fork (default): this runner imports the engine once, then ``fork()``\\ s one child per case, which
  runs ``python -m dse``'s ``__main__`` (:func:`runpy.run_module`) and exits with its status. It
  saves the ~1 s interpreter and import start-up per case (the battery stays fast on a busy
  machine) and is exactly the CLI code path after start-up. ``DSE_BATTERY_SPAWN=1`` spawns every
  case instead.
"""

from __future__ import annotations

import json
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

TIMEOUT_S = 120.0


def _child(case: dict[str, Any], out_path: str, err_path: str) -> None:
    """In the forked child: become ``python -m dse ARGV`` and exit with its status."""
    code = 1
    try:
        os.chdir(case["cwd"])
        for fd, path in ((1, out_path), (2, err_path)):
            f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(f, fd)
            os.close(f)
        if case.get("pythonpath"):
            sys.path.insert(0, case["pythonpath"])
        sys.argv = ["dse", *case["argv"]]
        try:
            runpy.run_module("dse", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:  # what the interpreter does with SystemExit
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                sys.stderr.write(f"{exc.code}\n")
                code = 1
        except BaseException:  # noqa: BLE001 - an uncaught exception prints a traceback, status 1
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _forked(case: dict[str, Any], scratch: Path) -> dict[str, Any]:
    out_path, err_path = str(scratch / f"{case['id']}.out"), str(scratch / f"{case['id']}.err")
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _child(case, out_path, err_path)
    deadline = time.monotonic() + TIMEOUT_S
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code: Any = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            code = "timeout"
            break
        time.sleep(0.003)
    return {"id": case["id"], "code": code, "stdout": Path(out_path).read_text(errors="replace"),
            "stderr": Path(err_path).read_text(errors="replace"), "how": "fork"}


def _spawned(case: dict[str, Any]) -> dict[str, Any]:
    env = dict(os.environ)
    if case.get("pythonpath"):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [case["pythonpath"], env.get("PYTHONPATH", "")]))
    try:
        proc = subprocess.run([sys.executable, "-m", "dse", *case["argv"]], cwd=case["cwd"], env=env,
                              capture_output=True, text=True, timeout=TIMEOUT_S)
        code: Any = proc.returncode
        out, err = proc.stdout, proc.stderr
    except subprocess.TimeoutExpired:
        code, out, err = "timeout", "", ""
    return {"id": case["id"], "code": code, "stdout": out, "stderr": err, "how": "spawn"}


def _preload() -> None:
    """Import what most commands import, once, before forking (never torch: one case hides it)."""
    import dse.cli
    from dse.registry import models

    dse.cli.build_parser()
    for name in models.names():
        try:
            models.get(name)
        except Exception:  # noqa: BLE001 - an unavailable model is reported by its own case
            continue
    import solvers.optuna_search  # noqa: F401
    import solvers.sweep  # noqa: F401
    import workloads.zoo  # noqa: F401


def main(argv: list[str]) -> int:
    cases = json.loads(Path(argv[0]).read_text())
    spawn_all = os.environ.get("DSE_BATTERY_SPAWN") == "1" or not hasattr(os, "fork")
    if not spawn_all:
        _preload()
    results = []
    with tempfile.TemporaryDirectory(prefix="dse-battery-") as scratch:
        for case in cases:
            forked = not (spawn_all or case.get("spawn") or "torch" in sys.modules)
            t0 = time.perf_counter()
            results.append(_forked(case, Path(scratch)) if forked else _spawned(case))
            results[-1]["seconds"] = round(time.perf_counter() - t0, 3)
    sys.stdout.write(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Studies and sweeps never destroy results: one study per output folder, resumed, refused or replaced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dse.cli import main
from dse.errors import DseInputError
from dse.outdir import MARKER, next_free
from dse.study import load_spec, run_study

SPEC = """[study]
name = "{name}"
model = "mpc"
workload = "resnet20-cifar"
solver = "{solver}"
[space]
parties = [2]
protocol = ["crypten", "cheetah"]
relu_keep = {keep}
[objectives]
latency_s = "min"
[solver]
{solver_options}
"""


def _spec(tmp: Path, file: str, name: str = "a", solver: str = "sweep", keep: str = "[1.0]",
          solver_options: str = "") -> Path:
    path = tmp / file
    path.write_text(SPEC.format(name=name, solver=solver, keep=keep, solver_options=solver_options))
    return path


def _snapshot(root: Path) -> dict[str, tuple]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def test_same_spec_reruns_into_its_folder_and_says_so(tmp_path):
    """A folder holding this spec (spec.json) is re-used, with a message on screen."""
    spec = load_spec(_spec(tmp_path, "a.toml"))
    out = tmp_path / "out"
    said: list[str] = []
    run_study(spec, out=out, notify=said.append)
    assert said == [] and json.loads((out / MARKER).read_text())["spec"] == str(spec.path)
    run_study(spec, out=out, notify=said.append)
    assert len(said) == 1 and str(out) in said[0]


def test_folder_holding_another_study_is_refused_and_left_unchanged(tmp_path):
    """A different spec into the folder exits with a one-line error naming the folder and the spec it holds."""
    out = tmp_path / "out"
    run_study(load_spec(_spec(tmp_path, "a.toml")), out=out)
    other = load_spec(_spec(tmp_path, "b.toml", name="b", keep="[0.5]"))
    before = _snapshot(tmp_path)
    with pytest.raises(DseInputError) as err:
        run_study(other, out=out)
    text = str(err.value)
    assert str(out) in text and "a.toml" in text and "--overwrite" in text and "\n" not in text
    assert _snapshot(tmp_path) == before


def test_overwrite_replaces_and_a_rejected_replacement_restores(tmp_path):
    """--overwrite replaces a study only when the new run succeeds; a rejected run puts the old one back."""
    out = tmp_path / "out"
    run_study(load_spec(_spec(tmp_path, "a.toml")), out=out)
    old_results = (out / "results.csv").read_text()
    too_big = load_spec(_spec(tmp_path, "big.toml", name="big", keep="{ low = 0.0, high = 1.0 }",
                              solver_options="max_points = 3"))
    with pytest.raises(DseInputError, match="max_points"):
        run_study(too_big, out=out, overwrite=True)
    assert (out / "results.csv").read_text() == old_results
    assert json.loads((out / MARKER).read_text())["identity"]["name"] == "a"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    run_study(load_spec(_spec(tmp_path, "b.toml", name="b", keep="[0.5]")), out=out, overwrite=True)
    assert json.loads((out / MARKER).read_text())["identity"]["name"] == "b"
    assert (out / "results.csv").read_text() != old_results


def test_overwrite_never_deletes_a_folder_that_is_not_a_study(tmp_path):
    """--overwrite refuses a non-empty folder holding no study output (it would delete user files)."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(DseInputError, match="only replaces study outputs"):
        run_study(load_spec(_spec(tmp_path, "a.toml")), out=out, overwrite=True)
    assert (out / "notes.txt").read_text() == "keep me" and len(list(out.iterdir())) == 1


def test_optuna_study_resumes_and_says_how_many_trials_it_holds(tmp_path):
    """Re-running an Optuna spec prints `resuming: N of M trials already in study.db` and keeps them."""
    spec = load_spec(_spec(tmp_path, "o.toml", name="o", solver="optuna", keep="{ low = 0.0, high = 1.0 }",
                           solver_options="n_trials = 4\nbatch_size = 4"))
    out = tmp_path / "out"
    said: list[str] = []
    run_study(spec, out=out, notify=said.append)
    assert said == [] and (out / "study.db").is_file()
    run_study(spec, out=out, n_trials=6, notify=said.append)
    assert said == ["resuming: 4 of 6 trials already in study.db"]


def test_sweep_writes_a_new_folder_per_run(tmp_path, monkeypatch, capsys):
    """Without --out, each `dse sweep` gets its own studies/out/sweep-<model>-<n> folder."""
    monkeypatch.chdir(tmp_path)
    argv = ["sweep", "mpc", "-w", "resnet20-cifar", "--grid", "parties=2", "--grid", "protocol=crypten",
            "--grid", "relu_keep=1"]
    assert main(argv) == 0 and main(argv) == 0
    assert sorted(p.name for p in (tmp_path / "studies" / "out").iterdir()) == ["sweep-mpc-1", "sweep-mpc-2"]
    assert next_free(tmp_path / "studies" / "out" / "sweep-mpc").name == "sweep-mpc-3"
    assert "wrote studies/out/sweep-mpc-2/" in capsys.readouterr().out


def test_atomic_write_keeps_a_special_file_in_place(tmp_path):
    """Writing a report to a FIFO (like /dev/null) writes through it, never renames a file over it."""
    import os
    import stat
    import threading

    from dse.report import atomic_write_text

    fifo = tmp_path / "sink"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(open(fifo).read()))
    reader.start()
    atomic_write_text(fifo, "hello")
    reader.join(timeout=10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and got == ["hello"]

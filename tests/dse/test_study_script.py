"""``dse.study.script_main``: the shared ``main()`` of study scripts, and ``dse.datafiles``."""

from __future__ import annotations

from pathlib import Path

import pytest

from dse.datafiles import load_toml
from dse.study import script_main


def test_script_main_passes_common_and_own_options(capsys):
    seen = {}

    def run(out, **kw):
        seen.update(out=out, **kw)
        return {"x": 1.23456789, "name": "a"}

    rc = script_main("demo", "Demo study.\nmore", run, ["--quick", "--seed", "3", "--gpu", "h100"],
                     options=lambda ap: ap.add_argument("--gpu", default="a100"))
    assert rc == 0
    assert seen == {"out": Path("studies") / "out" / "demo", "quick": True, "seed": 3, "gpu": "h100"}
    assert "{'x': 1.235, 'name': 'a'}" in capsys.readouterr().out


def test_script_main_rejects_unknown_options():
    with pytest.raises(SystemExit) as exc:
        script_main("demo", None, lambda out, **kw: {}, ["--nope"])
    assert exc.value.code == 2


def test_load_toml_reads_once_per_path(tmp_path):
    f = tmp_path / "a.toml"
    f.write_text('k = 1\n[t]\nv = "x"\n')
    assert load_toml(f) == {"k": 1, "t": {"v": "x"}}
    assert load_toml(str(f)) is load_toml(f)  # one cached parse per resolved path


def test_script_main_leaves_unset_options_to_run_and_uses_show(capsys):
    """An option left at None is not passed to run (its default applies); ``show`` replaces the print."""
    seen: dict = {}
    shown: list = []

    def run(out, n_trials=7, **kw):
        seen.update(n_trials=n_trials, **kw)
        return {"n": n_trials}

    opts = lambda ap: ap.add_argument("--n-trials", type=int, default=None)  # noqa: E731
    assert script_main("demo", None, run, [], options=opts, show=shown.append) == 0
    assert seen == {"n_trials": 7, "quick": False, "seed": 0} and shown == [{"n": 7}]
    assert script_main("demo", None, run, ["--n-trials", "3"], options=opts, show=shown.append) == 0
    assert shown[-1] == {"n": 3}
    assert capsys.readouterr().out == ""

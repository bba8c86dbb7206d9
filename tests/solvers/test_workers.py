"""Worker report collection: results sorted, failures named, a vanished child ends the wait."""

from __future__ import annotations

import multiprocessing as mp
import os

import pytest

from dse.errors import DseError
from solvers._workers import collect_reports


def _report(q, index):
    q.put((index, {"worker": index}, None))


def _fail(q, index):
    q.put((index, None, "ValueError: boom"))


def _vanish(q, index):
    os._exit(3)  # killed before reporting (as the OOM killer would)


def _run(targets):
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=t, args=(q, i + 1), daemon=True) for i, t in enumerate(targets)]
    for p in procs:
        p.start()
    return collect_reports(q, procs, {"worker": 0}, "test", poll_s=0.2)


def test_reports_sorted_by_worker():
    assert [s["worker"] for s in _run([_report, _report, _report])] == [0, 1, 2, 3]


def test_a_failed_worker_is_named():
    with pytest.raises(DseError, match="test workers failed.*worker 2: ValueError: boom"):
        _run([_report, _fail])


def test_a_vanished_worker_ends_the_wait_with_an_error():
    with pytest.raises(DseError, match="1 worker process\\(es\\) stopped without reporting"):
        _run([_report, _vanish])

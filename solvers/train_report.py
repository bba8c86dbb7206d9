"""Outputs of a training study (:mod:`solvers.optuna_train`): CSV, front, hypervolume, plot, report.

``results.csv`` (every finished trial, pruned ones with empty objectives), ``front.csv`` (the
non-dominated complete trials), ``summary.json`` (spec, solver info, hypervolume) and ``report.md``;
``front.png`` when there are two objectives. The hypervolume is of the objectives as minimised
(a ``max`` objective negated) to :func:`dse.pareto.reference_point` of the complete trials (10 %
margin) unless a reference is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dse.pareto import hypervolume, non_dominated, reference_point
from dse.report import StudyOutput, markdown_table

__all__ = ["front_of", "front_hypervolume", "write_train_outputs"]


def _signed(frame: Any, objectives: dict[str, str]) -> np.ndarray:
    return np.stack([(-1.0 if d == "max" else 1.0) * frame[m].to_numpy(float) for m, d in objectives.items()], 1)


def front_of(frame: Any, objectives: dict[str, str]) -> Any:
    """The non-dominated rows of ``frame`` among those with every objective finite."""
    ok = frame.dropna(subset=list(objectives))
    if not len(ok):
        return ok
    F = _signed(ok, objectives)
    return ok.iloc[np.flatnonzero(non_dominated(F))].sort_values(list(objectives)[-1])


def front_hypervolume(frame: Any, objectives: dict[str, str], ref: Any) -> float:
    """Hypervolume of ``frame``'s front (objectives minimised, ``max`` ones negated) up to ``ref``."""
    front = front_of(frame, objectives)
    return 0.0 if not len(front) else float(hypervolume(_signed(front, objectives), np.asarray(ref, float)))


def write_train_outputs(out: Path, result: dict[str, Any], *, name: str, description: str,
                        objectives: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    """Write the study's files into ``out``; returns the summary."""
    frame, info = result["trials"], result["info"]
    done = frame[frame.state == "COMPLETE"] if len(frame) else frame
    front = front_of(done, objectives) if len(done) else done
    hv, ref = None, None
    if len(front) and len(objectives) <= 3:
        ref = reference_point(_signed(done.dropna(subset=list(objectives)), objectives), margin=0.1)
        hv = front_hypervolume(done, objectives, ref)
    summary = {"name": name, "description": description, "kind": "train", **spec, "info": info,
               "hypervolume": hv, "reference_point": None if ref is None else ref.tolist()}
    with StudyOutput(out) as files:
        files.table("results", frame)
        files.table("front", front)
        files.json("summary", summary)
        if len(front) and len(objectives) == 2:
            files.figure("front", _plot(done, front, objectives))
        files.markdown(_report(name, description, frame, front, objectives, info, hv, ref))
    return summary


def _plot(done: Any, front: Any, objectives: dict[str, str]) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    (my, _), (mx, _) = list(objectives.items())
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(done[mx], done[my], alpha=0.4, label="complete trials")
    f = front.sort_values(mx)
    ax.step(f[mx], f[my], where="post", color="tab:red", label="front")
    ax.set_xlabel(mx)
    ax.set_ylabel(my)
    if (done[mx] > 0).all() and done[mx].max() > 10 * done[mx].min():
        ax.set_xscale("log")
    ax.legend(fontsize=8)
    return fig


def _report(name: str, description: str, frame: Any, front: Any, objectives: dict[str, str],
            info: dict[str, Any], hv: float | None, ref: Any) -> str:
    cols = [c for c in front.columns if c not in ("state", "retry_of")]
    lines = [f"# {name}", "", description, "",
             f"Trials finished: {len(frame)} ({info['n_complete']} complete, {info['n_pruned']} pruned; "
             f"{info['n_failed']} failed or recovered), {info['workers']} worker(s), storage `{info['storage']}`, "
             f"wall {info['wall_time_s']:.1f} s this run.", "",
             "## Front (" + ", ".join(f"{m} {d}" for m, d in objectives.items()) + ")", "",
             markdown_table(front[cols]) if len(front) else "(no complete trial)", ""]
    if hv is not None:
        lines += [f"Hypervolume (objectives minimised, max ones negated) to the reference point "
                  f"{np.round(ref, 6).tolist()}: **{hv:.4g}**.", ""]
    lines += ["Every complete trial's network is in `networks/` with its design (`trial<N>.json`; "
              "`whatif_args` re-prices it with `dse whatif`).", ""]
    return "\n".join(lines)

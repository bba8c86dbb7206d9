"""Study outputs written all-or-nothing: CSV tables, PNG figures, a markdown report, JSON.

:class:`StudyOutput` stages every file in a temporary folder next to ``out_dir`` and moves them
into place only when the ``with`` block ends without an error, so an interrupted or failing study
never leaves a half-written table. Figures use matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["StudyOutput", "markdown_table", "atomic_write_text"]


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class StudyOutput:
    """Collects a study's files and commits them to ``out_dir`` atomically (file by file rename)."""

    def __init__(self, out_dir: str | Path):
        self.out_dir = Path(out_dir)
        self.files: list[Path] = []
        self._stage: Path | None = None

    def __enter__(self) -> StudyOutput:
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self._stage = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.", dir=self.out_dir.parent))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self._stage is not None
        try:
            if exc_type is None:
                self.out_dir.mkdir(parents=True, exist_ok=True)
                for staged in sorted(self._stage.iterdir()):
                    os.replace(staged, self.out_dir / staged.name)
                self.files = [self.out_dir / p.name for p in self.files]
        finally:
            shutil.rmtree(self._stage, ignore_errors=True)

    def _path(self, name: str) -> Path:
        if self._stage is None:
            raise RuntimeError("use StudyOutput as a context manager")
        p = self._stage / name
        self.files.append(p)
        return p

    def table(self, name: str, frame: pd.DataFrame) -> Path:
        path = self._path(name if name.endswith(".csv") else f"{name}.csv")
        frame.to_csv(path, index=False)
        return path

    def figure(self, name: str, fig: Any) -> Path:
        path = self._path(name if name.endswith(".png") else f"{name}.png")
        fig.savefig(path, dpi=120, bbox_inches="tight")
        import matplotlib.pyplot as plt

        plt.close(fig)
        return path

    def markdown(self, text: str, name: str = "report.md") -> Path:
        path = self._path(name)
        path.write_text(text)
        return path

    def json(self, name: str, obj: Any) -> Path:
        path = self._path(name if name.endswith(".json") else f"{name}.json")
        path.write_text(json.dumps(obj, indent=2, default=_jsonable))
        return path


def _jsonable(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def markdown_table(frame: pd.DataFrame, floatfmt: str = ".4g") -> str:
    """A GitHub-flavoured markdown table (no optional ``tabulate`` dependency)."""
    cols = list(frame.columns)

    def fmt(v: Any) -> str:
        if isinstance(v, float) and v != v:  # NaN: an empty cell
            return ""
        if isinstance(v, float):
            return format(v, floatfmt)
        return str(v)

    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(fmt(v) for v in row) + " |")
    return "\n".join(lines) + "\n"

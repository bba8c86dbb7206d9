"""Reading the data files families ship next to their code (``costmodels/<family>/data``).

Every data row names its primary source (a ``source`` column citing ``docs/references.md``);
:func:`load_csv` refuses a file whose required columns are missing or empty in some row, with a
one-line :class:`~dse.errors.DseInputError` naming the file, the row and the column.
"""

from __future__ import annotations

import csv
import os
import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from dse.errors import DseInputError

__all__ = ["load_csv", "load_toml"]


@cache
def _load(path: str) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_toml(path: str | Path) -> dict[str, Any]:
    """The parsed TOML file at ``path``, read once per process (callers must not mutate it)."""
    return _load(str(Path(str(path)).resolve()))


def load_csv(path: str | os.PathLike[str],
             required: Iterable[str] = ("source",)) -> list[dict[str, str]]:
    """Rows of the CSV file at ``path`` as ``{column: text}`` dicts, in file order.

    The first line is the header. Each name in ``required`` must be a column and non-blank in
    every row; a row with more or fewer fields than the header is refused too. Values stay
    strings (callers convert them). The file is read on every call; the list is the caller's.

    Raises :class:`~dse.errors.DseInputError` with field ``"<file>, row <line>, column <name>"``
    (``line`` counts the header as line 1).
    """
    name = Path(os.fspath(path)).name
    required = tuple(required)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = tuple(reader.fieldnames or ())
        for col in required:
            if col not in header:
                raise DseInputError(f"{name}, header", ",".join(header),
                                    f"a header with a {col!r} column")
        rows: list[dict[str, str]] = []
        for row in reader:
            line = reader.line_num
            if None in row:  # more fields than the header
                extra = len(row[None])
                raise DseInputError(f"{name}, row {line}", len(header) + extra,
                                    f"{len(header)} fields as in the header")
            for col in header:
                if row[col] is None:  # fewer fields than the header
                    raise DseInputError(f"{name}, row {line}, column {col}", "(missing)",
                                        f"{len(header)} fields as in the header")
            for col in required:
                if not row[col].strip():
                    raise DseInputError(f"{name}, row {line}, column {col}", row[col],
                                        "a non-empty value")
            rows.append(row)
    return rows

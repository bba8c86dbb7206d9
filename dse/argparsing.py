"""argparse with one-line errors: the ``dse`` command line and the families' own sub-command
parsers (``dse calibrate he ...``) report a bad option as ``dse: error: ...`` and exit 2."""

from __future__ import annotations

import argparse
import sys

__all__ = ["OneLineParser"]


class OneLineParser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"dse: error: {message} (see `{self.prog} --help`)\n")
        raise SystemExit(2)

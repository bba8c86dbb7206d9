"""The ``dse`` command line: ``models``, ``workloads``, ``show``, ``whatif``, ``sweep``, ``study run``,
``report``, ``calibrate``, ``validate``, plus sub-commands contributed by families (``dse.commands``).

Bad input prints one line (``dse: error: <field>: got <value>; allowed: <...>``) and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Sequence

from .._version import __version__
from ..argparsing import OneLineParser
from ..errors import DseError, DseInputError, UnavailableError

__all__ = ["main", "build_parser"]


_Parser = OneLineParser


def build_parser() -> argparse.ArgumentParser:
    from . import listing, study, sweep, validate, whatif

    parser = _Parser(prog="dse", description="Cost models and design-space exploration for private "
                     "and hardware-accelerated neural-network inference.")
    parser.add_argument("--version", action="version", version=f"dse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    listing.add_parsers(sub)
    whatif.add_parser(sub)
    sweep.add_parser(sub)
    study.add_parsers(sub)
    validate.add_parser(sub)
    _add_calibrate(sub)
    _add_plugin_commands(sub)
    return parser


def _add_calibrate(sub: Any) -> None:
    p = sub.add_parser("calibrate", help="measure a real library and fit a model's constants",
                       description="dse calibrate FAMILY [family options]; e.g. "
                       "dse calibrate he --backend tenseal --quick --out profile.json")
    p.add_argument("family", help="family with a calibrator (see `dse models --json`)")
    p.add_argument("rest", nargs=argparse.REMAINDER, help="options passed to the family's calibrator")
    p.set_defaults(func=_run_calibrate)


def _run_calibrate(args: Any) -> int:
    from ..registry import calibrators

    return int(calibrators.get(args.family)(list(args.rest)) or 0)


def _add_plugin_commands(sub: Any) -> None:
    from ..registry import commands

    for name in commands.names():
        try:
            commands.get(name)(sub)
        except UnavailableError as exc:
            p = sub.add_parser(name, help=f"(unavailable: {exc.why})")
            p.set_defaults(func=lambda args, exc=exc: _raise(exc))


def _raise(exc: Exception) -> int:
    raise exc


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except (DseInputError, UnavailableError) as exc:
        sys.stderr.write(f"dse: error: {exc}\n")
        return 2
    except DseError as exc:
        sys.stderr.write(f"dse: error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("dse: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

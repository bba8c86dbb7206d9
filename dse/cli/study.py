"""``dse study run SPEC.toml`` and ``dse report DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["add_parsers"]


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("study", help="run a study spec (search or script)")
    ssub = p.add_subparsers(dest="study_command", metavar="ACTION", parser_class=sub._parser_class)
    r = ssub.add_parser("run", help="run SPEC.toml and write CSV + PNG + report.md")
    r.add_argument("spec", help="study spec (TOML)")
    r.add_argument("--out", type=Path, help="output folder (default studies/out/<name>); a folder holding "
                   "this spec resumes it, one holding another study is refused")
    r.add_argument("--overwrite", action="store_true",
                   help="replace the different study held in --out (kept until this run finishes)")
    r.add_argument("--storage", help="Optuna RDB URL shared by workers (default: SQLite file in --out)")
    r.add_argument("--n-trials", type=int, dest="n_trials", help="trial budget (completed trials)")
    r.add_argument("--workers", type=int, help="worker processes sharing the storage")
    r.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    r.set_defaults(func=run_study_cmd)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    rep = sub.add_parser("report", help="(re)draw tables and plots of a study output folder")
    rep.add_argument("dir", type=Path)
    rep.set_defaults(func=run_report)


def run_study_cmd(args: Any) -> int:
    import sys

    from ..errors import DseInputError
    from ..study import load_spec, run_study

    if args.n_trials is not None and args.n_trials < 1:
        raise DseInputError("--n-trials", args.n_trials, "an integer >= 1")
    if args.workers is not None and args.workers < 1:
        raise DseInputError("--workers", args.workers, "an integer >= 1")
    import time

    from ..report import written_since

    t0 = time.time()
    spec = load_spec(args.spec)
    out = run_study(spec, out=args.out, storage=args.storage, n_trials=args.n_trials, workers=args.workers,
                    progress=not args.no_progress and sys.stderr.isatty(), overwrite=args.overwrite,
                    notify=print)
    print(f"wrote {out}/ ({', '.join(written_since(out, t0))})")
    return 0


def run_report(args: Any) -> int:
    import time

    from ..plots import write_report
    from ..report import written_since

    t0 = time.time()
    out = write_report(args.dir)
    print(f"wrote {out}/ ({', '.join(written_since(out, t0))})")
    return 0

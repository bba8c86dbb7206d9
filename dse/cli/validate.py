"""``dse validate [--family F] [--kind K] [--json] [--fast] [--markdown PATH]``.

Runs the claim registry (``dse.claims``): each claim's live value against its sourced reference.
Exit 0 when every claim that ran is within its tolerance (skipped peers do not count), 1
otherwise; bad options exit 2. ``--markdown`` regenerates ``docs/validation.md`` (exit 0 once
written; the file lists the misses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["add_parser"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("validate", help="run every claim (published figure, peer, calibration) "
                       "and compare with the engine", description=__doc__)
    p.add_argument("--family", help="only this family's claims")
    p.add_argument("--kind", help="validation, calibration, peer or restatement")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--fast", action="store_true", help="leave out claims marked slow")
    p.add_argument("--no-peers", action="store_true", dest="no_peers",
                   help="list peer claims without running them")
    p.add_argument("--markdown", type=Path, metavar="PATH",
                   help="write the generated docs/validation.md to PATH (peers not run)")
    p.set_defaults(func=run)


def run(args: Any) -> int:
    from ..validate import exit_status, format_table, render_markdown, select, to_json
    from ..validate import run as run_claims

    claims = select(args.family, args.kind, fast=args.fast)
    if args.markdown is not None:
        if args.family or args.kind or args.fast:
            from ..errors import DseInputError

            raise DseInputError("--markdown", str(args.markdown),
                                "the full registry only (no --family/--kind/--fast)")
        results = run_claims(claims, peers=False)
        text = render_markdown(results)
        tmp = args.markdown.with_name(args.markdown.name + ".tmp")
        tmp.write_text(text)
        tmp.replace(args.markdown)  # nothing half-written
        bad = sum(r.status in ("fail", "error") for r in results)
        print(f"wrote {args.markdown} ({len(results)} claims, {bad} outside tolerance)")
        return 0
    results = run_claims(claims, peers=not args.no_peers)
    print(to_json(results) if args.json else format_table(results))
    return exit_status(results)

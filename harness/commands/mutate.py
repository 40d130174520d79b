"""`python -m harness mutate`: apply each catalogued regression to a copy; its tests must fail."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from harness.errors import FINDINGS, OK, USAGE, UsageError
from harness.mutate import KILLED, Outcome, Report, run_mutants, select
from harness.mutate.catalogue import MUTANTS


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `mutate` command."""
    parser = subparsers.add_parser(
        "mutate",
        help="mutation testing: each catalogued regression must be caught by its tests",
        description="Copy the tracked files to a temporary directory, apply each mutant there "
        "and run only the tests it names (-x). Exit 0: every mutant killed; 1: a mutant "
        "survived; 2: a mutant's text is not found exactly once, or its tests could not run.",
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="mutants run in parallel (default: the number of CPUs)",
    )
    parser.add_argument(
        "--mutant", action="append", default=[], metavar="ID", help="run only this mutant"
    )
    parser.add_argument(
        "--area", action="append", default=[], help="run only this area (e.g. release)"
    )
    parser.add_argument("--list", action="store_true", help="list the catalogue and exit")
    parser.set_defaults(func=_mutate)


def as_json(report: Report) -> dict[str, Any]:
    """The report as JSON: each mutant's outcome, the score per area, the totals and the time."""
    return {
        "mutants": [
            {
                "id": o.mutant.id,
                "area": o.mutant.area,
                "file": o.mutant.file,
                "reason": o.mutant.reason,
                "status": o.status,
                "killed_by": o.killer,
                "seconds": round(o.seconds, 2),
                "detail": o.detail,
            }
            for o in report.outcomes
        ],
        "areas": {
            area: {"killed": killed, "total": total}
            for area, (killed, total) in report.by_area().items()
        },
        "killed": report.killed,
        "total": len(report.outcomes),
        "score": round(report.killed / len(report.outcomes), 4) if report.outcomes else 1.0,
        "seconds": round(report.seconds, 1),
    }


def as_table(report: Report) -> str:
    """One line per mutant, then the score per area and the total."""
    lines = [f"{'mutant':<28} {'status':<9} {'s':>5}  killed by / reason"]
    for o in report.outcomes:
        what = o.killer if o.status == KILLED else f"{o.mutant.reason} {o.detail}".strip()
        lines.append(f"{o.mutant.id:<28} {o.status:<9} {o.seconds:5.1f}  {what}")
    lines.append("")
    for area, (killed, total) in report.by_area().items():
        lines.append(f"{area:<28} {killed}/{total}")
    total = len(report.outcomes)
    score = 100 * report.killed / total if total else 100.0
    lines.append(f"score: {report.killed}/{total} killed ({score:.0f} %) in {report.seconds:.0f} s")
    return "\n".join(lines) + "\n"


def _progress(outcome: Outcome) -> None:
    print(f"{outcome.status}: {outcome.mutant.id}", file=sys.stderr, flush=True)


def _mutate(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: must be at least 1")
    mutants = select(MUTANTS, args.mutant, args.area)
    if args.list:
        for m in mutants:
            print(f"{m.id:<28} {m.area:<16} {m.file}: {m.reason}")
        return OK
    report = run_mutants(mutants, jobs=args.jobs, progress=_progress)
    if args.format == "json":
        sys.stdout.write(json.dumps(as_json(report), indent=2) + "\n")
    else:
        sys.stdout.write(as_table(report))
    for outcome in report.errors:
        print(f"error: mutant {outcome.mutant.id}: {outcome.detail}", file=sys.stderr)
    if report.errors:
        return USAGE
    return FINDINGS if report.survived else OK

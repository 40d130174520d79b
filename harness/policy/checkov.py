"""Run checkov (from its own virtualenv, as a subprocess) with the catalogue's checks only.

Checkov cannot be imported here: its bc-python-hcl2 and the harness's python-hcl2 both install
the `hcl2` module. It runs offline (`--skip-download`, `BC_SKIP_MAPPING=TRUE`) and quietly; its
JSON report is parsed into Findings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import checkcache
from harness.errors import PolicyError
from harness.paths import REPO_ROOT
from harness.policy import scancache
from harness.policy.catalogue import checkov_check_ids, policy_of
from harness.policy.findings import Finding

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
# Shared with the checks (tpl_values, tpl_census), which run inside checkov and cannot import
# the harness: a test keeps the two spellings equal.
UNKNOWN_MARKER = "harness:unknown: "
CENSUS_ID = "CKV_TPL_CENSUS"
CENSUS_ABSENT = "harness:census:absent"
CENSUS_APPLIES = "harness:census:applies:"
CENSUS_REFERENCES = "harness:census:references"
CENSUS_EGRESS = "harness:census:egress"
CENSUS_READ = "harness:census:read:"
CENSUS_EVIDENCE = "harness:census:evidence:"
# Built-in checks that judge ingress only: silent on an egress rule because it does not apply.
INGRESS_ONLY = frozenset({"CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"})
TIMEOUT_SECONDS = 600


@dataclass
class CheckovReport:
    """The parts of checkov's JSON report the harness uses."""

    findings: list[Finding] = field(default_factory=list)
    unknowns: list[Finding] = field(default_factory=list)
    suppressions: list[Finding] = field(default_factory=list)
    passed: int = 0
    resource_count: int = 0
    parse_errors: list[str] = field(default_factory=list)
    # checkov's report came from harness.checkcache (same files, checks and checkov).
    cached: bool = False


def checkov_binary() -> str:
    """$HARNESS_CHECKOV, else <repo>/.venv-checkov/bin/checkov, else `checkov` on PATH."""
    configured = os.environ.get("HARNESS_CHECKOV")
    if configured:
        if not Path(configured).is_file():
            raise PolicyError(f"HARNESS_CHECKOV={configured}: no such file")
        return configured
    local = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
    if local.is_file():
        return str(local)
    found = shutil.which("checkov")
    if found:
        return found
    raise PolicyError(
        "checkov not found (looked at $HARNESS_CHECKOV, .venv-checkov/bin/checkov and PATH); "
        "`make setup` installs it into .venv-checkov"
    )


def run_checkov(target: Path, skip: list[Path] | None = None) -> CheckovReport:
    """Scan a directory (or one .tf file) with the catalogue's built-in and custom checks,
    leaving out the files in `skip` (unreadable ones, reported by the caller)."""
    document, cached = static_document(target, skip)
    report = parse_report(document, target)
    report.cached = cached
    return report


def checkov_document(target: Path, skip: list[Path] | None = None) -> Any:
    """checkov's JSON report for a directory (or one .tf file), before any mapping to policies."""
    return static_document(target, skip)[0]


def static_document(target: Path, skip: list[Path] | None = None) -> tuple[Any, bool]:
    """checkov's JSON report for a directory (or one .tf file), and whether it was cached.

    One file is scanned as its directory with the other files left out: `checkov -f` would not
    load the modules the file calls. A complete report is cached by what decides it
    (harness.policy.scancache); HARNESS_CHECK_CACHE=0 always runs checkov.
    """
    skipped = list(skip or [])
    if target.is_dir():
        directory = target
    else:
        directory = target.parent
        skipped += [
            f
            for f in directory.iterdir()
            if f.suffix in (".tf", ".tfvars") and f.name != target.name
        ]
    # Absolute: checkov's report then names no path relative to the working directory.
    directory = directory.absolute()
    where = ["-d", str(directory)]
    for path in skipped:
        where += ["--skip-path", re.escape(str(path.absolute().relative_to(directory)))]
    checks = [*checkov_check_ids(), CENSUS_ID]  # as _run passes them
    return checkcache.cached(
        lambda: scancache.scan_inputs(directory, skipped, checks, checkov_binary()),
        lambda: _run([*where, "--framework", "terraform"], target),
        keep=scancache.complete,
        encode=lambda document: scancache.stored(document, directory),
        decode=lambda document: scancache.restored(document, directory),
    )


def plan_document(plan_file: Path, repo_root: Path) -> Any:
    """checkov's JSON report for `terraform show -json` output, with the same checks; resources
    are enriched from the HCL under `repo_root` (suppression comments, file lines)."""
    where = ["-f", str(plan_file), "--repo-root-for-plan-enrichment", str(repo_root)]
    return _run([*where, "--framework", "terraform_plan"], repo_root)


def _run(arguments: list[str], target: Path) -> Any:
    """Run checkov with the catalogue's checks only and return its parsed JSON report."""
    command = [
        checkov_binary(),
        *arguments,
        "--external-checks-dir",
        str(CHECKS_DIR),
        "--check",
        ",".join([*checkov_check_ids(), CENSUS_ID]),
        "--skip-download",
        "--soft-fail",
        # No code blocks in the JSON: the harness names file and line only, and the census
        # fails every block, so they were a third of a 5,000-resource scan (json encoding).
        "--compact",
        "--output",
        "json",
    ]
    env = {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",
        # checkov gives up on a file after 10 s of parsing and calls it unparseable; a large
        # generated file takes longer: the scan's own timeout is the limit.
        "HCL_PARSE_TIMEOUT_SEC": str(TIMEOUT_SECONDS),
        "LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise PolicyError(
            f"checkov did not finish scanning {target} in {TIMEOUT_SECONDS}s"
        ) from error
    _raise_on_check_errors(done.stderr, target)
    try:
        document = json.loads(done.stdout)
    except ValueError as error:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise PolicyError(
            f"checkov failed on {target} (exit {done.returncode}): " + " | ".join(tail)
        ) from error
    return document


def reported_check_ids(document: Any) -> set[str]:
    """Every check id in a checkov JSON report: passed, failed and skipped alike."""
    reports = document if isinstance(document, list) else [document]
    return {
        str(record["check_id"])
        for report in reports
        for kind in ("passed_checks", "failed_checks", "skipped_checks")
        for record in report.get("results", {}).get(kind, [])
    }


def _raise_on_check_errors(stderr: str, target: Path) -> None:
    """A custom check that crashes reports UNKNOWN, not FAILED, and one that cannot be imported
    is left out with only a log line: treat either as a broken scan."""
    broken = [
        line
        for line in stderr.splitlines()
        if "Failed to run check" in line or "Cannot load external check" in line
    ]
    if broken:
        raise PolicyError(f"checks crashed while scanning {target}: " + " | ".join(broken[:5]))


def parse_report(document: Any, target: Path, mode: str = "static") -> CheckovReport:
    """Turn checkov's JSON (one report, a list of reports, or a bare summary) into findings.

    The census (tpl_census) says which blocks exist and which built-in checks apply to each: a
    block terraform never creates reports nothing, and an applicable check that gave no result
    (checkov drops UNKNOWN) becomes an unknown. A custom check's details marked UNKNOWN are
    unknowns too; a record is a finding only for the problems it actually found.
    """
    reports = document if isinstance(document, list) else [document]
    out = CheckovReport()
    catalogue_checks = set(checkov_check_ids())
    census: dict[tuple[str, str], dict[str, Any]] = {}
    absent: set[tuple[str, str]] = set()
    reported: set[tuple[str, str, str]] = set()
    records: list[tuple[str, dict[str, Any]]] = []
    for report in reports:
        summary = report.get("summary", report)
        out.resource_count += int(summary.get("resource_count", 0))
        results = report.get("results", {})
        out.parse_errors.extend(str(p) for p in results.get("parsing_errors", []))
        if summary.get("parsing_errors") and not results.get("parsing_errors"):
            out.parse_errors.append(
                f"{target}: {summary['parsing_errors']} file(s) failed to parse"
            )
        for kind in ("passed_checks", "failed_checks", "skipped_checks"):
            for record in results.get(kind, []):
                key = _key(record, mode)
                if record.get("check_id") == CENSUS_ID:
                    census[key] = record
                    if CENSUS_ABSENT in (record.get("details") or []):
                        absent.add(key)
                    continue
                reported.add((str(record["check_id"]), *key))
                records.append((kind, record))
    out.resource_count -= len(absent)
    # A document read from file(): checkov judged only the call (and may have passed it);
    # the census's results on the document replace those records.
    read: set[tuple[str, str, str]] = {
        (detail[len(CENSUS_READ) :].split(":", 1)[0], *key)
        for key, record in census.items()
        for detail in record.get("details") or []
        if detail.startswith(CENSUS_READ)
    }
    reported -= read
    # A built-in check that passed on a connected block terraform never creates (or may not).
    evidence: dict[tuple[str, str, str], tuple[str, str]] = {}
    for key, record in census.items():
        for detail in record.get("details") or []:
            if detail.startswith(CENSUS_EVIDENCE):
                check, state, why = detail[len(CENSUS_EVIDENCE) :].split(":", 2)
                evidence[(check, *key)] = (state, why)
    for kind, record in records:
        key = _key(record, mode)
        if key in absent or (str(record["check_id"]), *key) in read:
            continue
        void = evidence.get((str(record["check_id"]), *key))
        if kind == "passed_checks" and void:
            state, why = void
            outcome = "unknown" if state == "unknown" else "fail"
            out_list = out.unknowns if outcome == "unknown" else out.findings
            out_list.append(_finding(record, target, mode, details=[why], outcome=outcome))
        elif kind == "passed_checks":
            out.passed += 1
        elif kind == "skipped_checks":
            out.suppressions.append(_finding(record, target, mode, suppressed=True))
        else:
            details = [str(d) for d in record.get("details") or []]
            problems = [d for d in details if not d.startswith(UNKNOWN_MARKER)]
            unknowns = [d[len(UNKNOWN_MARKER) :] for d in details if d.startswith(UNKNOWN_MARKER)]
            if problems or not unknowns:
                out.findings.append(_finding(record, target, mode, details=problems))
            else:
                out.unknowns.append(
                    _finding(record, target, mode, details=unknowns, outcome="unknown")
                )
    for key, record in census.items():
        if key in absent or CENSUS_REFERENCES in (record.get("details") or []):
            continue
        applies: list[str] = next(
            (
                d[len(CENSUS_APPLIES) :].split(",")
                for d in record.get("details") or []
                if d.startswith(CENSUS_APPLIES)
            ),
            [],
        )
        egress = CENSUS_EGRESS in (record.get("details") or [])
        for detail in record.get("details") or []:
            if not detail.startswith(CENSUS_READ):
                continue
            check, outcome, name = detail[len(CENSUS_READ) :].split(":", 2)
            if check not in catalogue_checks or (check, *key) in reported:
                continue
            reported.add((check, *key))
            if outcome == "PASSED":
                out.passed += 1
            else:
                judged = {**record, "check_id": check, "check_name": name, "details": []}
                out.findings.append(
                    _finding(
                        judged, target, mode, details=["judged on the document read from file"]
                    )
                )
        for check in sorted(set(applies) & catalogue_checks):
            if (check, *key) in reported or (egress and check in INGRESS_ONLY):
                continue
            missing = {**record, "check_id": check, "check_name": "checkov gave no result"}
            detail = "a value this check reads could not be resolved (or is missing)"
            out.unknowns.append(
                _finding(missing, target, mode, details=[detail], outcome="unknown")
            )
    return out


def _key(record: dict[str, Any], mode: str) -> tuple[str, str]:
    """What identifies a block in checkov's records: its file and address; in a plan the
    address alone (checkov enriches failed records with the HCL file, not passed ones)."""
    file = "" if mode == "plan" else str(record.get("file_path", ""))
    return (file, str(record.get("resource", "")))


MESSAGE_LIMIT = 300


def clip(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """At most `limit` characters: a message names the offending rule, never a whole value."""
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _finding(
    record: dict[str, Any],
    target: Path,
    mode: str = "static",
    suppressed: bool = False,
    details: list[str] | None = None,
    outcome: str = "fail",
) -> Finding:
    """One checkov record as a Finding, its file shown under the path the user gave."""
    relative = str(record.get("file_path", "")).lstrip("/")
    base = target if target.is_dir() else target.parent
    file = str(base / relative) if relative and target.is_dir() else str(target)
    if details is None:
        details = [str(d) for d in record.get("details") or []]
    message = str(record.get("check_name", ""))
    if details:
        message += ": " + "; ".join(clip(d, 200) for d in details)
    lines = record.get("file_line_range") or [0, 0]
    return Finding(
        policy=policy_of(str(record["check_id"])),
        check=str(record["check_id"]),
        resource=str(record.get("resource", "")),
        file=file,
        line=int(lines[0]),
        message=clip(message),
        suppressed=suppressed,
        reason=str(record.get("check_result", {}).get("suppress_comment", ""))
        if suppressed
        else "",
        outcome=outcome,
        mode=mode,
    )

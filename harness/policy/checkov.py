"""Run checkov (from its own virtualenv, as a subprocess) with the catalogue's checks only.

Checkov cannot be imported here: its bc-python-hcl2 and the harness's python-hcl2 both install
the `hcl2` module. It runs offline (`--skip-download`, `BC_SKIP_MAPPING=TRUE`) and quietly; its
JSON report is parsed into Findings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import PolicyError
from harness.paths import REPO_ROOT
from harness.policy.catalogue import checkov_check_ids, policy_of
from harness.policy.findings import Finding

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
TIMEOUT_SECONDS = 600


@dataclass
class CheckovReport:
    """The parts of checkov's JSON report the harness uses."""

    findings: list[Finding] = field(default_factory=list)
    suppressions: list[Finding] = field(default_factory=list)
    passed: int = 0
    resource_count: int = 0
    parse_errors: list[str] = field(default_factory=list)


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


def run_checkov(target: Path) -> CheckovReport:
    """Scan a directory (or one .tf file) with the catalogue's built-in and custom checks."""
    return parse_report(checkov_document(target), target)


def checkov_document(target: Path) -> Any:
    """checkov's JSON report for a directory (or one .tf file), before any mapping to policies."""
    where = ["-f", str(target)] if target.is_file() else ["-d", str(target)]
    command = [
        checkov_binary(),
        *where,
        "--framework",
        "terraform",
        "--external-checks-dir",
        str(CHECKS_DIR),
        "--check",
        ",".join(checkov_check_ids()),
        "--skip-download",
        "--soft-fail",
        "--output",
        "json",
    ]
    env = {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",
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


def parse_report(document: Any, target: Path) -> CheckovReport:
    """Turn checkov's JSON (one report, a list of reports, or a bare summary) into findings."""
    reports = document if isinstance(document, list) else [document]
    out = CheckovReport()
    for report in reports:
        summary = report.get("summary", report)
        out.resource_count += int(summary.get("resource_count", 0))
        results = report.get("results", {})
        out.passed += len(results.get("passed_checks", []))
        out.parse_errors.extend(str(p) for p in results.get("parsing_errors", []))
        if summary.get("parsing_errors") and not results.get("parsing_errors"):
            out.parse_errors.append(
                f"{target}: {summary['parsing_errors']} file(s) failed to parse"
            )
        for record in results.get("failed_checks", []):
            out.findings.append(_finding(record, target))
        for record in results.get("skipped_checks", []):
            out.suppressions.append(_finding(record, target, suppressed=True))
    return out


def _finding(record: dict[str, Any], target: Path, suppressed: bool = False) -> Finding:
    """One checkov record as a Finding, its file shown under the path the user gave."""
    relative = str(record.get("file_path", "")).lstrip("/")
    base = target if target.is_dir() else target.parent
    file = str(base / relative) if relative and target.is_dir() else str(target)
    details = [str(d) for d in record.get("details") or []]
    message = str(record.get("check_name", ""))
    if details:
        message += ": " + "; ".join(details)
    lines = record.get("file_line_range") or [0, 0]
    return Finding(
        policy=policy_of(str(record["check_id"])),
        check=str(record["check_id"]),
        resource=str(record.get("resource", "")),
        file=file,
        line=int(lines[0]),
        message=message,
        suppressed=suppressed,
        reason=str(record.get("check_result", {}).get("suppress_comment", ""))
        if suppressed
        else "",
    )

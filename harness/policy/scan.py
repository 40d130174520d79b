"""One policy scan: checkov over the Terraform, the harness's checks over the Packer sources.

A scan never passes what it could not read: files that do not read or parse are reported
(file, line, column, reason) while the rest is still scanned, and values the checks could not
resolve are reported as unknowns; either makes the result incomplete.
"""

from __future__ import annotations

import time
from pathlib import Path

from harness.errors import PolicyError
from harness.policy.checkov import run_checkov
from harness.policy.findings import ScanResult, sorted_findings
from harness.policy.inputs import InputError, parse_error, read_error, read_inputs
from harness.policy.packer import PACKER_CHECKS, check_packer, packer_files


def terraform_files(target: Path) -> list[Path]:
    """Every readable `.tf` file under `target` (or `target` itself), skipping tool caches."""
    return [f for f in read_inputs(target).files if f.suffix == ".tf"]


def scan(path: Path | str) -> ScanResult:
    """Scan a directory or file; raise PolicyError when nothing at all could be scanned."""
    target = Path(path)
    if not target.exists() and not target.is_symlink():
        raise PolicyError(f"{target}: no such file or directory")
    if not target.is_dir():
        problem = read_error(target)
        if problem:
            raise PolicyError(str(problem))
    started = time.monotonic()
    result = ScanResult(path=str(target), roots=[str(target)])
    inputs = read_inputs(target)
    errors: list[InputError] = list(inputs.errors)
    tf_files = [f for f in inputs.files if f.suffix == ".tf"]
    pkr_files = [f for f in packer_files(target) if not read_error(f)]
    if not tf_files and not pkr_files:
        if errors:
            raise PolicyError("nothing could be read: " + "; ".join(map(str, errors)))
        raise PolicyError(f"{target}: no .tf or .pkr.hcl files: no resources scanned")
    if tf_files and not inputs.has_blocks and not pkr_files and not errors:
        raise PolicyError(
            f"{target}: no resources scanned (no resource, data or module block in "
            f"{len(tf_files)} .tf file(s))"
        )
    if tf_files and inputs.has_blocks:
        unreadable = [Path(e.file) for e in errors]
        report = run_checkov(target, skip=unreadable)
        result.findings.extend(report.findings)
        result.unknowns.extend(report.unknowns)
        result.suppressions.extend(report.suppressions)
        result.passed += report.passed
        result.resource_count += report.resource_count
        if report.cached:
            result.cached.append(str(target))
        errors.extend(parse_error(Path(p)) for p in report.parse_errors)
    if pkr_files:
        findings, suppressions, sources, pkr_errors = check_packer(pkr_files)
        result.findings.extend(findings)
        result.suppressions.extend(suppressions)
        result.resource_count += sources
        result.passed += sources * PACKER_CHECKS - len(findings) - len(suppressions)
    else:
        pkr_errors = []
    result.seconds = time.monotonic() - started
    result.parse_errors = sorted({str(e) for e in errors} | set(pkr_errors))
    if result.resource_count == 0 and not result.parse_errors:
        raise PolicyError(
            f"{target}: no resources scanned (the resource, data and module blocks create "
            "nothing: count = 0, an empty for_each, or modules without resources)"
        )
    result.findings = sorted_findings(result.findings)
    result.unknowns = sorted_findings(result.unknowns)
    result.suppressions = sorted(
        set(result.suppressions), key=lambda f: (f.file, f.line, f.check, f.resource)
    )
    return result

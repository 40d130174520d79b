"""One policy scan: checkov over the Terraform, the harness's checks over the Packer sources."""

from __future__ import annotations

import time
from pathlib import Path

from harness.errors import PolicyError
from harness.hcl import load_files
from harness.paths import skipped
from harness.policy.checkov import run_checkov
from harness.policy.findings import ScanResult
from harness.policy.packer import PACKER_CHECKS, check_packer, packer_files


def terraform_files(target: Path) -> list[Path]:
    """Every `.tf` file under `target` (or `target` itself), skipping tool caches."""
    if target.is_file():
        return [target] if target.suffix == ".tf" else []
    return sorted(f for f in target.rglob("*.tf") if not skipped(f, target))


def has_blocks(files: list[Path]) -> bool:
    """Pre-flight with python-hcl2: a parse error names the file and line; True if any block
    could hold a resource (checkov takes seconds to start, so hopeless scans stop here)."""
    parsed, errors = load_files(files)
    found = any(b.kind in ("resource", "data", "module") for bs in parsed.values() for b in bs)
    if errors:
        raise PolicyError("cannot parse: " + "; ".join(errors))
    return found


def scan(path: Path | str) -> ScanResult:
    """Scan a directory or file; raise PolicyError when nothing could be scanned or parsed."""
    target = Path(path)
    if not target.exists():
        raise PolicyError(f"{target}: no such file or directory")
    started = time.monotonic()
    result = ScanResult(path=str(target))
    tf_files = terraform_files(target)
    pkr_files = packer_files(target)
    if not tf_files and not pkr_files:
        raise PolicyError(f"{target}: no .tf or .pkr.hcl files: no resources scanned")
    if tf_files and not has_blocks(tf_files):
        raise PolicyError(
            f"{target}: no resources scanned (no resource, data or module block in "
            f"{len(tf_files)} .tf file(s))"
        )
    if tf_files:
        report = run_checkov(target)
        result.findings.extend(report.findings)
        result.suppressions.extend(report.suppressions)
        result.passed += report.passed
        result.resource_count += report.resource_count
        result.parse_errors.extend(report.parse_errors)
    if pkr_files:
        findings, suppressions, sources, errors = check_packer(pkr_files)
        result.findings.extend(findings)
        result.suppressions.extend(suppressions)
        result.resource_count += sources
        result.passed += sources * PACKER_CHECKS - len(findings) - len(suppressions)
        result.parse_errors.extend(errors)
    result.seconds = time.monotonic() - started
    if result.parse_errors:
        raise PolicyError("cannot parse: " + "; ".join(sorted(set(result.parse_errors))))
    if result.resource_count == 0:
        raise PolicyError(f"{target}: no resources scanned (only variables, outputs or providers?)")
    # A module instantiated by several roots reports once per root: keep one of each.
    result.findings = sorted(
        set(result.findings), key=lambda f: (f.policy, f.file, f.line, f.check)
    )
    result.suppressions = sorted(
        set(result.suppressions), key=lambda f: (f.file, f.line, f.check, f.resource)
    )
    return result

"""What a policy scan returns: findings, suppressions, and what was scanned."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One failed (or suppressed) check on one resource, mapped to its catalogue id."""

    policy: str
    check: str
    resource: str
    file: str
    line: int
    message: str
    suppressed: bool = False
    reason: str = ""
    # "fail": the check found the problem; "unknown": a value it reads could not be resolved.
    outcome: str = "fail"
    # "static": read from the HCL; "plan": read from a terraform plan's resolved values.
    mode: str = "static"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (`policy`, `check`, `resource`, `file`, `line`, `message`, ...)."""
        return asdict(self)

    @property
    def where(self) -> str:
        """`file:line`."""
        return f"{self.file}:{self.line}"


@dataclass
class ScanResult:
    """Everything one scan found."""

    path: str
    findings: list[Finding] = field(default_factory=list)
    suppressions: list[Finding] = field(default_factory=list)
    unknowns: list[Finding] = field(default_factory=list)
    passed: int = 0
    resource_count: int = 0
    parse_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    # The scanned paths as given: SARIF names files relative to their common directory.
    roots: list[str] = field(default_factory=list)
    # Scanned paths whose checkov report came from the check cache (harness.checkcache).
    cached: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No unsuppressed finding, nothing unknown, every file read."""
        return not self.findings and not self.unknowns and not self.parse_errors

    @property
    def incomplete(self) -> bool:
        """Something could not be read: a file (parse error) or a value (unknown)."""
        return bool(self.unknowns or self.parse_errors)

    def strict(self) -> ScanResult:
        """The result with every unknown counted as a finding (`--strict`)."""
        promoted = [replace(f, outcome="unknown") for f in self.unknowns]
        return replace(self, findings=sorted_findings(self.findings + promoted), unknowns=[])

    def policies(self) -> set[str]:
        """Catalogue ids with at least one unsuppressed finding."""
        return {f.policy for f in self.findings}


def sorted_findings(findings: list[Finding]) -> list[Finding]:
    """Findings without duplicates (a module used by several roots reports once per root), in
    report order."""
    return sorted(set(findings), key=lambda f: (f.policy, f.file, f.line, f.check, f.resource))

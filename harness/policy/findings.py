"""What a policy scan returns: findings, suppressions, and what was scanned."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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
    passed: int = 0
    resource_count: int = 0
    parse_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """No unsuppressed finding."""
        return not self.findings

    def policies(self) -> set[str]:
        """Catalogue ids with at least one unsuppressed finding."""
        return {f.policy for f in self.findings}

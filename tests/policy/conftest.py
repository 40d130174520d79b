"""Policy suite fixtures: each tree is scanned once per session (checkov starts in seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.paths import PACKER_DIR, TEMPLATE_DIR
from harness.policy import ScanResult, scan

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixture_scan() -> ScanResult:
    """One scan over every fixture directory; tests attribute findings by path."""
    return scan(FIXTURES)


@pytest.fixture(scope="session")
def template_scan() -> ScanResult:
    """The template's terraform/ tree (every environment and module)."""
    return scan(TEMPLATE_DIR)


@pytest.fixture(scope="session")
def packer_scan() -> ScanResult:
    """The template's packer/ directory."""
    return scan(PACKER_DIR)

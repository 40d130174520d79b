"""The report summary counts what the JUnit files say and names a broken file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.report import read_junit, summarise

pytestmark = pytest.mark.unit

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.unit.a" name="test_fast" time="0.5"/>
<testcase classname="tests.unit.a" name="test_slow" time="7.25"/>
<testcase classname="tests.unit.a" name="test_broken" time="1.0"><failure message="x"/></testcase>
<testcase classname="tests.unit.a" name="test_later" time="0.0"><skipped message="y"/></testcase>
</testsuite></testsuites>
"""


def test_report_counts_junit(tmp_path: Path) -> None:
    (tmp_path / "unit.xml").write_text(JUNIT)
    result = read_junit(tmp_path / "unit.xml")
    assert (result.passed, result.failed, result.skipped) == (2, 1, 1)
    assert result.seconds == pytest.approx(8.75)
    assert result.slowest[0] == (7.25, "tests.unit.a::test_slow")


def test_report_summary_lists_suites_findings_and_slowest(tmp_path: Path) -> None:
    (tmp_path / "unit.xml").write_text(JUNIT)
    (tmp_path / "policy.json").write_text(json.dumps([{"policy": "IMDS-01"}]))
    text = summarise(tmp_path, slowest=1)
    assert "unit" in text
    assert "policy findings on the template: 1" in text
    assert "tests.unit.a::test_slow" in text
    assert "test_fast" not in text


def test_report_without_reports_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="no JUnit XML reports"):
        summarise(tmp_path)


def test_report_broken_junit_names_file(tmp_path: Path) -> None:
    (tmp_path / "bad.xml").write_text("<testsuites>")
    with pytest.raises(HarnessError, match=r"bad\.xml: not a readable JUnit XML"):
        summarise(tmp_path)

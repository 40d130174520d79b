"""The report summary counts what the JUnit files say and names a broken file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.errors import HarnessError
from harness.report import (
    collect,
    find_reports,
    missing_reports,
    read_junit,
    split_name,
    summarise,
)

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


def _shard(passed: int, failed: int, prefix: str) -> str:
    cases = [
        f'<testcase classname="t.{prefix}" name="test_ok{i}" time="1.0"/>' for i in range(passed)
    ]
    cases += [
        f'<testcase classname="t.{prefix}" name="test_bad{i}" time="2.0"><failure/></testcase>'
        for i in range(failed)
    ]
    return f"<testsuites><testsuite>{''.join(cases)}</testsuite></testsuites>"


def test_report_merges_shards_from_artifact_subdirectories(tmp_path: Path) -> None:
    (tmp_path / "reports-gate").mkdir()
    (tmp_path / "reports-gate" / "unit.xml").write_text(JUNIT)
    for group, (passed, failed) in {"stack": (3, 1), "teardown": (2, 0)}.items():
        (tmp_path / f"reports-integration-{group}").mkdir()
        (tmp_path / f"reports-integration-{group}" / f"integration-{group}.xml").write_text(
            _shard(passed, failed, group)
        )
    suites = {s.name: s for s in collect(find_reports(tmp_path))}
    assert set(suites) == {"unit", "integration"}
    integration = suites["integration"]
    assert (integration.passed, integration.failed, integration.seconds) == (5, 1, 7.0)
    assert [s.name for s in integration.shards] == ["stack", "teardown"]
    text = summarise(tmp_path, expected=["unit", "integration-stack", "integration-teardown"])
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()}
    assert rows["integration"] == ["5", "1", "0", "7.0"]
    assert rows["stack"] == ["3", "1", "0", "5.0"]
    assert rows["total"] == ["7", "2", "1", "15.8"]
    assert "missing" not in text


def test_report_names_a_missing_shard(tmp_path: Path) -> None:
    (tmp_path / "integration-stack.xml").write_text(_shard(1, 0, "stack"))
    expected = ["integration-stack", "integration-teardown", "image"]
    assert missing_reports(["integration-stack"], expected) == ["integration-teardown", "image"]
    text = summarise(tmp_path, expected=expected)
    rows = [line.split() for line in text.splitlines()]
    assert ["teardown", "missing"] in rows
    assert ["image", "missing"] in rows
    assert text.index("integration") < text.index("teardown"), "listed under its suite"
    assert "missing reports: integration-teardown, image" in text


def test_report_shard_names_keep_their_hyphens() -> None:
    assert split_name("integration-release-flow") == ("integration", "release-flow")
    assert split_name("unit") == ("unit", None)


def test_report_suite_expectation_met_by_any_shard() -> None:
    assert missing_reports(["integration-stack"], ["integration"]) == []
    assert missing_reports(["unit"], ["integration"]) == ["integration"]


def test_report_command_exits_2_on_a_missing_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "integration-stack.xml").write_text(_shard(1, 0, "stack"))
    code = main(["report", str(tmp_path), "--expect", "integration-stack", "--expect", "app"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "app" in out
    assert "missing" in out
    assert "no report for app" in err
    assert main(["report", str(tmp_path), "--expect", "integration-stack"]) == 0


def test_report_same_name_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "unit.xml").write_text(JUNIT)
    (tmp_path / "reports-gate").mkdir()
    (tmp_path / "reports-gate" / "unit.xml").write_text(JUNIT)
    with pytest.raises(HarnessError, match=r"unit\.xml and .*unit\.xml: the same report twice"):
        summarise(tmp_path)

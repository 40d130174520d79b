"""Bad input never ends in a traceback or in exit 1: one line naming the file or option."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from harness.cli import main
from harness.commands import policy as command
from harness.policy import Finding, ScanResult
from harness.policy.report import render

pytestmark = pytest.mark.policy

BAD_TEMPLATE = """
resource "aws_launch_template" "api" {
  name_prefix = "api-"
  metadata_options {
    http_tokens                 = "optional"
    http_put_response_hop_limit = 1
  }
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      encrypted = true
    }
  }
}
"""


def test_policy_unreadable_files_are_named_and_the_rest_is_scanned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A placeholder tfvars, random bytes, a symlink loop and a dangling symlink are each named
    (with line and column where the parser gives them); the launch template is still scanned
    and its finding printed; exit 2 (incomplete)."""
    (tmp_path / "main.tf").write_text(BAD_TEMPLATE)
    (tmp_path / "terraform.tfvars").write_text("x = [YOUR IP]\n")
    (tmp_path / "random.tf").write_bytes(os.urandom(256) + b"\x00")
    (tmp_path / "loop.tf").symlink_to(tmp_path / "loop.tf")
    (tmp_path / "dangling.tf").symlink_to(tmp_path / "missing.tf")
    code = main(["policy", str(tmp_path), "--format", "json"])
    captured = capsys.readouterr()
    findings = json.loads(captured.out)
    assert code == 2
    assert {"IMDS-01"} <= {f["policy"] for f in findings}
    assert "terraform.tfvars:1:11: cannot parse HCL" in captured.err
    for name in ("random.tf", "loop.tf", "dangling.tf"):
        assert name in captured.err
    assert "Traceback" not in captured.err


INPUTS = Path(__file__).parent / "inputs"


def test_policy_placeholder_tfvars_fixture_reports_template_and_location(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """inputs/placeholder-tfvars (kept out of the shared fixture scan, which it would make
    incomplete): the bad launch template is reported, exactly; the tfvars is named with line and
    column; exit 2."""
    code = main(["policy", str(INPUTS / "placeholder-tfvars"), "--format", "json"])
    captured = capsys.readouterr()
    flagged = {(f["outcome"], f["policy"], f["resource"]) for f in json.loads(captured.out)}
    assert code == 2
    assert flagged == {("fail", "IMDS-01", "aws_launch_template.api")}
    assert "terraform.tfvars:1:11: cannot parse HCL" in captured.err
    assert "Traceback" not in captured.err


def test_policy_single_file_loads_its_modules(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One .tf file that only calls a module is scanned with the module's resources."""
    module = tmp_path / "modules" / "lt"
    module.mkdir(parents=True)
    (module / "main.tf").write_text(BAD_TEMPLATE)
    (tmp_path / "main.tf").write_text('module "lt" {\n  source = "./modules/lt"\n}\n')
    (tmp_path / "other.tf").write_text('resource "aws_s3_bucket" "x" {}\n')
    code = main(["policy", str(tmp_path / "main.tf"), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)
    assert code == 1
    assert {f["resource"] for f in findings} == {"module.lt.aws_launch_template.api"}


@pytest.mark.parametrize("case", ["directory", "missing-directory", "unwritable"])
def test_policy_bad_output_is_refused_before_the_scan(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: str,
) -> None:
    """--output to a directory, into a missing directory (not created) or an unwritable one:
    exit 2 with one line naming --output, and no scan at all."""
    monkeypatch.setattr(command, "scan", lambda path: pytest.fail("scanned anyway"))
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    output = {
        "directory": tmp_path,
        "missing-directory": tmp_path / "missing" / "policy.json",
        "unwritable": locked / "policy.json",
    }[case]
    if case == "unwritable" and os.access(locked, os.W_OK):
        pytest.skip("running as root: permissions do not stop writes")
    assert main(["policy", "x", "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert "--output" in err
    assert str(output) in err
    assert not (tmp_path / "missing").exists()


def test_policy_output_to_full_device_is_one_line(
    monkeypatch: pytest.MonkeyPatch, fixture_scan: ScanResult, capsys: pytest.CaptureFixture[str]
) -> None:
    """--output /dev/full: the write fails with one line naming --output, exit 2."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    monkeypatch.setattr(command, "scan", lambda path: fixture_scan)
    assert main(["policy", "x", "--output", "/dev/full"]) == 2
    assert "--output /dev/full" in capsys.readouterr().err


def test_policy_sarif_uris_are_relative_and_encoded(tmp_path: Path) -> None:
    """SARIF names files relative to the scanned root (uriBaseId), percent-encoded, no `..`;
    messages stay short."""
    root = tmp_path / "with space"
    (root / "sub").mkdir(parents=True)

    finding = Finding(
        "NET-01", "CKV_AWS_24", "aws_security_group.x", str(root / "sub" / "a b.tf"), 3, "m" * 5000
    )
    result = ScanResult(path=str(root), roots=[str(root)], findings=[finding])
    document = json.loads(render(result, "sarif"))
    [item] = document["runs"][0]["results"]
    location = item["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "sub/a%20b.tf", "uriBaseId": "SCANROOT"}
    assert len(item["message"]["text"]) <= 300

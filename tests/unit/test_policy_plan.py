"""Plan-resolved scanning without an account: references across modules, inputs refused early."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.policy.checks.tpl_graph import ORIGINAL_CONFIGURATION, plan_references
from harness.policy.plan import for_checkov

pytestmark = pytest.mark.unit


def _ref(*references: str) -> dict[str, Any]:
    return {"references": list(references)}


def _plan(storage_has_own_bucket: bool = False) -> dict[str, Any]:
    """module.storage calls module.bucket and attaches a policy through module.bucket.id."""
    bucket_module = {
        "resources": [{"address": "aws_s3_bucket.this", "expressions": {}}],
        "outputs": {"id": {"expression": _ref("aws_s3_bucket.this.id", "aws_s3_bucket.this")}},
    }
    storage_resources: list[dict[str, Any]] = [
        {
            "address": "aws_s3_bucket_policy.this",
            "expressions": {"bucket": _ref("module.bucket.id", "module.bucket")},
        }
    ]
    if storage_has_own_bucket:
        storage_resources.append({"address": "aws_s3_bucket.this", "expressions": {}})
    storage = {
        "resources": storage_resources,
        "module_calls": {"bucket": {"module": bucket_module, "expressions": {}}},
    }
    return {
        "configuration": {
            "root_module": {"module_calls": {"storage": {"module": storage, "expressions": {}}}}
        }
    }


def test_policy_plan_references_follow_module_outputs() -> None:
    """A reference to a module output leads to the resource behind it."""
    edges = set(plan_references(_plan()["configuration"]["root_module"]))
    assert (
        "module.storage.aws_s3_bucket_policy.this",
        "module.storage.module.bucket.aws_s3_bucket.this",
        "bucket",
    ) in edges


def test_policy_plan_rewrite_names_the_resource_for_checkov() -> None:
    """checkov gets `aws_s3_bucket.this` first in the references; terraform's configuration is
    kept beside it for the custom checks."""
    rewritten = for_checkov(_plan())
    storage = rewritten["configuration"]["root_module"]["module_calls"]["storage"]["module"]
    assert storage["resources"][0]["expressions"]["bucket"]["references"][0] == (
        "aws_s3_bucket.this"
    )
    assert rewritten[ORIGINAL_CONFIGURATION] == _plan()["configuration"]


def test_policy_plan_rewrite_never_guesses_between_same_named_resources() -> None:
    """A same-named bucket as near as the real target: no rewrite (a wrong link could pass a
    bucket that is not encrypted)."""
    rewritten = for_checkov(_plan(storage_has_own_bucket=True))
    storage = rewritten["configuration"]["root_module"]["module_calls"]["storage"]["module"]
    assert storage["resources"][0]["expressions"]["bucket"]["references"] == [
        "module.bucket.id",
        "module.bucket",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["policy"], "nothing to scan"),
        (["policy", "terraform", "--plan", "terraform/environments/global"], "not both"),
        (["policy", "terraform", "--var-file", "x.tfvars"], "--var-file only goes with --plan"),
        (["policy", "--plan", "no/such/root"], "not a directory"),
        (["policy", "--plan", "terraform", "--var-file", "no/such.tfvars"], "no .tf files"),
    ],
)
def test_policy_plan_bad_input_is_refused_before_any_account(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    """Bad --plan input: exit 2, one line, and no account is opened."""
    import harness.policy.plan as plan

    monkeypatch.setattr(plan, "moto_account", lambda progress: pytest.fail("account opened"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_policy_plan_missing_var_file_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--var-file that does not exist: exit 2 naming it."""
    (tmp_path / "main.tf").write_text('resource "aws_s3_bucket" "x" {}\n')
    assert main(["policy", "--plan", str(tmp_path), "--var-file", str(tmp_path / "no.tfvars")]) == 2
    assert "no.tfvars: no such file" in capsys.readouterr().err


def test_policy_plan_findings_name_their_block_and_module_call_skips_apply(tmp_path: Path) -> None:
    """A plan finding is moved to its own module's block (checkov's enrichment matches type and
    name only), and a skip comment on the module call that creates it suppresses it."""
    from harness.policy.findings import Finding, ScanResult
    from harness.policy.plan import hcl_sites, relocate

    (tmp_path / "modules" / "bucket").mkdir(parents=True)
    (tmp_path / "modules" / "other").mkdir(parents=True)
    (tmp_path / "main.tf").write_text(
        'module "logs" {\n  #checkov:skip=CKV_AWS_145:log delivery needs SSE-S3\n'
        '  source = "./modules/bucket"\n}\n\nmodule "data" {\n  source = "./modules/bucket"\n}\n'
    )
    (tmp_path / "modules" / "bucket" / "main.tf").write_text(
        '# a bucket\n\nresource "aws_s3_bucket" "this" {\n  bucket = "x"\n}\n'
    )
    (tmp_path / "modules" / "other" / "main.tf").write_text('resource "aws_s3_bucket" "this" {}\n')
    bucket = {"resources": [{"address": "aws_s3_bucket.this"}]}
    configuration = {
        "root_module": {
            "module_calls": {
                "logs": {"source": "./modules/bucket", "module": bucket},
                "data": {"source": "./modules/bucket", "module": bucket},
            }
        }
    }
    wrong = str(tmp_path / "modules" / "other" / "main.tf")
    findings = [
        Finding(
            "S3-01", "CKV_AWS_145", f"module.{m}.aws_s3_bucket.this", wrong, 1, "m", mode="plan"
        )
        for m in ("logs", "data")
    ]
    result = relocate(
        ScanResult(path=str(tmp_path), findings=findings), hcl_sites(configuration, tmp_path)
    )
    assert [(f.resource, f.file, f.line) for f in result.findings] == [
        ("module.data.aws_s3_bucket.this", str(tmp_path / "modules" / "bucket" / "main.tf"), 3)
    ]
    assert [(f.resource, f.reason) for f in result.suppressions] == [
        ("module.logs.aws_s3_bucket.this", "log delivery needs SSE-S3")
    ]

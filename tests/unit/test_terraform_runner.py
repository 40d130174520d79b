"""The terraform runner: CLI config, plan summaries, errors; validate on the template."""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness import terraform, validate
from harness.errors import TerraformError
from harness.hcl import Config

pytestmark = pytest.mark.unit

PLAN = {
    "resource_changes": [
        {
            "address": "module.deploy_blue.aws_launch_template.this",
            "mode": "managed",
            "type": "aws_launch_template",
            "change": {"actions": ["create"]},
        },
        {
            "address": "module.api.aws_lb.this",
            "mode": "managed",
            "type": "aws_lb",
            "change": {"actions": ["no-op"]},
        },
        {
            "address": "data.aws_ami.api",
            "mode": "data",
            "type": "aws_ami",
            "change": {"actions": ["read"]},
        },
    ],
    "planned_values": {
        "outputs": {"alb_dns_name": {"value": "x.elb"}},
        "root_module": {
            "child_modules": [
                {
                    "resources": [
                        {
                            "address": "module.deploy_blue.aws_launch_template.this",
                            "mode": "managed",
                            "type": "aws_launch_template",
                            "values": {"metadata_options": [{"http_tokens": "required"}]},
                        }
                    ]
                }
            ]
        },
    },
}


def test_plan_summary_counts_and_values() -> None:
    summary = terraform.PlanSummary.from_json(PLAN)
    assert summary.counts == {"aws_launch_template": 1, "aws_lb": 1}
    assert summary.addresses("create") == ["module.deploy_blue.aws_launch_template.this"]
    assert not summary.is_empty
    values = summary.values_of_type("aws_launch_template")
    (only,) = values.values()
    assert only["metadata_options"][0]["http_tokens"] == "required"
    assert summary.outputs == {"alb_dns_name": "x.elb"}


def test_plan_summary_empty_when_only_noops() -> None:
    plan = json.loads(json.dumps(PLAN))
    plan["resource_changes"][0]["change"]["actions"] = ["no-op"]
    assert terraform.PlanSummary.from_json(plan).is_empty


def test_cli_config_points_at_mirror(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    config = terraform.cli_config(mirror, tmp_path / "cache" / "plugins")
    text = config.read_text()
    assert f'path    = "{mirror}"' in text
    assert "filesystem_mirror" in text
    assert f'plugin_cache_dir = "{tmp_path / "cache" / "plugins"}"' in text


def test_cli_config_without_mirror_downloads(tmp_path: Path) -> None:
    text = terraform.cli_config(None, tmp_path / "plugins").read_text()
    assert "provider_installation" not in text
    assert "plugin_cache_dir" in text


def test_missing_mirror_directory_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TF_PLUGIN_MIRROR", "/nonexistent/mirror")
    with pytest.raises(TerraformError, match="TF_PLUGIN_MIRROR=/nonexistent/mirror"):
        terraform.plugin_mirror()


def test_mirror_found_in_usual_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "second" / "registry.terraform.io").mkdir(parents=True)
    monkeypatch.delenv("TF_PLUGIN_MIRROR", raising=False)
    monkeypatch.setattr(terraform, "MIRROR_CANDIDATES", (tmp_path / "first", tmp_path / "second"))
    assert terraform.plugin_mirror() == tmp_path / "second"
    monkeypatch.setattr(terraform, "MIRROR_CANDIDATES", (tmp_path / "first",))
    assert terraform.plugin_mirror() is None


def test_missing_binary_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TERRAFORM", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(TerraformError, match=r"install Terraform >= 1\.11"):
        terraform.terraform_binary()


def test_copy_template_leaves_caches_behind(tmp_path: Path) -> None:
    source = tmp_path / "terraform"
    (source / "env" / ".terraform").mkdir(parents=True)
    (source / "env" / "main.tf").write_text("")
    (source / "env" / "terraform.tfstate").write_text("{}")
    copy = terraform.copy_template(source, into=tmp_path)
    assert (copy / "env" / "main.tf").exists()
    assert not (copy / "env" / ".terraform").exists()
    assert not (copy / "env" / "terraform.tfstate").exists()


def test_template_is_terraform_fmt_clean() -> None:
    if not shutil.which("terraform"):
        pytest.skip("terraform binary not on PATH (make setup does not install it: see README)")
    assert validate.fmt_check() == []


def _validate_skip_reason() -> str | None:
    if not shutil.which("terraform"):
        return "terraform binary not on PATH"
    if terraform.plugin_mirror() is None and not terraform.provider_reachable():
        return (
            "no provider mirror (TF_PLUGIN_MIRROR or terraform's usual plugin directories) and "
            "registry.terraform.io unreachable: set TF_PLUGIN_MIRROR to a mirror holding "
            "hashicorp/aws 5.100"
        )
    return None


@pytest.fixture(scope="module")
def validation(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """Every root validated once, two at a time (provider schema loading dominates)."""
    reason = _validate_skip_reason()
    if reason:
        pytest.skip(reason)
    copy = terraform.copy_template(into=tmp_path_factory.mktemp("validate"))
    return validate.validate_all(validate.root_dirs(), copy, jobs=2)


@pytest.mark.parametrize("relative", validate.root_dirs())
def test_root_terraform_validate(validation: dict[str, str | None], relative: str) -> None:
    assert validation[relative] is None, validation[relative]


def _called_modules(configs: dict[str, Config], relative: str) -> set[str]:
    """Module directories (relative to terraform/) reached from `relative`, transitively."""
    found: set[str] = set()
    for call in configs[relative].module_calls:
        target = (terraform.TEMPLATE_DIR / relative / str(call.body["source"])).resolve()
        name = str(target.relative_to(terraform.TEMPLATE_DIR))
        if name not in found:
            found |= {name} | _called_modules(configs, name)
    return found


def test_every_module_is_validated_through_a_root(template_configs: dict[str, Config]) -> None:
    reached: set[str] = set()
    for root in validate.root_dirs():
        reached |= _called_modules(template_configs, root)
    modules = {f"modules/{d.name}" for d in (terraform.TEMPLATE_DIR / "modules").iterdir()}
    assert modules - reached == set(), "modules no root calls (so validate never checks them)"


def test_plugin_cache_lock_serialises_inits(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    inside: list[int] = []
    overlaps: list[int] = []

    def init(n: int) -> None:
        with terraform.plugin_cache_lock():
            if inside:
                overlaps.append(n)
            inside.append(n)
            time.sleep(0.02)
            inside.remove(n)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(init, range(8)))
    assert overlaps == []
    assert (tmp_path / "plugin-cache.lock").exists()


# What terraform prints when the deploy module finds no AMI (trimmed from a real apply).
NO_AMI = """
module.deploy_green.aws_autoscaling_group.this: Refreshing state... [id=p-green]
╷
│ Error: Your query returned no results. Please change your search criteria and try again.
│
│   with module.deploy_green.module.lookup.data.aws_ami.this,
│   on ../../modules/lookup/main.tf line 1, in data "aws_ami" "this":
│    1: data "aws_ami" "this" {
│
╵
╷
│ Error: Your query returned no results. Please change your search criteria and try again.
│
│   with module.deploy_green.module.lookup.data.aws_ami.this,
╵
"""


def test_terraform_failure_summary_is_one_paragraph_naming_the_address(tmp_path: Path) -> None:
    output = NO_AMI + "padding line\n" * 20000
    message = terraform.failure_summary("terraform apply failed in prod", output, tmp_path / "l")
    assert message == (
        "terraform apply failed in prod: Your query returned no results. Please change your "
        "search criteria and try again. (module.deploy_green.module.lookup.data.aws_ami.this) "
        f"(full log: {tmp_path / 'l'})"
    )


def test_terraform_failure_summary_without_diagnostics_keeps_the_last_line(tmp_path: Path) -> None:
    message = terraform.failure_summary("x failed", "a\nsegfault\n\n", tmp_path / "l")
    assert message.startswith("x failed: segfault (full log: ")


def test_terraform_var_arguments_encode_values_for_the_command_line() -> None:
    assert terraform.var_arguments({"a": "x", "n": 2, "m": {"k": [1]}}) == [
        "-var=a=x",
        "-var=n=2",
        '-var=m={"k": [1]}',
    ]


def test_terraform_failure_keeps_no_colour_codes(tmp_path: Path) -> None:
    """Seen in CI: a state-lock error arrived coloured despite -no-color."""
    coloured = (
        "\x1b[31m│\x1b[0m \x1b[0m\x1b[1m\x1b[31mError: \x1b[0m\x1b[0m"
        "\x1b[1mError acquiring the state lock\x1b[0m\n"
    )
    runner = object.__new__(terraform.Runner)
    runner.root = tmp_path
    error = runner._failure("apply", coloured, tmp_path / "log")
    assert "Error acquiring the state lock" in str(error)
    assert "\x1b" not in str(error) + error.output

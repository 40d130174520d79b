"""The template's structure: parsed with python-hcl2 and held to the design's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import rules
from harness.hcl import Config, config_dirs, load_dir
from harness.paths import SKIP_DIRS, TEMPLATE_DIR

pytestmark = pytest.mark.unit

CONFIG_DIRS = [str(d.relative_to(TEMPLATE_DIR)) for d in config_dirs(TEMPLATE_DIR)]
ENVIRONMENTS = ["environments/global", "environments/staging", "environments/production"]
# Every directory under terraform/modules/ is a module: a new one is layout-checked unasked.
MODULES = sorted(
    d.name
    for d in (TEMPLATE_DIR / "modules").iterdir()
    if d.is_dir() and d.name not in SKIP_DIRS and not d.name.startswith(".")
)
# The modules the design names; deleting or renaming one must fail, not shrink the list.
DESIGN_MODULES = ["network", "bastion", "api", "deploy", "release", "static", "state"]


def test_template_has_every_environment_and_module() -> None:
    expected = set(ENVIRONMENTS) | {f"modules/{m}" for m in DESIGN_MODULES}
    assert expected <= set(CONFIG_DIRS), f"missing: {sorted(expected - set(CONFIG_DIRS))}"


def test_module_list_is_every_module_directory() -> None:
    """MODULES holds the design's modules and every module configuration the parser finds."""
    assert MODULES, f"no module directory under {TEMPLATE_DIR / 'modules'}"
    assert set(DESIGN_MODULES) <= set(MODULES), sorted(set(DESIGN_MODULES) - set(MODULES))
    parsed = {
        d.removeprefix("modules/").split("/")[0] for d in CONFIG_DIRS if d.startswith("modules/")
    }
    assert parsed == set(MODULES), (
        f"module dirs without .tf or unlisted: {sorted(parsed ^ set(MODULES))}"
    )


@pytest.mark.parametrize("relative", CONFIG_DIRS)
def test_config_parses_to_blocks(relative: str) -> None:
    config = load_dir(TEMPLATE_DIR / relative, ("*.tf",))
    assert config.blocks, f"{relative}: no blocks parsed"


@pytest.mark.parametrize("rule", sorted(rules.ALL_MODULE_RULES))
@pytest.mark.parametrize("relative", CONFIG_DIRS)
def test_config_follows_rule(template_configs: dict[str, Config], relative: str, rule: str) -> None:
    assert rules.ALL_MODULE_RULES[rule](template_configs[relative]) == []


@pytest.mark.parametrize("relative", CONFIG_DIRS)
def test_config_pins_terraform_and_aws_provider(
    template_configs: dict[str, Config], relative: str
) -> None:
    assert rules.provider_pin_problems(template_configs[relative]) == []


@pytest.mark.parametrize("relative", ENVIRONMENTS)
def test_environment_keeps_locked_encrypted_state_in_s3(
    template_configs: dict[str, Config], relative: str
) -> None:
    assert rules.backend_problems(template_configs[relative]) == []


@pytest.mark.parametrize("relative", ENVIRONMENTS)
def test_environment_is_a_thin_root(template_configs: dict[str, Config], relative: str) -> None:
    config = template_configs[relative]
    loose = [b.address for b in config.resources()]
    assert loose == [], f"{relative} declares resources of its own: {loose}"
    for name in (
        "main.tf",
        "backend.tf",
        "providers.tf",
        "versions.tf",
        "variables.tf",
        "outputs.tf",
        "terraform.tfvars.example",
        ".terraform.lock.hcl",
    ):
        assert (TEMPLATE_DIR / relative / name).is_file(), f"{relative}/{name} is missing"


@pytest.mark.parametrize("module", MODULES)
def test_module_has_standard_files(module: str) -> None:
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (TEMPLATE_DIR / "modules" / module / name).is_file(), f"{module}/{name} missing"


def _deploy_calls(config: Config) -> list[str]:
    return sorted(
        call.name
        for call in config.module_calls
        if Path(str(call.body.get("source", ""))).name == "deploy"
    )


@pytest.mark.parametrize(
    ("relative", "expected"),
    [("environments/production", 2), ("environments/staging", 1)],
)
def test_environment_deploy_count(
    template_configs: dict[str, Config], relative: str, expected: int
) -> None:
    calls = template_configs[relative].module_calls
    count = sum(
        len(c.body["for_each"]) if isinstance(c.body.get("for_each"), (list, dict)) else 1
        for c in calls
        if Path(str(c.body.get("source", ""))).name == "deploy"
    )
    assert count == expected, (
        f"{relative}: deploy calls {_deploy_calls(template_configs[relative])}"
    )


def test_production_deploys_blue_and_green(template_configs: dict[str, Config]) -> None:
    names = " ".join(_deploy_calls(template_configs["environments/production"]))
    assert "blue" in names, f"production deploy calls: {names}"
    assert "green" in names, f"production deploy calls: {names}"

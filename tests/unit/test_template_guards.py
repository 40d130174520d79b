"""Guards on the attributes the template's security and releases rest on, read from its HCL.

Each test fails on one realistic regression (a flag flipped, a colour wired to the other
colour's group, a health check on a path the app does not serve); `python -m harness mutate`
applies those regressions to a copy and checks that these tests catch them.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import pytest

from harness.hcl import Block, Config
from harness.paths import APP_DIR

pytestmark = pytest.mark.unit

COLOURS = ("blue", "green")
PUBLIC_ACCESS_FLAGS = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)
ROUTER = APP_DIR / "lib" / "hello_world" / "router.ex"
# `def route("GET", "/v1/"), do: {200, ...}`: a path the app answers with 200.
_OK_ROUTE = re.compile(r'def route\("GET", "([^"]+)"\), do: \{200,')


def _resources(configs: dict[str, Config], type_: str) -> list[Block]:
    return [block for config in configs.values() for block in config.resources(type_)]


T = TypeVar("T")


def _only(items: list[T], what: str) -> T:
    assert len(items) == 1, f"expected one {what}, found {len(items)}: {items}"
    return items[0]


def _module(config: Config, name: str) -> Block:
    return _only([m for m in config.module_calls if m.name == name], f"module {name}")


def _variable_default(config: Config, name: str) -> Any:
    variable = next((v for v in config.variables if v.name == name), None)
    assert variable is not None, f"{config.path}: no variable {name}"
    return variable.default


def test_template_guards_every_public_access_block_sets_all_four_flags(
    template_configs: dict[str, Config],
) -> None:
    """S3-01: every public access block blocks and ignores public ACLs and policies."""
    blocks = _resources(template_configs, "aws_s3_bucket_public_access_block")
    assert blocks, "the template declares no aws_s3_bucket_public_access_block"
    for block in blocks:
        wrong = [flag for flag in PUBLIC_ACCESS_FLAGS if block.body.get(flag) is not True]
        assert not wrong, f"{block.where}: {', '.join(wrong)} not true"


def test_template_guards_bucket_ownership_disables_acls(
    template_configs: dict[str, Config],
) -> None:
    """S3-01: every bucket's ownership controls enforce the owner (ACLs disabled)."""
    blocks = _resources(template_configs, "aws_s3_bucket_ownership_controls")
    assert blocks, "the template declares no aws_s3_bucket_ownership_controls"
    for block in blocks:
        rules = block.body.get("rule", [])
        owners = [rule.get("object_ownership") for rule in rules]
        assert owners == ["BucketOwnerEnforced"], f"{block.where}: object_ownership {owners}"


def test_template_guards_state_bucket_keeps_versions(
    template_configs: dict[str, Config],
) -> None:
    """The state bucket is versioned: the bucket module enables versioning unless told not to,
    and neither the state module nor bootstrap tells it not to."""
    bucket = template_configs["modules/bucket"]
    assert _variable_default(bucket, "enable_versioning") is True
    versioning = _only(bucket.resources("aws_s3_bucket_versioning"), "aws_s3_bucket_versioning")
    statuses = [c.get("status") for c in versioning.body.get("versioning_configuration", [])]
    assert statuses == ['${var.enable_versioning ? "Enabled" : "Suspended"}'], (
        f"{versioning.where}: status {statuses}"
    )
    state_bucket = _module(template_configs["modules/state"], "bucket")
    assert state_bucket.body.get("enable_versioning", True) is True, state_bucket.where
    state = _module(template_configs["bootstrap"], "state")
    assert state.body.get("source") == "../modules/state", state.where
    assert not any("versioning" in key for key in state.body), f"{state.where}: versioning set"


@pytest.mark.parametrize("colour", COLOURS)
def test_template_guards_production_deploy_uses_its_own_colour(
    template_configs: dict[str, Config], colour: str
) -> None:
    """Each colour's deploy module runs that colour, sized by and attached to that colour."""
    deploy = _module(template_configs["environments/production"], f"deploy_{colour}")
    body = deploy.body
    assert body.get("colour") == colour, f"{deploy.where}: colour {body.get('colour')}"
    expected = {
        "target_group_arn": f'${{module.api.target_group_arns["{colour}"]}}',
        "version_tag": f'${{var.colours["{colour}"].version}}',
        "desired_capacity": f'${{var.colours["{colour}"].capacity}}',
        "max_capacity": f'${{var.colours["{colour}"].capacity * 5}}',
    }
    wrong = {key: body.get(key) for key, value in expected.items() if body.get(key) != value}
    assert not wrong, f"{deploy.where}: {wrong}"


def test_template_guards_production_passes_every_colour_weight(
    template_configs: dict[str, Config],
) -> None:
    """Production hands the api module each colour with its own weight."""
    api = _module(template_configs["environments/production"], "api")
    assert api.body.get("colours") == (
        "${{for colour, c in var.colours : colour => {weight = c.weight}}}"
    ), f"{api.where}: colours {api.body.get('colours')}"


def test_template_guards_listener_forwards_to_every_colour_with_its_weight(
    template_configs: dict[str, Config],
) -> None:
    """The HTTPS listener's weighted forward has one target group per colour, each with the
    weight of that colour."""
    api = template_configs["modules/api"]
    https = _only([r for r in api.resources("aws_lb_listener") if r.name == "https"], "https")
    actions = https.body.get("default_action", [])
    assert [a.get("type") for a in actions] == ["forward"], f"{https.where}: {actions}"
    forward = _only(actions[0].get("forward", []), "forward block")
    dynamics = [d["target_group"] for d in forward.get("dynamic", []) if "target_group" in d]
    group = _only(dynamics, "dynamic target_group")
    assert group.get("for_each") == "${var.colours}", f"{https.where}: {group.get('for_each')}"
    content = _only(group.get("content", []), "target_group content")
    assert content == {
        "arn": "${aws_lb_target_group.this[target_group.key].arn}",
        "weight": "${target_group.value.weight}",
    }, f"{https.where}: {content}"
    assert "target_group" not in forward, f"{https.where}: a fixed target_group beside the colours"


def test_template_guards_colour_rules_route_each_colour_to_its_group(
    template_configs: dict[str, Config],
) -> None:
    """The X-Colour rules send each colour to its own target group."""
    api = template_configs["modules/api"]
    rule = _only(api.resources("aws_lb_listener_rule"), "aws_lb_listener_rule")
    assert rule.body.get("for_each") == "${var.colours}"
    targets = [a.get("target_group_arn") for a in rule.body.get("action", [])]
    assert targets == ["${aws_lb_target_group.this[each.key].arn}"], f"{rule.where}: {targets}"
    headers = [h for c in rule.body.get("condition", []) for h in c.get("http_header", [])]
    assert headers == [{"http_header_name": "X-Colour", "values": ["${each.key}"]}], (
        f"{rule.where}: {headers}"
    )


def test_template_guards_target_groups_one_per_colour(
    template_configs: dict[str, Config],
) -> None:
    """The API's target groups are one per colour, checked over HTTP on the traffic port."""
    api = template_configs["modules/api"]
    group = _only(api.resources("aws_lb_target_group"), "aws_lb_target_group")
    assert group.body.get("for_each") == "${var.colours}", group.where
    check = _only(group.body.get("health_check", []), "health_check")
    expected = {
        "enabled": True,
        "path": "${var.health_check_path}",
        "port": "traffic-port",
        "protocol": "HTTP",
        "matcher": "200",
    }
    wrong = {key: check.get(key) for key, value in expected.items() if check.get(key) != value}
    assert not wrong, f"{group.where}: health_check {wrong}"


def _served_paths() -> set[str]:
    return set(_OK_ROUTE.findall(ROUTER.read_text(encoding="utf-8")))


def test_template_guards_router_serves_some_path() -> None:
    """The router pattern still reads the app's routes (else the next test proves nothing)."""
    assert _served_paths(), f"{ROUTER}: no GET route answering 200"


def test_template_guards_health_check_path_is_served_by_the_app(
    template_configs: dict[str, Config],
) -> None:
    """The target groups check a path the app answers with 200, by default and in every
    environment that overrides it."""
    served = _served_paths()
    default = _variable_default(template_configs["modules/api"], "health_check_path")
    assert default in served, f"health_check_path default {default!r} not in {sorted(served)}"
    for key, config in template_configs.items():
        for call in config.module_calls:
            if str(call.body.get("source", "")).endswith("modules/api"):
                path = call.body.get("health_check_path", default)
                assert path in served, f"{call.where}: health_check_path {path!r} ({key})"


def test_template_guards_deploy_group_registers_in_its_target_group_with_elb_health(
    template_configs: dict[str, Config],
) -> None:
    """The deploy group registers in the target group it is given, replaces instances the ALB
    finds unhealthy, and keeps its capacity as the floor (min_size) the release tool sets."""
    deploy = template_configs["modules/deploy"]
    group = _only(deploy.resources("aws_autoscaling_group"), "aws_autoscaling_group")
    expected = {
        "target_group_arns": ["${var.target_group_arn}"],
        "health_check_type": "ELB",
        "min_size": "${var.desired_capacity}",
        "max_size": "${var.desired_capacity == 0 ? 0 : "
        "max(var.desired_capacity, var.max_capacity)}",
    }
    wrong = {
        key: group.body.get(key) for key, value in expected.items() if group.body.get(key) != value
    }
    assert not wrong, f"{group.where}: {wrong}"


def test_template_guards_listener_tls_policy_is_tls13(template_configs: dict[str, Config]) -> None:
    """ALB-01: the HTTPS listener's TLS policy defaults to, and is validated as, a TLS 1.3 one."""
    api = template_configs["modules/api"]
    default = _variable_default(api, "ssl_policy")
    assert str(default).startswith("ELBSecurityPolicy-TLS13-"), default
    variable = next(v for v in api.variables if v.name == "ssl_policy")
    conditions = [str(v.get("condition")) for v in variable.validations]
    assert conditions == ['${startswith(var.ssl_policy, "ELBSecurityPolicy-TLS13-")}'], conditions

"""Blue/green on production in the seeded account, stage by stage, invariant after each step.

Stages: deploy (a broken build, then a good one), validate (the X-Colour header rule),
switch (promote, rollback, promote again), teardown (retire; the session destroys the rest).
Under moto target health is control-plane state: a build is made unhealthy by publishing
its AMI with the tag harness:health=unhealthy (see harness/shims).
"""

from __future__ import annotations

import pytest

from harness.account import publish_ami
from harness.bluegreen import ReleaseError, ReleaseTool, check_invariant, status_json, status_table
from harness.platform import TerraformPlatform, try_colour
from harness.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def platform(stack: Stack) -> TerraformPlatform:
    """Production applied with blue live at v1.0.0 (with every other environment)."""
    stack.ensure_all()
    return TerraformPlatform.for_stack(stack)


@pytest.fixture(scope="module")
def tool(platform: TerraformPlatform) -> ReleaseTool:
    """The release tool with a short health timeout (moto answers at once)."""
    return ReleaseTool(platform, progress=print, timeout=20.0, interval=2.0)


def listener_weights(platform: TerraformPlatform) -> dict[str, int]:
    """Weights of the HTTPS listener's forward, per colour, read from the load balancer."""
    outputs = platform.outputs()
    elbv2 = platform.clients("elbv2")
    listener = elbv2.describe_listeners(ListenerArns=[outputs["https_listener_arn"]])
    groups = listener["Listeners"][0]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    by_arn = {arn: colour for colour, arn in outputs["target_group_arns"].items()}
    return {by_arn[g["TargetGroupArn"]]: int(g["Weight"]) for g in groups}


def test_deploy_unhealthy_colour_leaves_traffic(
    stack: Stack, platform: TerraformPlatform, tool: ReleaseTool
) -> None:
    """A build whose targets fail health: no weight moves, the error names green and what it saw."""
    if stack.account.kind != "moto":
        pytest.skip("makes a build unhealthy through the moto shim target_health_from_ami_tag")
    publish_ami(
        stack.account,
        "api",
        "production",
        "v1.9.0",
        extra_tags={"harness:health": "unhealthy"},
    )
    with pytest.raises(ReleaseError, match=r"green failed.*0/2 targets healthy.*unhealthy"):
        tool.deploy("v1.9.0")
    assert listener_weights(platform) == {"blue": 100, "green": 0}
    check_invariant(platform, platform.read())


def test_deploy_new_version_to_idle_colour(
    stack: Stack, platform: TerraformPlatform, tool: ReleaseTool
) -> None:
    """v2.0.0 goes to green with blue's capacity; green becomes healthy; blue keeps traffic."""
    publish_ami(stack.account, "api", "production", "v2.0.0")
    release = tool.deploy("v2.0.0")
    assert release.colours["green"].version == "v2.0.0"
    assert platform.health("green").healthy == release.colours["green"].capacity == 2
    assert listener_weights(platform) == {"blue": 100, "green": 0}


def test_validate_idle_colour_through_header_rule(platform: TerraformPlatform) -> None:
    """X-Colour: green reaches green's target group before green takes traffic."""
    seen = try_colour(platform, "green")
    assert "2 healthy" in seen


def test_switch_promote_in_steps(platform: TerraformPlatform, tool: ReleaseTool) -> None:
    """Weights move 10 -> 50 -> 100 and the listener agrees; the invariant holds."""
    tool.promote((10, 50, 100))
    assert listener_weights(platform) == {"blue": 0, "green": 100}
    check_invariant(platform, platform.read())


def test_switch_rollback_returns_traffic(platform: TerraformPlatform, tool: ReleaseTool) -> None:
    """Blue still has capacity: rollback gives it all traffic back."""
    tool.rollback()
    assert listener_weights(platform) == {"blue": 100, "green": 0}
    tool.promote((100,))
    assert listener_weights(platform) == {"blue": 0, "green": 100}


def test_teardown_retire_scales_old_colour_and_blocks_rollback(
    stack: Stack, platform: TerraformPlatform, tool: ReleaseTool
) -> None:
    """Retire empties blue's group; rollback is then refused with the reason."""
    tool.retire()
    asg = stack.output("production")["autoscaling_group_names"]["blue"]
    group = stack.account.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[asg]
    )["AutoScalingGroups"][0]
    assert group["DesiredCapacity"] == 0
    with pytest.raises(ReleaseError, match="rollback refused: blue"):
        tool.rollback()


def test_validate_status_reports_both_colours(tool: ReleaseTool) -> None:
    """Status: green live at v2.0.0 with 2 healthy, blue retired; table and JSON."""
    rows = {r.colour: r for r in tool.status()}
    assert (rows["green"].live, rows["green"].version, rows["green"].healthy) == (True, "v2.0.0", 2)
    assert (rows["blue"].capacity, rows["blue"].weight, rows["blue"].healthy) == (0, 0, 0)
    assert "green" in status_table(list(rows.values()))
    assert '"live": true' in status_json(list(rows.values()))

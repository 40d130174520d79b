"""Blue/green on production in the seeded account, stage by stage, invariant after each step,
with traffic through the listener the whole time.

Stages: deploy (two broken builds, then a good one), validate (the X-Colour header rule),
switch (promote to 50, roll back from 50, promote in steps to 100), teardown (retire; the
session destroys the rest). Under moto target health is measured by the data plane's probes
(harness.dataplane): a build is broken by publishing its release with a checksum that does
not match (its instances never start the service) or from a copy of the app whose health
path answers 500. A bounded load runs from the first deploy to retire; the last test judges
it: no failed request, each colour's share within the binomial bound of its weight, every
X-Colour: green request served by green, and no request ever served by a broken build.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.account import publish_ami
from harness.bluegreen import ReleaseError, ReleaseTool, check_invariant, status_json, status_table
from harness.paths import APP_DIR
from harness.platform import TerraformPlatform, listener_url, try_colour
from harness.stack import Stack
from harness.traffic import Load, failed, share_problems, summarise, table

pytestmark = pytest.mark.integration

BROKEN_VERSIONS = ("1.9.0", "1.9.1")


@pytest.fixture(scope="module")
def platform(stack: Stack) -> TerraformPlatform:
    """Production applied with blue live at v1.0.0 (with every other environment)."""
    stack.ensure_all()
    return TerraformPlatform.for_stack(stack)


@pytest.fixture(scope="module")
def tool(platform: TerraformPlatform) -> ReleaseTool:
    """The release tool with a short health timeout (the data plane's scaled checks)."""
    return ReleaseTool(platform, progress=print, timeout=30.0, interval=1.0)


@pytest.fixture(scope="module")
def traffic(platform: TerraformPlatform) -> Iterator[Load]:
    """A bounded load through the HTTPS listener for the whole module; 10 % of requests
    carry X-Colour: green once green is up."""
    load = Load(
        listener_url(platform), clients=4, rate=30, max_requests=30_000, max_seconds=1500,
        header_share=0.1,
    )  # fmt: skip
    load.start()
    yield load
    load.stop()


def listener_weights(platform: TerraformPlatform) -> dict[str, int]:
    """Weights of the HTTPS listener's forward, per colour, read from the load balancer."""
    outputs = platform.outputs()
    elbv2 = platform.clients("elbv2")
    listener = elbv2.describe_listeners(ListenerArns=[outputs["https_listener_arn"]])
    groups = listener["Listeners"][0]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
    by_arn = {arn: colour for colour, arn in outputs["target_group_arns"].items()}
    return {by_arn[g["TargetGroupArn"]]: int(g["Weight"]) for g in groups}


def failing_health_app(into: Path) -> Path:
    """A copy of the app whose health path /v1/ answers 500 (built by the test only)."""
    copy = into / "app"
    shutil.copytree(APP_DIR, copy, ignore=shutil.ignore_patterns("_build", "deps"))
    router = copy / "lib" / "hello_world" / "router.ex"
    text = router.read_text(encoding="utf-8")
    broken = text.replace('route("GET", "/v1/"), do: {200,', 'route("GET", "/v1/"), do: {500,')
    assert broken != text, "the app's health route moved: update failing_health_app"
    router.write_text(broken, encoding="utf-8")
    server = copy / "lib" / "hello_world" / "server.ex"
    text = server.read_text(encoding="utf-8")
    server.write_text(
        text.replace('defp reason(404), do: "Not Found"',
                     'defp reason(404), do: "Not Found"\n  defp reason(500), do: "Error"'),
        encoding="utf-8",
    )  # fmt: skip
    return copy


def test_deploy_unhealthy_colour_leaves_traffic(
    stack: Stack, platform: TerraformPlatform, tool: ReleaseTool, traffic: Load
) -> None:
    """A build whose release fails its checksum: no weight moves, the error names green."""
    if stack.account.kind != "moto":
        pytest.skip("publishes a broken release through the moto data plane")
    traffic.stage("deploy broken checksum")
    publish_ami(stack.account, "api", "production", f"v{BROKEN_VERSIONS[0]}", unhealthy=True)
    with pytest.raises(ReleaseError, match=r"green failed.*0/2 targets healthy.*unhealthy"):
        tool.deploy(f"v{BROKEN_VERSIONS[0]}")
    assert listener_weights(platform) == {"blue": 100, "green": 0}
    check_invariant(platform, platform.read())


def test_deploy_build_failing_its_health_path_is_refused(
    stack: Stack, platform: TerraformPlatform, tool: ReleaseTool, traffic: Load, tmp_path: Path
) -> None:
    """A build that starts but answers 500 on /v1/: deploy refused, blue keeps 100 %."""
    if stack.account.kind != "moto":
        pytest.skip("builds a broken release through the moto data plane")
    traffic.stage("deploy failing /v1/")
    version = f"v{BROKEN_VERSIONS[1]}"
    publish_ami(stack.account, "api", "production", version, app_dir=failing_health_app(tmp_path))
    with pytest.raises(ReleaseError, match=r"green failed.*0/2 targets healthy.*unhealthy"):
        tool.deploy(version)
    assert listener_weights(platform) == {"blue": 100, "green": 0}
    check_invariant(platform, platform.read())


def test_deploy_new_version_to_idle_colour(
    stack: Stack, platform: TerraformPlatform, tool: ReleaseTool, traffic: Load
) -> None:
    """v2.0.0 goes to green with blue's capacity; green becomes healthy; blue keeps traffic."""
    traffic.stage("deploy v2.0.0")
    publish_ami(stack.account, "api", "production", "v2.0.0")
    release = tool.deploy("v2.0.0")
    assert release.colours["green"].version == "v2.0.0"
    assert platform.health("green").healthy == release.colours["green"].capacity == 2
    assert listener_weights(platform) == {"blue": 100, "green": 0}


def test_validate_idle_colour_through_header_rule(
    platform: TerraformPlatform, traffic: Load
) -> None:
    """X-Colour: green reaches green (20 requests, all answered by green's v2.0.0)."""
    traffic.stage("try")
    traffic.header("green")
    seen = try_colour(platform, "green")
    assert "2 healthy" in seen
    assert "20/20 GET /version from green 2.0.0" in seen


def test_switch_rollback_from_half_returns_traffic(
    platform: TerraformPlatform, tool: ReleaseTool, traffic: Load
) -> None:
    """Promote 10 -> 50, then roll back from 50: blue has all the traffic again."""
    for step in (10, 50):
        traffic.stage(f"promote {step}")
        tool.promote((step,))
        assert listener_weights(platform) == {"blue": 100 - step, "green": step}
    traffic.stage("rollback from 50")
    tool.rollback()
    assert listener_weights(platform) == {"blue": 100, "green": 0}
    check_invariant(platform, platform.read())


def test_switch_promote_in_steps(
    platform: TerraformPlatform, tool: ReleaseTool, traffic: Load
) -> None:
    """Weights move 10 -> 50 -> 100 and the listener agrees; the invariant holds."""
    for step in (10, 50, 100):
        traffic.stage(f"promote {step} again" if step < 100 else "promote 100")
        tool.promote((step,))
        assert listener_weights(platform) == {"blue": 100 - step, "green": step}
    check_invariant(platform, platform.read())


def test_teardown_retire_scales_old_colour_and_blocks_rollback(
    stack: Stack, platform: TerraformPlatform, tool: ReleaseTool, traffic: Load
) -> None:
    """Retire empties blue's group; rollback is then refused with the reason."""
    traffic.stage("retire")
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


def test_traffic_through_the_whole_release(traffic: Load) -> None:
    """No failed request from the first deploy to retire; shares within the binomial bound
    of the weights that routed them; X-Colour: green always green; broken builds unseen."""
    samples = traffic.stop()
    print("\n" + table(summarise(samples)))
    assert failed(samples) == []
    assert share_problems(samples) == []
    versions = {s.version for s in samples}
    assert versions == {"1.0.0", "2.0.0"}, versions
    assert not versions & set(BROKEN_VERSIONS)
    all_green = [s for s in samples if s.weights == {"blue": 0, "green": 100}]
    assert all_green, "no request was routed by the final weights"
    assert {s.colour for s in all_green} == {"green"}
    stages = {r.name: r for r in summarise(samples)}
    assert stages["rollback from 50"].requests > 0
    assert sum(r.header_requests for r in stages.values()) > 0

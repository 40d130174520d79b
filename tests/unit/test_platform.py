"""The release platform's reading of what is live and its naming of failures (fake account)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.bluegreen import Colour, Release
from harness.errors import ReleaseLocked, TerraformError, UsageError
from harness.platform import COLOURS_FILE, TerraformPlatform, colours_json

pytestmark = pytest.mark.unit

TG = {"blue": "arn:tg/blue", "green": "arn:tg/green"}


@dataclass
class FakeRunner:
    root: Path
    weights_recorded: dict[str, int]

    def output(self) -> dict[str, Any]:
        return {
            "https_listener_arn": "arn:listener",
            "colours": {
                c: {
                    "target_group_arn": TG[c],
                    "autoscaling_group_name": f"asg-{c}",
                    "weight": self.weights_recorded[c],
                }
                for c in TG
            },
        }


class FakeClient:
    """elbv2, autoscaling and ec2 answers for a listener at `weights`."""

    def __init__(self, weights: dict[str, int], versions: dict[str, str]) -> None:
        self.weights, self.versions = weights, versions

    def describe_listeners(self, ListenerArns: list[str]) -> dict[str, Any]:
        groups = [{"TargetGroupArn": TG[c], "Weight": w} for c, w in self.weights.items()]
        return {"Listeners": [{"DefaultActions": [{"ForwardConfig": {"TargetGroups": groups}}]}]}

    def describe_auto_scaling_groups(self, AutoScalingGroupNames: list[str]) -> dict[str, Any]:
        colour = AutoScalingGroupNames[0].removeprefix("asg-")
        return {
            "AutoScalingGroups": [
                {"MinSize": 2, "LaunchTemplate": {"LaunchTemplateId": colour, "Version": "3"}}
            ]
        }

    def describe_launch_template_versions(self, **kwargs: Any) -> dict[str, Any]:
        image = f"ami-{kwargs['LaunchTemplateId']}"
        return {"LaunchTemplateVersions": [{"LaunchTemplateData": {"ImageId": image}}]}

    def describe_images(self, ImageIds: list[str]) -> dict[str, Any]:
        colour = ImageIds[0].removeprefix("ami-")
        return {"Images": [{"Tags": [{"Key": "version", "Value": self.versions[colour]}]}]}


def platform(tmp_path: Path, live: dict[str, int], recorded: dict[str, int]) -> TerraformPlatform:
    client = FakeClient(live, {"blue": "v1", "green": "v2"})
    return TerraformPlatform(
        runner=FakeRunner(tmp_path, recorded),  # type: ignore[arg-type]
        clients=lambda service: client,
        environment="production",
        label="production (test)",
    )


def test_platform_reads_what_is_live_not_what_was_written(tmp_path: Path) -> None:
    """Killed at the 50 % step: the file says 50/50, terraform recorded 50/50, the listener
    still forwards 90/10: the release read is 90/10, and both disagreements are named."""
    p = platform(tmp_path, live={"blue": 90, "green": 10}, recorded={"blue": 50, "green": 50})
    wanted = Release(
        colours={"blue": Colour("v1", 2, 50), "green": Colour("v2", 2, 50)}, candidate="green"
    )
    (tmp_path / COLOURS_FILE).write_text(colours_json(wanted))
    (tmp_path / ".terraform").mkdir()
    (tmp_path / ".terraform/harness-release.json").write_text(
        json.dumps({"candidate": "green", "pending": "promote green to 50%"})
    )
    applied = p.read()
    assert applied.colours == {"blue": Colour("v1", 2, 90), "green": Colour("v2", 2, 10)}
    assert applied.candidate == "green"
    notes = p.disagreements(applied)
    assert len(notes) == 2
    assert notes[0].startswith("the last apply did not finish (promote green to 50%): ")
    assert "asks for blue v1 x2 50% / green v2 x2 50%" in notes[0]
    assert "live is blue v1 x2 90% / green v2 x2 10%" in notes[0]
    assert "state records weights {'blue': 50, 'green': 50}" in notes[1]


def test_platform_relative_weights_become_percentages(tmp_path: Path) -> None:
    p = platform(tmp_path, live={"blue": 1, "green": 3}, recorded={"blue": 25, "green": 75})
    assert {c: col.weight for c, col in p.applied().colours.items()} == {"blue": 25, "green": 75}


def test_platform_names_a_held_state_lock_with_its_holder(tmp_path: Path) -> None:
    p = platform(tmp_path, live={"blue": 100, "green": 0}, recorded={"blue": 100, "green": 0})
    output = (
        "Error: Error acquiring the state lock\n\nLock Info:\n  ID:        1f2e\n"
        "  Path:      b/production/terraform.tfstate\n  Operation: OperationTypeApply\n"
        "  Who:       root@host1\n  Created:   2026-12-01 05:00:00 +0000 UTC\n"
    )
    error = p.explain(TerraformError("apply failed", output=output), p.read())
    assert isinstance(error, ReleaseLocked)
    assert "ID 1f2e" in str(error)
    assert "Who root@host1" in str(error)
    assert f"python -m harness bluegreen unlock --env {tmp_path}" in str(error)


def test_platform_names_a_missing_ami(tmp_path: Path) -> None:
    p = platform(tmp_path, live={"blue": 100, "green": 0}, recorded={"blue": 100, "green": 0})
    release = p.read().with_colour("green", version="v9.9.9", capacity=2)
    output = (
        "│ Error: Your query returned no results. Please change your search criteria\n│\n"
        "│   with module.deploy_green.data.aws_ami.this,\n"
    )
    error = p.explain(TerraformError("apply failed", output=output, log="/l"), release)
    assert isinstance(error, UsageError)
    assert str(error).startswith("no AMI for api/production/v9.9.9: publish it first")


def test_platform_failed_apply_leaves_the_desired_file_at_what_is_live(tmp_path: Path) -> None:
    """A version that cannot apply must not stay in the tfvars: later plans would all fail."""
    p = platform(tmp_path, live={"blue": 100, "green": 0}, recorded={"blue": 100, "green": 0})
    output = (
        "│ Error: Your query returned no results.\n"
        "│   with module.deploy_green.data.aws_ami.this,\n"
    )

    def fail() -> str:
        raise TerraformError("apply failed", output=output, log="/l")

    p.runner.apply = fail  # type: ignore[method-assign]
    live = p.read()
    with pytest.raises(UsageError, match=r"no AMI for api/production/v9\.9\.9"):
        p.apply(live.with_colour("green", version="v9.9.9", capacity=2), "deploy v9.9.9 to green")
    assert p.desired() == Release(colours=live.colours)
    assert p.disagreements(p.read()) == []

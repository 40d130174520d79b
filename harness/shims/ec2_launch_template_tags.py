"""Shim: launch template versions hold what AWS holds (no template tags, decoded user data)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.shims._patch import patch


def apply() -> None:
    """moto copies a launch template's own tags into its launch data, so every plan updates it.

    CreateLaunchTemplate's TagSpecifications (resource type `launch-template`) tag the
    template itself; moto also appends them to LaunchTemplateData.TagSpecifications, so
    the AWS provider reads back a `tag_specifications` block nobody wrote and plans a new
    template version (and an autoscaling group update) on every run. This drops the
    `launch-template` entries from the version's launch data, as AWS does.

    Also: CreateLaunchTemplateVersion stores UserData as the raw string, and the
    autoscaling group launching from that version fails an assertion (HTTP 500), so every
    apply that changes a launch template hangs; the user data is parsed as on create.
    """
    from moto.ec2.models.launch_templates import LaunchTemplateVersion
    from moto.ec2.utils import parse_user_data

    @patch(LaunchTemplateVersion, "__init__")
    def __init__(
        original: Callable[..., Any],
        self: LaunchTemplateVersion,
        template: Any,
        number: int,
        data: dict[str, Any],
        description: str,
    ) -> None:
        specs = data.get("TagSpecifications")
        if specs:
            kept = [s for s in specs if s.get("ResourceType") != "launch-template"]
            data = (
                {**data, "TagSpecifications": kept}
                if kept
                else {k: v for k, v in data.items() if k != "TagSpecifications"}
            )
        if isinstance(data.get("UserData"), str):
            data = {**data, "UserData": parse_user_data(data["UserData"])}
        original(self, template, number, data, description)

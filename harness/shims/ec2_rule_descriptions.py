"""Shim: security group rules that reference a group keep their description."""

from __future__ import annotations


def apply() -> None:
    """moto drops the description of group-referencing rules, so every plan rewrites them.

    For a rule whose source is another security group, the description arrives in the
    UserIdGroupPairs entry; moto keeps it there but DescribeSecurityGroupRules reads it
    only from the CIDR range, so `aws_vpc_security_group_*_rule` resources with a
    `referenced_security_group_id` plan an update on every run. This reads the
    description from either place, as AWS reports it.
    """
    from moto.ec2.models.security_groups import SecurityGroupRule

    if getattr(SecurityGroupRule.description.fget, "_harness_shim", False):  # type: ignore[attr-defined]
        return

    def description(self: SecurityGroupRule) -> str | None:
        return self.ip_range.get("Description") or self.source_group.get("Description")

    shimmed = property(description)
    shimmed.fget._harness_shim = True  # type: ignore[union-attr]
    SecurityGroupRule.description = shimmed  # type: ignore[method-assign,assignment]

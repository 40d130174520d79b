"""Shim: security group rules that reference a group keep their description."""

from __future__ import annotations

from harness.shims._patch import define


def apply() -> None:
    """moto drops the description of group-referencing rules, so every plan rewrites them.

    For a rule whose source is another security group, the description arrives in the
    UserIdGroupPairs entry; moto keeps it there but DescribeSecurityGroupRules reads it
    only from the CIDR range, so `aws_vpc_security_group_*_rule` resources with a
    `referenced_security_group_id` plan an update on every run. This reads the
    description from either place, as AWS reports it.
    """
    from moto.ec2.models.security_groups import SecurityGroupRule

    @define(SecurityGroupRule, "description", as_property=True)
    def description(self: SecurityGroupRule) -> str | None:
        return self.ip_range.get("Description") or self.source_group.get("Description")

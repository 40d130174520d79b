"""Shim: subnets report their IPv6 associations as AWS does, and can be filtered by them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.shims._patch import define, patch

FILTERS = {
    "ipv6-cidr-block-association.association-id": lambda a: a["associationId"],
    "ipv6-cidr-block-association.ipv6-cidr-block": lambda a: a["ipv6CidrBlock"],
    "ipv6-cidr-block-association.state": lambda a: a["ipv6CidrBlockState"]["State"],
}


def apply() -> None:
    """moto garbles subnet IPv6 association states and rejects filters on them; IPv6 subnets fail.

    The AWS provider waits for a subnet's IPv6 association by filtering DescribeSubnets on
    `ipv6-cidr-block-association.association-id` and reading `Ipv6CidrBlockState.State`.
    moto raises FilterNotImplementedError (HTTP 500) for the filter, and nests the state
    dict inside itself (State = "{'State': 'associated'}"), so the waiter never sees
    `associated`. This answers the three documented association filters and reports the
    state as the plain string AWS returns.
    """
    from moto.ec2.models.subnets import Subnet

    @patch(Subnet, "get_filter_value")
    def get_filter_value(
        original: Callable[..., Any],
        self: Subnet,
        filter_name: str,
        method_name: str | None = None,
    ) -> Any:
        if filter_name in FILTERS:
            return [FILTERS[filter_name](a) for a in self.ipv6_cidr_block_associations.values()]
        return original(self, filter_name, method_name)

    @define(Subnet, "ipv6_cidr_block_association_set", as_property=True)
    def association_set(self: Subnet) -> list[dict[str, Any]]:
        return [
            {
                "ipv6CidrBlock": a["ipv6CidrBlock"],
                "associationId": a["associationId"],
                "ipv6CidrBlockState": {"state": a["ipv6CidrBlockState"]["State"]},
            }
            for a in self.ipv6_cidr_block_associations.values()
            if a["ipv6CidrBlockState"]["State"] == "associated"
        ]

"""Shim: subnets report their IPv6 associations as AWS does, and can be filtered by them."""

from __future__ import annotations

from typing import Any

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

    if getattr(Subnet.get_filter_value, "_harness_shim", False):
        return
    original = Subnet.get_filter_value

    def get_filter_value(self: Subnet, filter_name: str, method_name: str | None = None) -> Any:
        if filter_name in FILTERS:
            return [FILTERS[filter_name](a) for a in self.ipv6_cidr_block_associations.values()]
        return original(self, filter_name, method_name)

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

    get_filter_value._harness_shim = True  # type: ignore[attr-defined]
    Subnet.get_filter_value = get_filter_value  # type: ignore[method-assign]
    Subnet.ipv6_cidr_block_association_set = property(association_set)  # type: ignore[assignment,method-assign]

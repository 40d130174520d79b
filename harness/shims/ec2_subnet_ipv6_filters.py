"""Shim: DescribeSubnets understands the ipv6-cidr-block-association filters."""

from __future__ import annotations

from typing import Any

FILTERS = {
    "ipv6-cidr-block-association.association-id": lambda a: a["associationId"],
    "ipv6-cidr-block-association.ipv6-cidr-block": lambda a: a["ipv6CidrBlock"],
    "ipv6-cidr-block-association.state": lambda a: a["ipv6CidrBlockState"]["State"],
}


def apply() -> None:
    """moto rejects DescribeSubnets filters on ipv6-cidr-block-association.*, so IPv6 subnets stall.

    The AWS provider waits for a subnet's IPv6 association by filtering DescribeSubnets on
    `ipv6-cidr-block-association.association-id`; moto raises FilterNotImplementedError
    (HTTP 500) and the provider retries until its timeout. This answers the three
    documented association filters from the subnet's associations.
    """
    from moto.ec2.models.subnets import Subnet

    if getattr(Subnet.get_filter_value, "_harness_shim", False):
        return
    original = Subnet.get_filter_value

    def get_filter_value(self: Subnet, filter_name: str, method_name: str | None = None) -> Any:
        if filter_name in FILTERS:
            return [FILTERS[filter_name](a) for a in self.ipv6_cidr_block_associations.values()]
        return original(self, filter_name, method_name)

    get_filter_value._harness_shim = True  # type: ignore[attr-defined]
    Subnet.get_filter_value = get_filter_value  # type: ignore[method-assign]

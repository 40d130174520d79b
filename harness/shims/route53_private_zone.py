"""Shim: a hosted zone created with a VPC is private, as on AWS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.shims._patch import patch


def apply() -> None:
    """moto makes a zone private only with PrivateZone=true, ignoring the VPC it was given.

    AWS makes a hosted zone private when CreateHostedZone carries a VPC, which is how the
    AWS provider creates `aws_route53_zone` with a `vpc` block. moto drops the VPC and
    keeps the zone public, so the next plan wants to associate the VPC and the apply
    fails with PublicZoneVPCAssociation. This treats a VPC in the request as a private
    zone with that VPC.
    """
    from moto.route53.responses import Route53

    @patch(Route53, "create_hosted_zone")
    def create_hosted_zone(original: Callable[..., Any], self: Route53) -> Any:
        if self._get_param("VPC.VPCId"):
            get_bool = self._get_bool_param

            def private(name: str, default: Any = None) -> Any:
                return True if name == "HostedZoneConfig.PrivateZone" else get_bool(name, default)

            self._get_bool_param = private  # type: ignore[method-assign,assignment]
        return original(self)

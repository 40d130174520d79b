"""Shim: CreateNatGateway honours its ClientToken, so a retried create answers like the first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from harness.shims._patch import patch

# One create at a time: the new gateway is found as the one the call added.
_LOCK = threading.Lock()


def apply() -> None:
    """moto ignores CreateNatGateway's ClientToken, so a retried create fails as a duplicate.

    The AWS provider sends a ClientToken with CreateNatGateway (measured: `ClientToken=
    terraform-2026...` in its debug log) and its SDK retries a call whose answer was slow
    or lost. AWS answers a repeated token with the gateway the first call created; moto
    creates again, and the second gateway's Elastic IP is already associated, so the apply
    fails with `Resource.AlreadyAssociated` (seen on a loaded two-core machine). This keeps
    each token's gateway per account and region: the same token with the same subnet and
    allocation returns that gateway, with different ones it is IdempotentParameterMismatch.
    """
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.responses.nat_gateways import NatGateways

    tokens: dict[tuple[str, str, str], tuple[str, tuple[Any, ...]]] = {}

    @patch(NatGateways, "create_nat_gateway")
    def create_nat_gateway(original: Callable[..., Any], self: NatGateways) -> Any:
        token = self._get_param("ClientToken")
        if not token:
            return original(self)
        key = (self.current_account, self.region, str(token))
        request = (self._get_param("SubnetId"), self._get_param("AllocationId"))
        gateways = self.ec2_backend.nat_gateways
        with _LOCK:
            known = tokens.get(key)
            if known is not None:
                gateway_id, first = known
                if first != request:
                    raise EC2ClientError(
                        "IdempotentParameterMismatch",
                        f"Client token {token} was used with different parameters",
                    )
                if gateway_id in gateways:
                    return ActionResult({"NatGateway": gateways[gateway_id]})
            before = set(gateways)
            result = original(self)
            for gateway_id in set(gateways) - before:
                tokens[key] = (gateway_id, request)
            return result

"""Shim: bucket policy statements apply only when their conditions hold."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.shims._patch import define, patch

SECURE_TRANSPORT = {"aws:SecureTransport": "true"}


def condition_holds(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    """Evaluate a policy Condition block as AWS does for the operators buckets use.

    A key absent from the request context fails the operator (except `...IfExists` and
    `Null`); unknown operators fail too, so an unsupported condition never denies.
    """
    for operator, keys in conditions.items():
        base = operator.removesuffix("IfExists")
        for key, expected in keys.items():
            wanted = [
                str(v).lower() for v in (expected if isinstance(expected, list) else [expected])
            ]
            actual = context.get(key)
            if base == "Null":
                if (actual is None) != (wanted == ["true"]):
                    return False
                continue
            if actual is None:
                if operator.endswith("IfExists"):
                    continue
                return False
            value = actual.lower()
            if base in ("Bool", "StringEquals", "StringEqualsIgnoreCase"):
                matched = value in wanted
            elif base in ("StringNotEquals", "StringNotEqualsIgnoreCase"):
                matched = value not in wanted
            else:
                return False
            if not matched:
                return False
    return True


def apply() -> None:
    """moto applies a conditional Deny in a bucket policy whatever its condition says.

    A TLS-only bucket policy (Deny s3:* when aws:SecureTransport is false) then locks
    every caller out, the terraform S3 backend included. moto passes no request context
    to the policy (so the key is absent and the condition counts as met), and turns a
    statement whose condition fails into an explicit deny. On AWS the SDKs and terraform
    always reach S3 over TLS and a statement whose condition fails does not apply. This
    evaluates bucket policies with aws:SecureTransport=true and makes a failed condition
    leave the statement out (neutral), as AWS does.
    """
    from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, PermissionResult
    from moto.s3.models import FakeBucket

    @patch(IAMPolicyStatement, "is_action_permitted")
    def is_action_permitted(
        original: Callable[..., Any],
        self: IAMPolicyStatement,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> Any:
        conditions = self._statement.get("Condition")
        if conditions and not condition_holds(conditions, incoming_condition_values or {}):
            return PermissionResult.NEUTRAL
        return original(self, action, resource, principal, incoming_condition_values)

    @define(FakeBucket, "get_permission")
    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        return IAMPolicy(self.policy.decode()).is_action_permitted(
            action, resource, incoming_condition_values=SECURE_TRANSPORT
        )

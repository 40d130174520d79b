"""Shim: scaling policies report whether they are enabled."""

from __future__ import annotations

from typing import Any


def apply() -> None:
    """moto drops the Enabled flag of scaling policies, so every plan re-enables each one.

    AWS stores the `Enabled` flag of PutScalingPolicy (default true) and returns it from
    DescribePolicies. moto drops it; the AWS provider then reads `enabled = false` and
    plans an update of every `aws_autoscaling_policy` on every plan. This keeps the flag
    on the policy object (true unless PutScalingPolicy said otherwise).
    """
    from moto.autoscaling.models import FakeScalingPolicy
    from moto.autoscaling.responses import AutoScalingResponse

    if getattr(AutoScalingResponse.put_scaling_policy, "_harness_shim", False):
        return
    FakeScalingPolicy.enabled = True  # type: ignore[attr-defined]
    original = AutoScalingResponse.put_scaling_policy

    def put_scaling_policy(self: AutoScalingResponse) -> Any:
        result = original(self)
        enabled = str(self._get_param("Enabled", "true")).lower() != "false"
        name = self._get_param("PolicyName")
        policy = self.autoscaling_backend.policies.get(name)
        if policy is not None:
            policy.enabled = enabled  # type: ignore[attr-defined]
        return result

    put_scaling_policy._harness_shim = True  # type: ignore[attr-defined]
    AutoScalingResponse.put_scaling_policy = put_scaling_policy  # type: ignore[method-assign]

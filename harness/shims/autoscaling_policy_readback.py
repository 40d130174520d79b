"""Shim: scaling policies read back as AWS returns them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.shims._patch import patch


def apply() -> None:
    """moto reads scaling policies back unlike AWS, so every plan updates each one.

    AWS stores the `Enabled` flag of PutScalingPolicy (default true) and returns it from
    DescribePolicies, and returns `PredictiveScalingConfiguration` only for predictive
    policies. moto drops the flag (the provider reads `enabled = false`) and returns an
    empty `PredictiveScalingConfiguration` on every policy (the provider reads a block
    that the configuration does not have). This keeps the flag on the policy (true unless
    PutScalingPolicy said otherwise) and drops an empty predictive configuration.
    """
    from moto.autoscaling.models import FakeScalingPolicy
    from moto.autoscaling.responses import AutoScalingResponse

    FakeScalingPolicy.enabled = True  # type: ignore[attr-defined]  # the default, as on AWS

    @patch(AutoScalingResponse, "put_scaling_policy")
    def put_scaling_policy(original: Callable[..., Any], self: AutoScalingResponse) -> Any:
        result = original(self)
        enabled = str(self._get_param("Enabled", "true")).lower() != "false"
        name = self._get_param("PolicyName")
        policy = self.autoscaling_backend.policies.get(name)
        if policy is not None:
            policy.enabled = enabled  # type: ignore[attr-defined]
            if not policy.predictive_scaling_configuration:
                policy.predictive_scaling_configuration = None  # type: ignore[assignment]
        return result

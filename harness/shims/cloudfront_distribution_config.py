"""Shim: CloudFront distributions read back the configuration they were given."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.shims._patch import patch


def apply() -> None:
    """moto adds ForwardedValues, drops OriginAccessControlId and claims the default certificate.

    A distribution using a cache policy, an origin access control and an ACM certificate
    reads back from moto with legacy ForwardedValues, without the origin's
    OriginAccessControlId and with CloudFrontDefaultCertificate=true, so the AWS provider
    plans an update, and waits about 30 s for it, on every apply. AWS returns what was
    set: this keeps ForwardedValues only when given, stores the origin access control id,
    and uses the default certificate only when no ACM or IAM certificate is set.
    """
    from moto.cloudfront import models

    @patch(models.DefaultCacheBehaviour, "__init__")
    def behaviour(original: Callable[..., Any], self: Any, config: dict[str, Any]) -> None:
        original(self, config)
        if "ForwardedValues" not in config and config.get("CachePolicyId"):
            self.forwarded_values = None

    @patch(models.Origin, "__init__")
    def origin(original: Callable[..., Any], self: Any, config: dict[str, Any]) -> None:
        original(self, config)
        self.origin_access_control_id = config.get("OriginAccessControlId") or ""

    @patch(models.ViewerCertificate, "__init__")
    def certificate(original: Callable[..., Any], self: Any, config: dict[str, Any]) -> None:
        original(self, config)
        if "CloudFrontDefaultCertificate" not in config:
            custom = config.get("ACMCertificateArn") or config.get("IAMCertificateId")
            self.cloud_front_default_certificate = not custom

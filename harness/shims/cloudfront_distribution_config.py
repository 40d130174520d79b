"""Shim: CloudFront distributions read back the configuration they were given."""

from __future__ import annotations

from typing import Any


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

    if getattr(models.Origin.__init__, "_harness_shim", False):
        return
    behaviour_init = models.DefaultCacheBehaviour.__init__
    origin_init = models.Origin.__init__
    certificate_init = models.ViewerCertificate.__init__

    def behaviour(self: Any, config: dict[str, Any]) -> None:
        behaviour_init(self, config)
        if "ForwardedValues" not in config and config.get("CachePolicyId"):
            self.forwarded_values = None

    def origin(self: Any, config: dict[str, Any]) -> None:
        origin_init(self, config)
        self.origin_access_control_id = config.get("OriginAccessControlId") or ""

    def certificate(self: Any, config: dict[str, Any]) -> None:
        certificate_init(self, config)
        if "CloudFrontDefaultCertificate" not in config:
            custom = config.get("ACMCertificateArn") or config.get("IAMCertificateId")
            self.cloud_front_default_certificate = not custom

    origin._harness_shim = True  # type: ignore[attr-defined]
    models.DefaultCacheBehaviour.__init__ = behaviour  # type: ignore[method-assign]
    models.Origin.__init__ = origin  # type: ignore[method-assign,assignment]
    models.ViewerCertificate.__init__ = certificate  # type: ignore[method-assign]

"""Shims for gaps in the moto emulator, applied only to the moto server the harness starts.

Each shim is a module here with an `apply()` function whose docstring names the gap it fills.
The template is never changed for the emulator; the emulator is made faithful instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

SHIM_MODULES: tuple[str, ...] = (
    "elasticache_member_clusters",
    "elasticache_delete",
    "target_health_from_ami_tag",
    "s3_policy_conditions",
    "ec2_subnet_ipv6_associations",
    "ec2_launch_template_tags",
    "ec2_rule_descriptions",
    "route53_private_zone",
    "cloudfront_distribution_config",
    "autoscaling_scale_in",
    "autoscaling_policy_readback",
)


@dataclass(frozen=True)
class Shim:
    """One emulator gap and the function that fills it."""

    name: str
    gap: str
    apply: Callable[[], None]


def load(name: str) -> Shim:
    """Import the shim module `name` and describe it."""
    if name not in SHIM_MODULES:
        raise KeyError(f"unknown moto shim {name!r}; known: {', '.join(SHIM_MODULES)}")
    module = importlib.import_module(f"harness.shims.{name}")
    doc = (module.apply.__doc__ or "").strip().splitlines()[0]
    return Shim(name=name, gap=doc, apply=module.apply)


def all_shims() -> list[Shim]:
    """Every shim the harness applies by default, in order."""
    return [load(name) for name in SHIM_MODULES]


def apply(names: tuple[str, ...] = SHIM_MODULES) -> None:
    """Apply the named shims to the moto backends of this process."""
    for name in names:
        load(name).apply()

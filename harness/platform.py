"""The release platform of a run: terraform applies the colours, the load balancer reports health.

`TerraformPlatform` is what the state machine in harness/bluegreen.py drives on an account
(moto or AWS); `try_colour` reaches an idle colour through its header rule.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.bluegreen import Colour, Health, Release
from harness.errors import ReleaseError, ReleaseLocked, TerraformError
from harness.roots import RELEASE_ROOT
from harness.stack import Stack

RELEASE_FILE = "release.json"
LOCK_MESSAGE = "Error acquiring the state lock"


@dataclass
class TerraformPlatform:
    """Production on an account: writes colours.auto.tfvars.json, applies, reads target health."""

    stack: Stack
    environment: str = RELEASE_ROOT
    _target_groups: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        """The environment, with the run id (for messages)."""
        return f"{self.environment} (run {self.stack.account.run_id})"

    def _release_file(self) -> Path:
        return self.stack.root(self.environment) / RELEASE_FILE

    def read(self) -> Release:
        """The colours last written (and applied) plus the release's candidate colour."""
        candidate = None
        if self._release_file().exists():
            candidate = json.loads(self._release_file().read_text()).get("candidate")
        colours = {n: Colour(**c) for n, c in self.stack.read_colours().items()}
        return Release(colours=colours, candidate=candidate)

    def apply(self, release: Release) -> None:
        """Write the tfvars JSON and apply; a held state lock is reported as ReleaseLocked."""
        self.stack.write_colours({n: asdict(c) for n, c in release.colours.items()})
        try:
            self.stack.apply(self.environment)
        except TerraformError as error:
            if LOCK_MESSAGE in str(error):
                raise ReleaseLocked(
                    f"{self.name}: terraform state is locked by another run "
                    f"(another release is applying); nothing changed"
                ) from error
            raise
        self._release_file().write_text(json.dumps({"candidate": release.candidate}) + "\n")

    def target_group(self, colour: str) -> str:
        """ARN of the colour's target group (from production's outputs)."""
        if not self._target_groups:
            self._target_groups = dict(self.stack.output(self.environment)["target_group_arns"])
        return self._target_groups[colour]

    def health(self, colour: str) -> Health:
        """Target states of the colour's target group, as the load balancer reports them."""
        elbv2 = self.stack.account.client("elbv2")
        described = elbv2.describe_target_health(TargetGroupArn=self.target_group(colour))
        return Health.from_states(
            [d["TargetHealth"]["State"] for d in described["TargetHealthDescriptions"]]
        )


def header_rule_target(platform: TerraformPlatform, colour: str) -> str:
    """Target group the HTTPS listener's `X-Colour: <colour>` rule forwards to (control plane)."""
    outputs = platform.stack.output(platform.environment)
    elbv2 = platform.stack.account.client("elbv2")
    for rule in elbv2.describe_rules(ListenerArn=outputs["https_listener_arn"])["Rules"]:
        for condition in rule.get("Conditions", []):
            header = condition.get("HttpHeaderConfig", {})
            if header.get("HttpHeaderName") == "X-Colour" and colour in header.get("Values", []):
                for action in rule["Actions"]:
                    if action["Type"] == "forward":
                        return str(action["TargetGroupArn"])
    raise ReleaseError(f"{platform.name}: no listener rule forwards X-Colour: {colour}")


def try_colour(platform: TerraformPlatform, colour: str, path: str = "/version") -> str:
    """Reach a colour through its header rule before it takes traffic; describe what was seen.

    Under moto there is no traffic: the rule must forward to the colour's target group and
    that group must have healthy targets. On AWS the ALB is also asked for `path` with the
    header, and must answer 2xx.
    """
    target = header_rule_target(platform, colour)
    if target != platform.target_group(colour):
        raise ReleaseError(f"X-Colour: {colour} forwards to {target}, not the {colour} group")
    health = platform.health(colour)
    if health.healthy < 1:
        raise ReleaseError(f"X-Colour: {colour} reaches no healthy target ({health.describe()})")
    seen = f"X-Colour: {colour} -> {colour} target group, {health.describe()}"
    if platform.stack.account.kind == "aws":
        import ssl
        import urllib.request

        dns = platform.stack.output(platform.environment)["alb_dns_name"]
        request = urllib.request.Request(f"https://{dns}{path}", headers={"X-Colour": colour})
        context = ssl.create_default_context()
        context.check_hostname = False  # the ALB's name is not on the certificate
        context.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            seen += f"; GET {path}: {response.status} {response.read(200).decode(errors='replace')}"
    return seen

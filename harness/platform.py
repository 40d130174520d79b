"""The release platform: terraform applies the colours; what was applied is read back from AWS.

`TerraformPlatform` is what the state machine in harness/bluegreen.py drives, on a harness run
(`for_stack`) or on a team's own environment directory with its own backend (`for_directory`).
The release it reads is what is live (listener weights, group minimums, the launch templates'
AMIs), never the tfvars file it writes: that file is only the desired next step, written
atomically, so a crash at any instant leaves the next command a truthful starting point.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.bluegreen import COLOURS, Colour, Health, Release
from harness.errors import ReleaseError, ReleaseLocked, TerraformError, UsageError
from harness.paths import write_atomically
from harness.terraform import Runner

if TYPE_CHECKING:
    from harness.stack import Stack

COLOURS_FILE = "colours.auto.tfvars.json"  # the desired release, the tool's only input to terraform
RELEASE_FILE = ".terraform/harness-release.json"  # candidate colour and the step under way
LOCK_MESSAGE = "Error acquiring the state lock"
_LOCK_FIELD = re.compile(r"^\s*(ID|Who|Created|Operation):\s*(.*)$", re.M)
_NO_AMI = re.compile(r"Your query returned no results.*?with module\.deploy_(blue|green)\.", re.S)

Clients = Callable[[str], Any]


def colours_json(release: Release) -> str:
    """The tfvars JSON of a release's colours."""
    colours = {n: asdict(c) for n, c in release.colours.items()}
    return json.dumps({"colours": colours}, indent=2, sort_keys=True) + "\n"


def describe(release: Release) -> str:
    """`blue v1.0.0 x2 90% / green v2.0.0 x2 10%`."""
    return " / ".join(
        f"{n} {c.version} x{c.capacity} {c.weight}%" for n, c in sorted(release.colours.items())
    )


@dataclass
class TerraformPlatform:
    """One environment's blue/green release: terraform applies, the account says what is live."""

    runner: Runner
    clients: Clients
    environment: str
    label: str
    kind: str = "moto"
    run_id: str | None = None
    _outputs: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def for_stack(cls, stack: Stack, environment: str | None = None) -> TerraformPlatform:
        """The release root of a harness run."""
        from harness.roots import RELEASE_ROOT

        name = environment or RELEASE_ROOT
        return cls(
            runner=stack.runner(name),
            clients=stack.account.client,
            environment=name,
            label=f"{name} (run {stack.account.run_id})",
            kind=stack.account.kind,
            run_id=stack.account.run_id,
        )

    @property
    def name(self) -> str:
        """The environment as messages name it."""
        return self.label

    @property
    def desired_path(self) -> Path:
        """The tfvars file the tool writes before each apply."""
        return self.runner.root / COLOURS_FILE

    @property
    def record_path(self) -> Path:
        """Candidate colour and the step under way (kept beside terraform's own working files)."""
        return self.runner.root / RELEASE_FILE

    def outputs(self) -> dict[str, Any]:
        """The root's outputs (read once: ARNs and names do not change between releases)."""
        if not self._outputs:
            outputs = self.runner.output()
            if "colours" not in outputs:
                raise UsageError(
                    f"{self.name}: no `colours` output in {self.runner.root}: is it applied?"
                )
            self._outputs = outputs
        return self._outputs

    def target_group(self, colour: str) -> str:
        """ARN of the colour's target group."""
        return str(self.outputs()["colours"][colour]["target_group_arn"])

    # --- what is applied: read from the account ---

    def live_weights(self) -> dict[str, int]:
        """The HTTPS listener's forward weights per colour, as the load balancer has them."""
        elbv2 = self.clients("elbv2")
        listener = elbv2.describe_listeners(ListenerArns=[self.outputs()["https_listener_arn"]])
        by_arn = {self.target_group(c): c for c in COLOURS}
        weights = dict.fromkeys(COLOURS, 0)
        for action in listener["Listeners"][0]["DefaultActions"]:
            groups = action.get("ForwardConfig", {}).get("TargetGroups", [])
            if not groups and action.get("TargetGroupArn"):
                groups = [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 100}]
            for group in groups:
                if group["TargetGroupArn"] in by_arn:
                    weights[by_arn[group["TargetGroupArn"]]] = int(group.get("Weight", 1))
        return weights

    def live_colour(self, colour: str, weight: int) -> Colour:
        """A colour's group minimum and the version tag of its launch template's AMI."""
        autoscaling, ec2 = self.clients("autoscaling"), self.clients("ec2")
        name = self.outputs()["colours"][colour]["autoscaling_group_name"]
        groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])
        if not groups["AutoScalingGroups"]:
            raise ReleaseError(f"{self.name}: autoscaling group {name} ({colour}) is gone")
        group = groups["AutoScalingGroups"][0]
        template = group.get("LaunchTemplate") or {}
        versions = ec2.describe_launch_template_versions(
            LaunchTemplateId=template.get("LaunchTemplateId", ""),
            Versions=[str(template.get("Version", "$Latest"))],
        )["LaunchTemplateVersions"]
        image = versions[0]["LaunchTemplateData"].get("ImageId", "") if versions else ""
        images = ec2.describe_images(ImageIds=[image])["Images"] if image else []
        tags = {t["Key"]: t["Value"] for t in (images[0].get("Tags", []) if images else [])}
        return Colour(
            version=tags.get("version", f"unknown ({image or 'no image'})"),
            capacity=int(group["MinSize"]),
            weight=weight,
        )

    def applied(self) -> Release:
        """The release that is live: listener weights, group minimums, launch template AMIs."""
        weights = self.live_weights()
        total = sum(weights.values()) or 1
        # Weights are relative on the load balancer; the template always writes a sum of 100.
        percent = {c: round(100 * w / total) for c, w in weights.items()}
        percent["blue"] = 100 - percent["green"]
        return Release(colours={c: self.live_colour(c, percent[c]) for c in COLOURS})

    def desired(self) -> Release | None:
        """The release last written for terraform (None when absent or unreadable)."""
        try:
            data = json.loads(self.desired_path.read_text(encoding="utf-8"))
            return Release(colours={n: Colour(**c) for n, c in data["colours"].items()})
        except (OSError, ValueError, KeyError, TypeError, ReleaseError):
            return None

    def record(self) -> dict[str, Any]:
        """The candidate colour and the step under way, as last recorded."""
        try:
            data = json.loads(self.record_path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def read(self) -> Release:
        """What is applied, with the candidate colour of the release under way."""
        applied = self.applied()
        candidate = self.record().get("candidate")
        if candidate not in COLOURS or applied.colours[candidate].capacity < 1:
            candidate = None
        return Release(colours=applied.colours, candidate=candidate)

    def disagreements(self, applied: Release) -> list[str]:
        """Where the desired file or terraform's recorded outputs differ from what is live."""
        found = []
        desired = self.desired()
        step = self.record().get("pending")
        if desired is not None and desired.colours != applied.colours:
            found.append(
                f"the last apply did not finish{f' ({step})' if step else ''}: "
                f"{COLOURS_FILE} asks for {describe(desired)} but what is live is "
                f"{describe(applied)}"
            )
        # Read afresh: outputs() keeps the names and ARNs, which never change, not weights.
        recorded = {c: v["weight"] for c, v in self.runner.output()["colours"].items()}
        live = {c: col.weight for c, col in applied.colours.items()}
        if recorded != live:
            found.append(
                f"terraform's state records weights {recorded} but the listener forwards {live}"
            )
        return found

    # --- the change: terraform applies ---

    def apply(self, release: Release, step: str = "") -> None:
        """Write the desired release and apply it; name known causes of failure."""
        write_atomically(
            self.record_path, json.dumps({"candidate": release.candidate, "pending": step}) + "\n"
        )
        write_atomically(self.desired_path, colours_json(release))
        try:
            self.runner.apply()
        except TerraformError as error:
            self.settle()
            raise self.explain(error, release) from None
        write_atomically(self.record_path, json.dumps({"candidate": release.candidate}) + "\n")

    def settle(self) -> None:
        """After a failed apply, make the desired file what is live again: a version that
        cannot apply (no AMI) must not stay there, or every later plan and destroy fails."""
        try:
            live = self.read()
        except Exception:  # the failure itself is what the caller reports
            return
        write_atomically(self.desired_path, colours_json(live))
        write_atomically(self.record_path, json.dumps({"candidate": live.candidate}) + "\n")

    def explain(self, error: TerraformError, release: Release) -> Exception:
        """A failed apply as the error a release operator can act on."""
        output = error.output or str(error)
        if LOCK_MESSAGE in output:
            info = dict(_LOCK_FIELD.findall(output))
            holder = ", ".join(f"{k} {v.strip()}" for k, v in info.items() if v.strip())
            return ReleaseLocked(
                f"{self.name}: terraform's state lock is held ({holder or 'holder unknown'}); "
                "nothing changed. If its holder is gone (killed, machine lost): "
                f"`python -m harness bluegreen unlock {self.cli_target()}`"
            )
        missing = _NO_AMI.search(output)
        if missing:
            colour = missing.group(1)
            version = release.colours[colour].version
            return UsageError(
                f"no AMI for api/{self.environment}/{version}: publish it first "
                f"(`python -m harness account publish --version {version} "
                f"--environment {self.environment} ...`); what is live is unchanged "
                f"(full log: {error.log})"
            )
        return error

    def cli_target(self) -> str:
        """The options that name this environment on the command line."""
        return f"--env {self.runner.root}"

    def health(self, colour: str) -> Health:
        """Target states of the colour's target group, as the load balancer reports them."""
        elbv2 = self.clients("elbv2")
        described = elbv2.describe_target_health(TargetGroupArn=self.target_group(colour))
        return Health.from_states(
            [d["TargetHealth"]["State"] for d in described["TargetHealthDescriptions"]]
        )


def header_rule_target(platform: TerraformPlatform, colour: str) -> str:
    """Target group the HTTPS listener's `X-Colour: <colour>` rule forwards to (control plane)."""
    elbv2 = platform.clients("elbv2")
    rules = elbv2.describe_rules(ListenerArn=platform.outputs()["https_listener_arn"])["Rules"]
    for rule in rules:
        for condition in rule.get("Conditions", []):
            header = condition.get("HttpHeaderConfig", {})
            if header.get("HttpHeaderName") == "X-Colour" and colour in header.get("Values", []):
                for action in rule["Actions"]:
                    if action["Type"] == "forward":
                        return str(action["TargetGroupArn"])
    raise ReleaseError(f"{platform.name}: no listener rule forwards X-Colour: {colour}")


def listener_url(platform: TerraformPlatform) -> str:
    """Where requests reach the environment's HTTPS listener: the ALB on AWS, the data plane's
    loopback port under moto (harness.dataplane)."""
    outputs = platform.outputs()
    if platform.kind == "aws":
        return f"https://{outputs['alb_dns_name']}"
    if platform.run_id is None:
        raise ReleaseError(f"{platform.name}: no data plane serves this environment's listener")
    from harness.dataplane.client import alb_listener_url

    return alb_listener_url(
        platform.run_id, platform.clients("elbv2"), outputs["https_listener_arn"]
    )


TRY_REQUESTS = 20


def try_colour(platform: TerraformPlatform, colour: str, path: str = "/version") -> str:
    """Reach a colour through its header rule before it takes traffic; describe what was seen.

    The rule must forward to the colour's target group, the group must have healthy targets,
    and TRY_REQUESTS requests for `path` with the header, through the listener (the ALB, or
    the data plane under moto), must all answer 2xx from that colour.
    """
    from harness.traffic import Load

    target = header_rule_target(platform, colour)
    if target != platform.target_group(colour):
        raise ReleaseError(f"X-Colour: {colour} forwards to {target}, not the {colour} group")
    health = platform.health(colour)
    if health.healthy < 1:
        raise ReleaseError(f"X-Colour: {colour} reaches no healthy target ({health.describe()})")
    url = listener_url(platform)
    load = Load(url, clients=2, rate=20.0, max_requests=TRY_REQUESTS, max_seconds=30.0, path=path)
    load.header(colour)
    load.start().wait(40.0)
    samples = load.stop()
    wrong = [s for s in samples if not s.ok or s.colour != colour]
    if wrong or len(samples) < TRY_REQUESTS:
        first = wrong[0] if wrong else None
        detail = f"first: {first.status} {first.error or ''} from {first.colour}" if first else ""
        raise ReleaseError(
            f"X-Colour: {colour} through {url}: {len(samples) - len(wrong)}/{TRY_REQUESTS} "
            f"answered 2xx from {colour}; {detail}"
        )
    versions = sorted({s.version or "?" for s in samples})
    return (
        f"X-Colour: {colour} -> {colour} target group, {health.describe()}; "
        f"{len(samples)}/{TRY_REQUESTS} GET {path} from {colour} {', '.join(versions)}"
    )

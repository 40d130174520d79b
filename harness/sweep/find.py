"""Finding what a run tagged: every resource carrying harness:run-id, and whether it still lives.

`find_resources` asks the tagging API (the run's region and us-east-1) plus the listings it
misses (autoscaling groups, IAM, Route 53); `live_resources` drops what is already terminated
or pending deletion, and by default the seeded prerequisites.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from harness.account import CREATED_TAG, GLOBAL_REGION, RUN_ID_TAG, Account
from harness.sweep.deleters import ORDER


@dataclass(frozen=True)
class Resource:
    """One tagged resource: its ARN, kind (`service:type`), id, region and run tags."""

    arn: str
    kind: str
    id: str
    region: str
    run_id: str
    created: dt.datetime | None

    def age(self, now: dt.datetime) -> dt.timedelta | None:
        """How long ago the run that made it started (None when it carries no date)."""
        return None if self.created is None else now - self.created


def _parse_created(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        created = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return created if created.tzinfo else created.replace(tzinfo=dt.UTC)


def arn_kind_and_id(arn: str) -> tuple[str, str]:
    """`service:type` and the resource id of an ARN (`ec2:vpc`, `vpc-1`)."""
    parts = arn.split(":", 5)
    service, rest = parts[2], parts[5]
    if service == "s3":
        return "s3:bucket", rest
    if service == "autoscaling":
        return "autoscaling:autoScalingGroup", rest.split("autoScalingGroupName/")[-1]
    if service == "elasticloadbalancing":
        kind = rest.split("/")[0]
        return f"elbv2:{kind}", arn
    for separator in ("/", ":"):
        if separator in rest:
            kind, _, ident = rest.partition(separator)
            return f"{service}:{kind}", ident
    return f"{service}:{rest}", rest


def _resource(arn: str, region: str, tags: dict[str, str]) -> Resource:
    kind, ident = arn_kind_and_id(arn)
    return Resource(
        arn=arn,
        kind=kind,
        id=ident,
        region=region,
        run_id=tags.get(RUN_ID_TAG, ""),
        created=_parse_created(tags.get(CREATED_TAG)),
    )


def _tag_filter(run_id: str | None) -> list[dict[str, Any]]:
    return [{"Key": RUN_ID_TAG, **({"Values": [run_id]} if run_id else {})}]


def _tagged_by_api(account: Account, region: str, run_id: str | None) -> list[Resource]:
    """Resources the Resource Groups Tagging API knows in one region."""
    client = account.client("resourcegroupstaggingapi", region=region)
    found = []
    for page in client.get_paginator("get_resources").paginate(TagFilters=_tag_filter(run_id)):
        for item in page["ResourceTagMappingList"]:
            tags = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
            found.append(_resource(item["ResourceARN"], region, tags))
    return found


def _tagged_autoscaling_groups(account: Account, run_id: str | None) -> list[Resource]:
    """Autoscaling groups carrying the run tag (not every tagging API lists them)."""
    client = account.client("autoscaling")
    filters = [{"Name": "tag-key", "Values": [RUN_ID_TAG]}]
    found = []
    for page in client.get_paginator("describe_auto_scaling_groups").paginate(Filters=filters):
        for group in page["AutoScalingGroups"]:
            tags = {t["Key"]: t["Value"] for t in group.get("Tags", [])}
            if run_id is None or tags.get(RUN_ID_TAG) == run_id:
                found.append(_resource(group["AutoScalingGroupARN"], account.region, tags))
    return found


def _tagged_iam(account: Account, run_id: str | None) -> list[Resource]:
    """IAM roles, instance profiles and customer policies carrying the run tag."""
    iam = account.client("iam")
    found = []
    # GetInstanceProfile carries the tags (moto lacks ListInstanceProfileTags).
    listings: list[tuple[str, str, Callable[[dict[str, Any]], list[dict[str, str]]]]] = [
        ("list_roles", "Roles", lambda i: iam.list_role_tags(RoleName=i["RoleName"])["Tags"]),
        (
            "list_instance_profiles",
            "InstanceProfiles",
            lambda i: iam.get_instance_profile(InstanceProfileName=i["InstanceProfileName"])[
                "InstanceProfile"
            ].get("Tags", []),
        ),
        ("list_policies", "Policies", lambda i: iam.list_policy_tags(PolicyArn=i["Arn"])["Tags"]),
    ]
    for method, key, tags_of in listings:
        kwargs = {"Scope": "Local"} if method == "list_policies" else {}
        for page in iam.get_paginator(method).paginate(**kwargs):
            for item in page[key]:
                tags = {t["Key"]: t["Value"] for t in tags_of(item)}
                if RUN_ID_TAG in tags and (run_id is None or tags[RUN_ID_TAG] == run_id):
                    found.append(_resource(item["Arn"], "global", tags))
    return found


def _tagged_zones(account: Account, run_id: str | None) -> list[Resource]:
    """Route 53 hosted zones carrying the run tag."""
    route53 = account.client("route53")
    found = []
    for page in route53.get_paginator("list_hosted_zones").paginate():
        for zone in page["HostedZones"]:
            zone_id = zone["Id"].split("/")[-1]
            tag_set = route53.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone_id)
            tags = {t["Key"]: t["Value"] for t in tag_set["ResourceTagSet"].get("Tags", [])}
            if RUN_ID_TAG in tags and (run_id is None or tags[RUN_ID_TAG] == run_id):
                found.append(_resource(f"arn:aws:route53:::hostedzone/{zone_id}", "global", tags))
    return found


def find_resources(account: Account, run_id: str | None = None) -> list[Resource]:
    """Every resource tagged harness:run-id (by one run, or by any run), deduplicated by ARN."""
    found: dict[str, Resource] = {}
    sources: list[Iterable[Resource]] = [
        _tagged_by_api(account, region, run_id)
        for region in dict.fromkeys((account.region, GLOBAL_REGION))
    ]
    sources += [
        _tagged_autoscaling_groups(account, run_id),
        _tagged_iam(account, run_id),
        _tagged_zones(account, run_id),
    ]
    for source in sources:
        for resource in source:
            found.setdefault(resource.arn, resource)
    return sorted(found.values(), key=lambda r: (ORDER.get(r.kind, 50), r.arn))


SEEDED_KINDS = ("route53:hostedzone", "acm:certificate", "ec2:image")
_GONE_STATES = {
    "ec2:instance": ("terminated", "shutting-down"),
    "ec2:natgateway": ("deleted", "deleting"),
    "kms:key": ("PendingDeletion",),
}


def _state(account: Account, resource: Resource) -> str:
    """The lifecycle state of kinds that linger after deletion (terminated, pending deletion)."""
    if resource.kind == "ec2:instance":
        ec2 = account.client("ec2", region=resource.region)
        reservations = ec2.describe_instances(InstanceIds=[resource.id])
        return str(reservations["Reservations"][0]["Instances"][0]["State"]["Name"])
    if resource.kind == "ec2:natgateway":
        ec2 = account.client("ec2", region=resource.region)
        gateways = ec2.describe_nat_gateways(NatGatewayIds=[resource.id])
        return str(gateways["NatGateways"][0]["State"])
    if resource.kind == "kms:key":
        key = account.client("kms", region=resource.region).describe_key(KeyId=resource.id)
        return str(key["KeyMetadata"]["KeyState"])
    return "present"


def live_resources(account: Account, run_id: str, include_seeded: bool = False) -> list[Resource]:
    """What a run still holds: tagged resources minus terminated/pending-deletion ones."""
    found = []
    for resource in find_resources(account, run_id):
        if not include_seeded and resource.kind in SEEDED_KINDS:
            continue
        if _state(account, resource) in _GONE_STATES.get(resource.kind, ()):
            continue
        found.append(resource)
    return found

"""Find what a run created (by its harness:run-id tag) and delete it, dependencies first."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from harness.account import (
    CREATED_TAG,
    GLOBAL_REGION,
    RUN_ID_TAG,
    Account,
    now_utc,
)


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


@dataclass
class SweepReport:
    """What a sweep deleted, could not delete, and left alone."""

    deleted: list[Resource] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    kept: list[Resource] = field(default_factory=list)
    selected: list[Resource] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed to delete."""
        return not self.failed


def parse_duration(text: str) -> dt.timedelta:
    """Parse `90s`, `30m`, `6h`, `2d` into a timedelta."""
    match = re.fullmatch(r"(\d+)([smhd])", text.strip())
    if not match:
        raise ValueError(f"duration {text!r}: use a number and s, m, h or d (e.g. 6h)")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return dt.timedelta(**{unit: int(match.group(1))})


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
        reservations = _ec2(account, resource).describe_instances(InstanceIds=[resource.id])
        return str(reservations["Reservations"][0]["Instances"][0]["State"]["Name"])
    if resource.kind == "ec2:natgateway":
        gateways = _ec2(account, resource).describe_nat_gateways(NatGatewayIds=[resource.id])
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


# --- deleters, one per kind; ORDER puts dependants before what they depend on ---

Deleter = Callable[[Account, Resource], None]


def _ec2(account: Account, resource: Resource) -> Any:
    return account.client("ec2", region=resource.region)


def _delete_asg(account: Account, r: Resource) -> None:
    account.client("autoscaling", region=r.region).delete_auto_scaling_group(
        AutoScalingGroupName=r.id, ForceDelete=True
    )


def _delete_instance(account: Account, r: Resource) -> None:
    _ec2(account, r).terminate_instances(InstanceIds=[r.id])


def _delete_listener_rule(account: Account, r: Resource) -> None:
    account.client("elbv2", region=r.region).delete_rule(RuleArn=r.arn)


def _delete_listener(account: Account, r: Resource) -> None:
    account.client("elbv2", region=r.region).delete_listener(ListenerArn=r.arn)


def _delete_load_balancer(account: Account, r: Resource) -> None:
    client = account.client("elbv2", region=r.region)
    client.modify_load_balancer_attributes(
        LoadBalancerArn=r.arn,
        Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}],
    )
    client.delete_load_balancer(LoadBalancerArn=r.arn)


def _delete_target_group(account: Account, r: Resource) -> None:
    account.client("elbv2", region=r.region).delete_target_group(TargetGroupArn=r.arn)


def _delete_replication_group(account: Account, r: Resource) -> None:
    account.client("elasticache", region=r.region).delete_replication_group(ReplicationGroupId=r.id)


def _delete_cache_cluster(account: Account, r: Resource) -> None:
    account.client("elasticache", region=r.region).delete_cache_cluster(CacheClusterId=r.id)


def _delete_cache_subnet_group(account: Account, r: Resource) -> None:
    account.client("elasticache", region=r.region).delete_cache_subnet_group(
        CacheSubnetGroupName=r.id
    )


def _delete_cache_parameter_group(account: Account, r: Resource) -> None:
    account.client("elasticache", region=r.region).delete_cache_parameter_group(
        CacheParameterGroupName=r.id
    )


def _delete_distribution(account: Account, r: Resource) -> None:
    client = account.client("cloudfront", region=GLOBAL_REGION)
    current = client.get_distribution_config(Id=r.id)
    config, etag = current["DistributionConfig"], current["ETag"]
    if config["Enabled"]:
        config["Enabled"] = False
        etag = client.update_distribution(Id=r.id, IfMatch=etag, DistributionConfig=config)["ETag"]
    client.delete_distribution(Id=r.id, IfMatch=etag)


def _delete_oac(account: Account, r: Resource) -> None:
    client = account.client("cloudfront", region=GLOBAL_REGION)
    etag = client.get_origin_access_control(Id=r.id)["ETag"]
    client.delete_origin_access_control(Id=r.id, IfMatch=etag)


# EC2 kinds deleted by one call: kind -> (client method, parameter, parameter takes a list).
# tests/unit/test_sweep_deleters.py checks each against botocore's EC2 model.
EC2_SINGLE_CALL: dict[str, tuple[str, str, bool]] = {
    "natgateway": ("delete_nat_gateway", "NatGatewayId", False),
    "vpc-endpoint": ("delete_vpc_endpoints", "VpcEndpointIds", True),
    "launch-template": ("delete_launch_template", "LaunchTemplateId", False),
    "vpc-flow-log": ("delete_flow_logs", "FlowLogIds", True),
    "elastic-ip": ("release_address", "AllocationId", False),
    "egress-only-internet-gateway": (
        "delete_egress_only_internet_gateway",
        "EgressOnlyInternetGatewayId",
        False,
    ),
    "network-interface": ("delete_network_interface", "NetworkInterfaceId", False),
    "subnet": ("delete_subnet", "SubnetId", False),
    "vpc": ("delete_vpc", "VpcId", False),
    "image": ("deregister_image", "ImageId", False),
    "snapshot": ("delete_snapshot", "SnapshotId", False),
    "volume": ("delete_volume", "VolumeId", False),
    "key-pair": ("delete_key_pair", "KeyPairId", False),
    "dhcp-options": ("delete_dhcp_options", "DhcpOptionsId", False),
}


def _ec2_single_call(method: str, parameter: str, as_list: bool) -> Deleter:
    """A deleter making the one EC2 call `method(parameter=id)` (or `[id]` when `as_list`)."""

    def delete(account: Account, r: Resource) -> None:
        getattr(_ec2(account, r), method)(**{parameter: [r.id] if as_list else r.id})

    delete.__name__ = f"_{method}"
    return delete


def _delete_internet_gateway(account: Account, r: Resource) -> None:
    ec2 = _ec2(account, r)
    gateway = ec2.describe_internet_gateways(InternetGatewayIds=[r.id])["InternetGateways"][0]
    for attachment in gateway.get("Attachments", []):
        ec2.detach_internet_gateway(InternetGatewayId=r.id, VpcId=attachment["VpcId"])
    ec2.delete_internet_gateway(InternetGatewayId=r.id)


def _delete_route_table(account: Account, r: Resource) -> None:
    """Disassociate and delete; a VPC's main table goes with its VPC."""
    ec2 = _ec2(account, r)
    table = ec2.describe_route_tables(RouteTableIds=[r.id])["RouteTables"][0]
    for association in table.get("Associations", []):
        if not association.get("Main"):
            ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
    if not any(a.get("Main") for a in table.get("Associations", [])):
        ec2.delete_route_table(RouteTableId=r.id)


def _delete_security_group(account: Account, r: Resource) -> None:
    """Delete the group; a VPC's default group goes with its VPC."""
    ec2 = _ec2(account, r)
    group = ec2.describe_security_groups(GroupIds=[r.id])["SecurityGroups"][0]
    if group["GroupName"] != "default":
        ec2.delete_security_group(GroupId=r.id)


def _delete_network_acl(account: Account, r: Resource) -> None:
    """Delete the ACL; a VPC's default ACL goes with its VPC."""
    ec2 = _ec2(account, r)
    acl = ec2.describe_network_acls(NetworkAclIds=[r.id])["NetworkAcls"][0]
    if not acl.get("IsDefault"):
        ec2.delete_network_acl(NetworkAclId=r.id)


def _delete_bucket(account: Account, r: Resource) -> None:
    s3 = account.client("s3", region=r.region)
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=r.id):
        objects = [
            {"Key": o["Key"], "VersionId": o["VersionId"]}
            for o in page.get("Versions", []) + page.get("DeleteMarkers", [])
        ]
        if objects:
            s3.delete_objects(Bucket=r.id, Delete={"Objects": objects, "Quiet": True})
    s3.delete_bucket(Bucket=r.id)


def _delete_table(account: Account, r: Resource) -> None:
    account.client("dynamodb", region=r.region).delete_table(TableName=r.id)


def _delete_certificate(account: Account, r: Resource) -> None:
    account.client("acm", region=r.region).delete_certificate(CertificateArn=r.arn)


def _delete_log_group(account: Account, r: Resource) -> None:
    account.client("logs", region=r.region).delete_log_group(logGroupName=r.id.removesuffix(":*"))


def _delete_key(account: Account, r: Resource) -> None:
    kms = account.client("kms", region=r.region)
    if kms.describe_key(KeyId=r.id)["KeyMetadata"]["KeyState"] != "PendingDeletion":
        kms.schedule_key_deletion(KeyId=r.id, PendingWindowInDays=7)


def _delete_zone(account: Account, r: Resource) -> None:
    route53 = account.client("route53")
    changes = [
        {"Action": "DELETE", "ResourceRecordSet": record}
        for page in route53.get_paginator("list_resource_record_sets").paginate(HostedZoneId=r.id)
        for record in page["ResourceRecordSets"]
        if record["Type"] not in ("NS", "SOA")
    ]
    if changes:
        route53.change_resource_record_sets(HostedZoneId=r.id, ChangeBatch={"Changes": changes})
    route53.delete_hosted_zone(Id=r.id)


def _delete_instance_profile(account: Account, r: Resource) -> None:
    iam, name = account.client("iam"), r.id.split("/")[-1]
    profile = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
    for role in profile["Roles"]:
        iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=role["RoleName"])
    iam.delete_instance_profile(InstanceProfileName=name)


def _delete_role(account: Account, r: Resource) -> None:
    iam, name = account.client("iam"), r.id.split("/")[-1]
    for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for policy_name in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy_name)
    for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(
            InstanceProfileName=profile["InstanceProfileName"], RoleName=name
        )
    iam.delete_role(RoleName=name)


def _delete_policy(account: Account, r: Resource) -> None:
    iam = account.client("iam")
    for version in iam.list_policy_versions(PolicyArn=r.arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=r.arn, VersionId=version["VersionId"])
    for entity in iam.list_entities_for_policy(PolicyArn=r.arn)["PolicyRoles"]:
        iam.detach_role_policy(RoleName=entity["RoleName"], PolicyArn=r.arn)
    iam.delete_policy(PolicyArn=r.arn)


# Every kind the sweeper can delete, and how. A kind not listed here is reported as a
# failure ("no deleter for <service>:<kind>"), never counted deleted.
DELETERS: dict[str, Deleter] = {
    "autoscaling:autoScalingGroup": _delete_asg,
    "ec2:instance": _delete_instance,
    "ec2:internet-gateway": _delete_internet_gateway,
    "ec2:route-table": _delete_route_table,
    "ec2:security-group": _delete_security_group,
    "ec2:network-acl": _delete_network_acl,
    **{f"ec2:{kind}": _ec2_single_call(*call) for kind, call in EC2_SINGLE_CALL.items()},
    "elbv2:listener-rule": _delete_listener_rule,
    "elbv2:listener": _delete_listener,
    "elbv2:loadbalancer": _delete_load_balancer,
    "elbv2:targetgroup": _delete_target_group,
    "elasticache:replicationgroup": _delete_replication_group,
    "elasticache:cluster": _delete_cache_cluster,
    "elasticache:subnetgroup": _delete_cache_subnet_group,
    "elasticache:parametergroup": _delete_cache_parameter_group,
    "cloudfront:distribution": _delete_distribution,
    "cloudfront:origin-access-control": _delete_oac,
    "s3:bucket": _delete_bucket,
    "dynamodb:table": _delete_table,
    "acm:certificate": _delete_certificate,
    "logs:log-group": _delete_log_group,
    "kms:key": _delete_key,
    "route53:hostedzone": _delete_zone,
    "iam:instance-profile": _delete_instance_profile,
    "iam:role": _delete_role,
    "iam:policy": _delete_policy,
}
ORDER: dict[str, int] = {
    "autoscaling:autoScalingGroup": 0,
    "ec2:instance": 1,
    "cloudfront:distribution": 1,
    "elbv2:listener-rule": 2,
    "elbv2:listener": 3,
    "elbv2:loadbalancer": 4,
    "elasticache:replicationgroup": 4,
    "elasticache:cluster": 5,
    "elbv2:targetgroup": 5,
    "ec2:natgateway": 5,
    "ec2:vpc-endpoint": 5,
    "ec2:launch-template": 5,
    "ec2:vpc-flow-log": 5,
    "cloudfront:origin-access-control": 5,
    "elasticache:subnetgroup": 6,
    "elasticache:parametergroup": 6,
    "ec2:elastic-ip": 6,
    "ec2:network-interface": 6,
    "ec2:internet-gateway": 7,
    "ec2:egress-only-internet-gateway": 7,
    "ec2:subnet": 8,
    "ec2:route-table": 8,
    "ec2:network-acl": 8,
    "ec2:security-group": 9,
    "ec2:vpc": 10,
    "iam:instance-profile": 10,
    "iam:role": 11,
    "iam:policy": 12,
}


def deleter_for(kind: str) -> Deleter:
    """The function deleting resources of `kind`; KeyError names kinds the sweeper lacks."""
    if kind not in DELETERS:
        raise KeyError(f"no deleter for {kind}")
    return DELETERS[kind]


def _gone(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    return "NotFound" in code or code in (
        "NoSuchEntity",
        "NoSuchBucket",
        "InvalidAMIID.Unavailable",
    )


def delete_all(account: Account, resources: list[Resource], passes: int = 3) -> SweepReport:
    """Delete `resources` in dependency order, retrying what failed (a dependant may go later)."""
    report = SweepReport()
    pending = sorted(resources, key=lambda r: (ORDER.get(r.kind, 50), r.arn))
    for _ in range(passes):
        failed: list[Resource] = []
        for resource in pending:
            deleter = DELETERS.get(resource.kind)
            if deleter is None:  # never guess: a kind nobody deletes is a leftover
                report.failed[resource.arn] = f"no deleter for {resource.kind}"
                continue
            try:
                deleter(account, resource)
            except ClientError as error:
                if not _gone(error):
                    report.failed[resource.arn] = str(error)
                    failed.append(resource)
                    continue
            except KeyError as error:  # an answer without the field a deleter reads
                report.failed[resource.arn] = f"unexpected answer: no {error}"
                continue
            report.failed.pop(resource.arn, None)
            report.deleted.append(resource)
        if not failed:
            break
        pending = failed
    return report


def sweep(
    account: Account,
    older_than: dt.timedelta,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> SweepReport:
    """Delete what runs older than `older_than` left behind (all runs, or only `run_id`)."""
    now = now or now_utc()
    old: list[Resource] = []
    kept: list[Resource] = []
    for resource in find_resources(account, run_id):
        age = resource.age(now)
        (old if age is not None and age >= older_than else kept).append(resource)
    if dry_run:
        return SweepReport(kept=kept, selected=old)
    report = delete_all(account, old)
    report.kept, report.selected = kept, old
    return report


def teardown_account(account: Account, keep: bool = False) -> SweepReport | None:
    """End a run: delete everything it tagged, then stop the emulator; or keep it and say how."""
    if keep:
        print(keep_instructions(account))
        if account._server is not None:
            account._server.process = None  # leave the server running for debugging
        return None
    try:
        return sweep(account, dt.timedelta(0), run_id=account.run_id)
    finally:
        account.stop()


def keep_instructions(account: Account) -> str:
    """How to reach and destroy what a kept run left behind."""
    lines = [f"kept run {account.run_id} ({account.kind} account) for debugging."]
    if account.endpoint_url and account._server is not None and account._server.process:
        lines.append(
            f"  moto server: {account.endpoint_url} (pid {account._server.process.pid}); "
            f"export AWS_ENDPOINT_URL={account.endpoint_url} AWS_ACCESS_KEY_ID=testing "
            "AWS_SECRET_ACCESS_KEY=testing"  # pragma: allowlist secret
        )
    lines.append(
        f"  destroy: python -m harness sweep --account={account.kind} --run-id {account.run_id} "
        "--older-than 0s"
    )
    if account.endpoint_url and account._server is not None and account._server.process:
        lines.append(f"  then stop the emulator: kill {account._server.process.pid}")
    return "\n".join(lines)

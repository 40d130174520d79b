"""The deleter per kind: how each kind of tagged resource is deleted, and in what order.

`DELETERS` maps a kind (`service:type`, as `find.arn_kind_and_id` names it) to the function
deleting one resource of it; `ORDER` puts dependants before what they depend on. A kind
missing from `DELETERS` is a failure for the sweep, never a deletion.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from harness.account import GLOBAL_REGION, Account

if TYPE_CHECKING:  # find.py sorts by ORDER, so it imports this module
    from harness.sweep.find import Resource

Deleter = Callable[[Account, "Resource"], None]


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
    # moto's tagging API spells a flow log's ARN `flow-logs/fl-...` (AWS: `vpc-flow-log/`).
    "flow-logs": ("delete_flow_logs", "FlowLogIds", True),
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
    "ec2:flow-logs": 5,
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

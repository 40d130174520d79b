"""Each moto shim fills a measured gap: the check fails on plain moto and passes with the shim.

The check for shim `harness/shims/<name>.py` is `check_<name>` here (found by name).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError
from tenacity import retry, retry_if_result, stop_after_delay, wait_fixed

from harness.account import Account, publish_ami, start_moto
from harness.image.release import ensure_buckets
from harness.shims import SHIM_MODULES, all_shims
from harness.stages import poll_until

pytestmark = pytest.mark.integration


def check_elasticache_member_clusters(account: Account) -> None:
    """A replication group of two reads back both member clusters, as the AWS provider does."""
    elasticache = account.client("elasticache")
    group = f"{account.project}-members"
    elasticache.create_replication_group(
        ReplicationGroupId=group,
        ReplicationGroupDescription="shim check",
        CacheNodeType="cache.t4g.micro",
        Engine="redis",
        NumCacheClusters=2,
        TransitEncryptionEnabled=True,
        AtRestEncryptionEnabled=True,
        CacheParameterGroupName="default.redis7",
        AuthToken="a-long-enough-auth-token-for-redis",  # pragma: allowlist secret
    )
    members = elasticache.describe_replication_groups(ReplicationGroupId=group)[
        "ReplicationGroups"
    ][0]["MemberClusters"]
    assert members == [f"{group}-001", f"{group}-002"], members
    for member in members:
        try:
            cluster = elasticache.describe_cache_clusters(CacheClusterId=member)["CacheClusters"][0]
        except ClientError as error:
            raise AssertionError(f"member cluster {member}: {error}") from error
        assert cluster["ReplicationGroupId"] == group
        assert cluster["AtRestEncryptionEnabled"] is True, member
        assert cluster["CacheParameterGroup"]["CacheParameterGroupName"] == "default.redis7"


def check_elasticache_delete(account: Account) -> None:
    """A deleted replication group disappears (the provider waits for that)."""
    elasticache = account.client("elasticache")
    group = f"{account.project}-delete"
    elasticache.create_replication_group(
        ReplicationGroupId=group,
        ReplicationGroupDescription="shim check",
        CacheNodeType="cache.t4g.micro",
        Engine="redis",
    )
    elasticache.delete_replication_group(ReplicationGroupId=group)
    left = [
        g["ReplicationGroupId"]
        for g in elasticache.describe_replication_groups()["ReplicationGroups"]
    ]
    assert group not in left, f"replication group {group} still listed after delete"
    ec2 = account.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.3.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.3.1.0/24")["Subnet"]["SubnetId"]
    name = f"{account.project}-subnets"
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName=name, CacheSubnetGroupDescription="check", SubnetIds=[subnet]
    )
    elasticache.delete_cache_subnet_group(CacheSubnetGroupName=name)
    names = [
        g["CacheSubnetGroupName"]
        for g in elasticache.describe_cache_subnet_groups()["CacheSubnetGroups"]
    ]
    assert name not in names, names


def release_buckets(account: Account) -> None:
    """The buckets the global root makes, where api releases and configuration go."""
    ensure_buckets(account, [f"{account.project}-release", f"{account.project}-configuration"])


def check_target_health_from_probes(account: Account) -> None:
    """Target health is measured: an instance whose release fails its checksum never turns
    healthy, one running a good release does (via the data plane's HTTP probes)."""
    ec2, elbv2 = account.client("ec2"), account.client("elbv2")
    release_buckets(account)
    images = {
        "good": publish_ami(account, "api", "check", "v1.0.1"),
        "bad": publish_ami(account, "api", "check", "v1.0.2", unhealthy=True),
    }
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    ids = {
        name: ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, SubnetId=subnet)[
            "Instances"
        ][0]["InstanceId"]
        for name, image in images.items()
    }
    group = elbv2.create_target_group(
        Name=f"{account.project}-health",
        Protocol="HTTP",
        Port=4001,
        VpcId=vpc,
        HealthCheckPath="/v1/",
        HealthCheckIntervalSeconds=5,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": i} for i in ids.values()])
    wanted = {ids["good"]: "healthy", ids["bad"]: "unhealthy"}

    def states() -> dict[str, str]:
        found = {
            d["Target"]["Id"]: d["TargetHealth"]["State"]
            for d in elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
        }
        assert found[ids["bad"]] != "healthy", f"a broken release reported healthy: {found}"
        return found

    final, _ = poll_until(states, lambda found: found == wanted, str, 30.0, 0.5, lambda _: None)
    assert final == wanted, final


def check_s3_policy_conditions(account: Account) -> None:
    """A TLS-only bucket policy (conditional Deny) lets TLS callers read, as on AWS."""
    s3 = account.client("s3")
    bucket = f"{account.project}-tls-only"
    s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region}
    )
    s3.put_object(Bucket=bucket, Key="state", Body=b"{}")
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    assert s3.get_object(Bucket=bucket, Key="state")["Body"].read() == b"{}"


def check_ec2_subnet_ipv6_associations(account: Account) -> None:
    """A subnet is found by its IPv6 association id and reads `associated`, as the waiter wants."""
    ec2 = account.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    ipv6 = ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]
    block = ipv6["Ipv6CidrBlock"].replace("::/56", "::/64")
    subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.8.1.0/24", Ipv6CidrBlock=block)
    association = subnet["Subnet"]["Ipv6CidrBlockAssociationSet"][0]["AssociationId"]
    found = ec2.describe_subnets(
        Filters=[{"Name": "ipv6-cidr-block-association.association-id", "Values": [association]}]
    )["Subnets"]
    assert [s["SubnetId"] for s in found] == [subnet["Subnet"]["SubnetId"]]
    state = found[0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlockState"]["State"]
    assert state == "associated", state


def check_ec2_launch_template_tags(account: Account) -> None:
    """Tags of the launch template itself do not show up in its launch data."""
    ec2 = account.client("ec2")
    name = f"{account.project}-lt-tags"
    ec2.create_launch_template(
        LaunchTemplateName=name,
        LaunchTemplateData={"InstanceType": "t3.small"},
        TagSpecifications=[
            {"ResourceType": "launch-template", "Tags": [{"Key": "a", "Value": "b"}]}
        ],
    )
    data = ec2.describe_launch_template_versions(LaunchTemplateName=name)["LaunchTemplateVersions"][
        0
    ]["LaunchTemplateData"]
    assert "TagSpecifications" not in data, data["TagSpecifications"]
    ec2.create_launch_template_version(
        LaunchTemplateName=name,
        LaunchTemplateData={"InstanceType": "t3.micro", "UserData": "ZWNobyBoaQ=="},
    )
    ec2.modify_launch_template(LaunchTemplateName=name, DefaultVersion="2")
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.5.1.0/24")["Subnet"]["SubnetId"]
    account.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": name, "Version": "2"},
        MinSize=1,
        MaxSize=1,
        VPCZoneIdentifier=subnet,
    )


def check_ec2_nat_gateway_client_token(account: Account) -> None:
    """A create retried with its ClientToken returns the first gateway; a new token creates."""
    ec2 = account.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    first = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation, ClientToken="t-1")
    again = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=allocation, ClientToken="t-1")
    assert again["NatGateway"]["NatGatewayId"] == first["NatGateway"]["NatGatewayId"]
    other = ec2.allocate_address(Domain="vpc")["AllocationId"]
    with pytest.raises(ClientError, match="IdempotentParameterMismatch"):
        ec2.create_nat_gateway(SubnetId=subnet, AllocationId=other, ClientToken="t-1")
    second = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=other, ClientToken="t-2")
    assert second["NatGateway"]["NatGatewayId"] != first["NatGateway"]["NatGatewayId"]
    gateways = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc]}])
    assert len(gateways["NatGateways"]) == 2, gateways["NatGateways"]


def check_server_retried_invocations(account: Account) -> None:
    """A call sent again with its invocation id (an SDK retry) gets the first answer; a new
    call with the same arguments still gets AWS's error."""
    ec2 = account.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="retry", Description="retry", VpcId=vpc)
    invocation = {"id": "0f0e0d0c-retried-call"}

    def same_invocation(request: Any, **_: Any) -> None:
        request.headers["amz-sdk-invocation-id"] = invocation["id"]

    ec2.meta.events.register("before-send.ec2.AuthorizeSecurityGroupIngress", same_invocation)
    rule = {
        "GroupId": group["GroupId"],
        "IpPermissions": [
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.9.0.0/16"}],
            }
        ],
    }
    first = ec2.authorize_security_group_ingress(**rule)
    retried = ec2.authorize_security_group_ingress(**rule)
    assert retried["SecurityGroupRules"] == first["SecurityGroupRules"]
    invocation["id"] = "0f0e0d0c-a-new-call"
    with pytest.raises(ClientError, match=r"InvalidPermission\.Duplicate"):
        ec2.authorize_security_group_ingress(**rule)


def check_ec2_rule_descriptions(account: Account) -> None:
    """A rule from another security group reads back with its description."""
    ec2 = account.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    api = ec2.create_security_group(GroupName="api", Description="api", VpcId=vpc)["GroupId"]
    alb = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    rule = ec2.authorize_security_group_ingress(
        GroupId=api,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 4001,
                "ToPort": 4001,
                "UserIdGroupPairs": [{"GroupId": alb, "Description": "from the ALB"}],
            }
        ],
    )["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    read = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule])["SecurityGroupRules"]
    assert read[0].get("Description") == "from the ALB", read


def check_route53_private_zone(account: Account) -> None:
    """A zone created with a VPC (as the provider does) is private and lists that VPC."""
    ec2, route53 = account.client("ec2"), account.client("route53")
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    zone = route53.create_hosted_zone(
        Name=f"internal.{account.project}.example.com",
        CallerReference=f"{account.project}-private",
        VPC={"VPCRegion": account.region, "VPCId": vpc},
    )["HostedZone"]["Id"]
    read = route53.get_hosted_zone(Id=zone)
    assert read["HostedZone"]["Config"]["PrivateZone"] is True, read["HostedZone"]
    assert [v["VPCId"] for v in read.get("VPCs", [])] == [vpc], read.get("VPCs")


def distribution_config(
    caller: str, oac: str | None = None, certificate: str | None = None
) -> dict[str, Any]:
    """A CloudFront distribution in front of an S3 origin, as modules/cdn shapes it."""
    origin: dict[str, Any] = {
        "Id": "s3",
        "DomainName": "bucket.s3.eu-west-1.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    if oac:
        origin["OriginAccessControlId"] = oac
    config: dict[str, Any] = {
        "CallerReference": caller,
        "Comment": "shim check",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "s3",
            "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
        },
    }
    if certificate:
        config["ViewerCertificate"] = {
            "ACMCertificateArn": certificate,
            "SSLSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        }
    return config


def check_cloudfront_distribution_config(account: Account) -> None:
    """A distribution with a cache policy, an OAC and an ACM certificate reads back as set."""
    cloudfront = account.client("cloudfront", region="us-east-1")
    oac = cloudfront.create_origin_access_control(
        OriginAccessControlConfig={
            "Name": f"{account.project}-oac",
            "SigningProtocol": "sigv4",
            "SigningBehavior": "always",
            "OriginAccessControlOriginType": "s3",
        }
    )["OriginAccessControl"]["Id"]
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    created = cloudfront.create_distribution(
        DistributionConfig=distribution_config(f"{account.project}-cf", oac, certificate)
    )["Distribution"]["Id"]
    config = cloudfront.get_distribution_config(Id=created)["DistributionConfig"]
    assert "ForwardedValues" not in config["DefaultCacheBehavior"], config["DefaultCacheBehavior"]
    assert config["Origins"]["Items"][0].get("OriginAccessControlId") == oac
    assert config["ViewerCertificate"].get("CloudFrontDefaultCertificate") is False


def check_autoscaling_scale_in(account: Account) -> None:
    """A group scaled to 0 leaves no healthy target in its target group."""
    ec2, elbv2 = account.client("ec2"), account.client("elbv2")
    autoscaling = account.client("autoscaling")
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.1.0/24")["Subnet"]["SubnetId"]
    name = f"{account.project}-scale-in"
    image = publish_ami(account, "api", "check", "scale-in")
    ec2.create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"ImageId": image, "InstanceType": "t3.small"}
    )
    group = elbv2.create_target_group(
        Name=name, Protocol="HTTP", Port=4001, VpcId=vpc, HealthCheckPath="/v1/"
    )["TargetGroups"][0]["TargetGroupArn"]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": name},
        MinSize=2,
        MaxSize=2,
        DesiredCapacity=2,
        VPCZoneIdentifier=subnet,
        TargetGroupARNs=[group],
    )
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=name, MinSize=0, MaxSize=0, DesiredCapacity=0
    )
    states = [
        d["TargetHealth"]["State"]
        for d in elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
    ]
    assert "healthy" not in states, states


def check_autoscaling_policy_readback(account: Account) -> None:
    """A scaling policy reads back enabled (or disabled when put so), without predictive config."""
    autoscaling = account.client("autoscaling")
    name = f"{account.project}-policy"
    image = publish_ami(account, "api", "check", "policy")
    account.client("ec2").create_launch_template(
        LaunchTemplateName=name, LaunchTemplateData={"ImageId": image, "InstanceType": "t3.small"}
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": name},
        MinSize=0,
        MaxSize=0,
        AvailabilityZones=[f"{account.region}a"],
    )
    tracking = {
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
        "TargetValue": 60.0,
    }
    for policy, enabled in ((f"{name}-on", True), (f"{name}-off", False)):
        autoscaling.put_scaling_policy(
            AutoScalingGroupName=name,
            PolicyName=policy,
            PolicyType="TargetTrackingScaling",
            TargetTrackingConfiguration=tracking,
            Enabled=enabled,
        )
    policies = autoscaling.describe_policies(AutoScalingGroupName=name)["ScalingPolicies"]
    assert {p["PolicyName"]: p.get("Enabled") for p in policies} == {
        f"{name}-on": True,
        f"{name}-off": False,
    }
    assert not any("PredictiveScalingConfiguration" in p for p in policies), policies


def check_autoscaling_instance_refresh(account: Account) -> None:
    """A refresh replaces 4 instances in batches of 2, never below 50 % healthy, then succeeds."""
    ec2, elbv2 = account.client("ec2"), account.client("elbv2")
    autoscaling = account.client("autoscaling")
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.5.1.0/24")["Subnet"]["SubnetId"]
    name = f"{account.project}-refresh"
    release_buckets(account)  # the data plane's instances run these versions' releases
    old_image = publish_ami(account, "api", "check", "v1.0.3")
    new_image = publish_ami(account, "api", "check", "v1.0.4")
    template = ec2.create_launch_template(
        LaunchTemplateName=name,
        LaunchTemplateData={"ImageId": old_image, "InstanceType": "t3.small"},
    )["LaunchTemplate"]["LaunchTemplateId"]
    group = elbv2.create_target_group(
        Name=name, Protocol="HTTP", Port=4001, VpcId=vpc, HealthCheckPath="/v1/"
    )["TargetGroups"][0]["TargetGroupArn"]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateId": template, "Version": "1"},
        MinSize=4,
        MaxSize=4,
        DesiredCapacity=4,
        VPCZoneIdentifier=subnet,
        TargetGroupARNs=[group],
        HealthCheckType="ELB",
    )
    old = {
        i["InstanceId"]
        for i in autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
            "AutoScalingGroups"
        ][0]["Instances"]
    }

    def healthy() -> int:
        described = elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
        return sum(d["TargetHealth"]["State"] == "healthy" for d in described)

    # As a user would: the refresh starts from a group whose instances all serve.
    _, serving = poll_until(healthy, lambda n: n == 4, str, 30.0, 0.2, lambda _: None)
    assert serving, f"the group's 4 instances never became healthy ({healthy()})"
    ec2.create_launch_template_version(
        LaunchTemplateId=template, LaunchTemplateData={"ImageId": new_image}, SourceVersion="1"
    )
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=name, LaunchTemplate={"LaunchTemplateId": template, "Version": "2"}
    )
    refresh_id = autoscaling.start_instance_refresh(
        AutoScalingGroupName=name,
        Strategy="Rolling",
        Preferences={"MinHealthyPercentage": 50, "MaxHealthyPercentage": 100, "SkipMatching": True},
    )["InstanceRefreshId"]
    healthy_seen: list[int] = []
    registered_seen: list[int] = []

    @retry(
        retry=retry_if_result(lambda refresh: refresh["Status"] in ("Pending", "InProgress")),
        stop=stop_after_delay(60),
        wait=wait_fixed(0.1),
    )
    def refresh_finished() -> dict[str, Any]:
        states = [
            d["TargetHealth"]["State"]
            for d in elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
        ]
        healthy_seen.append(states.count("healthy"))
        registered_seen.append(len(states))
        refreshes = autoscaling.describe_instance_refreshes(
            AutoScalingGroupName=name, InstanceRefreshIds=[refresh_id]
        )["InstanceRefreshes"]
        return dict(refreshes[0])

    refresh = refresh_finished()
    assert refresh["Status"] == "Successful", refresh
    assert refresh["PercentageComplete"] == 100, refresh
    instances = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])[
        "AutoScalingGroups"
    ][0]["Instances"]
    now = {i["InstanceId"] for i in instances}
    assert len(now) == 4, now
    assert not now & old, f"old instances still in the group: {now & old}"
    reservations = ec2.describe_instances(InstanceIds=sorted(now))["Reservations"]
    images = {i["ImageId"] for r in reservations for i in r["Instances"]}
    assert images == {new_image}, images
    targets = {
        d["Target"]["Id"]
        for d in elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
    }
    assert targets == now, (targets, now)
    assert min(healthy_seen) >= 2, f"healthy targets fell below 50 % of 4: {healthy_seen}"
    assert max(registered_seen) <= 4, f"more than 100 % of 4 in service: {registered_seen}"
    assert len(set(healthy_seen)) > 1, f"no intermediate batch was observed: {healthy_seen}"


# A shim's check is the function named `check_<shim module>` (a unit test, test_shims_registry,
# fails when a discovered shim has none): a new shim is its module plus its check.
CHECKS: dict[str, Callable[[Account], None]] = {
    name.removeprefix("check_"): function
    for name, function in sorted(globals().items())
    if name.startswith("check_") and callable(function)
}


@pytest.fixture(scope="module")
def plain_moto(run_id: str) -> Iterator[Account]:
    """A moto server with no shims at all: the emulator as shipped."""
    account = start_moto(f"{run_id}-plain", shims=())
    yield account
    account.stop()


@pytest.fixture(scope="module")
def shimmed_moto(run_id: str) -> Iterator[Account]:
    """A moto server with every shim, as the harness starts it."""
    account = start_moto(f"{run_id}-shim")
    yield account
    account.stop()


def test_shims_every_shim_has_a_check_and_names_its_gap() -> None:
    """Each shim module has a check here and a docstring naming the gap."""
    assert set(CHECKS) == set(SHIM_MODULES)
    for shim in all_shims():
        assert shim.gap.startswith("moto "), f"{shim.name}: docstring names no gap"


@pytest.mark.parametrize("name", SHIM_MODULES)
def test_shims_gap_exists_on_plain_moto(name: str, plain_moto: Account) -> None:
    """Without the shim the check fails: the gap is real (and the check can fail)."""
    with pytest.raises((AssertionError, ClientError, BotoCoreError, ResponseParserError)):
        CHECKS[name](plain_moto)


@pytest.mark.parametrize("name", SHIM_MODULES)
def test_shims_fill_the_gap(name: str, shimmed_moto: Account) -> None:
    """With the shim applied to the harness's moto server the check passes."""
    CHECKS[name](shimmed_moto)


# The AWS provider sleeps a fixed delay before its first poll (S3 lifecycle 10 s then ten
# equal reads 5 s apart, CloudFront 30 s, Route 53 15 s, ALB 30 s, ElastiCache 30 s); what
# the emulator controls is whether that first poll already sees the target. These checks
# keep it so, with every shim applied, so an apply waits only for the provider's own floor.


def waits_lifecycle_configuration(account: Account) -> None:
    """A lifecycle configuration reads back equal to what was put (the provider waits for equal)."""
    s3 = account.client("s3")
    bucket = f"{account.project}-lifecycle"
    s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region}
    )
    rules = [
        {
            "ID": "expire",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "Expiration": {"Days": 30},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        }
    ]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == rules


def waits_route53_change(account: Account) -> None:
    """A record change is INSYNC on the first GetChange."""
    route53 = account.client("route53")
    zone = route53.create_hosted_zone(Name="waiters.example.test", CallerReference="waiters")
    change = route53.change_resource_record_sets(
        HostedZoneId=zone["HostedZone"]["Id"],
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": "redis.waiters.example.test",
                        "Type": "CNAME",
                        "TTL": 300,
                        "ResourceRecords": [{"Value": "primary.example.test"}],
                    },
                }
            ]
        },
    )["ChangeInfo"]
    for info in (zone["ChangeInfo"], change):
        assert route53.get_change(Id=info["Id"])["ChangeInfo"]["Status"] == "INSYNC", info


def waits_cloudfront_distribution(account: Account) -> None:
    """A distribution is Deployed after create and after disable, and gone after delete."""
    cloudfront = account.client("cloudfront", region="us-east-1")
    created = cloudfront.create_distribution(
        DistributionConfig=distribution_config(f"{account.project}-waiters")
    )["Distribution"]["Id"]
    read = cloudfront.get_distribution(Id=created)
    assert read["Distribution"]["Status"] == "Deployed", read["Distribution"]["Status"]
    config = read["Distribution"]["DistributionConfig"]
    config["Enabled"] = False
    etag = cloudfront.update_distribution(
        Id=created, IfMatch=read["ETag"], DistributionConfig=config
    )["ETag"]
    assert cloudfront.get_distribution(Id=created)["Distribution"]["Status"] == "Deployed"
    cloudfront.delete_distribution(Id=created, IfMatch=etag)
    with pytest.raises(ClientError, match="NoSuchDistribution"):
        cloudfront.get_distribution(Id=created)


def waits_load_balancer(account: Account) -> None:
    """A load balancer is active on the first describe after create."""
    ec2, elbv2 = account.client("ec2"), account.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.4.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=f"10.4.{i}.0/24", AvailabilityZone=f"{account.region}{zone}"
        )["Subnet"]["SubnetId"]
        for i, zone in enumerate("ab", start=1)
    ]
    arn = elbv2.create_load_balancer(Name=f"{account.project}-waiters", Subnets=subnets)[
        "LoadBalancers"
    ][0]["LoadBalancerArn"]
    state = elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["State"]
    assert state["Code"] == "active", state


def waits_replication_group(account: Account) -> None:
    """A replication group and its member clusters are available on the first describe."""
    elasticache = account.client("elasticache")
    group = f"{account.project}-waiters"
    elasticache.create_replication_group(
        ReplicationGroupId=group,
        ReplicationGroupDescription="waiter check",
        CacheNodeType="cache.t4g.micro",
        Engine="redis",
        NumCacheClusters=2,
    )
    read = elasticache.describe_replication_groups(ReplicationGroupId=group)["ReplicationGroups"]
    assert read[0]["Status"] == "available", read[0]["Status"]
    for member in read[0]["MemberClusters"]:
        cluster = elasticache.describe_cache_clusters(CacheClusterId=member)["CacheClusters"][0]
        assert cluster["CacheClusterStatus"] == "available", (member, cluster["CacheClusterStatus"])


WAITER_TARGETS: dict[str, Callable[[Account], None]] = {
    "s3_bucket_lifecycle_configuration": waits_lifecycle_configuration,
    "route53_change": waits_route53_change,
    "cloudfront_distribution": waits_cloudfront_distribution,
    "lb": waits_load_balancer,
    "elasticache_replication_group": waits_replication_group,
}


@pytest.mark.parametrize("resource", WAITER_TARGETS)
def test_shims_keep_waiter_targets_on_first_poll(resource: str, shimmed_moto: Account) -> None:
    """What the provider waits for holds on its first poll: only its fixed delay is left."""
    WAITER_TARGETS[resource](shimmed_moto)

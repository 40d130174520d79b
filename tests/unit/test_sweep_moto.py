"""Each deleter really removes its resource: created in moto in-process, gone after the sweep.

tests/unit/test_sweep_deleters.py proves each kind makes a deleting call; this proves the call
removes what it was given, so a deleter that does nothing (or deletes something else) is a
failure, not a resource counted deleted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto import mock_aws

from harness import shims
from harness.account import Account
from harness.sweep import Resource, delete_all

pytestmark = pytest.mark.unit

REGION = "eu-west-1"
ACCOUNT_ID = "123456789012"


@pytest.fixture
def account() -> Iterator[Account]:
    """An in-process moto account, with the shim the harness's moto server has for
    DeleteCacheSubnetGroup (idempotent; it only adds what moto lacks)."""
    shims.load("elasticache_delete").apply()
    with mock_aws():
        yield Account(kind="moto", region=REGION, run_id="r1")


def _resource(kind: str, ident: str, arn: str | None = None) -> Resource:
    service, _, sub = kind.partition(":")
    arn = arn or f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{sub}:{ident}"
    return Resource(arn=arn, kind=kind, id=ident, region=REGION, run_id="r1", created=None)


def _vpc_subnet(account: Account) -> tuple[str, str]:
    ec2 = account.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    return vpc, subnet


def _subnet_group(account: Account) -> tuple[Resource, Callable[[], list[Any]]]:
    _, subnet = _vpc_subnet(account)
    client = account.client("elasticache")
    client.create_cache_subnet_group(
        CacheSubnetGroupName="r1-redis", CacheSubnetGroupDescription="d", SubnetIds=[subnet]
    )

    def left() -> list[Any]:
        groups = client.describe_cache_subnet_groups()["CacheSubnetGroups"]
        return [g for g in groups if g["CacheSubnetGroupName"] == "r1-redis"]

    return _resource("elasticache:subnetgroup", "r1-redis"), left


def _target_group(account: Account) -> tuple[Resource, Callable[[], list[Any]]]:
    vpc, _ = _vpc_subnet(account)
    client = account.client("elbv2")
    arn = client.create_target_group(Name="r1-blue", Protocol="HTTP", Port=80, VpcId=vpc)[
        "TargetGroups"
    ][0]["TargetGroupArn"]

    def left() -> list[Any]:
        return list(client.describe_target_groups()["TargetGroups"])

    return _resource("elbv2:targetgroup", "r1-blue", arn), left


def _log_group(account: Account) -> tuple[Resource, Callable[[], list[Any]]]:
    client = account.client("logs")
    client.create_log_group(logGroupName="/r1/api")

    def left() -> list[Any]:
        return list(client.describe_log_groups(logGroupNamePrefix="/r1/")["logGroups"])

    return _resource("logs:log-group", "/r1/api:*"), left


def _table(account: Account) -> tuple[Resource, Callable[[], list[Any]]]:
    client = account.client("dynamodb")
    client.create_table(
        TableName="r1-lock",
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def left() -> list[Any]:
        return list(client.list_tables()["TableNames"])

    return _resource("dynamodb:table", "r1-lock"), left


def _bucket(account: Account) -> tuple[Resource, Callable[[], list[Any]]]:
    client = account.client("s3")
    client.create_bucket(
        Bucket="r1-state", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    client.put_bucket_versioning(Bucket="r1-state", VersioningConfiguration={"Status": "Enabled"})
    client.put_object(Bucket="r1-state", Key="k", Body=b"1")
    client.put_object(Bucket="r1-state", Key="k", Body=b"2")

    def left() -> list[Any]:
        return [b for b in client.list_buckets()["Buckets"] if b["Name"] == "r1-state"]

    return _resource("s3:bucket", "r1-state", "arn:aws:s3:::r1-state"), left


def _security_group(account: Account) -> tuple[Resource, Callable[[], list[Any]]]:
    vpc, _ = _vpc_subnet(account)
    ec2 = account.client("ec2")
    group = ec2.create_security_group(GroupName="r1-api", Description="d", VpcId=vpc)["GroupId"]

    def left() -> list[Any]:
        groups = ec2.describe_security_groups()["SecurityGroups"]
        return [g for g in groups if g["GroupId"] == group]

    return _resource("ec2:security-group", group), left


def _role(account: Account) -> tuple[Resource, Callable[[], list[Any]]]:
    iam = account.client("iam")
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
        }
    )
    iam.create_role(RoleName="r1-api", AssumeRolePolicyDocument=document)
    iam.put_role_policy(RoleName="r1-api", PolicyName="inline", PolicyDocument=document)

    def left() -> list[Any]:
        return [r for r in iam.list_roles()["Roles"] if r["RoleName"] == "r1-api"]

    arn = f"arn:aws:iam::{ACCOUNT_ID}:role/r1-api"
    return _resource("iam:role", "r1-api", arn), left


CREATORS: dict[str, Callable[[Account], tuple[Resource, Callable[[], list[Any]]]]] = {
    "elasticache:subnetgroup": _subnet_group,
    "elbv2:targetgroup": _target_group,
    "logs:log-group": _log_group,
    "dynamodb:table": _table,
    "s3:bucket": _bucket,
    "ec2:security-group": _security_group,
    "iam:role": _role,
}


@pytest.mark.parametrize("kind", sorted(CREATORS))
def test_sweep_deleter_really_removes_its_resource(account: Account, kind: str) -> None:
    """The resource exists before the sweep, is reported deleted, and no longer exists."""
    resource, left = CREATORS[kind](account)
    assert left(), f"{kind}: the emulator did not create the resource"
    report = delete_all(account, [resource])
    assert report.ok, report.failed
    assert [r.arn for r in report.deleted] == [resource.arn]
    assert left() == [], f"{kind}: reported deleted but still there"

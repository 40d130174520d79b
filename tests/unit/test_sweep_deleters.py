"""The sweeper deletes only through real API calls; a kind it cannot delete is a failure."""

from __future__ import annotations

import copy
from typing import Any

import boto3
import botocore.session
import pytest

from harness import sweep
from harness.sweep import DELETERS, ORDER, Resource, delete_all, deleter_for

pytestmark = pytest.mark.unit

DELETING_VERBS = ("Delete", "Terminate", "Release", "Deregister", "ScheduleKeyDeletion")
DISTRIBUTION = {
    "CallerReference": "c",
    "Comment": "",
    "Enabled": True,
    "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "o.example.com"}]},
    "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all"},
}
# What the read calls the deleters make answer: enough for each deleter to reach its delete.
CANNED: dict[str, dict[str, Any]] = {
    "DescribeInternetGateways": {"InternetGateways": [{"Attachments": [{"VpcId": "vpc-1"}]}]},
    "DescribeRouteTables": {
        "RouteTables": [{"Associations": [{"Main": False, "RouteTableAssociationId": "a-1"}]}]
    },
    "DescribeSecurityGroups": {"SecurityGroups": [{"GroupName": "web"}]},
    "DescribeNetworkAcls": {"NetworkAcls": [{"IsDefault": False}]},
    "GetDistributionConfig": {"DistributionConfig": DISTRIBUTION, "ETag": "E1"},
    "UpdateDistribution": {"ETag": "E2"},
    "GetOriginAccessControl": {"ETag": "E1"},
    "ListObjectVersions": {"Versions": [{"Key": "k", "VersionId": "v"}]},
    "DescribeKey": {"KeyMetadata": {"KeyId": "k", "KeyState": "Enabled"}},
    "ListResourceRecordSets": {
        "ResourceRecordSets": [
            {"Name": "a.example.com.", "Type": "A", "TTL": 60, "ResourceRecords": [{"Value": "1"}]}
        ]
    },
    "GetInstanceProfile": {"InstanceProfile": {"Roles": [{"RoleName": "r"}]}},
    "ListAttachedRolePolicies": {
        "AttachedPolicies": [{"PolicyArn": "arn:aws:iam::123456789012:policy/p"}]
    },
    "ListRolePolicies": {"PolicyNames": ["inline"]},
    "ListInstanceProfilesForRole": {"InstanceProfiles": [{"InstanceProfileName": "p"}]},
    "ListPolicyVersions": {"Versions": [{"VersionId": "v1", "IsDefaultVersion": False}]},
    "ListEntitiesForPolicy": {"PolicyRoles": [{"RoleName": "r"}]},
}


class _Ok:
    status_code = 200


class RecordingAccount:
    """Stands in for an Account: real botocore clients (parameters validated against the
    service model) whose calls are recorded and answered from CANNED, never sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def client(self, service: str, region: str | None = None) -> Any:
        session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # pragma: allowlist secret
            region_name=region or "eu-west-1",
        )
        client = session.client(service, endpoint_url="http://127.0.0.1:9")  # type: ignore[call-overload]
        client.meta.events.register("before-call", self._answer)
        return client

    def _answer(self, model: Any, **_: Any) -> tuple[_Ok, dict[str, Any]]:
        self.calls.append((model.service_model.service_name, model.name))
        return _Ok(), copy.deepcopy(CANNED.get(model.name, {}))


def resource(kind: str) -> Resource:
    """A resource of `kind` with an ARN and id shaped like the real ones."""
    service, _, sub = kind.partition(":")
    ident = {"s3:bucket": "r1-bucket", "route53:hostedzone": "Z0123456789"}.get(
        kind, f"{sub}-0123456789abcdef0"
    )
    arn = f"arn:aws:{service}:eu-west-1:123456789012:{sub}/{ident}"
    return Resource(arn=arn, kind=kind, id=ident, region="eu-west-1", run_id="r1", created=None)


@pytest.mark.parametrize(
    "kind", ["elbv2:truststore", "elasticache:user", "iam:user", "ec2:transit-gateway"]
)
def test_sweep_unknown_kind_is_a_failure_not_a_deletion(kind: str) -> None:
    """A kind without a deleter is reported failed, never counted deleted, and calls nothing."""
    account = RecordingAccount()
    unknown = resource(kind)
    report = delete_all(account, [unknown])  # type: ignore[arg-type]
    assert report.deleted == []
    assert report.failed == {unknown.arn: f"no deleter for {kind}"}
    assert not report.ok
    assert account.calls == []


def test_sweep_deleter_for_names_the_kind() -> None:
    """Asking for a kind the sweeper lacks raises KeyError naming it."""
    with pytest.raises(KeyError, match="elbv2:truststore"):
        deleter_for("elbv2:truststore")


@pytest.mark.parametrize("kind", sorted(set(DELETERS) | set(ORDER)))
def test_sweep_every_claimed_kind_makes_a_real_delete_call(kind: str) -> None:
    """Each kind the sweeper orders or deletes maps to a deleting call the service model has."""
    account = RecordingAccount()
    report = delete_all(account, [resource(kind)])  # type: ignore[arg-type]
    assert report.ok, report.failed
    verbs = [name for _, name in account.calls if name.startswith(DELETING_VERBS)]
    assert verbs, f"{kind}: no deleting call, only {account.calls}"


def test_sweep_ec2_single_call_table_matches_the_ec2_model() -> None:
    """Each one-call EC2 deleter names an EC2 operation, its parameter and the parameter's shape."""
    model = botocore.session.get_session().get_service_model("ec2")
    operations = {
        botocore.xform_name(name): model.operation_model(name) for name in model.operation_names
    }
    for kind, (method, parameter, as_list) in sweep.EC2_SINGLE_CALL.items():
        assert method in operations, f"ec2:{kind}: EC2 has no {method}"
        members = operations[method].input_shape.members
        assert parameter in members, f"ec2:{kind}: {method} takes no {parameter}"
        assert (members[parameter].type_name == "list") == as_list, f"ec2:{kind}: {parameter}"
        assert f"ec2:{kind}" in DELETERS, f"ec2:{kind} is in the table but not in DELETERS"


def test_sweep_deletes_a_flow_log_as_the_emulator_names_it() -> None:
    """moto's tagging API names a flow log `flow-logs/fl-...` (AWS: `vpc-flow-log/`): the sweep
    finds it by its run tag and deletes it, instead of reporting "no deleter"."""
    from moto import mock_aws

    from harness.account import Account
    from harness.sweep import find_resources

    with mock_aws():
        account = Account(kind="moto", region="eu-west-1", run_id="r1")
        ec2 = account.client("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        bucket = "arn:aws:s3:::flow-logs-bucket"
        account.client("s3").create_bucket(
            Bucket="flow-logs-bucket",
            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
        )
        ec2.create_flow_logs(
            ResourceIds=[vpc],
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="s3",
            LogDestination=bucket,
            TagSpecifications=[
                {"ResourceType": "vpc-flow-log", "Tags": [{"Key": "harness:run-id", "Value": "r1"}]}
            ],
        )
        found = [r for r in find_resources(account, "r1") if "flow" in r.kind]
        assert [r.kind for r in found] == ["ec2:flow-logs"]
        report = delete_all(account, found)
        assert report.ok, report.failed
        assert ec2.describe_flow_logs()["FlowLogs"] == []

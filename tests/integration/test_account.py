"""The ephemeral account: seeding, the real-account guard and the sweeper, against moto."""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator

import pytest

from harness.account import (
    ACCOUNT_ID_VARIABLE,
    CREATED_TAG,
    GLOBAL_REGION,
    GUARD_BUDGET_SECONDS,
    INITIAL_VERSION,
    MOTO_ACCOUNT_ID,
    RUN_ID_TAG,
    Account,
    AccountError,
    Seed,
    aws_opt_in_missing,
    now_utc,
    open_aws,
    seed,
    start_moto,
    tag_list,
)
from harness.sweep import find_resources, parse_duration, sweep

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def scratch(run_id: str) -> Iterator[Account]:
    """A moto server of this module's own: sweeping it cannot touch the session's account."""
    account = start_moto(f"{run_id}-sweep")
    yield account
    account.stop()


def test_account_seed_creates_state_backend_when_asked(scratch: Account) -> None:
    """With state_backend the bucket is versioned and the lock table keys on LockID."""
    seeded = seed(scratch, api_versions={}, components=(), state_backend=True)
    s3, dynamodb = scratch.client("s3"), scratch.client("dynamodb")
    assert s3.get_bucket_versioning(Bucket=seeded.state_bucket)["Status"] == "Enabled"
    table = dynamodb.describe_table(TableName=seeded.lock_table)["Table"]
    assert table["KeySchema"] == [{"AttributeName": "LockID", "KeyType": "HASH"}]
    assert seeded.state_bucket == f"{scratch.project}-terraform-state"


def test_account_seed_creates_zone_and_issued_certificates(account: Account, seeded: Seed) -> None:
    """The zone exists for the domain and both certificates (region, us-east-1) are ISSUED."""
    zone = account.client("route53").get_hosted_zone(Id=seeded.zone_id)["HostedZone"]
    assert zone["Name"].rstrip(".") == seeded.domain
    assert set(seeded.certificate_arns) == {account.region, GLOBAL_REGION}
    for region, arn in seeded.certificate_arns.items():
        cert = account.client("acm", region=region).describe_certificate(CertificateArn=arn)
        assert cert["Certificate"]["Status"] == "ISSUED", region
        assert cert["Certificate"]["DomainName"] == seeded.domain


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_account_seed_publishes_api_ami_found_by_tags(
    account: Account, seeded: Seed, environment: str
) -> None:
    """The deploy module's AMI lookup (owner self, component/environment/version) finds v1."""
    images = account.client("ec2").describe_images(
        Owners=["self"],
        Filters=[
            {"Name": "tag:component", "Values": ["api"]},
            {"Name": "tag:environment", "Values": [environment]},
            {"Name": "tag:version", "Values": [INITIAL_VERSION]},
            {"Name": f"tag:{RUN_ID_TAG}", "Values": [account.run_id]},
        ],
    )["Images"]
    assert [i["ImageId"] for i in images] == [seeded.amis[f"api/{environment}/{INITIAL_VERSION}"]]


def test_account_env_routes_subprocesses_to_moto(account: Account) -> None:
    """Subprocesses get the endpoint, dummy keys and the region."""
    env = account.subprocess_env()
    assert env["AWS_ENDPOINT_URL"] == account.endpoint_url
    assert env["AWS_REGION"] == account.region
    assert env["AWS_ACCESS_KEY_ID"] == "testing"


def test_account_aws_guard_refuses_without_account_flag() -> None:
    """--account=aws is required, whatever the environment says."""
    with pytest.raises(AccountError, match="--account=aws"):
        open_aws("r1", requested="moto", environ={ACCOUNT_ID_VARIABLE: MOTO_ACCOUNT_ID})


def test_account_aws_guard_refuses_without_expected_id() -> None:
    """Without HARNESS_AWS_ACCOUNT_ID nothing runs, and the message says what to set."""
    with pytest.raises(AccountError, match=ACCOUNT_ID_VARIABLE):
        open_aws("r1", requested="aws", environ={})
    assert ACCOUNT_ID_VARIABLE in (aws_opt_in_missing("aws", environ={}) or "")


def test_account_aws_guard_refuses_other_account(
    scratch: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials for another account than the one named are refused (STS is asked)."""
    for key, value in scratch.env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(AccountError, match="belong to account 123456789012"):
        open_aws("r1", requested="aws", environ={ACCOUNT_ID_VARIABLE: "999999999999"})


def test_account_aws_guard_accepts_matching_account(
    scratch: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credential chain's account matching the named id opens the account."""
    for key, value in scratch.env.items():
        monkeypatch.setenv(key, value)
    opened = open_aws("r1", requested="aws", environ={ACCOUNT_ID_VARIABLE: MOTO_ACCOUNT_ID})
    assert (opened.kind, opened.account_id) == ("aws", MOTO_ACCOUNT_ID)
    assert aws_opt_in_missing("aws", environ={ACCOUNT_ID_VARIABLE: MOTO_ACCOUNT_ID}) is None


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A loopback endpoint that accepts connections and never answers (a black-holed STS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)  # the kernel completes handshakes; nobody ever reads or replies
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_account_aws_guard_gives_up_on_silent_sts(
    silent_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """STS that never answers fails within the guard's budget as one AccountError line."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")  # pragma: allowlist secret
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_endpoint)
    started = time.monotonic()
    with pytest.raises(AccountError, match="did not answer") as raised:
        open_aws("r1", requested="aws", environ={ACCOUNT_ID_VARIABLE: MOTO_ACCOUNT_ID})
    elapsed = time.monotonic() - started
    assert elapsed <= GUARD_BUDGET_SECONDS + 1, f"guard took {elapsed:.1f} s"
    assert "\n" not in str(raised.value)
    assert silent_endpoint in str(raised.value)


def _leave_resources(account: Account, run_id: str, created: dt.datetime) -> None:
    """Create a small tagged estate, as a run that died before teardown would leave."""
    tags = tag_list({RUN_ID_TAG: run_id, CREATED_TAG: created.isoformat()})
    spec = lambda kind: [{"ResourceType": kind, "Tags": tags}]  # noqa: E731
    ec2 = account.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16", TagSpecifications=spec("vpc"))["Vpc"]["VpcId"]
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24", TagSpecifications=spec("subnet"))
    ec2.create_security_group(
        GroupName=f"{run_id}-sg",
        Description="leak",
        VpcId=vpc,
        TagSpecifications=spec("security-group"),
    )
    s3 = account.client("s3")
    bucket = f"{run_id}-leak"
    s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region}
    )
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="a", Body=b"1")
    s3.put_object(Bucket=bucket, Key="a", Body=b"2")
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    iam = account.client("iam")
    iam.create_role(RoleName=f"{run_id}-role", AssumeRolePolicyDocument="{}", Tags=tags)
    iam.create_instance_profile(InstanceProfileName=f"{run_id}-profile", Tags=tags)
    iam.add_role_to_instance_profile(
        InstanceProfileName=f"{run_id}-profile", RoleName=f"{run_id}-role"
    )
    zone = (
        account.client("route53")
        .create_hosted_zone(Name=f"{run_id}.example.com", CallerReference=run_id)["HostedZone"][
            "Id"
        ]
        .split("/")[-1]
    )
    account.client("route53").change_tags_for_resource(
        ResourceType="hostedzone", ResourceId=zone, AddTags=tags
    )


def test_sweep_deletes_only_runs_older_than_the_limit(scratch: Account) -> None:
    """`sweep --older-than 6h` deletes a 7-hour-old run's resources and keeps a fresh run's."""
    now = now_utc()
    _leave_resources(scratch, "oldrun", now - dt.timedelta(hours=7))
    _leave_resources(scratch, "newrun", now - dt.timedelta(minutes=5))
    before = {r.run_id for r in find_resources(scratch)}
    assert {"oldrun", "newrun"} <= before

    report = sweep(scratch, parse_duration("6h"), now=now)

    assert report.ok, report.failed
    assert {r.run_id for r in report.deleted} == {"oldrun"}
    assert find_resources(scratch, "oldrun") == []
    kinds_left = sorted(r.kind for r in find_resources(scratch, "newrun"))
    assert kinds_left == sorted(
        [
            "ec2:vpc",
            "ec2:subnet",
            "ec2:security-group",
            "s3:bucket",
            "iam:role",
            "iam:instance-profile",
            "route53:hostedzone",
        ]
    )


def test_sweep_dry_run_deletes_nothing(scratch: Account) -> None:
    """A dry run lists but keeps everything."""
    _leave_resources(scratch, "dryrun", now_utc() - dt.timedelta(days=1))
    count = len(find_resources(scratch, "dryrun"))
    sweep(scratch, parse_duration("1h"), run_id="dryrun", dry_run=True)
    assert len(find_resources(scratch, "dryrun")) == count > 0


@pytest.mark.parametrize(("text", "expected"), [("90s", 90), ("30m", 1800), ("6h", 21600)])
def test_sweep_parse_duration(text: str, expected: int) -> None:
    """Durations read as the CLI documents them."""
    assert parse_duration(text).total_seconds() == expected

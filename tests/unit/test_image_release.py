"""Publishing the release: buckets created in any region, the tarball, checksum and
configuration where the api role reads them (moto in process; no server, no network)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from harness.image.release import ReleaseLocation, ensure_buckets, local_configuration, publish

pytestmark = pytest.mark.unit

LOCATION = ReleaseLocation(
    app="api", version="1.2.3", environment="staging", release_bucket="rel", config_bucket="cfg"
)


@dataclass(frozen=True)
class _Account:
    """The two things ensure_buckets and publish use of an account."""

    region: str

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region)


@pytest.fixture(autouse=True)
def _moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")  # pragma: allowlist secret
    with mock_aws():
        yield


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_ensure_buckets_creates_kms_encrypted_buckets_in_the_region(region: str) -> None:
    account = _Account(region)
    ensure_buckets(account, ["rel", "cfg"])
    s3 = account.client("s3")
    for bucket in ("rel", "cfg"):
        # S3 reports us-east-1 as no constraint at all.
        expected = None if region == "us-east-1" else region
        assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == expected
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
        default = rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]
        assert default["SSEAlgorithm"] == "aws:kms"


def test_ensure_buckets_leaves_existing_buckets_alone() -> None:
    account = _Account("us-east-1")
    s3 = account.client("s3")
    s3.create_bucket(Bucket="rel")
    ensure_buckets(account, ["rel"])
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["rel"]
    assert not account.client("kms").list_keys()["Keys"]


def test_publish_puts_release_checksum_and_configuration_in_us_east_1(tmp_path: Path) -> None:
    account = _Account("us-east-1")
    tarball = tmp_path / LOCATION.tarball_name
    tarball.write_bytes(b"release")
    publish(account, tarball, LOCATION, local_configuration(LOCATION))
    s3 = account.client("s3")

    def body(bucket: str, key: str) -> bytes:
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    assert body("rel", "api/1.2.3/api-1.2.3.tar.gz") == b"release"
    checksum = hashlib.sha256(b"release").hexdigest()
    assert body("rel", "api/1.2.3/api-1.2.3.tar.gz.sha256") == (
        f"{checksum}  api-1.2.3.tar.gz\n".encode()
    )
    assert body("cfg", "staging/api/config.env") == b"PORT=4001\n"
    assert body("cfg", "staging/api/secrets.env").startswith(b"RELEASE_COOKIE=")

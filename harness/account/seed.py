"""Seeding: what the original template asked people to create by hand, made for each run.

The state backend (bucket and lock table, only when asked), the run's Route 53 zone, an
ISSUED certificate per region the template reads, and AMIs tagged the way the deploy
module looks them up (registered under moto, copied from Packer-built images on AWS).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harness.account.core import (
    ENVIRONMENTS,
    GLOBAL_REGION,
    INITIAL_VERSION,
    RUN_ID_TAG,
    Account,
    now_utc,
    tag_list,
)
from harness.dataplane import releases
from harness.errors import AccountError, UsageError
from harness.paths import APP_DIR

DOMAIN_VARIABLE = "HARNESS_AWS_DOMAIN"
SOURCE_AMIS_VAR = "HARNESS_SOURCE_AMIS"
IfPublished = Literal["add", "fail", "replace"]


@dataclass(frozen=True)
class Seed:
    """The prerequisites seeded into an account, and how terraform finds them."""

    project: str
    region: str
    domain: str
    state_bucket: str
    lock_table: str
    zone_id: str
    certificate_arns: dict[str, str]
    amis: dict[str, str]

    def backend_config(self) -> dict[str, str]:
        """`-backend-config` values for the environments' partial S3 backend."""
        return {
            "bucket": self.state_bucket,
            "region": self.region,
            "dynamodb_table": self.lock_table,
            "encrypt": "true",
        }


def domain_for(account: Account) -> str:
    """The run's DNS domain: a per-run zone under moto, HARNESS_AWS_DOMAIN on a real account."""
    if account.kind == "aws" and os.environ.get(DOMAIN_VARIABLE):
        return os.environ[DOMAIN_VARIABLE]
    return f"{account.project}.harness.example.com"


def create_state_backend(account: Account, bucket: str, table: str) -> None:
    """The state bucket (versioned, encrypted, private) and the DynamoDB lock table."""
    s3 = account.client("s3")
    create: dict[str, Any] = {"Bucket": bucket}
    if account.region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": account.region}
    s3.create_bucket(**create)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list(account.tags)})
    dynamodb = account.client("dynamodb")
    dynamodb.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=tag_list(account.tags),
    )
    dynamodb.get_waiter("table_exists").wait(TableName=table)


def create_zone(account: Account, domain: str) -> str:
    """The public Route 53 zone of the domain; returns its id."""
    route53 = account.client("route53")
    zone = route53.create_hosted_zone(
        Name=domain,
        CallerReference=f"{account.run_id}-{domain}",
        HostedZoneConfig={"Comment": f"harness run {account.run_id}", "PrivateZone": False},
    )["HostedZone"]
    zone_id = str(zone["Id"]).split("/")[-1]
    route53.change_tags_for_resource(
        ResourceType="hostedzone", ResourceId=zone_id, AddTags=tag_list(account.tags)
    )
    return zone_id


def self_signed_certificate(domain: str) -> tuple[bytes, bytes]:
    """A self-signed certificate for `domain` and `*.domain`: (certificate PEM, key PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    start = now_utc() - dt.timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(domain), x509.DNSName(f"*.{domain}")]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem


def import_certificates(account: Account, domain: str) -> dict[str, str]:
    """Import one self-signed certificate (so it is ISSUED) per region the template reads."""
    certificate, key = self_signed_certificate(domain)
    if account.kind == "moto":  # the data plane's proxy serves it on the HTTPS listeners
        from harness.dataplane.client import directory
        from harness.dataplane.serve import certificate_file
        from harness.paths import write_atomically

        pem = certificate_file(directory(account.run_id), certificate.decode())
        write_atomically(pem, (certificate + key).decode(), mode=0o600)
    arns: dict[str, str] = {}
    for region in dict.fromkeys((account.region, GLOBAL_REGION)):
        acm = account.client("acm", region=region)
        arns[region] = acm.import_certificate(
            Certificate=certificate, PrivateKey=key, Tags=tag_list(account.tags)
        )["CertificateArn"]
    return arns


def built_images(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Packer-built AMI ids by image name, from the file $HARNESS_SOURCE_AMIS names (if set)."""
    path = (environ if environ is not None else os.environ).get(SOURCE_AMIS_VAR)
    if not path:
        return {}
    try:
        return {str(k): str(v) for k, v in json.loads(Path(path).read_text()).items()}
    except (OSError, ValueError, AttributeError) as error:
        raise AccountError(
            f"{SOURCE_AMIS_VAR}={path}: not a JSON object of AMI ids: {error}"
        ) from error


def published_amis(
    account: Account, component: str, environment: str, version: str
) -> list[dict[str, Any]]:
    """The images the deploy module's lookup chooses among (owner self and the three tags)."""
    images = account.client("ec2").describe_images(
        Owners=["self"],
        Filters=[
            {"Name": "tag:component", "Values": [component]},
            {"Name": "tag:environment", "Values": [environment]},
            {"Name": "tag:version", "Values": [version]},
        ],
    )["Images"]
    return sorted(images, key=lambda image: str(image["ImageId"]))


def _image_tags(image: Mapping[str, Any]) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in image.get("Tags", [])}


def _unpublish(account: Account, images: list[dict[str, Any]], label: str) -> None:
    """Deregister the run's own earlier images of `label` (and, on AWS, their snapshots)."""
    foreign = [i for i in images if _image_tags(i).get(RUN_ID_TAG) != account.run_id]
    if foreign:
        ids = ", ".join(str(i["ImageId"]) for i in foreign)
        raise UsageError(
            f"{label} is already published as {ids}, not by run {account.run_id}: "
            "the run replaces only its own images"
        )
    ec2 = account.client("ec2")
    for image in images:
        ec2.deregister_image(ImageId=image["ImageId"])
        if account.kind == "aws":
            for mapping in image.get("BlockDeviceMappings", []):
                snapshot = mapping.get("Ebs", {}).get("SnapshotId")
                if snapshot:
                    ec2.delete_snapshot(SnapshotId=snapshot)


def publish_ami(
    account: Account,
    component: str,
    environment: str,
    version: str,
    extra_tags: Mapping[str, str] | None = None,
    source_image_id: str | None = None,
    unhealthy: bool = False,
    if_published: IfPublished = "add",
    app_dir: Path | None = None,
) -> str:
    """Publish an AMI tagged component/environment/version (as the deploy module looks it up).

    Under moto the image is registered directly; on a real account `source_image_id` (a
    Packer-built image) is copied, so the published image carries the run's tags and dies
    with the run. Returns the new image id.

    Under moto the image's release is published to the release bucket too (once the global
    root made it), where the data plane's instances download it; `unhealthy` (moto only)
    publishes it with a `.sha256` that does not match, so its instances never start the
    service and fail their health checks; on a real account a broken build has to be a
    really broken image. `app_dir` (moto only) builds the release from another copy of the
    app (a test's deliberately broken build). When the version is already
    published, `if_published` says what happens: "add" a second image (the deploy's lookup
    then takes the most recent), "fail" naming the existing one, or "replace" it (only the
    run's own images are replaced).
    """
    name = f"{account.project}-{component}-{environment}-{version}"
    label = f"{component}/{environment}/{version}"
    _check_release_options(account, component, label, unhealthy, app_dir)
    tags = {
        "Name": name,
        "component": component,
        "environment": environment,
        "version": version,
        **account.tags,
        **(extra_tags or {}),
    }
    if account.kind == "aws":
        source_image_id = source_image_id or built_images().get(component)
        if not source_image_id:
            raise AccountError(
                f"publish_ami {name}: on a real account pass source_image_id or set "
                f"{SOURCE_AMIS_VAR} to the JSON that `python -m harness image packer` writes"
            )
    if if_published != "add":
        existing = published_amis(account, component, environment, version)
        if existing and if_published == "fail":
            ids = ", ".join(str(i["ImageId"]) for i in existing)
            raise UsageError(
                f"{label} is already published as {ids}; a deploy would pick either "
                "(publish another version, or replace it with --replace)"
            )
        _unpublish(account, existing, label)
    ec2 = account.client("ec2")
    if account.kind == "aws":
        image_id = ec2.copy_image(
            Name=name, SourceImageId=source_image_id, SourceRegion=account.region
        )["ImageId"]
        ec2.get_waiter("image_available").wait(ImageIds=[image_id])
    else:
        image_id = ec2.register_image(
            Name=name,
            Architecture="x86_64",
            RootDeviceName="/dev/xvda",
            VirtualizationType="hvm",
            EnaSupport=True,
            BlockDeviceMappings=[
                {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, "VolumeType": "gp3"}}
            ],
        )["ImageId"]
    ec2.create_tags(Resources=[image_id], Tags=tag_list(tags))
    if account.kind == "moto" and component == "api":
        _publish_release(account, environment, version, unhealthy, app_dir)
    return str(image_id)


def _check_release_options(
    account: Account, component: str, label: str, unhealthy: bool, app_dir: Path | None
) -> None:
    """A broken or custom build is a release the data plane runs: api only, moto only, and
    only once the global root made the release bucket (checked before any image exists)."""
    if not unhealthy and app_dir is None:
        return
    if account.kind != "moto":
        raise UsageError(
            f"publish {label} unhealthy or from another app: only the moto account builds "
            "its releases; on a real account publish a really broken image with source_image_id"
        )
    if component != "api":
        raise UsageError(f"publish {label} unhealthy: only the api runs a release")
    if not releases.has_release(label.rsplit("/", 1)[1]):
        raise UsageError(
            f"publish {label} unhealthy or from another app: a release needs a semantic "
            "version (1.2.3 or v1.2.3)"
        )
    bucket = f"{account.project}-release"
    if not releases.bucket_exists(account.client("s3"), bucket):
        raise UsageError(
            f"publish {label} unhealthy or from another app: bucket {bucket} does not exist "
            "yet (apply the global root first)"
        )


def _publish_release(
    account: Account, environment: str, version: str, broken: bool, app_dir: Path | None
) -> None:
    """The release the image stands for, where the data plane's instances download it."""
    if not releases.has_release(version):
        return  # no release: instances of this image run nothing (README, "Data plane")
    if not releases.bucket_exists(account.client("s3"), f"{account.project}-release"):
        return  # published when the global root made it (releases.publish_missing)
    releases.publish(
        account,
        environment,
        version,
        app_dir=app_dir or APP_DIR,
        broken="checksum" if broken else None,
        progress=_quiet,
    )


def _quiet(_: str) -> None:
    """Release builds are cached and quick; seeding prints nothing for them."""


def seed(
    account: Account,
    api_versions: Mapping[str, tuple[str, ...]] | None = None,
    components: tuple[str, ...] = ("bastion",),
    state_backend: bool = False,
) -> Seed:
    """Create what the template expects to exist: zone, certificates, AMIs (and state backend).

    `api_versions` maps an environment to the api versions to publish (default: v1.0.0
    for staging and production); `components` are other images published once per
    environment. The state bucket and lock table carry terraform/bootstrap's names; they
    are created here only with `state_backend` (otherwise applying bootstrap makes them).
    """
    project = account.project
    domain = domain_for(account)
    state_bucket, lock_table = f"{project}-terraform-state", f"{project}-terraform-lock"
    if state_backend:
        create_state_backend(account, state_bucket, lock_table)
    zone_id = create_zone(account, domain)
    certificates = import_certificates(account, domain)
    amis: dict[str, str] = {}
    default = dict.fromkeys(ENVIRONMENTS, (INITIAL_VERSION,))
    versions = api_versions if api_versions is not None else default
    if account.kind == "moto" or built_images():
        for environment, env_versions in versions.items():
            for version in env_versions:
                key = f"api/{environment}/{version}"
                amis[key] = publish_ami(account, "api", environment, version)
            for component in components:
                key = f"{component}/{environment}/{INITIAL_VERSION}"
                amis[key] = publish_ami(account, component, environment, INITIAL_VERSION)
    return Seed(
        project=project,
        region=account.region,
        domain=domain,
        state_bucket=state_bucket,
        lock_table=lock_table,
        zone_id=zone_id,
        certificate_arns=certificates,
        amis=amis,
    )

"""The ephemeral AWS account: a moto server the harness owns (default) or a real account."""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from harness.errors import AccountError

DEFAULT_REGION = "eu-west-1"
GLOBAL_REGION = "us-east-1"  # CloudFront certificates live here
RUN_ID_TAG = "harness:run-id"
CREATED_TAG = "harness:created"
ACCOUNT_ID_VARIABLE = "HARNESS_AWS_ACCOUNT_ID"
DOMAIN_VARIABLE = "HARNESS_AWS_DOMAIN"
MOTO_ACCOUNT_ID = "123456789012"
ENVIRONMENTS = ("staging", "production")
INITIAL_VERSION = "v1.0.0"


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_run_id(prefix: str = "r") -> str:
    """A short run id (prefix, month and day, 6 hex digits) that fits 12-character names."""
    return f"{prefix}{time.strftime('%m%d')}{secrets.token_hex(3)}"


def project_name(run_id: str) -> str:
    """The template's `project` for a run: the run id, lowercase, safe in every AWS name."""
    name = re.sub(r"[^a-z0-9-]", "-", run_id.lower()).strip("-")
    if not name or not name[0].isalpha():
        name = f"h{name}"
    return name[:12].rstrip("-")


def now_utc() -> dt.datetime:
    """The current time in UTC (one place, so tests and tags agree)."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the harness process dies (Linux), so no server leaks."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class MotoServer:
    """A moto server in a child process, with the harness's shims applied."""

    port: int
    shims: tuple[str, ...]
    detach: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The endpoint URL clients use."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        """Start the child process and wait until it answers."""
        log = Path(os.environ.get("HARNESS_MOTO_LOG", os.devnull))
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "harness.shims",
                "--port",
                str(self.port),
                "--shims",
                ",".join(self.shims),
            ],
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=None if self.detach else _die_with_parent,
        )
        if not self.detach:
            atexit.register(self.stop)
        self._wait_until_answering()
        return self

    @retry(
        retry=retry_if_exception_type(OSError),
        stop=stop_after_delay(30),
        wait=wait_fixed(0.2),
        reraise=True,
    )
    def _wait_until_answering(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AccountError(
                f"moto server on port {self.port} exited ({self.process.returncode})"
            )
        with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=2):
            pass

    def reset(self) -> None:
        """Forget every resource (moto's own reset endpoint); the shims stay applied."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        """Stop the child process (idempotent)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@dataclass
class Account:
    """An account the harness can hand to terraform and boto3: its environment and its lifecycle."""

    kind: str
    region: str
    run_id: str
    endpoint_url: str | None = None
    account_id: str = MOTO_ACCOUNT_ID
    created: str = field(default_factory=lambda: now_utc().isoformat())
    _server: Any = field(default=None, repr=False)

    @property
    def project(self) -> str:
        """The template's `project` variable for this run (names carry the run id)."""
        return project_name(self.run_id)

    @property
    def tags(self) -> dict[str, str]:
        """Tags every resource of the run carries (the template's `tags` variable)."""
        return {RUN_ID_TAG: self.run_id, CREATED_TAG: self.created}

    @property
    def env(self) -> dict[str, str]:
        """Environment for subprocesses (terraform, ansible, scripts) to use this account."""
        env = {"AWS_REGION": self.region, "AWS_DEFAULT_REGION": self.region}
        if self.endpoint_url:
            env.update(
                {
                    "AWS_ENDPOINT_URL": self.endpoint_url,
                    "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing",  # pragma: allowlist secret
                    "AWS_SESSION_TOKEN": "testing",
                }
            )
        return env

    def subprocess_env(self) -> dict[str, str]:
        """The current environment with this account's variables on top."""
        return {**os.environ, **self.env}

    def session(self) -> boto3.session.Session:
        """A boto3 session bound to this account."""
        if self.endpoint_url:
            return boto3.session.Session(
                aws_access_key_id="testing",
                aws_secret_access_key="testing",  # pragma: allowlist secret
                aws_session_token="testing",
                region_name=self.region,
            )
        return boto3.session.Session(region_name=self.region)

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client for `service` in this account."""
        make: Any = self.session().client  # boto3-stubs overloads want literal names
        return make(service, region_name=region or self.region, endpoint_url=self.endpoint_url)

    def reset(self) -> None:
        """Empty the emulator (moto only): isolated tests start from nothing."""
        if self._server is None:
            raise AccountError(f"account {self.kind}: only a harness-started moto can be reset")
        self._server.reset()

    def stop(self) -> None:
        """Stop the emulator this account runs on, if the harness started one."""
        if self._server is not None:
            self._server.stop()
            self._server = None


def start_moto(
    run_id: str = "local",
    region: str = DEFAULT_REGION,
    shims: tuple[str, ...] | None = None,
    detach: bool = False,
) -> Account:
    """Start a moto server (with the shims) on a free loopback port; return its account.

    The server dies with the harness process unless `detach` (for `account up`, `--keep`).
    """
    from harness.shims import SHIM_MODULES

    if shims is None and "HARNESS_MOTO_SHIMS" in os.environ:  # bisecting an emulator gap
        shims = tuple(n for n in os.environ["HARNESS_MOTO_SHIMS"].split(",") if n)
    chosen = SHIM_MODULES if shims is None else shims
    server = MotoServer(port=free_port(), shims=chosen, detach=detach).start()
    return Account(
        kind="moto", region=region, run_id=run_id, endpoint_url=server.url, _server=server
    )


def open_aws(
    run_id: str,
    region: str = DEFAULT_REGION,
    requested: str = "moto",
    environ: Mapping[str, str] | None = None,
) -> Account:
    """A real account from the usual credential chain, only when explicitly asked for.

    Refuses unless `requested` is "aws" and HARNESS_AWS_ACCOUNT_ID names the account the
    credentials actually belong to (STS is asked): a run never lands in the wrong account.
    """
    environ = os.environ if environ is None else environ
    if requested != "aws":
        raise AccountError(f"a real AWS account needs --account=aws (got --account={requested})")
    expected = environ.get(ACCOUNT_ID_VARIABLE, "").strip()
    if not expected:
        raise AccountError(
            f"--account=aws needs {ACCOUNT_ID_VARIABLE} set to the id of the disposable account "
            "the credentials belong to"
        )
    session = boto3.session.Session(region_name=region)
    actual = session.client("sts").get_caller_identity()["Account"]
    if actual != expected:
        raise AccountError(
            f"{ACCOUNT_ID_VARIABLE}={expected} but the credentials belong to account {actual}: "
            "refusing to touch it"
        )
    return Account(kind="aws", region=region, run_id=run_id, account_id=actual)


def aws_opt_in_missing(requested: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Why a real-account test cannot run (None when the opt-in is complete)."""
    environ = os.environ if environ is None else environ
    if requested != "aws" or not environ.get(ACCOUNT_ID_VARIABLE):
        return (
            f"real AWS account not enabled: run with --account=aws and set {ACCOUNT_ID_VARIABLE} "
            "to the id of the disposable account the credentials belong to"
        )
    return None


def attach_moto(endpoint_url: str, run_id: str, region: str = DEFAULT_REGION) -> Account:
    """An account on a moto server that is already running (one a kept run left up)."""
    return Account(kind="moto", region=region, run_id=run_id, endpoint_url=endpoint_url)


def open_account(
    kind: str,
    run_id: str,
    region: str = DEFAULT_REGION,
    shims: tuple[str, ...] | None = None,
    endpoint_url: str | None = None,
    detach: bool = False,
) -> Account:
    """The account a run asked for: moto (a fresh server, or `endpoint_url`) or the real one."""
    if kind == "moto":
        if endpoint_url:
            return attach_moto(endpoint_url, run_id, region)
        return start_moto(run_id, region, shims, detach=detach)
    return open_aws(run_id, region, requested=kind)


# --- seeding: what the original template asked people to create by hand ---


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


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags in the `[{"Key": k, "Value": v}]` shape most AWS APIs take."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


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
    arns: dict[str, str] = {}
    for region in dict.fromkeys((account.region, GLOBAL_REGION)):
        acm = account.client("acm", region=region)
        arns[region] = acm.import_certificate(
            Certificate=certificate, PrivateKey=key, Tags=tag_list(account.tags)
        )["CertificateArn"]
    return arns


SOURCE_AMIS_VAR = "HARNESS_SOURCE_AMIS"


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


def publish_ami(
    account: Account,
    component: str,
    environment: str,
    version: str,
    extra_tags: Mapping[str, str] | None = None,
    source_image_id: str | None = None,
) -> str:
    """Publish an AMI tagged component/environment/version (as the deploy module looks it up).

    Under moto the image is registered directly; on a real account `source_image_id` (a
    Packer-built image) is copied, so the published image carries the run's tags and dies
    with the run. Returns the new image id.
    """
    ec2 = account.client("ec2")
    name = f"{account.project}-{component}-{environment}-{version}"
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
    return str(image_id)


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

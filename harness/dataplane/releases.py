"""Releases for the embedded account's instances: `mix release` on this host, cached by
content, published at the S3 layout the api role reads.

On AWS the release is baked into the AMI by the api role, which downloads it from the
release bucket and checks its `.sha256`. Under moto an AMI is only a record, so the data
plane downloads the release when an instance boots, from the same bucket and key, and checks
it the same way. The release of AMI version `v2.0.0` is `hello_world/2.0.0/...`: Packer's
`version` variable is semantic (no `v`), the AMI's `version` tag is what the release tool
asks for.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from harness.errors import AccountError
from harness.image.layers import digest
from harness.image.release import (
    ReleaseLocation,
    app_sources,
    local_configuration,
    publish_configuration,
    publish_release,
    sha256_file,
)
from harness.paths import APP_DIR, cache_dir, file_lock

APP_NAME = "hello_world"
# What a published release can be: the app as it is, or broken on purpose by a test.
Broken = Literal["checksum"]


def release_version(version_tag: str) -> str:
    """The release version an AMI `version` tag names (`v2.0.0` -> `2.0.0`)."""
    return version_tag[1:] if version_tag[:1] == "v" and version_tag[1:2].isdigit() else version_tag


# Packer's `version` variable for the api image (packer/variables.pkr.hcl): semantic.
SEMANTIC_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?")


def has_release(version_tag: str) -> bool:
    """Whether an AMI version names a release (a semantic version, with or without `v`);
    an image tagged otherwise stands for no release, and its instances run nothing."""
    return SEMANTIC_VERSION.fullmatch(release_version(version_tag)) is not None


def location_for(project: str, environment: str, version_tag: str) -> ReleaseLocation:
    """Where the api role (and so the data plane) finds this version's release and config."""
    return ReleaseLocation(
        app=APP_NAME,
        version=release_version(version_tag),
        environment=environment,
        release_bucket=f"{project}-release",
        config_bucket=f"{project}-configuration",
    )


def source_digest(app_dir: Path, sources: list[Path]) -> str:
    """Content hash of the app's sources by their path inside the app (a copy of the app
    elsewhere with the same content has the same digest)."""
    sha = hashlib.sha256()
    for source in sources:
        sha.update(str(source.relative_to(app_dir)).encode() + b"\0")
        sha.update(hashlib.sha256(source.read_bytes()).digest())
    return sha.hexdigest()


def _tool_versions() -> str:
    """Elixir and OTP of this host: a release embeds the host's runtime."""
    try:
        done = subprocess.run(
            ["elixir", "--version"], capture_output=True, text=True, timeout=60, check=True
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise AccountError(f"elixir is needed to build the api release: {error}") from error
    return done.stdout.strip()


def build(version: str, app_dir: Path = APP_DIR, progress: Callable[[str], None] = print) -> Path:
    """`mix release` of `app_dir` at `version` on this host; the tarball, cached by content
    (sources, version, Elixir/OTP). Concurrent builds of one key wait for each other."""
    sources = app_sources(app_dir)
    if not sources:
        raise AccountError(f"{app_dir}: no app sources to build a release from")
    app = source_digest(app_dir, sources)
    key = digest({"app": app, "version": version, "tools": _tool_versions()})
    root = cache_dir("releases")
    out = root / key / f"{APP_NAME}-{version}.tar.gz"
    with file_lock(root / f".{key}.lock"):
        if out.is_file():
            return out
        started = time.monotonic()
        scratch = root / f".build-{key}-{os.getpid()}"
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            for source in sources:
                target = scratch / source.relative_to(app_dir)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(scratch),
                "LANG": "C.UTF-8",
                "MIX_ENV": "prod",
                "HEX_OFFLINE": "1",
                "APP_VERSION": version,
            }
            done = subprocess.run(
                ["mix", "release", "--overwrite"],
                cwd=scratch,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            built = scratch / "_build" / "prod" / out.name
            if done.returncode != 0 or not built.is_file():
                tail = " | ".join((done.stdout + done.stderr).strip().splitlines()[-5:])
                raise AccountError(f"mix release {version} of {app_dir} failed: {tail}")
            out.parent.mkdir(parents=True, exist_ok=True)
            partial = out.with_suffix(".partial")
            shutil.copy2(built, partial)
            partial.replace(out)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    progress(f"release {version}: built in {time.monotonic() - started:.1f}s")
    return out


def bucket_exists(s3: Any, bucket: str) -> bool:
    """Whether `bucket` exists (the global root creates the release buckets)."""
    try:
        s3.head_bucket(Bucket=bucket)
    except s3.exceptions.ClientError:
        return False
    return True


def published(s3: Any, location: ReleaseLocation) -> bool:
    """Whether the release's tarball is in the bucket."""
    try:
        s3.head_object(Bucket=location.release_bucket, Key=location.tarball_key)
    except s3.exceptions.ClientError:
        return False
    return True


def publish(
    account: Any,
    environment: str,
    version_tag: str,
    app_dir: Path = APP_DIR,
    broken: Broken | None = None,
    progress: Callable[[str], None] = print,
) -> ReleaseLocation:
    """Build (cached) and upload the release of `version_tag` with its `.sha256`, and the
    environment's config.env and secrets.env when missing. `broken="checksum"` uploads a
    `.sha256` that does not match, as a corrupted upload would."""
    location = location_for(account.project, environment, version_tag)
    s3 = account.client("s3")
    if not bucket_exists(s3, location.release_bucket):
        raise AccountError(
            f"release {version_tag}: bucket {location.release_bucket} does not exist "
            "(apply the global root first)"
        )
    tarball = build(location.version, app_dir, progress)
    publish_release(s3, tarball, location)
    if broken == "checksum":
        s3.put_object(
            Bucket=location.release_bucket,
            Key=f"{location.tarball_key}.sha256",
            Body=f"{'0' * 64}  {tarball.name}\n".encode(),
        )
    ensure_configuration(s3, location)
    return location


def ensure_configuration(s3: Any, location: ReleaseLocation) -> None:
    """The environment's config.env and secrets.env, uploaded when config.env is missing."""
    try:
        s3.head_object(Bucket=location.config_bucket, Key=location.config_key("config.env"))
    except s3.exceptions.ClientError:
        publish_configuration(s3, location, local_configuration(location))


def publish_missing(account: Any, progress: Callable[[str], None] = print) -> list[str]:
    """Publish the release of every api AMI in the account whose release is not in the
    bucket yet (a no-op until the global root made the bucket); returns what it published."""
    ec2, s3 = account.client("ec2"), account.client("s3")
    if not bucket_exists(s3, f"{account.project}-release"):
        return []
    images = ec2.describe_images(
        Owners=["self"], Filters=[{"Name": "tag:component", "Values": ["api"]}]
    )["Images"]
    done: list[str] = []
    for image in images:
        tags = {t["Key"]: t["Value"] for t in image.get("Tags", [])}
        environment, version = tags.get("environment"), tags.get("version")
        if not environment or not version or not has_release(version):
            continue
        location = location_for(account.project, environment, version)
        if published(s3, location):
            ensure_configuration(s3, location)
            continue
        publish(account, environment, version, progress=progress)
        done.append(f"{environment}/{version}")
    return done


def checksum_matches(tarball: Path, published_sum: str) -> bool:
    """The api role's check: the first word of the `.sha256` file is the tarball's sha256."""
    words = published_sum.strip().split()
    return bool(words) and words[0] == sha256_file(tarball)

"""The API release: built with `mix release` inside the elixir image, published to S3 where
the api role reads it (tarball, `.sha256`, config.env and secrets.env)."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ImageError
from harness.image.layers import Layer, Progress, digest, image_cache, say, tree_digest
from harness.image.mounts import mounted, remove_tree, run
from harness.image.spec import ImageSpec
from harness.paths import APP_DIR

# S3's default region: it refuses a LocationConstraint naming itself.
S3_DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class ReleaseLocation:
    """Where the api role finds the release, its checksum, configuration and secrets."""

    app: str
    version: str
    environment: str
    release_bucket: str
    config_bucket: str

    @property
    def tarball_name(self) -> str:
        """File name of the release tarball."""
        return f"{self.app}-{self.version}.tar.gz"

    @property
    def tarball_key(self) -> str:
        """S3 key of the tarball (its checksum is the same key plus .sha256)."""
        return f"{self.app}/{self.version}/{self.tarball_name}"

    def config_key(self, file: str) -> str:
        """S3 key of config.env or secrets.env for this environment."""
        return f"{self.environment}/{self.app}/{file}"


def release_location(spec: ImageSpec) -> ReleaseLocation:
    """The release layout, from the variables the template passes to the api role."""
    values = spec.extra_vars
    try:
        return ReleaseLocation(
            app=values["api_name"],
            version=values["api_version"],
            environment=values["api_environment"],
            release_bucket=values["api_release_bucket"],
            config_bucket=values["api_config_bucket"],
        )
    except KeyError as error:
        raise ImageError(f"{spec.template}: build {spec.name!r} does not pass {error}") from None


def app_sources(app_dir: Path) -> list[Path]:
    """The app's source files (build output and editor state left out)."""
    skip = {"_build", "deps", ".elixir_ls"}
    return sorted(
        p
        for p in app_dir.rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(app_dir).parts)
    )


def _mix_release(elixir: Layer, scratch: Path, version: str) -> None:
    """`mix release` of scratch/app, run in a chroot of the elixir layer with a clean env."""
    env = {
        "HOME": "/mnt/home",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MIX_ENV": "prod",
        "HEX_OFFLINE": "1",
        "APP_VERSION": version,
    }
    with mounted(elixir.rootfs, binds={"/mnt": scratch}):
        run(
            [
                "chroot",
                str(elixir.rootfs),
                "/usr/bin/env",
                "-i",
                *(f"{k}={v}" for k, v in env.items()),
                "sh",
                "-c",
                "cd /mnt/app && mix release --overwrite",
            ]
        )


def build_release(
    elixir: Layer,
    location: ReleaseLocation,
    app_dir: Path = APP_DIR,
    cache: Path | None = None,
    progress: Progress = say,
) -> Path:
    """`mix release` inside the elixir image (the OS of the AMIs); returns the tarball."""
    cache = cache or image_cache()
    sources = app_sources(app_dir)
    key = digest({"app": tree_digest(sources), "elixir": elixir.key, "version": location.version})
    out = cache / "releases" / key / location.tarball_name
    if out.exists():
        progress(f"release: reused {out.relative_to(cache)}")
        return out
    started = time.monotonic()
    scratch = cache / "work" / f"release-{key}"
    remove_tree(scratch)
    try:
        for source in sources:
            target = scratch / "app" / source.relative_to(app_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        _mix_release(elixir, scratch, location.version)
        built = scratch / "app" / "_build" / "prod" / location.tarball_name
        if not built.exists():
            raise ImageError(f"mix release in {elixir.path.name} made no {built.name}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(built), out)
    finally:
        remove_tree(scratch)
    progress(f"release: {out.name} built in {elixir.name} in {time.monotonic() - started:.1f}s")
    return out


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def publish_release(s3: Any, tarball: Path, location: ReleaseLocation) -> None:
    """Upload the tarball and its `.sha256` (sha256sum format) to the release bucket."""
    s3.upload_file(str(tarball), location.release_bucket, location.tarball_key)
    s3.put_object(
        Bucket=location.release_bucket,
        Key=f"{location.tarball_key}.sha256",
        Body=f"{sha256_file(tarball)}  {tarball.name}\n".encode(),
    )


def publish_configuration(s3: Any, location: ReleaseLocation, files: Mapping[str, bytes]) -> None:
    """Upload config.env / secrets.env for the environment."""
    for name, body in files.items():
        s3.put_object(Bucket=location.config_bucket, Key=location.config_key(name), Body=body)


def publish(
    account: Any, tarball: Path, location: ReleaseLocation, config: Mapping[str, bytes]
) -> None:
    """The buckets (created if missing), then the release and its configuration in them."""
    ensure_buckets(account, [location.release_bucket, location.config_bucket])
    s3 = account.client("s3")
    publish_release(s3, tarball, location)
    publish_configuration(s3, location, config)


def local_configuration(location: ReleaseLocation) -> dict[str, bytes]:
    """The configuration and (throwaway, deterministic) secrets a local build installs."""
    cookie = hashlib.sha256(f"local-{location.app}-{location.environment}".encode()).hexdigest()
    return {
        "config.env": b"PORT=4001\n",
        "secrets.env": f"RELEASE_COOKIE={cookie}\n".encode(),
    }


def create_bucket(s3: Any, bucket: str, region: str) -> None:
    """Create `bucket` in `region`, naming the region only where S3 accepts it."""
    create: dict[str, Any] = {"Bucket": bucket}
    # us-east-1 is where a bucket without a constraint goes; S3 rejects it spelled out.
    if region != S3_DEFAULT_REGION:
        create["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**create)


def _encrypt_with_kms(s3: Any, bucket: str, key_id: str) -> None:
    """SSE-KMS with `key_id` by default on `bucket`."""
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_id,
                    }
                }
            ]
        },
    )


def ensure_buckets(account: Any, buckets: Sequence[str]) -> None:
    """Create the buckets (SSE-KMS by default, as the release module does) if missing."""
    s3, kms = account.client("s3"), account.client("kms")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    key_id: str | None = None
    for bucket in buckets:
        if bucket in existing:
            continue
        if key_id is None:
            key_id = kms.create_key(Description="local image builds")["KeyMetadata"]["KeyId"]
        create_bucket(s3, bucket, account.region)
        _encrypt_with_kms(s3, bucket, key_id)

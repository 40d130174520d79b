"""The S3 key sync of the common image, run inside the image against the harness's moto S3."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import testinfra
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from harness.image.release import ensure_buckets
from harness.image.spec import load_spec

pytestmark = pytest.mark.image

IMAGE = "common"
VARS = load_spec(IMAGE).extra_vars
BUCKET = VARS["common_keysync_bucket"]
PREFIX = VARS["common_keysync_prefix"]


def _public_key(comment: str) -> str:
    key = Ed25519PrivateKey.generate().public_key()
    raw = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return f"{raw.decode()} {comment}"


@pytest.fixture(scope="module")
def keys_account(in_chroot: bool) -> Iterator[Any]:
    """A moto account with the keys bucket (reachable from a chroot, not from an instance)."""
    from harness.account import start_moto

    if not in_chroot:
        pytest.skip("the key sync test needs the harness's moto S3, reachable from a local chroot")
    account = start_moto("keysync")
    try:
        ensure_buckets(account, [BUCKET])
        yield account
    finally:
        account.stop()


def _sync(host: testinfra.host.Host, account: Any) -> str:
    result = host.run(
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "  # pragma: allowlist secret
        "/usr/local/sbin/s3-keysync --bucket %s --prefix %s --region %s --endpoint-url %s",
        BUCKET,
        PREFIX,
        account.region,
        account.endpoint_url,
    )
    assert result.rc == 0, result.stderr
    return result.stderr


def _authorized(host: testinfra.host.Host, user: str) -> list[str]:
    return host.file(f"/home/{user}/.ssh/authorized_keys").content_string.splitlines()


def _expired(host: testinfra.host.Host, user: str) -> bool:
    return host.check_output(f"getent shadow {user}").split(":")[7] == "1"


def test_keysync_adds_users_and_keys_then_revokes_deleted(
    host: testinfra.host.Host, keys_account: Any
) -> None:
    s3 = keys_account.client("s3")
    alice_laptop, alice_desktop, bob = (_public_key(c) for c in ("laptop", "desktop", "bob"))
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/alice/laptop.pub", Body=alice_laptop.encode())
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/alice/desktop.pub", Body=alice_desktop.encode())
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/bob/bob.pub", Body=bob.encode())

    _sync(host, keys_account)
    assert sorted(_authorized(host, "alice")) == sorted([alice_laptop, alice_desktop])
    assert _authorized(host, "bob") == [bob]
    assert host.user("alice").exists
    assert "s3-keysync" in host.user("alice").groups
    keys = host.file("/home/alice/.ssh/authorized_keys")
    assert (keys.user, keys.mode) == ("alice", 0o600)
    assert host.file("/home/alice/.ssh").mode == 0o700
    assert not _expired(host, "alice")

    s3.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/alice/desktop.pub")
    s3.delete_object(Bucket=BUCKET, Key=f"{PREFIX}/bob/bob.pub")
    _sync(host, keys_account)
    assert _authorized(host, "alice") == [alice_laptop]
    assert _authorized(host, "bob") == []
    assert _expired(host, "bob")

    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/bob/bob.pub", Body=bob.encode())
    _sync(host, keys_account)
    assert _authorized(host, "bob") == [bob]
    assert not _expired(host, "bob")


def test_keysync_never_touches_users_it_does_not_manage(
    host: testinfra.host.Host, keys_account: Any
) -> None:
    s3 = keys_account.client("s3")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/root/evil.pub", Body=_public_key("x").encode())
    app_user = VARS["common_app_user"]
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{app_user}/evil.pub", Body=b"ssh-ed25519 AAAA x")
    log = _sync(host, keys_account)
    assert "ignoring keys of root" in log
    assert not host.file("/root/.ssh/authorized_keys").exists
    assert f"ignoring keys of {app_user}" in log


def test_keysync_changes_nothing_when_s3_fails(
    host: testinfra.host.Host, keys_account: Any
) -> None:
    before = host.file("/home/alice/.ssh/authorized_keys").content_string
    result = host.run(
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "  # pragma: allowlist secret
        "/usr/local/sbin/s3-keysync --bucket no-such-bucket --prefix %s --endpoint-url %s",
        PREFIX,
        keys_account.endpoint_url,
    )
    assert result.rc == 1
    assert "cannot read s3://no-such-bucket" in result.stderr
    assert host.file("/home/alice/.ssh/authorized_keys").content_string == before

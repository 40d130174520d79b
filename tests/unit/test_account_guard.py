"""The real-account guard fails fast, in one line, when STS cannot be reached or refuses."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, NoCredentialsError

from harness.account import ACCOUNT_ID_VARIABLE, GUARD_BUDGET_SECONDS, AccountError, open_aws
from harness.account.guard import GUARD_CONFIG, guard_error

pytestmark = pytest.mark.unit

OPT_IN = {ACCOUNT_ID_VARIABLE: "123456789012"}


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound, never listening: connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


@pytest.fixture
def isolated_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No profile, no config files, no instance metadata: only what the test sets."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def test_account_guard_budget_is_bounded() -> None:
    """Every guard client has explicit timeouts and retries adding up to at most 15 s."""
    assert GUARD_CONFIG.connect_timeout
    assert GUARD_CONFIG.read_timeout
    assert GUARD_CONFIG.retries
    assert "max_attempts" in GUARD_CONFIG.retries
    assert GUARD_BUDGET_SECONDS <= 15


def test_account_guard_refused_endpoint_is_one_line(
    isolated_aws: pytest.MonkeyPatch, closed_port: int
) -> None:
    """An endpoint refusing connections gives one AccountError line naming it, quickly."""
    isolated_aws.setenv("AWS_ACCESS_KEY_ID", "testing")
    isolated_aws.setenv("AWS_SECRET_ACCESS_KEY", "testing")  # pragma: allowlist secret
    isolated_aws.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
    started = time.monotonic()
    with pytest.raises(AccountError) as raised:
        open_aws("r1", "eu-west-1", requested="aws", environ=OPT_IN)
    assert time.monotonic() - started < GUARD_BUDGET_SECONDS
    message = str(raised.value)
    assert "\n" not in message
    assert f"127.0.0.1:{closed_port}" in message
    assert "eu-west-1" in message
    assert "network" in message
    assert "credentials" in message


def test_account_guard_without_credentials_says_what_to_set(
    isolated_aws: pytest.MonkeyPatch, closed_port: int
) -> None:
    """No credentials at all: one line that names the credential variables."""
    isolated_aws.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port}")
    with pytest.raises(AccountError, match=r"no usable credentials.*AWS_PROFILE") as raised:
        open_aws("r1", "eu-west-1", requested="aws", environ=OPT_IN)
    assert "\n" not in str(raised.value)


def test_account_guard_maps_every_botocore_error_to_one_line() -> None:
    """ClientError and BotoCoreError alike become an AccountError with a single line."""
    refused = ClientError(
        {"Error": {"Code": "InvalidClientTokenId", "Message": "bad\ntoken"}}, "GetCallerIdentity"
    )
    for error in (refused, NoCredentialsError(), ValueError("odd\nfailure")):
        mapped = guard_error("STS at https://sts.example (region eu-west-1)", error)
        assert isinstance(mapped, AccountError)
        assert "\n" not in str(mapped)
        assert "sts.example" in str(mapped)

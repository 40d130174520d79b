"""`python -m harness account publish`: its arguments, the unhealthy build, and one image a version.

Before this command the README's step-by-step release could not be followed: nothing put a
new AMI version (nor a broken build) into a run's account, so `deploy --version v2.0.0`
found no image. The account is moto in-process; the run's Stack.load is replaced.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from moto import mock_aws

from harness.account import Account, Seed, publish_ami, published_amis
from harness.cli import main
from harness.commands import account as account_command
from harness.errors import UsageError
from harness.paths import CACHE_ENV
from harness.stack import Stack

pytestmark = pytest.mark.unit


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    """A moto account in-process, loaded by every `account publish --run-id r1`."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")  # pragma: allowlist secret
    opened = Account(kind="moto", region="eu-west-1", run_id="r1")
    _load_as(monkeypatch, opened)
    with mock_aws():
        yield opened


def _load_as(monkeypatch: pytest.MonkeyPatch, opened: Account) -> None:
    stack = SimpleNamespace(load=lambda path: (SimpleNamespace(account=opened), {}))
    monkeypatch.setattr(account_command, "Stack", stack)


def _publish(*extra: str) -> int:
    return main(["account", "publish", "--run-id", "r1", "--version", "v2.0.0", *extra])


@pytest.mark.parametrize(
    "arguments",
    [
        [],  # --version is required
        ["--version", "../v2"],
        ["--version", "v2 .0"],
        ["--version", "v2.0.0", "--component", "elixir"],
        ["--version", "v2.0.0", "--environment", "prod"],
        ["--version", "v2.0.0", "--source-image-id", "i-0123456789abcdef0"],
    ],
    ids=["no-version", "path", "space", "component", "environment", "image-id"],
)
def test_account_publish_refuses_bad_arguments(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad arguments exit 2 before the run is even loaded."""
    with pytest.raises(SystemExit) as raised:
        main(["account", "publish", "--run-id", "r1", *arguments])
    assert raised.value.code == 2
    assert "account publish" in capsys.readouterr().err


def test_account_publish_prints_the_image_and_its_tags(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    """Defaults: api for production; the image is what the deploy module's lookup finds."""
    assert _publish() == 0
    (image,) = published_amis(account, "api", "production", "v2.0.0")
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"published {image['ImageId']} (api/production/v2.0.0) in run r1"
    assert "  version=v2.0.0" in out
    assert "  harness:run-id=r1" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--unhealthy",), "bucket r1-release does not exist yet (apply the global root first)"),
        (("--unhealthy", "--component", "bastion"), "only the api runs a release"),
    ],
    ids=["no-release-bucket", "not-api"],
)
def test_account_publish_unhealthy_refused_before_any_image(
    account: Account, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], message: str
) -> None:
    """--unhealthy publishes a broken api release where the data plane reads it: without
    the release bucket, or for another component, exit 2 and no image is registered."""
    assert _publish(*extra) == 2
    assert message in capsys.readouterr().err
    component = "bastion" if "bastion" in extra else "api"
    assert published_amis(account, component, "production", "v2.0.0") == []


def test_account_publish_twice_names_the_existing_image(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second image of one version would leave the deploy to pick either: exit 2, named."""
    assert _publish() == 0
    (first,) = published_amis(account, "api", "production", "v2.0.0")
    capsys.readouterr()
    assert _publish() == 2
    err = capsys.readouterr().err
    assert f"api/production/v2.0.0 is already published as {first['ImageId']}" in err
    assert "--replace" in err
    assert published_amis(account, "api", "production", "v2.0.0") == [first]


def test_account_publish_replace_leaves_one_image(account: Account) -> None:
    """--replace deregisters the run's earlier image: the lookup then sees the new one only."""
    assert _publish() == 0
    (first,) = published_amis(account, "api", "production", "v2.0.0")
    assert _publish("--replace") == 0
    (second,) = published_amis(account, "api", "production", "v2.0.0")
    assert second["ImageId"] != first["ImageId"]


def test_account_publish_replace_keeps_other_runs_images(account: Account) -> None:
    """An image of that version published by another run is never deregistered."""
    other = Account(kind="moto", region="eu-west-1", run_id="other")
    image = publish_ami(other, "api", "production", "v2.0.0")
    with pytest.raises(UsageError, match=f"already published as {image}, not by run r1"):
        publish_ami(account, "api", "production", "v2.0.0", if_published="replace")
    assert [i["ImageId"] for i in published_amis(account, "api", "production", "v2.0.0")] == [image]


def test_account_publish_library_default_still_adds(account: Account) -> None:
    """publish_ami's default (tests, the rehearsal, re-attached pytest runs) is unchanged."""
    publish_ami(account, "api", "production", "v2.0.0")
    publish_ami(account, "api", "production", "v2.0.0")
    assert len(published_amis(account, "api", "production", "v2.0.0")) == 2


def test_account_publish_source_image_is_aws_only(
    account: Account, capsys: pytest.CaptureFixture[str]
) -> None:
    """On moto the image is registered: a source image would be silently ignored, so exit 2."""
    assert _publish("--source-image-id", "ami-0123456789abcdef0") == 2
    assert "--source-image-id: aws only" in capsys.readouterr().err
    assert published_amis(account, "api", "production", "v2.0.0") == []


class _NoCalls:
    def client(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an unhealthy build on a real account reached the API")


def test_account_publish_unhealthy_on_a_real_account_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real account runs no harness-built release: a broken build must be a really broken
    image. Exit 2."""
    real = Account(kind="aws", region="eu-west-1", run_id="r1", endpoint_url=None)
    monkeypatch.setattr(Account, "client", _NoCalls.client)
    _load_as(monkeypatch, real)
    assert _publish("--unhealthy", "--source-image-id", "ami-0123456789abcdef0") == 2
    err = capsys.readouterr().err
    assert "only the moto account builds its releases" in err
    assert "really broken image" in err


def test_account_publish_to_a_dead_run_fails_fast_with_exit_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run's server is gone: publish stops at once (the probe) with the one line."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
        account = Account(kind="moto", region="eu-west-1", run_id="r1", endpoint_url=url)
        seeded = Seed("r1", "eu-west-1", "d", "b", "t", "z", {}, {})
        Stack(account=account, seed=seeded, workdir=tmp_path / "template").record()
        started = time.monotonic()
        assert _publish() == 5
        assert time.monotonic() - started < 2.0
    err = capsys.readouterr().err.strip()
    assert err == (
        f"error: moto server of run r1 at {url} is not answering (stopped?); "
        "`python -m harness account down --run-id r1` removes the run"
    )

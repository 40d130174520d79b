"""What a kept run prints: the one command that deletes it, and how to reach its moto server."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.account import Account
from harness.sweep import keep_instructions

pytestmark = pytest.mark.unit


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A cache in which run r0101abcdef is recorded (as Stack.record leaves it)."""
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    record = tmp_path / "runs" / "r0101abcdef" / "run.json"
    record.parent.mkdir(parents=True)
    record.write_text("{}")
    return record


def _kept_moto() -> Account:
    server = SimpleNamespace(process=SimpleNamespace(pid=4242))
    return Account(
        kind="moto",
        region="eu-west-1",
        run_id="r0101abcdef",
        endpoint_url="http://127.0.0.1:5123",
        _server=server,
    )


@pytest.mark.usefixtures("recorded")
def test_sweep_keep_instructions_name_account_down() -> None:
    """The destroy line is `account down --run-id R`: it deletes the run and stops its server.

    The old hint, `harness sweep --account=moto --run-id R --older-than 0s`, had no
    --endpoint-url, so on moto it answered "nothing to sweep" and deleted nothing.
    """
    text = keep_instructions(_kept_moto())
    for line in text.splitlines():
        if "harness sweep" in line:
            assert "--endpoint-url" in line, f"a sweep hint that sweeps nothing on moto: {line}"
    assert "python -m harness account down --run-id r0101abcdef" in text


def test_sweep_keep_instructions_keep_the_moto_endpoint() -> None:
    """A kept moto run still says where its server listens and what to export to reach it."""
    text = keep_instructions(_kept_moto())
    assert "moto server: http://127.0.0.1:5123 (pid 4242)" in text
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:5123" in text


@pytest.mark.usefixtures("recorded")
def test_sweep_keep_instructions_for_a_real_account() -> None:
    """A kept real-account run has no emulator line, and the same one destroy command."""
    account = Account(kind="aws", region="eu-west-1", run_id="r0101abcdef")
    text = keep_instructions(account)
    assert "moto server" not in text
    assert "python -m harness account down --run-id r0101abcdef" in text


def test_sweep_keep_instructions_without_a_record_name_the_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A kept run that was never recorded (a session that used only `account`): the sweep
    names the moto server itself, and the server's pid is given to stop it."""
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    text = keep_instructions(_kept_moto())
    assert "account down" not in text
    assert (
        "destroy: python -m harness sweep --account=moto --endpoint-url http://127.0.0.1:5123 "
        "--run-id r0101abcdef --older-than 0s; then stop the emulator: kill 4242"
    ) in text

"""What a kept run prints: the one command that deletes it, and how to reach its moto server."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from harness.account import Account
from harness.sweep import keep_instructions

pytestmark = pytest.mark.unit


def _kept_moto() -> Account:
    server = SimpleNamespace(process=SimpleNamespace(pid=4242))
    return Account(
        kind="moto",
        region="eu-west-1",
        run_id="r0101abcdef",
        endpoint_url="http://127.0.0.1:5123",
        _server=server,
    )


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


def test_sweep_keep_instructions_for_a_real_account() -> None:
    """A kept real-account run has no emulator line, and the same one destroy command."""
    account = Account(kind="aws", region="eu-west-1", run_id="r0101abcdef")
    text = keep_instructions(account)
    assert "moto server" not in text
    assert "python -m harness account down --run-id r0101abcdef" in text

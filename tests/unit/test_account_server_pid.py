"""`Account.server_pid`: the pid of the moto server the harness started, read without `_server`."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from harness.account import Account

pytestmark = pytest.mark.unit


def _account(server: object = None) -> Account:
    return Account(
        kind="moto", region="eu-west-1", run_id="r1", endpoint_url="http://x", _server=server
    )


def test_account_server_pid_is_the_running_servers_pid() -> None:
    """A harness-started server that is running answers with its child process's pid."""
    server = SimpleNamespace(process=SimpleNamespace(pid=4242))
    assert _account(server).server_pid == 4242


@pytest.mark.parametrize(
    "server",
    [None, SimpleNamespace(process=None)],
    ids=["attached-or-aws", "server-stopped-or-released"],
)
def test_account_server_pid_is_none_without_a_running_server(server: object) -> None:
    """No server of the harness (an attached run, a real account) or a stopped one: None."""
    assert _account(server).server_pid is None

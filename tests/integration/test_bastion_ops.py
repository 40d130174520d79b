"""The on-demand bastion on production: opened and closed by its commands, never by a release.

Stages: deploy (the session's production root), validate (open, a release apply keeps it,
close, a release apply with bastion_capacity = 1 does not restart it, the idle bastion
leaves its group), teardown (the module fixture leaves the bastion closed and the root's
variables as it found them: the production stack is shared with the blue/green tests).
"""

from __future__ import annotations

import http.server
import importlib.machinery
import importlib.util
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest

from harness import bastion
from harness.paths import ANSIBLE_DIR
from harness.stack import HARNESS_VARS_FILE, RootHandle, Stack

pytestmark = pytest.mark.integration

ENVIRONMENT = "production"
IDLE_POWEROFF = ANSIBLE_DIR / "roles/bastion/files/idle-poweroff"


def quiet(line: str) -> None:
    """Progress lines of the waits, shown by pytest only when a test fails."""
    print(line)


@pytest.fixture(scope="module")
def group(production_root: RootHandle, stack: Stack) -> Iterator[str]:
    """The bastion's group; afterwards it is closed and production's variables are restored."""
    variables = stack.root(ENVIRONMENT) / HARNESS_VARS_FILE
    found = variables.read_text()
    name = bastion.group_name(stack, ENVIRONMENT)
    yield name
    variables.write_text(found)
    if bastion.status(stack.account, name).desired:
        bastion.close_bastion(stack.account, name, timeout=60, interval=1, progress=quiet)


def _bastion_capacity_variable(stack: Stack) -> int:
    """The bastion_capacity production gets: the harness's tfvars, else the variable's default."""
    values = json.loads((stack.root(ENVIRONMENT) / HARNESS_VARS_FILE).read_text())
    return int(values.get("bastion_capacity", 0))


def test_validate_bastion_open_puts_an_instance_in_service(stack: Stack, group: str) -> None:
    """`open`: desired capacity 1 and one instance InService, with a private IP."""
    instance = bastion.open_bastion(stack.account, group, timeout=60, interval=1, progress=quiet)
    assert instance.instance_id.startswith("i-"), instance
    assert instance.private_ip, f"{instance.instance_id}: no private IP"
    current = bastion.status(stack.account, group)
    assert current.desired == 1, current.describe()
    assert [i.instance_id for i in current.in_service] == [instance.instance_id]


def test_validate_release_apply_keeps_the_open_bastion(stack: Stack, group: str) -> None:
    """A release apply with bastion_capacity 0 in the tfvars leaves the open bastion running."""
    before = bastion.status(stack.account, group)
    assert before.in_service, f"the bastion is not open: {before.describe()}"
    assert _bastion_capacity_variable(stack) == 0
    stack.apply(ENVIRONMENT)
    after = bastion.status(stack.account, group)
    assert after.desired == 1, f"the release apply changed the capacity: {after.describe()}"
    assert after.in_service == before.in_service, after.describe()


def test_validate_bastion_close_leaves_nothing_in_service(stack: Stack, group: str) -> None:
    """`close`: desired capacity 0 and no instance InService."""
    closed = bastion.close_bastion(stack.account, group, timeout=60, interval=1, progress=quiet)
    assert closed.desired == 0, closed.describe()
    assert not closed.in_service, closed.describe()


def test_validate_release_apply_does_not_restart_a_closed_bastion(stack: Stack, group: str) -> None:
    """bastion_capacity = 1 left in the tfvars: a release apply keeps the closed bastion closed."""
    assert not bastion.status(stack.account, group).in_service
    variables = stack.root(ENVIRONMENT) / HARNESS_VARS_FILE
    found = variables.read_text()
    stack.runner(ENVIRONMENT).write_vars({**json.loads(found), "bastion_capacity": 1})
    assert _bastion_capacity_variable(stack) == 1
    try:
        stack.apply(ENVIRONMENT)
    finally:
        variables.write_text(found)
    after = bastion.status(stack.account, group)
    assert after.desired == 0, f"the release apply restarted the bastion: {after.describe()}"
    assert not after.instances, after.describe()


# --- the idle bastion leaving its group: the image's own script, against the account ---


class _Imds(http.server.BaseHTTPRequestHandler):
    """IMDSv2 for one instance: a token from PUT, the identity document only with that token."""

    token = "imds-token-for-the-test"
    document: ClassVar[dict[str, str]] = {}

    def do_PUT(self) -> None:
        wanted = self.path == "/latest/api/token"
        if not wanted or "X-aws-ec2-metadata-token-ttl-seconds" not in self.headers:
            self._send(400, "")
            return
        self._send(200, self.token)

    def do_GET(self) -> None:
        if self.headers.get("X-aws-ec2-metadata-token") != self.token:
            self._send(401, "")  # IMDSv2 only, as the launch template requires
        elif self.path == "/latest/dynamic/instance-identity/document":
            self._send(200, json.dumps(self.document))
        else:
            self._send(404, "")

    def _send(self, code: int, body: str) -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@dataclass
class ImdsStandIn:
    """Where the stand-in listens, and the identity document it serves."""

    url: str
    document: dict[str, str]


@pytest.fixture
def imds() -> Iterator[ImdsStandIn]:
    """A loopback IMDSv2 stand-in; fill `.document` to say which instance asks."""
    document: ClassVar[dict[str, str]] = {}
    handler = type("Imds", (_Imds,), {"document": document})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ImdsStandIn(url=f"http://127.0.0.1:{server.server_address[1]}", document=document)
    server.shutdown()
    server.server_close()


def _load_script(path: Path) -> ModuleType:
    """The script as a module (it has no .py suffix), as tests/unit/test_ansible.py loads it."""
    loader = importlib.machinery.SourceFileLoader(path.name.replace("-", "_"), str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_validate_idle_bastion_leaves_its_group(
    monkeypatch: pytest.MonkeyPatch, stack: Stack, group: str, imds: ImdsStandIn
) -> None:
    """idle-poweroff's leave_autoscaling_group: desired 1 -> 0 and the instance is gone."""
    account = stack.account
    instance = bastion.open_bastion(account, group, timeout=60, interval=1, progress=quiet)
    imds.document.update(
        instanceId=instance.instance_id, region=account.region, accountId=account.account_id
    )
    script = _load_script(IDLE_POWEROFF)
    monkeypatch.setattr(script, "IMDS", imds.url)  # 169.254.169.254 is the host's, not ours
    for key, value in account.env.items():  # the endpoint and credentials of the account
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)

    assert script.leave_autoscaling_group() is True

    after = bastion.status(account, group)
    assert after.desired == 0, f"the group would replace the bastion: {after.describe()}"
    assert instance.instance_id not in {i.instance_id for i in after.instances}, after.describe()
    autoscaling = account.client("autoscaling")
    found = autoscaling.describe_auto_scaling_instances(InstanceIds=[instance.instance_id])
    assert not found["AutoScalingInstances"], found
    reservations = account.client("ec2").describe_instances(InstanceIds=[instance.instance_id])
    state = reservations["Reservations"][0]["Instances"][0]["State"]["Name"]
    assert state in ("shutting-down", "terminated"), state

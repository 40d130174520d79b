"""The account a run uses: its names, tags and environment, and how it is opened or attached.

`Account` is what terraform, ansible and boto3 are handed. `open_account` picks moto (a
server the harness starts, or one already running) or the guarded real account; every way
in checks the run id first, so it never reaches a path or a resource name unchecked.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import boto3

from harness.account.moto import (
    DATAPLANE_VARIABLE,
    MotoServer,
    answering,
    chosen_shims,
    free_port,
)
from harness.dataplane import client as dataplane_client
from harness.errors import AccountError
from harness.paths import check_run_id, run_dir

DEFAULT_REGION = "eu-west-1"
GLOBAL_REGION = "us-east-1"  # CloudFront certificates live here
RUN_ID_TAG = "harness:run-id"
CREATED_TAG = "harness:created"
MOTO_ACCOUNT_ID = "123456789012"
ENVIRONMENTS = ("staging", "production")
INITIAL_VERSION = "v1.0.0"


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


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """Tags in the `[{"Key": k, "Value": v}]` shape most AWS APIs take."""
    return [{"Key": key, "Value": value} for key, value in tags.items()]


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
    def server_pid(self) -> int | None:
        """The pid of the moto server this process started and still owns (None otherwise)."""
        process = getattr(self._server, "process", None)
        return None if process is None else int(process.pid)

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
    dataplane: bool | None = None,
) -> Account:
    """Start a moto server (with the shims) on a free loopback port; return its account.

    The server dies with the harness process unless `detach` (for `account up`, `--keep`).
    `shims=None` means every shim, or the ones $HARNESS_MOTO_SHIMS names. `dataplane`: run
    the data plane beside it (None: unless $HARNESS_DATAPLANE is "0"; a caller that only
    plans, like the policy gate's plan mode, passes False instead of changing the variable).
    """
    check_run_id(run_id)
    if dataplane is None:
        dataplane = os.environ.get(DATAPLANE_VARIABLE) != "0"
    server = MotoServer(
        port=free_port(),
        shims=chosen_shims(shims),
        detach=detach,
        project=project_name(run_id),
        region=region,
        dataplane_dir=dataplane_client.directory(run_id) if dataplane else None,
    ).start()
    return Account(
        kind="moto", region=region, run_id=run_id, endpoint_url=server.url, _server=server
    )


def dead_server_message(endpoint_url: str, run_id: str) -> str:
    """One line for a moto server that does not answer: how to remove its run, if recorded."""
    if run_dir(run_id).is_dir():
        return (
            f"moto server of run {run_id} at {endpoint_url} is not answering (stopped?); "
            f"`python -m harness account down --run-id {run_id}` removes the run"
        )
    return f"moto server at {endpoint_url} is not answering (stopped?); nothing to attach to"


def attach_moto(
    endpoint_url: str, run_id: str, region: str = DEFAULT_REGION, *, probe: bool = True
) -> Account:
    """An account on a moto server that is already running (one a kept run left up).

    The server is probed first (under a second, `moto.answering`): a dead one raises an
    AccountError at once instead of every later call spending its botocore and provider
    retries. `probe=False` is for a caller that attaches before the server is up.
    """
    check_run_id(run_id)
    if probe and not answering(endpoint_url):
        raise AccountError(dead_server_message(endpoint_url, run_id))
    return Account(kind="moto", region=region, run_id=run_id, endpoint_url=endpoint_url)


def open_account(
    kind: str,
    run_id: str,
    region: str = DEFAULT_REGION,
    shims: tuple[str, ...] | None = None,
    endpoint_url: str | None = None,
    detach: bool = False,
    dataplane: bool | None = None,
) -> Account:
    """The account a run asked for: moto (a fresh server, or `endpoint_url`) or the real one."""
    check_run_id(run_id)
    if kind == "moto":
        if endpoint_url:
            return attach_moto(endpoint_url, run_id, region)
        return start_moto(run_id, region, shims, detach=detach, dataplane=dataplane)
    # The guard builds an Account, so it imports this module: import it when needed.
    from harness.account.guard import open_aws

    return open_aws(run_id, region, requested=kind)

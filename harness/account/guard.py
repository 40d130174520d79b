"""The real-account guard: a run touches AWS only when asked to, and only the account it names.

Two things must hold: `--account=aws` was given, and $HARNESS_AWS_ACCOUNT_ID equals the
account STS says the credentials belong to. Every client the guard uses has short, explicit
timeouts, so an endpoint that does not answer fails within `GUARD_BUDGET_SECONDS`; any
botocore failure becomes one `AccountError` line naming the endpoint and what to check.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from harness.account.core import DEFAULT_REGION, Account
from harness.errors import AccountError
from harness.paths import check_run_id

ACCOUNT_ID_VARIABLE = "HARNESS_AWS_ACCOUNT_ID"
GUARD_CONNECT_TIMEOUT = 3  # seconds to open the connection
GUARD_READ_TIMEOUT = 4  # seconds to wait for the answer
GUARD_RETRIES = 1  # retries after the first attempt (standard mode: jittered backoff <= 1 s)
# Worst case: every attempt times out connecting and then reading, plus one backoff.
GUARD_BUDGET_SECONDS = (GUARD_RETRIES + 1) * (GUARD_CONNECT_TIMEOUT + GUARD_READ_TIMEOUT) + 1
GUARD_CONFIG = Config(
    connect_timeout=GUARD_CONNECT_TIMEOUT,
    read_timeout=GUARD_READ_TIMEOUT,
    retries={"max_attempts": GUARD_RETRIES, "mode": "standard"},
)


def aws_opt_in_missing(requested: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Why a real-account test cannot run (None when the opt-in is complete)."""
    environ = os.environ if environ is None else environ
    if requested != "aws" or not environ.get(ACCOUNT_ID_VARIABLE):
        return (
            f"real AWS account not enabled: run with --account=aws and set {ACCOUNT_ID_VARIABLE} "
            "to the id of the disposable account the credentials belong to"
        )
    return None


def guard_client(session: boto3.session.Session, service: str) -> Any:
    """A client for the guard: explicit timeouts and retries, so no call hangs for minutes."""
    make: Any = session.client  # boto3-stubs overloads want literal names
    return make(service, config=GUARD_CONFIG)


def _one_line(text: str) -> str:
    """`text` on a single line (botocore messages sometimes span several)."""
    return " ".join(text.split())


_CREDENTIAL_ERRORS = (
    NoCredentialsError,
    PartialCredentialsError,
    CredentialRetrievalError,
    TokenRetrievalError,
    ProfileNotFound,
    SSOError,
)
CHECK_CREDENTIALS = (
    "check the credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/"
    "AWS_SESSION_TOKEN; an expired SSO session needs `aws sso login`)"
)
CHECK_NETWORK = "check AWS_ENDPOINT_URL and the network (proxy, VPN, firewall, DNS)"


def guard_error(where: str, error: Exception) -> AccountError:
    """One line for a botocore failure: where it happened, what went wrong, what to check."""
    detail = _one_line(str(error))
    if isinstance(error, ClientError):
        return AccountError(f"{where} refused the call: {detail}; {CHECK_CREDENTIALS}")
    if isinstance(error, _CREDENTIAL_ERRORS):
        return AccountError(f"{where}: no usable credentials: {detail}; {CHECK_CREDENTIALS}")
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return AccountError(
            f"{where} did not answer: {detail}; {CHECK_NETWORK}, then {CHECK_CREDENTIALS}"
        )
    return AccountError(f"{where} failed: {detail}; {CHECK_CREDENTIALS}; {CHECK_NETWORK}")


def caller_account(region: str) -> str:
    """The account id the usual credential chain belongs to (STS GetCallerIdentity)."""
    where = f"STS (region {region})"
    try:
        sts = guard_client(boto3.session.Session(region_name=region), "sts")
        where = f"STS at {sts.meta.endpoint_url} (region {region})"
        return str(sts.get_caller_identity()["Account"])
    except (BotoCoreError, ClientError) as error:
        raise guard_error(where, error) from error


def open_aws(
    run_id: str,
    region: str = DEFAULT_REGION,
    requested: str = "moto",
    environ: Mapping[str, str] | None = None,
) -> Account:
    """A real account from the usual credential chain, only when explicitly asked for.

    Refuses unless `requested` is "aws" and HARNESS_AWS_ACCOUNT_ID names the account the
    credentials actually belong to (STS is asked): a run never lands in the wrong account.
    """
    check_run_id(run_id)
    environ = os.environ if environ is None else environ
    if requested != "aws":
        raise AccountError(f"a real AWS account needs --account=aws (got --account={requested})")
    expected = environ.get(ACCOUNT_ID_VARIABLE, "").strip()
    if not expected:
        raise AccountError(
            f"--account=aws needs {ACCOUNT_ID_VARIABLE} set to the id of the disposable account "
            "the credentials belong to"
        )
    actual = caller_account(region)
    if actual != expected:
        raise AccountError(
            f"{ACCOUNT_ID_VARIABLE}={expected} but the credentials belong to account {actual}: "
            "refusing to touch it"
        )
    return Account(kind="aws", region=region, run_id=run_id, account_id=actual)

"""pytest plugin: the harness's options and fixtures (logic lives in the harness modules)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from harness.account import Account, Seed, new_run_id
from harness.hcl import Config, config_dirs, load_dir
from harness.stack import Stack
from harness.terraform import TEMPLATE_DIR


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the harness options."""
    group = parser.getgroup("harness")
    group.addoption(
        "--account",
        choices=("moto", "aws"),
        default=os.environ.get("HARNESS_ACCOUNT", "moto"),
        help="ephemeral account: moto (default, a local emulator) or aws (opt-in, real account)",
    )
    group.addoption(
        "--keep",
        action="store_true",
        default=False,
        help="leave what the run created in place for debugging (prints how to destroy it)",
    )
    group.addoption(
        "--run-id",
        default=os.environ.get("HARNESS_RUN_ID"),
        help="prefix for every name the run creates (default: random)",
    )


@pytest.fixture(scope="session")
def run_id(request: pytest.FixtureRequest) -> str:
    """The run id: names carry it as a prefix, resources as the tag harness:run-id."""
    given = request.config.getoption("--run-id")
    return str(given) if given else new_run_id("t")


@pytest.fixture(scope="session")
def template_configs() -> dict[str, Config]:
    """Every terraform root and module of the template, parsed, keyed by relative path."""
    return {
        str(d.relative_to(TEMPLATE_DIR)): load_dir(d, ("*.tf",)) for d in config_dirs(TEMPLATE_DIR)
    }


# --- account --- (the ephemeral account: logic in harness/account.py and harness/sweep.py)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked aws unless the real-account opt-in is given, saying what to set."""
    from harness.account import aws_opt_in_missing

    missing = aws_opt_in_missing(config.getoption("--account"))
    if not missing:
        return
    skip = pytest.mark.skip(reason=missing)
    for item in items:
        if "aws" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def account(request: pytest.FixtureRequest, run_id: str) -> Iterator[Account]:
    """The session's account: one moto server (default) or the guarded real account."""
    from harness.account import open_account
    from harness.sweep import teardown_account

    keep = request.config.getoption("--keep")
    opened = open_account(request.config.getoption("--account"), run_id, detach=keep)
    yield opened
    teardown_account(opened, keep=keep)


@pytest.fixture(scope="session")
def seeded(account: Account) -> Seed:
    """The session account with the prerequisites seeded (state backend, zone, certs, AMIs)."""
    from harness.account import seed

    return seed(account)


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest, account: Account, seeded: Seed) -> Iterator[Stack]:
    """The run's template copy; what it applied is destroyed at session end (teardown stage)."""
    from harness.stack import destroy_applied

    created = Stack.create(account, seeded)
    yield created
    destroy_applied(created, keep=request.config.getoption("--keep"))

"""pytest plugin (entry point `pytest11: harness`): options, fixtures and markers of the harness.

Fixtures only wrap the harness's functions. One fixture per terraform root (`<name>_root`,
generated from harness.roots) applies that root and what it depends on, once per session, and
hands out its plan, outputs and resources; `terraform_root` does the same for any directory of
the template (a module of your own). `--harness-attach RUN_ID` reuses a run kept with
`--harness-keep` (or started with `python -m harness account up`) instead of building one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from harness.account import Account, Seed, new_run_id
from harness.hcl import Config, config_dirs, load_dir
from harness.paths import TEMPLATE_DIR, check_run_id, run_dir
from harness.roots import ROOTS
from harness.stack import RUN_FILE, RootHandle, Stack

ACCOUNT_OPTION = "--harness-account"
KEEP_OPTION = "--harness-keep"
RUN_ID_OPTION = "--harness-run-id"
ATTACH_OPTION = "--harness-attach"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the harness options (each also read from a HARNESS_* environment variable)."""
    group = parser.getgroup("harness", "AWS template harness")
    group.addoption(
        ACCOUNT_OPTION,
        choices=("moto", "aws"),
        default=os.environ.get("HARNESS_ACCOUNT", "moto"),
        help="ephemeral account: moto (default, a local emulator) or aws (opt-in, real account; "
        "env HARNESS_ACCOUNT)",
    )
    group.addoption(
        KEEP_OPTION,
        action="store_true",
        default=_env_flag("HARNESS_KEEP"),
        help="leave what the run created in place, recorded for --harness-attach "
        "(env HARNESS_KEEP)",
    )
    group.addoption(
        RUN_ID_OPTION,
        default=os.environ.get("HARNESS_RUN_ID"),
        help="prefix for every name the run creates (default: random; env HARNESS_RUN_ID)",
    )
    group.addoption(
        ATTACH_OPTION,
        default=os.environ.get("HARNESS_ATTACH"),
        metavar="RUN_ID",
        help="reuse a kept run: its account, its template copy and the roots in its state "
        "(env HARNESS_ATTACH); nothing is torn down",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Check the run ids before any fixture turns them into paths or names."""
    for option in (RUN_ID_OPTION, ATTACH_OPTION):
        value = config.getoption(option)
        if value:
            try:
                check_run_id(str(value))
            except Exception as error:
                raise pytest.UsageError(f"{option}: {error}") from None
    attach = config.getoption(ATTACH_OPTION)
    if attach and not (run_dir(str(attach)) / RUN_FILE).exists():
        raise pytest.UsageError(
            f"{ATTACH_OPTION}={attach}: no kept run {run_dir(str(attach)) / RUN_FILE}; keep one "
            f"with {KEEP_OPTION} or `python -m harness account up --run-id {attach}`"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked aws unless the real-account opt-in is given, saying what to set."""
    from harness.account import aws_opt_in_missing

    missing = aws_opt_in_missing(config.getoption(ACCOUNT_OPTION))
    if not missing:
        return
    skip = pytest.mark.skip(reason=missing)
    for item in items:
        if "aws" in item.keywords:
            item.add_marker(skip)


def _attached(config: pytest.Config) -> str | None:
    value = config.getoption(ATTACH_OPTION)
    return str(value) if value else None


def _keep(config: pytest.Config) -> bool:
    return bool(config.getoption(KEEP_OPTION)) or _attached(config) is not None


@pytest.fixture(scope="session")
def run_id(request: pytest.FixtureRequest) -> str:
    """The run id: names carry it as a prefix, resources as the tag harness:run-id."""
    given = _attached(request.config) or request.config.getoption(RUN_ID_OPTION)
    return str(given) if given else new_run_id("t")


@pytest.fixture(scope="session")
def template_configs() -> dict[str, Config]:
    """Every terraform root and module of the template, parsed, keyed by relative path."""
    return {
        str(d.relative_to(TEMPLATE_DIR)): load_dir(d, ("*.tf",)) for d in config_dirs(TEMPLATE_DIR)
    }


# --- the account and the roots (logic in harness/account, harness/stack.py, harness/sweep.py) ---


@pytest.fixture(scope="session")
def _attached_stack(request: pytest.FixtureRequest) -> Stack | None:
    """The kept run named by --harness-attach, with the roots its state holds counted applied."""
    attach = _attached(request.config)
    if attach is None:
        return None
    stack, _ = Stack.load(run_dir(attach) / RUN_FILE)
    stack.adopt_applied()
    return stack


@pytest.fixture(scope="session")
def account(
    request: pytest.FixtureRequest, run_id: str, _attached_stack: Stack | None
) -> Iterator[Account]:
    """The session's account: a moto server (default), the guarded real one, or an attached run."""
    if _attached_stack is not None:
        yield _attached_stack.account
        return
    from harness.account import open_account
    from harness.sweep import teardown_account

    keep = _keep(request.config)
    opened = open_account(request.config.getoption(ACCOUNT_OPTION), run_id, detach=keep)
    yield opened
    teardown_account(opened, keep=keep)


@pytest.fixture(scope="session")
def seeded(account: Account, _attached_stack: Stack | None) -> Seed:
    """The session account with the prerequisites seeded (state backend, zone, certs, AMIs)."""
    if _attached_stack is not None:
        return _attached_stack.seed
    from harness.account import seed

    return seed(account)


@pytest.fixture(scope="session")
def stack(
    request: pytest.FixtureRequest, account: Account, seeded: Seed, _attached_stack: Stack | None
) -> Iterator[Stack]:
    """The run's template copy; every root an apply was started on is destroyed at the end."""
    from harness.stack import destroy_applied

    if _attached_stack is not None:
        yield _attached_stack
        return
    keep = _keep(request.config)
    created = Stack.create(account, seeded, into=run_dir(account.run_id) if keep else None)
    if keep:
        created.record()
    yield created
    destroy_applied(created, keep=keep)


def _root_fixture(name: str) -> Callable[[Stack], RootHandle]:
    def fixture(stack: Stack) -> RootHandle:
        stack.ensure(name)
        return RootHandle(stack.runner(name), name)

    fixture.__doc__ = f"The {name} root, applied once a session after the roots it depends on."
    fixture.__name__ = f"{name}_root"
    return pytest.fixture(scope="session", name=f"{name}_root")(fixture)


# One fixture per root of harness.roots: bootstrap_root, global_root, staging_root, ...
for _root in ROOTS:
    globals()[f"{_root.name}_root"] = _root_fixture(_root.name)


@pytest.fixture(scope="session")
def terraform_root(
    request: pytest.FixtureRequest, account: Account, stack: Stack
) -> Iterator[Callable[..., RootHandle]]:
    """Apply any directory of the template copy (a module of your own) with local state.

    `terraform_root("modules/bucket", {"name": "x"})` applies once per session and returns the
    handle; what it applied is destroyed at the end of the session unless kept.
    """
    from harness.stack import apply_directory, destroy_directories

    made: dict[str, RootHandle] = {}

    def make(path: str, variables: Mapping[str, Any] | None = None) -> RootHandle:
        if path not in made:
            made[path] = apply_directory(stack, path, variables or {})
        return made[path]

    yield make
    destroy_directories(list(made.values()), keep=_keep(request.config))

"""pytest plugin (entry point `pytest11: harness`): options, fixtures and markers of the harness.

Fixtures only wrap the harness's functions. One fixture per terraform root (`<name>_root`,
generated from harness.roots) applies that root and what it depends on, once per session, and
hands out its plan, outputs and resources; `terraform_root` does the same for any directory of
the template (a module of your own). `--harness-attach RUN_ID` reuses a run kept with
`--harness-keep` (or started with `python -m harness account up`) instead of building one.

Integration tests are grouped by the account they need (`@pytest.mark.account_group(name)`, by
default one group per test module). Under pytest-xdist (`-n N --dist loadgroup`) a group runs
whole on one worker, and every worker has its own account: its own moto server, data plane,
run id and chain of roots, so no two groups ever call one server at the same time.
`--harness-group NAME` runs one group alone (a CI shard); `--harness-list-groups FILE` writes
the groups of the collected tests as JSON.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from harness.account import Account, Seed, new_run_id
from harness.groups import GROUP_MARK, MAP_DIR_KEY, account_group
from harness.hcl import Config, config_dirs, load_dir
from harness.paths import TEMPLATE_DIR, check_run_id, run_dir
from harness.roots import ROOTS
from harness.stack import RUN_FILE, RootHandle, Stack

ACCOUNT_OPTION = "--harness-account"
KEEP_OPTION = "--harness-keep"
RUN_ID_OPTION = "--harness-run-id"
ATTACH_OPTION = "--harness-attach"
GROUP_OPTION = "--harness-group"
LIST_GROUPS_OPTION = "--harness-list-groups"
_MAP_DIR = pytest.StashKey[Path]()
# project_name() keeps 12 characters of a run id: each worker's suffix must survive that cut.
PROJECT_NAME_LENGTH = 12


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
    group.addoption(
        GROUP_OPTION,
        default=os.environ.get("HARNESS_GROUP") or None,
        metavar="NAME",
        help="run only the integration tests of one account group, as one CI shard does "
        "(env HARNESS_GROUP; list them with --harness-list-groups)",
    )
    group.addoption(
        LIST_GROUPS_OPTION,
        default=None,
        metavar="FILE",
        help="write the account groups of the collected tests to FILE as a JSON list "
        "(use with --collect-only)",
    )


def _workers(config: pytest.Config) -> int:
    """How many pytest-xdist workers the controller starts (0 without xdist)."""
    try:
        value = config.getoption("numprocesses")
    except ValueError:
        return 0
    return int(value or 0)


def _worker_id(config: pytest.Config) -> str | None:
    """This process's pytest-xdist worker id (gw0, gw1, ...), or None outside a worker."""
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else None


def worker_run_id(run_id: str, worker: str) -> str:
    """The run id of one xdist worker: the given id with the worker's name appended.

    Names keep the first 12 characters of a run id, so an id too long to keep the suffix would
    make two workers create the same names: that is a usage error, not a silent collision.
    """
    from harness.account.core import project_name

    combined = f"{run_id}-{worker}"
    if project_name(combined) != combined.lower():
        room = PROJECT_NAME_LENGTH - len(worker) - 1
        raise pytest.UsageError(
            f"{RUN_ID_OPTION}={run_id}: with pytest-xdist every worker's run id is "
            f"<id>-{worker}, which names must keep whole; give at most {room} characters"
        )
    return combined


def pytest_configure(config: pytest.Config) -> None:
    """Register the group mark; check the run ids before any fixture turns them into names."""
    config.addinivalue_line(
        "markers",
        f"{GROUP_MARK}(name): integration tests that share one account (moto server, data "
        "plane, chain of roots); the default group is the test module's name",
    )
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
    if attach and _workers(config) > 1:
        raise pytest.UsageError(
            f"{ATTACH_OPTION}={attach}: a kept run is one account; run it with one worker "
            "(-n 0 or -n 1), not several"
        )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every integration test its xdist group and keep only --harness-group's tests.

    tryfirst: a worker writes its group map after -m and -k have chosen the tests, in
    pytest_collection_finish; choosing the group first keeps the map to what runs.
    """
    _skip_aws_without_opt_in(config, items)
    groups: dict[str, list[pytest.Item]] = {}
    for item in items:
        name = account_group(item)
        if name is not None:
            groups.setdefault(name, []).append(item)
    wanted = config.getoption(GROUP_OPTION)
    if not wanted:
        return
    if wanted not in groups:
        known = ", ".join(sorted(groups)) or "none collected"
        raise pytest.UsageError(f"{GROUP_OPTION}={wanted}: no such group (groups: {known})")
    chosen = set(groups[wanted])
    config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
    items[:] = [item for item in items if item in chosen]


def pytest_collection_finish(session: pytest.Session) -> None:
    """A worker's group map for the scheduler; --harness-list-groups FILE: the groups as JSON."""
    workerinput = getattr(session.config, "workerinput", None)
    if workerinput and workerinput.get(MAP_DIR_KEY):
        from harness.groups import write_group_map

        write_group_map(Path(workerinput[MAP_DIR_KEY]), workerinput["workerid"], session.items)
    target = session.config.getoption(LIST_GROUPS_OPTION)
    if not target:
        return
    names = sorted({name for item in session.items if (name := account_group(item))})
    path = os.path.abspath(str(target))
    partial = f"{path}.partial"
    with open(partial, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(names) + "\n")
    os.replace(partial, path)


def _group_map_dir(config: pytest.Config) -> Path:
    """The controller's directory for the workers' group maps (made once, removed at exit)."""
    directory = config.stash.get(_MAP_DIR, None)
    if directory is None:
        import tempfile

        directory = Path(tempfile.mkdtemp(prefix="harness-groups-"))
        config.stash[_MAP_DIR] = directory
        config.add_cleanup(lambda: shutil.rmtree(directory, ignore_errors=True))
    return directory


def _loadgroup(config: pytest.Config) -> bool:
    return bool(config.getoption("dist", None) == "loadgroup")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller, before a worker starts: where it writes the groups it collects."""
    if _loadgroup(node.config):
        node.workerinput[MAP_DIR_KEY] = str(_group_map_dir(node.config))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` schedules the harness's account groups (see harness/groups.py)."""
    if not _loadgroup(config):
        return None
    from harness.groups import GroupScheduling

    return GroupScheduling(config, _group_map_dir(config), log)


def _skip_aws_without_opt_in(config: pytest.Config, items: list[pytest.Item]) -> None:
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
    attached = _attached(request.config)
    if attached:
        return attached
    given = request.config.getoption(RUN_ID_OPTION)
    worker = _worker_id(request.config)
    if given and worker:
        return worker_run_id(str(given), worker)
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

"""The Ansible roles and playbooks: house style, syntax, and the logic of the shipped scripts."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from harness.paths import ANSIBLE_DIR

pytestmark = pytest.mark.unit

ROLES = ["common", "elixir", "api", "bastion"]
PLAYBOOKS = sorted((ANSIBLE_DIR / "playbooks").glob("*.yml"))
TASK_FILES = sorted((ANSIBLE_DIR / "roles").glob("*/tasks/*.yml")) + sorted(
    (ANSIBLE_DIR / "roles").glob("*/handlers/*.yml")
)
# Task keywords that are not modules.
KEYWORDS = {
    "name", "when", "loop", "notify", "register", "changed_when", "failed_when", "become",
    "tags", "vars", "environment", "no_log", "listen", "loop_control", "delegate_to",
    "ignore_errors", "until", "retries", "delay", "check_mode", "block", "rescue", "always",
}  # fmt: skip


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _load_script(path: Path) -> ModuleType:
    loader = importlib.machinery.SourceFileLoader(path.name.replace("-", "_"), str(path))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda p: p.name)
def test_ansible_playbook_only_lists_roles(playbook: Path) -> None:
    for play in _yaml(playbook):
        assert set(play) <= {"name", "hosts", "become", "roles", "gather_facts"}, playbook
        assert play["roles"], f"{playbook}: no roles"


def test_ansible_playbooks_exist_for_every_image() -> None:
    assert sorted(p.stem for p in PLAYBOOKS) == sorted(ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_ansible_role_layout(role: str) -> None:
    base = ANSIBLE_DIR / "roles" / role
    for part in ("defaults/main.yml", "meta/main.yml", "meta/argument_specs.yml", "tasks/main.yml"):
        assert (base / part).is_file(), f"roles/{role}: missing {part}"


@pytest.mark.parametrize("role", ROLES)
def test_ansible_defaults_prefixed_and_specified(role: str) -> None:
    base = ANSIBLE_DIR / "roles" / role
    defaults = _yaml(base / "defaults/main.yml")
    options = _yaml(base / "meta/argument_specs.yml")["argument_specs"]["main"]["options"]
    assert [k for k in defaults if not k.startswith(f"{role}_")] == []
    assert sorted(set(defaults) - set(options)) == [], f"roles/{role}: undocumented defaults"
    assert all(o.get("description") and o.get("type") for o in options.values())


@pytest.mark.parametrize("role", ROLES)
def test_ansible_main_only_includes_task_files(role: str) -> None:
    tasks = _yaml(ANSIBLE_DIR / "roles" / role / "tasks/main.yml")
    for task in tasks:
        assert "ansible.builtin.include_tasks" in task, f"roles/{role}/tasks/main.yml: {task}"
        target = ANSIBLE_DIR / "roles" / role / "tasks" / task["ansible.builtin.include_tasks"]
        assert target.is_file(), f"roles/{role}: {target.name} missing"


@pytest.mark.parametrize("path", TASK_FILES, ids=lambda p: str(p.relative_to(ANSIBLE_DIR)))
def test_ansible_tasks_named_fqcn_and_report_changes(path: Path) -> None:
    for task in _yaml(path):
        assert task.get("name"), f"{path}: a task has no name"
        modules = [k for k in task if k not in KEYWORDS]
        assert len(modules) == 1, f"{path}: {task['name']!r} has modules {modules}"
        assert modules[0].count(".") >= 2, f"{path}: {task['name']!r} uses {modules[0]} (not FQCN)"
        if modules[0].split(".")[-1] in {"command", "shell", "raw"}:
            assert "changed_when" in task, f"{path}: {task['name']!r} lacks changed_when"


def test_ansible_requirements_pin_installed_collections() -> None:
    from ansible_collections import amazon  # installed with the ansible package

    base = Path(amazon.__path__[0]).parent
    for entry in _yaml(ANSIBLE_DIR / "requirements.yml")["collections"]:
        namespace, name = entry["name"].split(".")
        manifest = json.loads((base / namespace / name / "MANIFEST.json").read_text())
        assert entry["version"] == manifest["collection_info"]["version"], entry["name"]


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda p: p.name)
def test_ansible_playbook_syntax(playbook: Path) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ansible-playbook")), "--syntax-check",
         "-i", "localhost,", str(playbook)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "ANSIBLE_CONFIG": str(ANSIBLE_DIR / "ansible.cfg")},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def idle() -> ModuleType:
    """The bastion's idle power-off script, imported."""
    return _load_script(ANSIBLE_DIR / "roles/bastion/files/idle-poweroff")


def test_idle_poweroff_first_run_starts_the_clock(idle: ModuleType, tmp_path: Path) -> None:
    stamp = str(tmp_path / "stamp")
    assert idle.decide([], stamp, 30, time.time()) == "boot"
    assert idle.decide([], stamp, 30, time.time()) == "idle"


def test_idle_poweroff_after_idle_minutes(idle: ModuleType, tmp_path: Path) -> None:
    stamp, now = str(tmp_path / "stamp"), time.time()
    idle.decide([], stamp, 30, now - 31 * 60)
    assert idle.decide([], stamp, 30, now) == "poweroff"


def test_idle_poweroff_activity_resets_the_clock(idle: ModuleType, tmp_path: Path) -> None:
    stamp, now = str(tmp_path / "stamp"), time.time()
    idle.decide([], stamp, 30, now - 31 * 60)
    assert idle.decide(["ssh:203.0.113.7:40022"], stamp, 30, now) == "active"
    assert idle.decide([], stamp, 30, now + 60) == "idle"


@pytest.fixture(scope="module")
def keysync() -> ModuleType:
    """The common role's S3 key sync script, imported."""
    return _load_script(ANSIBLE_DIR / "roles/common/files/s3-keysync")


@pytest.mark.parametrize(
    ("line", "valid"),
    [
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH alice@laptop", True),
        ("ecdsa-sha2-nistp256 AAAAE2VjZHNh", True),
        ('command="rm -rf /" ssh-ed25519 AAAAC3', False),
        ("not a key", False),
    ],
)
def test_keysync_accepts_only_plain_public_keys(
    keysync: ModuleType, line: str, valid: bool
) -> None:
    assert bool(keysync.KEY_RE.match(line)) is valid


@pytest.mark.parametrize(
    ("user", "valid"), [("alice", True), ("ops-1", True), ("Root", False), ("../etc", False)]
)
def test_keysync_accepts_only_valid_user_names(keysync: ModuleType, user: str, valid: bool) -> None:
    assert bool(keysync.USER_RE.match(user)) is valid


def test_api_unit_template_parses_as_the_image_test_starts_it() -> None:
    from jinja2 import Template

    from harness.image.units import parse_unit

    text = (ANSIBLE_DIR / "roles/api/templates/api.service.j2").read_text(encoding="utf-8")
    rendered = Template(text).render(
        ansible_managed="test", api_name="hello_world", api_version="1.0.0",
        api_environment="staging", api_user="my-product", api_config_dir="/etc/hello_world",
        api_install_root="/opt/hello_world", api_nofile_limit=65536,
    )  # fmt: skip
    unit = parse_unit("hello_world.service", rendered)
    assert (unit.user, unit.group) == ("my-product", "my-product")
    assert unit.exec_start == "/opt/hello_world/current/bin/hello_world start"
    assert ("/etc/hello_world/instance.env", True) in unit.environment_files
    assert ("/etc/hello_world/secrets.env", False) in unit.environment_files
    assert unit.environment["RELEASE_DISTRIBUTION"] == "none"

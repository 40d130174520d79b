"""The roles' hardening, read from their templates and defaults without building an image.

The image suite proves these settings on a built host (root, minutes); these tests catch the
same regressions in the unit suite, so `python -m harness mutate` can afford to run them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.paths import ANSIBLE_DIR

pytestmark = pytest.mark.unit

ROLES = ANSIBLE_DIR / "roles"
SSHD = {
    "PermitRootLogin": "no",
    "PasswordAuthentication": "no",
    "KbdInteractiveAuthentication": "no",
    "PermitEmptyPasswords": "no",
    "PubkeyAuthentication": "yes",
    "AuthenticationMethods": "publickey",
    "MaxAuthTries": "{{ common_sshd_max_auth_tries }}",
    "X11Forwarding": "no",
    "AllowAgentForwarding": "no",
    "PermitTunnel": "no",
}
API_UNIT = {
    "User": "{{ api_user }}",
    "NoNewPrivileges": "true",
    "ProtectSystem": "strict",
    "ProtectHome": "true",
    "PrivateTmp": "true",
    "PrivateDevices": "true",
    "ProtectKernelTunables": "true",
    "ProtectKernelModules": "true",
    "RestrictSUIDSGID": "true",
    "RestrictNamespaces": "true",
    "CapabilityBoundingSet": "",
    "AmbientCapabilities": "",
    "UMask": "0077",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
}
KEYSYNC_UNIT = {"NoNewPrivileges": "true", "PrivateTmp": "true", "ProtectKernelModules": "true"}
_SETTING = re.compile(r"^\s*([A-Za-z][\w.-]*)\s*[= ]\s*(.*?)\s*$")


def _settings(path: Path) -> dict[str, str]:
    """`Key value` / `Key=value` lines of a config template (the last one wins, as in sshd)."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith(("#", "[")):
            continue
        match = _SETTING.match(line)
        if match:
            found[match.group(1)] = match.group(2).lstrip("= ").strip()
    return found


def _defaults(role: str) -> dict[str, Any]:
    loaded = yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), f"{role}: defaults/main.yml is not a mapping"
    return loaded


def _first_settings(path: Path) -> dict[str, str]:
    """Like _settings, but the first occurrence wins (sshd keeps the first value it reads)."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = None if line.lstrip().startswith(("#", "[")) else _SETTING.match(line)
        if match:
            found.setdefault(match.group(1), match.group(2).lstrip("= ").strip())
    return found


@pytest.mark.parametrize(("key", "value"), sorted(SSHD.items()))
def test_role_common_sshd_keys_only(key: str, value: str) -> None:
    """common: sshd takes keys only, no root, no passwords, no forwarding of agents or X11."""
    found = _first_settings(ROLES / "common/templates/sshd_hardening.conf.j2")
    assert found.get(key) == value, f"sshd_hardening.conf.j2: {key} {found.get(key)!r}"


def test_role_common_sshd_auth_tries_small() -> None:
    """common: at most 3 authentication attempts per connection."""
    assert 1 <= int(_defaults("common")["common_sshd_max_auth_tries"]) <= 3


def test_role_common_unattended_security_upgrades() -> None:
    """common: Debian security updates install unattended."""
    origins = _defaults("common")["common_unattended_origins"]
    assert any("Debian-Security" in origin for origin in origins), origins
    periodic = (ROLES / "common/files/20auto-upgrades").read_text(encoding="utf-8").splitlines()
    assert 'APT::Periodic::Unattended-Upgrade "1";' in periodic


@pytest.mark.parametrize(("key", "value"), sorted(KEYSYNC_UNIT.items()))
def test_role_common_keysync_unit_sandboxed(key: str, value: str) -> None:
    """common: the key sync service runs sandboxed."""
    found = _settings(ROLES / "common/templates/s3-keysync.service.j2")
    assert found.get(key) == value, f"s3-keysync.service.j2: {key} {found.get(key)!r}"


def test_role_common_keysync_writes_private_files() -> None:
    """common: the key sync writes ~/.ssh as 0700 and authorized_keys as 0600, atomically."""
    script = (ROLES / "common/files/s3-keysync").read_text(encoding="utf-8")
    assert "os.chmod(ssh_dir, 0o700)" in script
    assert "os.chmod(tmp, 0o600)" in script
    assert "os.replace(tmp, path)" in script


@pytest.mark.parametrize(("key", "value"), sorted(API_UNIT.items()))
def test_role_api_unit_hardened(key: str, value: str) -> None:
    """api: the service runs as its user, sandboxed, with no capabilities."""
    found = _settings(ROLES / "api/templates/api.service.j2")
    assert found.get(key) == value, f"api.service.j2: {key} {found.get(key)!r}"


def test_role_bastion_fail2ban_guards_sshd() -> None:
    """bastion: fail2ban's sshd jail is on, aggressive, and bans after a few failures."""
    jail = _settings(ROLES / "bastion/templates/jail-sshd.local.j2")
    assert jail.get("enabled") == "true", jail
    defaults = _defaults("bastion")
    assert defaults["bastion_fail2ban_mode"] == "aggressive"
    assert 1 <= int(defaults["bastion_fail2ban_maxretry"]) <= 5


def test_role_bastion_powers_off_when_idle() -> None:
    """bastion: an idle bastion powers itself off within the hour."""
    assert 1 <= int(_defaults("bastion")["bastion_idle_minutes"]) <= 60


def test_role_elixir_extra_source_is_signed() -> None:
    """elixir: an extra apt source needs a key and is pinned to it with signed-by."""
    tasks = (ROLES / "elixir/tasks/repository.yml").read_text(encoding="utf-8")
    assert "that: elixir_apt_key_url | length > 0" in tasks
    assert "[signed-by=/etc/apt/keyrings/elixir.asc]" in tasks

"""The common image: tuning, time, the application user, unattended upgrades, SSH, key sync."""

from __future__ import annotations

import pytest
import testinfra

from harness.image.spec import load_spec

pytestmark = pytest.mark.image

IMAGE = "common"
VARS = load_spec(IMAGE).extra_vars
APP_USER = VARS["common_app_user"]
SYSCTL = {
    "net.ipv4.tcp_keepalive_time": "1",
    "net.ipv4.tcp_keepalive_intvl": "1",
    "net.ipv4.tcp_keepalive_probes": "5",
    "fs.file-max": "1048576",
}


def _sshd_settings(host: testinfra.host.Host) -> dict[str, str]:
    output = host.check_output("/usr/sbin/sshd -T")
    return dict(line.split(" ", 1) for line in output.splitlines() if " " in line)


@pytest.mark.parametrize(("key", "value"), SYSCTL.items())
def test_common_sysctl_file_sets_tuning(host: testinfra.host.Host, key: str, value: str) -> None:
    content = host.file("/etc/sysctl.d/60-common.conf").content_string
    assert f"{key} = {value}" in content.splitlines()


def test_common_sysctl_applied_at_boot(host: testinfra.host.Host, in_chroot: bool) -> None:
    assert host.run("systemctl is-enabled systemd-sysctl.service").stdout.strip() == "static"
    if not in_chroot:  # a chroot shares the build host's kernel: only an instance has the values
        for key, value in SYSCTL.items():
            assert host.sysctl(key) == int(value)


def test_common_limits_raise_open_files(host: testinfra.host.Host) -> None:
    lines = host.file("/etc/security/limits.d/60-nofile.conf").content_string.split("\n")
    assert "*    soft nofile 65536" in lines
    assert "*    hard nofile 65536" in lines
    manager = host.file("/etc/systemd/system.conf.d/60-nofile.conf").content_string
    assert "DefaultLimitNOFILE=65536" in manager


def test_common_chrony_enabled_with_time_sync_service(host: testinfra.host.Host) -> None:
    assert host.package("chrony").is_installed
    assert host.service("chrony").is_enabled
    sources = host.file("/etc/chrony/sources.d/common.sources").content_string
    assert "server 169.254.169.123 prefer iburst" in sources


def test_common_app_user_has_no_login_and_no_sudo(host: testinfra.host.Host) -> None:
    user = host.user(APP_USER)
    assert user.exists
    assert user.shell == "/usr/sbin/nologin"
    assert "sudo" not in user.groups
    listing = host.run(f"sudo -l -U {APP_USER}")
    assert listing.rc == 0
    assert f"User {APP_USER} is not allowed to run sudo" in listing.stdout


def test_common_unattended_upgrades_security_only(host: testinfra.host.Host) -> None:
    assert host.package("unattended-upgrades").is_installed
    periodic = host.file("/etc/apt/apt.conf.d/20auto-upgrades").content_string
    assert 'APT::Periodic::Unattended-Upgrade "1";' in periodic
    origins = host.file("/etc/apt/apt.conf.d/52unattended-upgrades-local").content_string
    assert "label=Debian-Security" in origins
    assert host.service("apt-daily-upgrade.timer").is_enabled


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("permitrootlogin", "no"),
        ("passwordauthentication", "no"),
        ("kbdinteractiveauthentication", "no"),
        ("permitemptypasswords", "no"),
        ("authenticationmethods", "publickey"),
        ("x11forwarding", "no"),
        ("maxauthtries", "3"),
    ],
)
def test_common_sshd_hardened(host: testinfra.host.Host, setting: str, value: str) -> None:
    assert _sshd_settings(host)[setting] == value


def test_common_sshd_enabled(host: testinfra.host.Host) -> None:
    assert host.service("ssh").is_enabled


def test_common_keysync_timer_enabled_and_configured(host: testinfra.host.Host) -> None:
    assert host.service("s3-keysync.timer").is_enabled
    assert host.file("/usr/local/sbin/s3-keysync").mode == 0o755
    config = host.file("/etc/default/s3-keysync").content_string
    assert f"KEYSYNC_BUCKET={VARS['common_keysync_bucket']}" in config
    assert f"KEYSYNC_PREFIX={VARS['common_keysync_prefix']}" in config

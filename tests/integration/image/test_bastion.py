"""The bastion image: fail2ban guards SSH; an idle timer powers the bastion off."""

from __future__ import annotations

import pytest
import testinfra

from harness.image.spec import load_spec

pytestmark = pytest.mark.image

IMAGE = "bastion"
IDLE_MINUTES = load_spec(IMAGE).extra_vars["bastion_idle_minutes"]
FAILED_LOGINS = [
    "Nov 25 10:00:01 bastion sshd[1001]: Invalid user admin from 203.0.113.7 port 40022",
    "Nov 25 10:00:02 bastion sshd[1002]: Failed password for root from 203.0.113.7 port 40023 ssh2",
    "Nov 25 10:00:03 bastion sshd[1003]: Connection closed by authenticating user root "
    "203.0.113.7 port 40024 [preauth]",
    "Nov 25 10:00:04 bastion sshd[1004]: Failed password for invalid user oracle from "
    "203.0.113.8 port 40025 ssh2",
]


def test_bastion_fail2ban_enabled(host: testinfra.host.Host) -> None:
    assert host.package("fail2ban").is_installed
    assert host.service("fail2ban").is_enabled


def test_bastion_fail2ban_sshd_jail_reads_the_journal(host: testinfra.host.Host) -> None:
    dump = host.check_output("fail2ban-client -d")
    assert "['add', 'sshd', 'systemd']" in dump
    assert "['set', 'sshd', 'maxretry', 5]" in dump


def test_bastion_fail2ban_filter_matches_failed_logins(host: testinfra.host.Host) -> None:
    sample = "/tmp/fail2ban-sample.log"
    placeholders = " ".join(["%s"] * len(FAILED_LOGINS))
    host.check_output(f"printf '%%s\\n' {placeholders} > %s", *FAILED_LOGINS, sample)
    result = host.check_output("fail2ban-regex %s 'sshd[mode=aggressive]'", sample)
    count = len(FAILED_LOGINS)
    assert f"Lines: {count} lines, 0 ignored, {count} matched, 0 missed" in result


def test_bastion_idle_poweroff_timer_enabled(host: testinfra.host.Host) -> None:
    assert host.service("idle-poweroff.timer").is_enabled
    config = host.file("/etc/default/idle-poweroff").content_string
    assert f"IDLE_MINUTES={IDLE_MINUTES}" in config


def test_bastion_idle_poweroff_decides_after_idle_time(
    host: testinfra.host.Host, in_chroot: bool
) -> None:
    stamp = "/tmp/idle-poweroff-test/last-active"
    host.run("rm -rf /tmp/idle-poweroff-test")
    check = f"/usr/local/sbin/idle-poweroff --dry-run --idle-minutes 5 --stamp {stamp}"
    first = host.check_output(check)
    host.check_output(f"touch -d '10 minutes ago' {stamp}")
    later = host.check_output(check)
    if in_chroot:  # nobody logged in: the first run starts the clock, the later one powers off
        assert (first, later) == ("boot", "poweroff")
    else:  # over SSH the test's own connection counts as activity
        assert (first, later) == ("active", "active")

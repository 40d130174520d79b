"""Instances run the release: each running api instance gets what the api role and the unit
give it on AWS, as a process group on this host.

Boot, as on an instance: the release of the AMI's version is downloaded from the release
bucket and checked against its `.sha256` (a mismatch: no service, as the api role's assert
would stop the image build); config.env and secrets.env come from the configuration bucket
(missing: the unit cannot start); the launch template's user data runs with `/etc/<app>`
mapped into the instance's directory (it writes instance.env with API_COLOUR); then
`bin/<app> start` runs with the unit's environment. Where AWS gives every instance its own
address, here each listens on a loopback port of its own (PORT is set to it). A terminated
instance keeps serving until its target group's deregistration delay has passed (drain),
then gets SIGTERM, and SIGKILL after 5 s. A service that exits is restarted after 2 s
(Restart=on-failure).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import tarfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.account.moto import free_port
from harness.dataplane.model import Instance, TargetGroup
from harness.dataplane.releases import APP_NAME, checksum_matches, location_for
from harness.process import signal_on_parent_death

RESTART_SECONDS = 2.0
KILL_AFTER = 5.0


@dataclass
class Host:
    """One instance's software: where it lives, its port, its process and what happened."""

    instance: Instance
    directory: Path
    port: int
    status: str = "booting"
    detail: str = ""
    colour: str = ""
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    release: Path | None = None
    environment: dict[str, str] = field(default_factory=dict)
    # Target groups the instance was last seen registered in, with their drain delays: when
    # it goes, moto has already deregistered it, so the delay comes from here.
    groups: dict[str, float] = field(default_factory=dict)
    drain_until: float | None = None
    kill_at: float | None = None
    restart_at: float | None = None

    def document(self) -> dict[str, Any]:
        """What the status file says about this host."""
        return {
            "port": self.port,
            "status": self.status,
            "detail": self.detail,
            "version": self.instance.version,
            "environment": self.instance.environment,
            "colour": self.colour,
            "pid": self.process.pid if self.process else None,
        }


def parse_env_file(text: str) -> dict[str, str]:
    """systemd EnvironmentFile lines: KEY=VALUE, comments and blank lines skipped, one level
    of surrounding quotes removed."""
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


class Instances:
    """Runs, drains and stops the hosts of the account's api instances."""

    def __init__(self, directory: Path, s3: Any, project: str, scale: float) -> None:
        self.directory = directory
        self.s3 = s3
        self.project = project
        self.scale = scale
        self.hosts: dict[str, Host] = {}

    def ports(self) -> dict[str, int]:
        """The loopback port of every host with a service (draining ones included)."""
        return {i: h.port for i, h in self.hosts.items() if h.process is not None}

    def reconcile(
        self, instances: Mapping[str, Instance], groups: Mapping[str, TargetGroup]
    ) -> bool:
        """Boot new instances, drain and stop gone ones, restart failed services.
        True when anything changed."""
        now = time.monotonic()
        changed = False
        for instance_id, instance in instances.items():
            if instance_id not in self.hosts:
                self.hosts[instance_id] = self._boot(instance)
                changed = True
        for instance_id, host in list(self.hosts.items()):
            if instance_id in instances:
                for group in groups.values():
                    if instance_id in group.targets:
                        host.groups[group.arn] = group.deregistration_delay
            elif host.drain_until is None:
                host.drain_until = now + max(host.groups.values(), default=0.0) * self.scale
                host.status, changed = "draining", True
            changed |= self._tend(host, now)
            if host.status == "stopped":
                del self.hosts[instance_id]
                shutil.rmtree(host.directory, ignore_errors=True)
                changed = True
        return changed

    def _tend(self, host: Host, now: float) -> bool:
        """Move one host along: drain deadline, kill deadline, exit and restart."""
        process = host.process
        if host.drain_until is not None and now >= host.drain_until and host.kill_at is None:
            host.kill_at = now + KILL_AFTER
            _signal(process, signal.SIGTERM)
            host.status = "stopping"
            return True
        if host.kill_at is not None:
            if process is None or process.poll() is not None or now >= host.kill_at:
                _signal(process, signal.SIGKILL)
                if process is not None:
                    process.wait()
                host.process, host.status = None, "stopped"
                return True
            return False
        if process is not None and process.poll() is not None:
            host.detail = f"service exited with {process.returncode}; restarting"
            host.process, host.status = None, "restarting"
            host.restart_at = now + RESTART_SECONDS
            return True
        if host.restart_at is not None and now >= host.restart_at and host.release:
            host.restart_at = None
            self._start(host)
            return True
        return False

    def _boot(self, instance: Instance) -> Host:
        host = Host(instance, self.directory / "instances" / instance.id, free_port())
        try:
            host.release = self._release(instance, host)
            if host.release is None:
                return host
            config = self._configuration(instance, host)
            if config is None:
                return host
            instance_env = self._user_data(instance, host)
            host.colour = instance_env.get("API_COLOUR", "")
            host.environment = {
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                **config,
                **instance_env,
                "HOME": str(host.directory / "home"),
                "LANG": "C.UTF-8",
                "RELEASE_TMP": str(host.directory / "run"),
                "RELEASE_DISTRIBUTION": "none",
                "PORT": str(host.port),
            }
            self._start(host)
        except OSError as error:
            host.status, host.detail = "failed", f"boot failed: {error}"
        return host

    def _start(self, host: Host) -> None:
        assert host.release is not None
        for name in ("home", "run"):
            (host.directory / name).mkdir(parents=True, exist_ok=True)
        log = (host.directory / "service.log").open("ab")
        host.process = subprocess.Popen(
            [str(host.release / "bin" / APP_NAME), "start"],
            cwd=host.directory / "home",
            env=host.environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=signal_on_parent_death(signal.SIGKILL),
        )
        log.close()
        host.status, host.detail = "running", f"pid {host.process.pid}, port {host.port}"

    def _release(self, instance: Instance, host: Host) -> Path | None:
        """Download, check and unpack the release (shared by instances of one tarball)."""
        location = location_for(self.project, instance.environment, instance.version)
        downloads = self.directory / "downloads" / location.version
        downloads.mkdir(parents=True, exist_ok=True)
        tarball = downloads / location.tarball_name
        try:
            self.s3.download_file(location.release_bucket, location.tarball_key, str(tarball))
            body = self.s3.get_object(
                Bucket=location.release_bucket, Key=f"{location.tarball_key}.sha256"
            )["Body"].read()
        except self.s3.exceptions.ClientError as error:
            host.status = "no-release"
            host.detail = f"s3://{location.release_bucket}/{location.tarball_key}: {error}"
            return None
        if not checksum_matches(tarball, body.decode(errors="replace")):
            host.status = "checksum-mismatch"
            host.detail = f"{location.tarball_name} does not match its .sha256"
            return None
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        unpacked = self.directory / "releases" / digest
        if not unpacked.is_dir():
            partial = unpacked.with_name(f".{digest}.partial")
            shutil.rmtree(partial, ignore_errors=True)
            with tarfile.open(tarball) as archive:
                archive.extractall(partial, filter="tar")
            partial.replace(unpacked)
        return unpacked

    def _configuration(self, instance: Instance, host: Host) -> dict[str, str] | None:
        """config.env then secrets.env (EnvironmentFile= lines without `-`: both required)."""
        location = location_for(self.project, instance.environment, instance.version)
        values: dict[str, str] = {}
        for name in ("config.env", "secrets.env"):
            try:
                body = self.s3.get_object(
                    Bucket=location.config_bucket, Key=location.config_key(name)
                )["Body"].read()
            except self.s3.exceptions.ClientError as error:
                host.status = "no-configuration"
                host.detail = f"s3://{location.config_bucket}/{location.config_key(name)}: {error}"
                return None
            values.update(parse_env_file(body.decode(errors="replace")))
        return values

    def _user_data(self, instance: Instance, host: Host) -> dict[str, str]:
        """Run the user data with /etc/<app> mapped into the host; instance.env's values."""
        etc = host.directory / "etc" / APP_NAME
        etc.mkdir(parents=True, exist_ok=True)
        if instance.user_data.strip():
            script = instance.user_data.replace(f"/etc/{APP_NAME}", str(etc))
            done = subprocess.run(
                ["sh", "-c", script],
                cwd=host.directory,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
                env={"PATH": "/usr/bin:/bin"},
            )
            if done.returncode != 0:
                host.detail = f"user data exited {done.returncode}: {done.stderr.strip()[:200]}"
        try:
            return parse_env_file((etc / "instance.env").read_text(encoding="utf-8"))
        except OSError:
            return {}  # EnvironmentFile=- : optional

    def stop_all(self) -> None:
        """Stop every host at once (the data plane is shutting down)."""
        for host in self.hosts.values():
            _signal(host.process, signal.SIGTERM)
        deadline = time.monotonic() + KILL_AFTER
        for host in self.hosts.values():
            if host.process is None:
                continue
            try:
                host.process.wait(timeout=max(deadline - time.monotonic(), 0.01))
            except subprocess.TimeoutExpired:
                _signal(host.process, signal.SIGKILL)
                host.process.wait()
            host.process = None
        self.hosts.clear()


def _signal(process: subprocess.Popen[bytes] | None, signum: int) -> None:
    """Signal a host's whole process group (the release script, the BEAM, its helpers)."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)

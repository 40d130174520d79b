"""Verifying a layer: a throwaway root filesystem of it, booted as far as a chroot allows, and
its systemd services started by hand the way systemd would start them."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.errors import ImageError
from harness.image.layers import Layer, Progress, image_cache, say
from harness.image.mounts import mounted, remove_tree, run
from harness.paths import file_lock


def workspace_dir(label: str) -> Path:
    """Where the workspace called `label` lives (its root filesystem is the `rootfs` below)."""
    return image_cache() / "work" / label


def _overlay_or_copy(layer: Layer, where: Path) -> Path:
    """where/rootfs: an overlay on the layer, or a copy where overlayfs is missing."""
    rootfs = where / "rootfs"
    for part in ("upper", "scratch", "rootfs"):
        (where / part).mkdir(parents=True)
    # An overlay costs nothing; a copy (about 10 s per layer here) where overlayfs is missing.
    overlay = subprocess.run(
        ["mount", "-t", "overlay", "overlay", "-o",
         f"lowerdir={layer.rootfs},upperdir={where / 'upper'},workdir={where / 'scratch'}",
         str(rootfs)],
        capture_output=True, check=False,
    )  # fmt: skip
    if overlay.returncode != 0:
        rootfs.rmdir()
        run(["cp", "-a", "--reflink=auto", str(layer.rootfs), str(rootfs)])
    return rootfs


@contextlib.contextmanager
def workspace(layer: Layer, where: Path, progress: Progress = say) -> Iterator[Path]:
    """A private copy of a layer's root filesystem at where/rootfs, mounted as at boot.

    Tests may change it (the key sync creates users) without touching the cache. `where`
    is chosen before the copy exists (testinfra names its chroot when collecting), so a
    lock keeps two sessions apart, and a leftover of a killed run is cleared first.
    """

    def waiting(_: IO[str]) -> None:
        progress(f"waiting for another session using {where}")

    with file_lock(where.with_name(f"{where.name}.lock"), on_wait=waiting):
        remove_tree(where)
        try:
            rootfs = _overlay_or_copy(layer, where)
            with mounted(rootfs):
                # systemd creates it at boot (RuntimeDirectory of ssh.service); sshd -T needs it.
                (rootfs / "run/sshd").mkdir(mode=0o755)
                yield rootfs
        finally:
            remove_tree(where)


@dataclass(frozen=True)
class Unit:
    """The [Service] settings of a systemd unit that starting it by hand needs."""

    name: str
    user: str
    group: str
    exec_start: str
    working_directory: str
    environment: dict[str, str]
    environment_files: tuple[tuple[str, bool], ...]
    runtime_directory: str | None
    state_directory: str | None


def _service_settings(text: str) -> list[tuple[str, str]]:
    """The key=value lines of the [Service] section, in order (keys may repeat)."""
    settings: list[tuple[str, str]] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.append((key.strip(), value.strip()))
    return settings


def parse_unit(name: str, text: str) -> Unit:
    """Parse the [Service] section of a unit file (the subset the project's units use)."""
    settings = _service_settings(text)
    values = dict(settings)
    environment: dict[str, str] = {}
    for key, value in settings:
        if key == "Environment":
            name_, _, val = value.partition("=")
            environment[name_] = val
    # A leading "-" marks an EnvironmentFile that may be missing.
    files = tuple(
        (value.lstrip("-"), value.startswith("-"))
        for key, value in settings
        if key == "EnvironmentFile"
    )
    if "ExecStart" not in values:
        raise ImageError(f"unit {name}: no ExecStart")
    user = values.get("User", "root")
    return Unit(
        name=name,
        user=user,
        group=values.get("Group", user),
        exec_start=values["ExecStart"],
        working_directory=values.get("WorkingDirectory", "/"),
        environment=environment,
        environment_files=files,
        runtime_directory=values.get("RuntimeDirectory"),
        state_directory=values.get("StateDirectory"),
    )


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a systemd environment file."""
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip().strip('"')
    return env


def _unit_environment(rootfs: Path, unit: Unit) -> dict[str, str]:
    """PATH, then the unit's environment files (from the image), then its Environment=."""
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
    for file, optional in unit.environment_files:
        host_path = rootfs / file.lstrip("/")
        if not host_path.exists():
            if optional:
                continue
            raise ImageError(f"unit {unit.name}: EnvironmentFile {file} is missing in the image")
        env.update(read_env_file(host_path))
    env.update(unit.environment)
    return env


def _unit_directories(rootfs: Path, unit: Unit) -> None:
    """The RuntimeDirectory and StateDirectory systemd would create, owned by the unit's user."""
    prepare = []
    if unit.runtime_directory:
        prepare.append(f"/run/{unit.runtime_directory}")
    if unit.state_directory:
        prepare.append(f"/var/lib/{unit.state_directory}")
    for directory in prepare:
        run(["chroot", str(rootfs), "install", "-d", "-m", "0750", "-o", unit.user,
             "-g", unit.group, directory])  # fmt: skip


def start_unit(rootfs: Path, unit_name: str, log: Path) -> subprocess.Popen[bytes]:
    """Start a service of the root filesystem as systemd would: its user, environment files,
    runtime and state directories, working directory and ExecStart."""
    unit_path = rootfs / "etc/systemd/system" / unit_name
    unit = parse_unit(unit_name, unit_path.read_text(encoding="utf-8"))
    env = _unit_environment(rootfs, unit)
    _unit_directories(rootfs, unit)
    command = [
        "chroot",
        f"--userspec={unit.user}:{unit.group}",
        str(rootfs),
        "/usr/bin/env",
        "-i",
        *(f"{k}={v}" for k, v in env.items()),
        "/bin/sh",
        "-c",
        f"cd {unit.working_directory} && exec {unit.exec_start}",
    ]
    with log.open("ab") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_unit(process: subprocess.Popen[bytes]) -> None:
    """Stop a service started by start_unit (its whole process group)."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()

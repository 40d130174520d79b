"""Mounts and commands around a root filesystem: what a chroot needs, always undone.

Every mount made here is unmounted when its block ends, whatever happened inside; a tree
is only ever deleted once nothing is mounted below it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.errors import ImageError


def run(cmd: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command; a failure raises ImageError with its output."""
    result = subprocess.run(list(cmd), capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise ImageError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below `path` (from /proc/self/mounts)."""
    root = str(path.resolve())
    points = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    return [p for p in points if p == root or p.startswith(root + "/")]


def unmount_all(path: Path) -> None:
    """Unmount everything at or below `path`, deepest first."""
    for point in sorted(mounts_under(path), key=len, reverse=True):
        # A busy mount (a process still inside) is detached lazily rather than left behind.
        if subprocess.run(["umount", point], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", point], capture_output=True, check=False)
    if left := mounts_under(path):
        raise ImageError(f"{path}: could not unmount {left}")


@contextlib.contextmanager
def mounted(rootfs: Path, binds: Mapping[str, Path] | None = None) -> Iterator[Path]:
    """/proc, /sys, /dev and a fresh /run (as at boot) in the root filesystem, plus `binds`."""
    plan: list[list[str]] = [
        ["mount", "-t", "proc", "proc", str(rootfs / "proc")],
        ["mount", "-t", "sysfs", "sysfs", str(rootfs / "sys")],
        ["mount", "--rbind", "/dev", str(rootfs / "dev")],
        ["mount", "--make-rslave", str(rootfs / "dev")],
        ["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", str(rootfs / "run")],
    ]
    for inside, outside in (binds or {}).items():
        target = rootfs / inside.lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        plan.append(["mount", "--bind", str(outside), str(target)])
    try:
        for cmd in plan:
            run(cmd)
        yield rootfs
    finally:
        unmount_all(rootfs / "proc")
        unmount_all(rootfs / "sys")
        unmount_all(rootfs / "dev")
        unmount_all(rootfs / "run")
        for inside in binds or {}:
            unmount_all(rootfs / inside.lstrip("/"))


def remove_tree(path: Path) -> None:
    """Delete a layer directory, refusing while anything is mounted below it."""
    if not path.exists():
        return
    unmount_all(path)
    shutil.rmtree(path)


@contextlib.contextmanager
def services_blocked(rootfs: Path) -> Iterator[None]:
    """A policy-rc.d that stops package installs from starting services in the chroot."""
    policy = rootfs / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\n# Local image build: never start services.\nexit 101\n")
    policy.chmod(0o755)
    try:
        yield
    finally:
        policy.unlink(missing_ok=True)

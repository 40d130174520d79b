"""The Debian 12 base layer: what the host needs, which mirror it uses, and debootstrap.

The base stands in for the official Debian 12 AMI every Packer build starts from.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

from harness.image.layers import RECIPE, Layer, Progress, cached, commit, digest, image_cache, say
from harness.image.mounts import remove_tree, run

SUITE = "bookworm"
# What the official Debian 12 AMI carries that the playbooks rely on (python3 for
# Ansible, sudo for `become`, systemd as init); everything else comes from the roles.
BASE_PACKAGES = ("python3", "sudo", "systemd-sysv", "ca-certificates", "procps", "iproute2")
MIRROR_ENV = "HARNESS_DEBIAN_MIRROR"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")


def missing_prerequisites() -> str | None:
    """Why images cannot be built here (None when they can)."""
    if os.geteuid() != 0:
        return "building images needs root (chroot, mount, debootstrap): run as root"
    if not shutil.which("debootstrap"):
        return "debootstrap is not installed (apt-get install debootstrap; make setup does it)"
    return None


def debian_mirror(sources_dir: Path = Path("/etc/apt")) -> tuple[str, str]:
    """The Debian and Debian-security mirrors the host's apt uses (HARNESS_DEBIAN_MIRROR wins)."""
    if os.environ.get(MIRROR_ENV):
        mirror = os.environ[MIRROR_ENV].rstrip("/")
        return mirror, mirror + "-security"
    uris: list[str] = []
    for path in sorted(sources_dir.glob("sources.list.d/*.sources")):
        uris += re.findall(r"^URIs:\s*(\S+)", path.read_text(encoding="utf-8"), re.M)
    for path in [sources_dir / "sources.list", *sorted(sources_dir.glob("sources.list.d/*.list"))]:
        if path.exists():
            uris += re.findall(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)", path.read_text(), re.M)
    main = next((u for u in uris if u.rstrip("/").endswith("/debian")), DEFAULT_MIRROR)
    security = next(
        (u for u in uris if u.rstrip("/").endswith("/debian-security")),
        main.rstrip("/") + "-security",
    )
    return main.rstrip("/"), security.rstrip("/")


def _apt_sources(mirror: str, security: str) -> str:
    """deb822 sources for the three suites the official AMI uses, so security updates apply."""
    signed = "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    return (
        f"Types: deb\nURIs: {mirror}\nSuites: {SUITE} {SUITE}-updates\nComponents: main\n"
        f"{signed}\n"
        f"Types: deb\nURIs: {security}\nSuites: {SUITE}-security\nComponents: main\n"
        f"{signed}"
    )


def base_layer(cache: Path | None = None, progress: Progress = say) -> Layer:
    """Debootstrap Debian 12 (minbase) once; its apt sources match the host's mirror."""
    cache = cache or image_cache()
    mirror, security = debian_mirror()
    key = digest({"suite": SUITE, "mirror": mirror, "packages": BASE_PACKAGES, "r": RECIPE})
    if layer := cached(cache, "base", key):
        progress(f"base: reused {layer.path.name}")
        return layer
    cache.mkdir(parents=True, exist_ok=True)
    tmp, started = cache / f"base-{key}.tmp", time.monotonic()
    remove_tree(tmp)
    progress(f"base: debootstrap {SUITE} from {mirror} ...")
    try:
        run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                *([f"--keyring={DEBIAN_KEYRING}"] if DEBIAN_KEYRING.exists() else []),
                SUITE,
                str(tmp / "rootfs"),
                mirror,
            ]
        )
        rootfs = tmp / "rootfs"
        (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
        (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(
            _apt_sources(mirror, security)
        )
        (rootfs / "etc/hostname").write_text("debian\n")
        run(["chroot", str(rootfs), "apt-get", "clean"])
        seconds = time.monotonic() - started
        commit(tmp, cache / f"base-{key}", {"name": "base", "key": key, "seconds": seconds})
    except BaseException:
        remove_tree(tmp)
        raise
    progress(f"base: built in {seconds:.1f}s")
    return Layer("base", key, cache / f"base-{key}", seconds=seconds)

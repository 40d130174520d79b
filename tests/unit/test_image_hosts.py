"""The image suite takes its hosts the way testinfra does: every --hosts value is tested, and
without --hosts each module gets a chroot of its own image (collection only: no root needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.paths import REPO_ROOT

pytestmark = pytest.mark.unit

SUITE = REPO_ROOT / "tests" / "integration" / "image"


def _collect(cache: Path, *options: str) -> list[str]:
    """Test ids the image suite collects with `options`."""
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE), "-m", "image", "--collect-only", "-q",
         "-p", "no:cacheprovider", *options],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin", "HARNESS_IMAGE_CACHE": str(cache)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if "::" in line]


def test_image_suite_runs_every_test_on_every_host(tmp_path: Path) -> None:
    hosts = ["ssh://192.0.2.1", "ssh://192.0.2.2"]
    ids = _collect(tmp_path, "--hosts=ssh://admin@192.0.2.1,ssh://admin@192.0.2.2", "--sudo")
    # The same tests, each once per host, and nothing else.
    per_host = {
        host: sorted(i.replace(host, "HOST") for i in ids if f"[{host}" in i) for host in hosts
    }
    assert per_host[hosts[0]]
    assert per_host[hosts[0]] == per_host[hosts[1]]
    assert len(ids) == len(hosts) * len(per_host[hosts[0]])


def test_image_suite_without_hosts_uses_a_chroot_per_module(tmp_path: Path) -> None:
    ids = _collect(tmp_path)
    assert ids
    for test_id in ids:
        module = Path(test_id.split("::")[0]).stem
        assert f"[chroot://{tmp_path}/work/{module}/rootfs" in test_id

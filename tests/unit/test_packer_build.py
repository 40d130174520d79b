"""The Packer driver's own logic: build order, one build per image, the manifest's AMI ids.

A stand-in `packer` script records its arguments and writes the manifest a real build
would; the real Packer runs in the scheduled workflow on a real account.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from harness import packer
from harness.paths import PACKER_DIR

pytestmark = pytest.mark.unit

FAKE = """#!/usr/bin/env python3
import json, os, sys, time
log = os.environ["FAKE_PACKER_LOG"]
with open(log, "a") as f:
    f.write(" ".join(sys.argv[1:]) + "\\n")
if sys.argv[1] == "build":
    name = sys.argv[2].removeprefix("-only=").removesuffix(".*")
    if name == os.environ.get("FAKE_PACKER_FAIL"):
        sys.exit(1)
    manifest = os.path.join(sys.argv[-1], "manifest.json")
    data = json.load(open(manifest)) if os.path.exists(manifest) else {"builds": []}
    data["builds"].append({"name": name, "build_time": time.time_ns(),
                           "artifact_id": "eu-west-1:ami-" + name})
    json.dump(data, open(manifest, "w"))
"""


@pytest.fixture
def fake_packer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    binary = tmp_path / "packer"
    binary.write_text(FAKE)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("PACKER", str(binary))
    monkeypatch.setenv("FAKE_PACKER_LOG", str(log))
    return log


@pytest.fixture
def packer_copy(tmp_path: Path) -> Path:
    target = tmp_path / "packer-dir"
    target.mkdir()
    for template in PACKER_DIR.glob("*.pkr.hcl"):
        (target / template.name).write_text(template.read_text())
    return target


def test_packer_build_order_puts_parents_first() -> None:
    order = packer.build_order()
    assert order.index("common") < order.index("elixir") < order.index("api")
    assert order.index("common") < order.index("bastion")
    assert packer.build_order(["api"]) == ["common", "elixir", "api"]


def test_packer_builds_each_image_once_in_order(fake_packer: Path, packer_copy: Path) -> None:
    images = packer.build(["api"], {"environment": "production"}, packer_copy, progress=print)
    assert images == {"common": "ami-common", "elixir": "ami-elixir", "api": "ami-api"}
    calls = fake_packer.read_text().splitlines()
    assert calls[0] == f"init {packer_copy}"
    assert [c.split()[1] for c in calls[1:]] == ["-only=common.*", "-only=elixir.*", "-only=api.*"]
    assert all("-var=environment=production" in c for c in calls[1:])


def test_packer_failed_build_names_image(
    fake_packer: Path, packer_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_PACKER_FAIL", "elixir")
    with pytest.raises(packer.PackerError, match="packer build of elixir failed"):
        packer.build(["api"], {}, packer_copy, progress=print)


def test_packer_missing_binary_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PACKER", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(packer.PackerError, match=r"install Packer >= 1\.10"):
        packer.packer_binary()


def test_packer_manifest_keeps_newest_image(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "builds": [
                    {"name": "api", "build_time": 2, "artifact_id": "eu-west-1:ami-new"},
                    {"name": "api", "build_time": 1, "artifact_id": "eu-west-1:ami-old"},
                ]
            }
        )
    )
    assert packer.manifest_images(manifest) == {"api": "ami-new"}
    assert os.path.exists(manifest)

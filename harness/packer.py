"""Build the AMIs with the real Packer on a real account, parents first, and read the manifest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.errors import PackerError
from harness.image.spec import image_names, lineage
from harness.paths import PACKER_DIR
from harness.stages import Progress


def packer_binary() -> str:
    """Path of packer: $PACKER, else PATH; a clear error when absent."""
    binary = os.environ.get("PACKER") or shutil.which("packer")
    if not binary:
        raise PackerError(
            "packer was not found on PATH (or at $PACKER): install Packer >= 1.10 "
            "(https://developer.hashicorp.com/packer/install); `packer init packer/` then "
            "fetches the amazon and ansible plugins"
        )
    return binary


def build_order(names: Sequence[str] | None = None, packer_dir: Path = PACKER_DIR) -> list[str]:
    """Images to build, each after its parents (e.g. common, elixir, api, bastion)."""
    order: list[str] = []
    for name in names or image_names(packer_dir):
        for level in lineage(name, packer_dir):
            if level not in order:
                order.append(level)
    return order


def manifest_images(manifest: Path) -> dict[str, str]:
    """The newest AMI id per build name from Packer's manifest post-processor output."""
    if not manifest.exists():
        raise PackerError(f"{manifest}: no manifest (did the build run its post-processor?)")
    builds = json.loads(manifest.read_text()).get("builds", [])
    images: dict[str, str] = {}
    for build in sorted(builds, key=lambda b: b.get("build_time", 0)):
        # artifact_id is "<region>:<ami-id>" for amazon-ebs.
        images[str(build["name"])] = str(build["artifact_id"]).split(":")[-1]
    return images


def build(
    names: Sequence[str] | None,
    variables: Mapping[str, str],
    packer_dir: Path = PACKER_DIR,
    progress: Progress = print,
) -> dict[str, str]:
    """`packer init`, then `packer build -only=<name>.*` per image in order; name -> AMI id."""
    binary = packer_binary()
    manifest = packer_dir / "manifest.json"
    manifest.unlink(missing_ok=True)
    subprocess.run([binary, "init", str(packer_dir)], check=True)
    flags = [f"-var={k}={v}" for k, v in sorted(variables.items())]
    for name in build_order(names, packer_dir):
        started = time.monotonic()
        progress(f"[packer {name}] building")
        result = subprocess.run([binary, "build", f"-only={name}.*", *flags, str(packer_dir)])
        if result.returncode != 0:
            raise PackerError(f"packer build of {name} failed (exit {result.returncode})")
        progress(f"[packer {name}] done in {time.monotonic() - started:.0f}s")
    images = manifest_images(manifest)
    missing = [n for n in build_order(names, packer_dir) if n not in images]
    if missing:
        raise PackerError(f"{manifest}: no image recorded for {', '.join(missing)}")
    return images

"""One image layer: the parent copied, the image's playbook applied twice with Ansible's
chroot connection (the second run must change nothing), the result committed to the cache."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ImageError
from harness.image.layers import (
    Layer,
    LayerInputs,
    Progress,
    cached,
    commit,
    image_cache,
    layer_key,
    say,
)
from harness.image.mounts import mounted, remove_tree, run, services_blocked
from harness.image.spec import ImageSpec

_RECAP = re.compile(r"^\S.*?:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


@dataclass(frozen=True)
class PlaybookRun:
    """The outcome of one ansible-playbook run."""

    changed: int
    seconds: float
    output: str

    def changed_tasks(self) -> list[str]:
        """Names of the tasks that reported a change."""
        tasks, current = [], ""
        for line in self.output.splitlines():
            if line.startswith("TASK ["):
                current = line[len("TASK [") :].split("]")[0]
            elif line.startswith("changed:") and current not in tasks:
                tasks.append(current)
        return tasks


def run_playbook(rootfs: Path, spec: ImageSpec, inputs: LayerInputs, log: Path) -> PlaybookRun:
    """Apply the image's playbook to the root filesystem with the chroot connection."""
    extra: list[str] = []
    for key, value in inputs.extra_vars.items():
        extra += ["-e", f"{key}={value}"]
    cmd = [
        str(Path(sys.executable).with_name("ansible-playbook")),
        "-i",
        f"{rootfs},",
        "-c",
        "community.general.chroot",
        # Already root inside the chroot; sudo would also drop the environment the
        # S3 downloads need. On a Packer instance the playbook's become applies.
        "-e",
        "ansible_become=false",
        *spec.extra_args,
        *extra,
        str(spec.playbook),
    ]
    env = {**os.environ, **spec.ansible_env, **inputs.env, "ANSIBLE_FORCE_COLOR": "0"}
    started = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    seconds = time.monotonic() - started
    output = result.stdout + result.stderr
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(cmd)}\n{output}\n")
    recap = _RECAP.findall(output)
    if result.returncode != 0 or not recap:
        tail = "\n".join(output.splitlines()[-25:])
        raise ImageError(f"image {spec.name}: {spec.playbook.name} failed (log: {log}):\n{tail}")
    return PlaybookRun(changed=sum(int(r[0]) for r in recap), seconds=seconds, output=output)


def build_layer(
    spec: ImageSpec,
    parent: Layer,
    inputs: LayerInputs | None = None,
    cache: Path | None = None,
    progress: Progress = say,
) -> Layer:
    """Build (or reuse) the layer of `spec` on `parent`; a second run must change nothing."""
    cache, inputs = cache or image_cache(), inputs or LayerInputs()
    key = layer_key(spec, parent, inputs)
    if layer := cached(cache, spec.name, key):
        progress(f"{spec.name}: reused {layer.path.name}")
        return layer
    tmp, started = cache / f"{spec.name}-{key}.tmp", time.monotonic()
    remove_tree(tmp)
    progress(f"{spec.name}: copying {parent.path.name} ...")
    try:
        tmp.mkdir(parents=True)
        run(["cp", "-a", "--reflink=auto", str(parent.rootfs), str(tmp / "rootfs")])
        log = tmp / "build.log"
        rootfs = tmp / "rootfs"
        with mounted(rootfs), services_blocked(rootfs):
            progress(f"{spec.name}: {spec.playbook.name} ...")
            first = run_playbook(rootfs, spec, inputs, log)
            progress(f"{spec.name}: applied in {first.seconds:.1f}s, changed={first.changed}")
            second = run_playbook(rootfs, spec, inputs, log)
        if second.changed:
            raise ImageError(
                f"image {spec.name}: {spec.playbook.name} is not idempotent, a second run "
                f"changed {second.changed} task(s): {second.changed_tasks()} (log: {log})"
            )
        seconds = time.monotonic() - started
        info = {
            "name": spec.name,
            "key": key,
            "parent": parent.path.name,
            "seconds": round(seconds, 1),
            "changed": first.changed,
            "idempotence_changed": second.changed,
            "extra_args": list(spec.extra_args),
            "fingerprint": dict(inputs.fingerprint),
        }
        commit(tmp, cache / f"{spec.name}-{key}", info)
    except BaseException:
        remove_tree(tmp)
        raise
    progress(f"{spec.name}: built in {seconds:.1f}s (second run {second.seconds:.1f}s, changed=0)")
    return Layer(spec.name, key, cache / f"{spec.name}-{key}", seconds=seconds, info=info)

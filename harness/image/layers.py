"""The content-addressed layer cache: where layers live, their keys, reuse, commit, prune, lock.

A layer is `<cache>/<image>-<key>/` with its root filesystem and a layer.json; the key hashes
everything that makes the layer, so unchanged inputs mean the layer is reused as it is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from harness.errors import ImageError
from harness.image.mounts import mounts_under, remove_tree
from harness.image.spec import ImageSpec
from harness.paths import ANSIBLE_DIR, REPO_ROOT, cache_dir, file_lock
from harness.stages import Progress

# Bump when the way the base or a layer is made changes, to invalidate the cache.
RECIPE = "3"
CACHE_ENV = "HARNESS_IMAGE_CACHE"


def say(message: str) -> None:
    """The default progress reporter: one `[image]` line on stderr."""
    print(f"[image] {message}", file=sys.stderr, flush=True)


def image_cache() -> Path:
    """Where layers live: $HARNESS_IMAGE_CACHE, else images/ under the harness cache."""
    if override := os.environ.get(CACHE_ENV):
        return Path(override)
    return cache_dir("images")


@contextlib.contextmanager
def cache_lock(cache: Path, progress: Progress = say) -> Iterator[None]:
    """One builder at a time per cache (parallel test workers wait, then reuse the layers)."""

    def waiting(_: IO[str]) -> None:
        progress(f"waiting for another build using {cache}")

    with file_lock(cache / ".lock", on_wait=waiting):
        yield


@dataclass
class Layer:
    """One built (or reused) image layer in the cache."""

    name: str
    key: str
    path: Path
    reused: bool = False
    seconds: float = 0.0
    changed: int = 0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def rootfs(self) -> Path:
        """The root filesystem of this layer."""
        return self.path / "rootfs"


@dataclass(frozen=True)
class LayerInputs:
    """What a build adds beyond the template.

    `extra_vars` and `env` say where to fetch things from in this run (an emulator's
    endpoint and credentials) and are not hashed; `fingerprint` names the content the
    layer depends on (the release, the configuration) and is part of the layer key.
    """

    extra_vars: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    fingerprint: Mapping[str, str] = field(default_factory=dict)


def digest(parts: Mapping[str, Any]) -> str:
    """Short, stable hash of a JSON-able mapping."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def tree_digest(paths: Sequence[Path]) -> str:
    """Content hash of files (and every file below directories), by relative path."""
    sha = hashlib.sha256()
    for base in paths:
        files = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else [base]
        for file in files:
            sha.update(str(file.relative_to(REPO_ROOT)).encode())
            sha.update(hashlib.sha256(file.read_bytes()).digest())
    return sha.hexdigest()


def layer_key(spec: ImageSpec, parent: Layer, inputs: LayerInputs) -> str:
    """Hash of everything that makes the layer: parent, playbook, roles, variables, inputs."""
    roles = [ANSIBLE_DIR / "roles" / role for role in spec.roles]
    missing = [str(r) for r in roles if not r.is_dir()]
    if missing:
        raise ImageError(f"{spec.playbook}: roles not found: {missing}")
    return digest(
        {
            "parent": parent.key,
            "files": tree_digest([spec.playbook, ANSIBLE_DIR / "ansible.cfg", *roles]),
            "args": spec.extra_args,
            "fingerprint": dict(inputs.fingerprint),
            "r": RECIPE,
        }
    )


def cached(cache: Path, name: str, key: str) -> Layer | None:
    """The committed layer `name` with `key`, if the cache has it."""
    path = cache / f"{name}-{key}"
    meta = path / "layer.json"
    if meta.exists() and (path / "rootfs").is_dir():
        return Layer(name, key, path, reused=True, info=json.loads(meta.read_text()))
    return None


def commit(tmp: Path, final: Path, info: dict[str, Any]) -> None:
    """Record layer.json and move a finished build into place (one rename: all or nothing)."""
    (tmp / "layer.json").write_text(json.dumps(info, indent=2, sort_keys=True))
    if mounts_under(tmp):
        raise ImageError(f"{tmp}: still has mounts, refusing to keep it")
    tmp.rename(final)


def prune(cache: Path, keep: Sequence[Layer]) -> list[Path]:
    """Remove layers of the same images that are not in `keep` (older inputs)."""
    names = {layer.name for layer in keep}
    kept = {layer.path.resolve() for layer in keep}
    removed = []
    for path in sorted(cache.glob("*-*")):
        if path.name.rsplit("-", 1)[0] in names and path.resolve() not in kept and path.is_dir():
            remove_tree(path)
            removed.append(path)
    return removed

"""Read the Packer templates: which images exist, their lineage, and what each build declares.

Pure parsing of packer/*.pkr.hcl (no root, no network): the playbook an image runs, its
extra variables, its Ansible environment and its parent image. The templates are the one
source of truth; the local builder and the Packer driver both read them through here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ImageError
from harness.hcl import Block, Config, load_dir
from harness.paths import PACKER_DIR

_VAR_REF = re.compile(r"\$\{var\.([A-Za-z0-9_]+)\}")
_ANY_REF = re.compile(r"\$\{[^}]*\}")


@dataclass(frozen=True)
class ImageSpec:
    """What the Packer template says about one image."""

    name: str
    parent: str | None
    playbook: Path
    extra_args: tuple[str, ...]
    ansible_env: dict[str, str]
    template: Path

    @property
    def extra_vars(self) -> dict[str, str]:
        """The `-e key=value` pairs of the provisioner, as a dict."""
        pairs = list(zip(self.extra_args[::2], self.extra_args[1::2], strict=True))
        if any(flag not in ("-e", "--extra-vars") or "=" not in v for flag, v in pairs):
            raise ImageError(f"{self.template}: extra_arguments must be -e key=value pairs")
        return dict(value.split("=", 1) for _, value in pairs)

    @property
    def roles(self) -> list[str]:
        """Roles the playbook lists."""
        plays = yaml.safe_load(self.playbook.read_text(encoding="utf-8")) or []
        names: list[str] = []
        for play in plays:
            for role in play.get("roles", []):
                names.append(role["role"] if isinstance(role, dict) else str(role))
        return names


def _packer_config(packer_dir: Path) -> Config:
    """Every *.pkr.hcl file of the template directory, parsed."""
    return load_dir(packer_dir, ("*.pkr.hcl",))


def packer_variables(
    packer_dir: Path = PACKER_DIR, overrides: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Defaults of the template's variables, with `overrides` (like `-var`) on top."""
    config = _packer_config(packer_dir)
    values: dict[str, Any] = {v.name: v.default for v in config.variables if v.has_default}
    for name, value in (overrides or {}).items():
        if name not in {v.name for v in config.variables}:
            raise ImageError(f"{packer_dir}: no variable {name!r} to override")
        values[name] = value
    return values


def _render(value: str, variables: Mapping[str, Any], path_root: Path, where: str) -> str:
    """Resolve `${var.x}` and `${path.root}` in a template string; refuse anything else."""

    def var(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            raise ImageError(f"{where}: variable {name!r} has no default and no override")
        return str(variables[name])

    text = _VAR_REF.sub(var, value.replace("${path.root}", str(path_root)))
    if leftover := _ANY_REF.search(text):
        raise ImageError(f"{where}: cannot resolve {leftover.group(0)} locally")
    return text


def _find(blocks: list[Block], kind: str, test: Callable[[Block], bool], what: str) -> Block:
    """The one block of `kind` that passes `test`; anything but exactly one is an error."""
    found = [b for b in blocks if b.kind == kind and test(b)]
    if len(found) != 1:
        raise ImageError(f"packer/: expected one {what}, found {len(found)}")
    return found[0]


def source_of(build: Block, config: Config) -> dict[str, Any]:
    """The build's source as Packer merges it: the top-level block plus the build-level one."""
    uses: list[tuple[str, dict[str, Any]]] = [(ref, {}) for ref in build.body.get("sources", [])]
    uses += [next(iter(item.items())) for item in build.body.get("source", [])]
    if len(uses) != 1:
        raise ImageError(f"{build.where}: a build needs exactly one source, found {len(uses)}")
    ref, fields = uses[0]
    ref = ref if ref.startswith("source.") else f"source.{ref}"
    source = _find(config.blocks, "source", lambda b: f"source.{'.'.join(b.labels)}" == ref, ref)
    # Packer refuses a field set in both blocks; so does the local builder.
    if twice := sorted(set(fields) & set(source.body)):
        raise ImageError(f"{build.where}: {ref} already sets {twice} ({source.where})")
    return {**source.body, **fields}


def load_spec(
    name: str, packer_dir: Path = PACKER_DIR, overrides: Mapping[str, str] | None = None
) -> ImageSpec:
    """Read image `name` from the Packer template: playbook, variables, parent image."""
    config = _packer_config(packer_dir)
    variables = packer_variables(packer_dir, overrides)
    build = _find(config.blocks, "build", lambda b: b.body.get("name") == name, f'build "{name}"')
    source = source_of(build, config)
    ansible = [p["ansible"] for p in build.body.get("provisioner", []) if "ansible" in p]
    if len(ansible) != 1:
        raise ImageError(f"{build.where}: build {name!r} needs exactly one ansible provisioner")
    prov = ansible[0]

    def render(value: str) -> str:
        return _render(value, variables, packer_dir.resolve(), build.where)

    filters = (source.get("source_ami_filter") or [{}])[0]
    parent = filters.get("filters", {}).get("tag:component")
    env = dict(render(item).split("=", 1) for item in prov.get("ansible_env_vars", []))
    return ImageSpec(
        name=name,
        parent=parent,
        playbook=Path(os.path.normpath(render(prov["playbook_file"]))),
        extra_args=tuple(render(arg) for arg in prov.get("extra_arguments", [])),
        ansible_env={k: os.path.normpath(v) if "/" in v else v for k, v in env.items()},
        template=build.file,
    )


def image_names(packer_dir: Path = PACKER_DIR) -> list[str]:
    """Every image the template builds."""
    return sorted(str(b.body["name"]) for b in _packer_config(packer_dir).of_kind("build"))


def lineage(name: str, packer_dir: Path = PACKER_DIR) -> list[str]:
    """The chain of images from the Debian base up to `name`, e.g. common, elixir, api."""
    chain: list[str] = []
    current: str | None = name
    while current:
        if current in chain:
            raise ImageError(f"packer/: images {chain} form a cycle")
        chain.insert(0, current)
        current = load_spec(current, packer_dir).parent
    return chain

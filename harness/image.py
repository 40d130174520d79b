"""Build machine images locally: a Debian 12 root filesystem, then the Packer template's
playbooks applied with Ansible's chroot connection, one cached layer per image.

The Packer templates are the one source of truth: which playbook an image runs, its
extra variables, its Ansible environment and its parent image are all read from
packer/*.pkr.hcl; nothing here repeats them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ImageError
from harness.hcl import Block, Config, load_dir

REPO = Path(__file__).resolve().parents[1]
PACKER_DIR = REPO / "packer"
ANSIBLE_DIR = REPO / "ansible"
APP_DIR = REPO / "app"

SUITE = "bookworm"
# What the official Debian 12 AMI carries that the playbooks rely on (python3 for
# Ansible, sudo for `become`, systemd as init); everything else comes from the roles.
BASE_PACKAGES = ("python3", "sudo", "systemd-sysv", "ca-certificates", "procps", "iproute2")
# Bump when the way the base or a layer is made changes, to invalidate the cache.
RECIPE = "3"
CACHE_ENV = "HARNESS_IMAGE_CACHE"
MIRROR_ENV = "HARNESS_DEBIAN_MIRROR"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")

_VAR_REF = re.compile(r"\$\{var\.([A-Za-z0-9_]+)\}")
_ANY_REF = re.compile(r"\$\{[^}]*\}")
_RECAP = re.compile(r"^\S.*?:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


# --- the Packer template: one source of truth ---


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


def packer_variables(
    packer_dir: Path = PACKER_DIR, overrides: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Defaults of the template's variables, with `overrides` (like `-var`) on top."""
    config = load_dir(packer_dir, ("*.pkr.hcl",))
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
    config = load_dir(packer_dir, ("*.pkr.hcl",))
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
    config = load_dir(packer_dir, ("*.pkr.hcl",))
    return sorted(str(b.body["name"]) for b in config.of_kind("build"))


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


# --- the host: root, debootstrap, the Debian mirror ---


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


def cache_root() -> Path:
    """Where layers live: $HARNESS_IMAGE_CACHE or .cache/images in the repository."""
    return Path(os.environ.get(CACHE_ENV) or REPO / ".cache" / "images")


# --- mounts: always undone ---


def mounts_under(path: Path) -> list[str]:
    """Mount points at or below `path` (from /proc/self/mounts)."""
    root = str(path.resolve())
    points = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
    return [p for p in points if p == root or p.startswith(root + "/")]


def _run(cmd: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a command; a failure raises ImageError with its output."""
    result = subprocess.run(list(cmd), capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise ImageError(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def unmount_all(path: Path) -> None:
    """Unmount everything at or below `path`, deepest first."""
    for point in sorted(mounts_under(path), key=len, reverse=True):
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
            _run(cmd)
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


# --- layers ---


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


Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(f"[image] {message}", file=sys.stderr, flush=True)


def _digest(parts: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _tree_digest(paths: Sequence[Path]) -> str:
    """Content hash of files (and every file below directories), by relative path."""
    sha = hashlib.sha256()
    for base in paths:
        files = sorted(p for p in base.rglob("*") if p.is_file()) if base.is_dir() else [base]
        for file in files:
            sha.update(str(file.relative_to(REPO)).encode())
            sha.update(hashlib.sha256(file.read_bytes()).digest())
    return sha.hexdigest()


def _cached(cache: Path, name: str, key: str) -> Layer | None:
    path = cache / f"{name}-{key}"
    meta = path / "layer.json"
    if meta.exists() and (path / "rootfs").is_dir():
        return Layer(name, key, path, reused=True, info=json.loads(meta.read_text()))
    return None


def _commit(tmp: Path, final: Path, info: dict[str, Any]) -> None:
    (tmp / "layer.json").write_text(json.dumps(info, indent=2, sort_keys=True))
    if mounts_under(tmp):
        raise ImageError(f"{tmp}: still has mounts, refusing to keep it")
    tmp.rename(final)


def base_layer(cache: Path | None = None, progress: Progress = _stderr) -> Layer:
    """Debootstrap Debian 12 (minbase) once; its apt sources match the host's mirror."""
    cache = cache or cache_root()
    mirror, security = debian_mirror()
    key = _digest({"suite": SUITE, "mirror": mirror, "packages": BASE_PACKAGES, "r": RECIPE})
    if layer := _cached(cache, "base", key):
        progress(f"base: reused {layer.path.name}")
        return layer
    cache.mkdir(parents=True, exist_ok=True)
    tmp, started = cache / f"base-{key}.tmp", time.monotonic()
    remove_tree(tmp)
    progress(f"base: debootstrap {SUITE} from {mirror} ...")
    try:
        _run(
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
        # The same three suites the official AMI uses, so security updates apply.
        (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
        (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(
            f"Types: deb\nURIs: {mirror}\nSuites: {SUITE} {SUITE}-updates\nComponents: main\n"
            "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
            f"Types: deb\nURIs: {security}\nSuites: {SUITE}-security\nComponents: main\n"
            "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
        )
        (rootfs / "etc/hostname").write_text("debian\n")
        _run(["chroot", str(rootfs), "apt-get", "clean"])
        seconds = time.monotonic() - started
        _commit(tmp, cache / f"base-{key}", {"name": "base", "key": key, "seconds": seconds})
    except BaseException:
        remove_tree(tmp)
        raise
    progress(f"base: built in {seconds:.1f}s")
    return Layer("base", key, cache / f"base-{key}", seconds=seconds)


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


def layer_key(spec: ImageSpec, parent: Layer, inputs: LayerInputs) -> str:
    """Hash of everything that makes the layer: parent, playbook, roles, variables, inputs."""
    roles = [ANSIBLE_DIR / "roles" / role for role in spec.roles]
    missing = [str(r) for r in roles if not r.is_dir()]
    if missing:
        raise ImageError(f"{spec.playbook}: roles not found: {missing}")
    return _digest(
        {
            "parent": parent.key,
            "files": _tree_digest([spec.playbook, ANSIBLE_DIR / "ansible.cfg", *roles]),
            "args": spec.extra_args,
            "fingerprint": dict(inputs.fingerprint),
            "r": RECIPE,
        }
    )


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
    progress: Progress = _stderr,
) -> Layer:
    """Build (or reuse) the layer of `spec` on `parent`; a second run must change nothing."""
    cache, inputs = cache or cache_root(), inputs or LayerInputs()
    key = layer_key(spec, parent, inputs)
    if layer := _cached(cache, spec.name, key):
        progress(f"{spec.name}: reused {layer.path.name}")
        return layer
    tmp, started = cache / f"{spec.name}-{key}.tmp", time.monotonic()
    remove_tree(tmp)
    progress(f"{spec.name}: copying {parent.path.name} ...")
    try:
        tmp.mkdir(parents=True)
        _run(["cp", "-a", "--reflink=auto", str(parent.rootfs), str(tmp / "rootfs")])
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
        _commit(tmp, cache / f"{spec.name}-{key}", info)
    except BaseException:
        remove_tree(tmp)
        raise
    progress(f"{spec.name}: built in {seconds:.1f}s (second run {second.seconds:.1f}s, changed=0)")
    return Layer(spec.name, key, cache / f"{spec.name}-{key}", seconds=seconds, info=info)


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


# --- the release: built in the elixir image, published where the api role reads it ---


@dataclass(frozen=True)
class ReleaseLocation:
    """Where the api role finds the release, its checksum, configuration and secrets."""

    app: str
    version: str
    environment: str
    release_bucket: str
    config_bucket: str

    @property
    def tarball_name(self) -> str:
        """File name of the release tarball."""
        return f"{self.app}-{self.version}.tar.gz"

    @property
    def tarball_key(self) -> str:
        """S3 key of the tarball (its checksum is the same key plus .sha256)."""
        return f"{self.app}/{self.version}/{self.tarball_name}"

    def config_key(self, file: str) -> str:
        """S3 key of config.env or secrets.env for this environment."""
        return f"{self.environment}/{self.app}/{file}"


def release_location(spec: ImageSpec) -> ReleaseLocation:
    """The release layout, from the variables the template passes to the api role."""
    values = spec.extra_vars
    try:
        return ReleaseLocation(
            app=values["api_name"],
            version=values["api_version"],
            environment=values["api_environment"],
            release_bucket=values["api_release_bucket"],
            config_bucket=values["api_config_bucket"],
        )
    except KeyError as error:
        raise ImageError(f"{spec.template}: build {spec.name!r} does not pass {error}") from None


def _app_sources(app_dir: Path) -> list[Path]:
    skip = {"_build", "deps", ".elixir_ls"}
    return sorted(
        p
        for p in app_dir.rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(app_dir).parts)
    )


def build_release(
    elixir: Layer,
    location: ReleaseLocation,
    app_dir: Path = APP_DIR,
    cache: Path | None = None,
    progress: Progress = _stderr,
) -> Path:
    """`mix release` inside the elixir image (the OS of the AMIs); returns the tarball."""
    cache = cache or cache_root()
    sources = _app_sources(app_dir)
    key = _digest({"app": _tree_digest(sources), "elixir": elixir.key, "version": location.version})
    out = cache / "releases" / key / location.tarball_name
    if out.exists():
        progress(f"release: reused {out.relative_to(cache)}")
        return out
    started = time.monotonic()
    scratch = cache / "work" / f"release-{key}"
    remove_tree(scratch)
    try:
        for source in sources:
            target = scratch / "app" / source.relative_to(app_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        env = {
            "HOME": "/mnt/home",
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "MIX_ENV": "prod",
            "HEX_OFFLINE": "1",
            "APP_VERSION": location.version,
        }
        with mounted(elixir.rootfs, binds={"/mnt": scratch}):
            _run(
                [
                    "chroot",
                    str(elixir.rootfs),
                    "/usr/bin/env",
                    "-i",
                    *(f"{k}={v}" for k, v in env.items()),
                    "sh",
                    "-c",
                    "cd /mnt/app && mix release --overwrite",
                ]
            )
        built = scratch / "app" / "_build" / "prod" / location.tarball_name
        if not built.exists():
            raise ImageError(f"mix release in {elixir.path.name} made no {built.name}")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(built), out)
    finally:
        remove_tree(scratch)
    progress(f"release: {out.name} built in {elixir.name} in {time.monotonic() - started:.1f}s")
    return out


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def publish_release(s3: Any, tarball: Path, location: ReleaseLocation) -> None:
    """Upload the tarball and its `.sha256` (sha256sum format) to the release bucket."""
    s3.upload_file(str(tarball), location.release_bucket, location.tarball_key)
    s3.put_object(
        Bucket=location.release_bucket,
        Key=f"{location.tarball_key}.sha256",
        Body=f"{sha256_file(tarball)}  {tarball.name}\n".encode(),
    )


def publish_configuration(s3: Any, location: ReleaseLocation, files: Mapping[str, bytes]) -> None:
    """Upload config.env / secrets.env for the environment."""
    for name, body in files.items():
        s3.put_object(Bucket=location.config_bucket, Key=location.config_key(name), Body=body)


def local_configuration(location: ReleaseLocation) -> dict[str, bytes]:
    """The configuration and (throwaway, deterministic) secrets a local build installs."""
    cookie = hashlib.sha256(f"local-{location.app}-{location.environment}".encode()).hexdigest()
    return {
        "config.env": b"PORT=4001\n",
        "secrets.env": f"RELEASE_COOKIE={cookie}\n".encode(),
    }


def ensure_buckets(account: Any, buckets: Sequence[str]) -> None:
    """Create the buckets (SSE-KMS by default, as the release module does) if missing."""
    s3, kms = account.client("s3"), account.client("kms")
    existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    key_id: str | None = None
    for bucket in buckets:
        if bucket in existing:
            continue
        if key_id is None:
            key_id = kms.create_key(Description="local image builds")["KeyMetadata"]["KeyId"]
        s3.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": account.region}
        )
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key_id,
                        }
                    }
                ]
            },
        )


# --- the whole chain ---


AccountFactory = Callable[[], Any]


def build_images(
    names: Sequence[str],
    account: AccountFactory,
    overrides: Mapping[str, str] | None = None,
    cache: Path | None = None,
    progress: Progress = _stderr,
) -> dict[str, Layer]:
    """Build (or reuse) every layer the images need, parents first.

    `account` is called only when a layer that downloads the release must be built:
    it returns an account (moto locally) whose S3 receives the release and configuration.
    """
    if reason := missing_prerequisites():
        raise ImageError(reason)
    cache = cache or cache_root()
    with cache_lock(cache, progress):
        return _build_images(names, account, overrides, cache, progress)


@contextlib.contextmanager
def cache_lock(cache: Path, progress: Progress = _stderr) -> Iterator[None]:
    """One builder at a time per cache (parallel test workers wait, then reuse the layers)."""
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"waiting for another build using {cache}")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_images(
    names: Sequence[str],
    account: AccountFactory,
    overrides: Mapping[str, str] | None,
    cache: Path,
    progress: Progress,
) -> dict[str, Layer]:
    order: list[str] = []
    for name in names:
        order += [n for n in lineage(name) if n not in order]
    layers: dict[str, Layer] = {"base": base_layer(cache, progress)}
    opened: Any = None
    for name in order:
        spec = load_spec(name, overrides=overrides)
        parent = layers[spec.parent or "base"]
        inputs = LayerInputs()
        if "api_release_bucket" in spec.extra_vars:
            location = release_location(spec)
            tarball = build_release(parent, location, cache=cache, progress=progress)
            config = local_configuration(location)
            fingerprint = {
                "release": sha256_file(tarball),
                "config": _digest({k: v.decode() for k, v in config.items()}),
            }
            key = layer_key(spec, parent, LayerInputs(fingerprint=fingerprint))
            if not _cached(cache, name, key):
                opened = opened or account()
                ensure_buckets(opened, [location.release_bucket, location.config_bucket])
                s3 = opened.client("s3")
                publish_release(s3, tarball, location)
                publish_configuration(s3, location, config)
            # The emulator's endpoint is a detail of this build, not of the layer's content.
            extra = {"api_s3_endpoint_url": opened.endpoint_url} if opened else {}
            inputs = LayerInputs(
                extra_vars=extra, env=opened.env if opened else {}, fingerprint=fingerprint
            )
        layers[name] = build_layer(spec, parent, inputs, cache, progress)
    return layers


# --- verifying a layer: a throwaway copy, booted as far as a chroot allows ---


@contextlib.contextmanager
def workspace(layer: Layer, cache: Path | None = None) -> Iterator[Path]:
    """A private copy of a layer's root filesystem, mounted as at boot; removed afterwards.

    Tests may change it (the key sync creates users) without touching the cache.
    """
    cache = cache or cache_root()
    path = cache / "work" / f"{layer.name}-{os.getpid()}-{time.monotonic_ns()}"
    rootfs = path / "rootfs"
    try:
        for part in ("upper", "scratch", "rootfs"):
            (path / part).mkdir(parents=True)
        # An overlay costs nothing; a copy (about 10 s per layer here) where overlayfs is missing.
        overlay = subprocess.run(
            ["mount", "-t", "overlay", "overlay", "-o",
             f"lowerdir={layer.rootfs},upperdir={path / 'upper'},workdir={path / 'scratch'}",
             str(rootfs)],
            capture_output=True, check=False,
        )  # fmt: skip
        if overlay.returncode != 0:
            rootfs.rmdir()
            _run(["cp", "-a", "--reflink=auto", str(layer.rootfs), str(rootfs)])
        with mounted(rootfs):
            # systemd creates it at boot (RuntimeDirectory of ssh.service); sshd -T needs it.
            (rootfs / "run/sshd").mkdir(mode=0o755)
            yield rootfs
    finally:
        remove_tree(path)


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


def parse_unit(name: str, text: str) -> Unit:
    """Parse the [Service] section of a unit file (the subset the project's units use)."""
    settings: list[tuple[str, str]] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.append((key.strip(), value.strip()))
    values = dict(settings)
    environment: dict[str, str] = {}
    for key, value in settings:
        if key == "Environment":
            name_, _, val = value.partition("=")
            environment[name_] = val
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


def start_unit(rootfs: Path, unit_name: str, log: Path) -> subprocess.Popen[bytes]:
    """Start a service of the root filesystem as systemd would: its user, environment files,
    runtime and state directories, working directory and ExecStart."""
    unit_path = rootfs / "etc/systemd/system" / unit_name
    unit = parse_unit(unit_name, unit_path.read_text(encoding="utf-8"))
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
    for file, optional in unit.environment_files:
        host_path = rootfs / file.lstrip("/")
        if not host_path.exists():
            if optional:
                continue
            raise ImageError(f"unit {unit_name}: EnvironmentFile {file} is missing in the image")
        env.update(read_env_file(host_path))
    env.update(unit.environment)
    prepare = []
    if unit.runtime_directory:
        prepare.append(f"/run/{unit.runtime_directory}")
    if unit.state_directory:
        prepare.append(f"/var/lib/{unit.state_directory}")
    for directory in prepare:
        _run(["chroot", str(rootfs), "install", "-d", "-m", "0750", "-o", unit.user,
              "-g", unit.group, directory])  # fmt: skip
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

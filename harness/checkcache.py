"""Content-addressed cache of checks (`terraform validate`, checkov) under .cache/checks.

An entry is `<cache>/checks/<kind>/<sha256>.json`, the sha256 taken over everything that
decides the check's result: its input files (relative path and content), the tools' versions,
the harness code that runs it and any explicit parameters. An unchanged input answers from the
cache; a changed one is a new key, so nothing is ever invalidated by hand. Writes are atomic
(a reader sees a whole entry or none) and an entry that does not read is a miss, never an
error. `HARNESS_CHECK_CACHE=0` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from harness.errors import UsageError
from harness.paths import REPO_ROOT, SKIP_DIRS, cache_dir

ENV = "HARNESS_CHECK_CACHE"
# Part of every key: a change to the entry format or the key's layout starts a new cache.
FORMAT = 1
# Entries kept per kind (least recently used go first): enough for many trees, bounded for CI.
KEEP = 128
ABSENT = "absent"
# Terraform never reads these; the template copy leaves them out too.
IGNORED_SUFFIXES = (".tfstate", ".tfstate.backup", ".tfplan")
# A module block's source is the first `source = "..."` after its header: terraform requires
# a literal there (parsing the whole tree with python-hcl2 would take seconds).
_MODULE = re.compile(r'^\s*module\s+"[^"]*"\s*\{', re.M)
_SOURCE = re.compile(r'^\s*source\s*=\s*"([^"]*)"', re.M)

T = TypeVar("T")


@dataclass
class Inputs:
    """Everything that decides one check's result; its digest is the cache key."""

    kind: str
    files: dict[str, str] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)
    code: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def add_files(self, paths: Iterable[Path], base: Path) -> None:
        """Record each file's content digest under its path relative to `base`."""
        for path in paths:
            self.files[os.path.relpath(path, base)] = file_digest(path)

    def add_code(self, paths: Iterable[Path]) -> None:
        """Record harness code (or data) that decides the result, relative to the repository."""
        for path in paths:
            self.code[os.path.relpath(path, REPO_ROOT)] = file_digest(path)

    def digest(self) -> str:
        """sha256 over the kind, the sorted inputs, the tools, the code and the parameters."""
        canonical = json.dumps(
            {
                "format": FORMAT,
                "kind": self.kind,
                "files": sorted(self.files.items()),
                "tools": sorted(self.tools.items()),
                "code": sorted(self.code.items()),
                "extra": self.extra,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def enabled() -> bool:
    """False when HARNESS_CHECK_CACHE is 0, false, no or off."""
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def file_digest(path: Path) -> str:
    """sha256 of a file's bytes; `absent` when missing, `unreadable: ...` when it cannot be."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ABSENT
    except OSError as error:
        return f"unreadable: {error.strerror or error}"


def files_under(directory: Path) -> list[Path]:
    """Every file under `directory`, sorted, without tool caches (.terraform...) or state files.

    Directory symlinks are not followed (a loop ends the walk); file symlinks are, by reading.
    """
    found: list[Path] = []
    for folder, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(
            Path(folder) / name for name in sorted(names) if not name.endswith(IGNORED_SUFFIXES)
        )
    return found


def module_dirs(*starts: Path, remote_ok: bool = False) -> list[Path] | None:
    """Local module directories the configurations in `starts` call, transitively (absolute,
    without the starts themselves).

    None when a .tf.json file may hold calls, or (unless `remote_ok`) when a call's source is
    not a local path: what `init` downloads for a registry or git module is not an input the
    cache can see. checkov never downloads them (--skip-download), so it passes remote_ok.
    """
    begin = {start.absolute() for start in starts}
    seen: set[Path] = set()
    pending = sorted(begin)
    while pending:
        current = pending.pop()
        if any(current.glob("*.tf.json")):
            return None
        for tf in sorted(current.glob("*.tf")):
            try:
                text = tf.read_text(encoding="utf-8")
            except (OSError, UnicodeError):
                continue  # an input the key already records as unreadable
            for header in _MODULE.finditer(text):
                found = _SOURCE.search(text, header.end())
                source = found.group(1) if found else ""
                if not source.startswith(("./", "../")):
                    if remote_ok:
                        continue
                    return None
                target = Path(os.path.normpath(current / source))
                if target not in seen and target not in begin:
                    seen.add(target)
                    pending.append(target)
    return sorted(seen)


@lru_cache(maxsize=8)
def _version_of(command: tuple[str, ...], stamp: tuple[int, int]) -> str:
    env = {**os.environ, "CHECKPOINT_DISABLE": "1"}  # no "outdated" lookup over the network
    done = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, timeout=120
    )
    if done.returncode != 0:
        raise OSError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout.strip()


def tool_version(*command: str) -> str:
    """What `command` (e.g. `terraform version -json`) prints, run once per binary and build."""
    stat = Path(command[0]).stat()
    return _version_of(tuple(command), (stat.st_mtime_ns, stat.st_size))


def _entry_path(kind: str, key: str) -> Path:
    return cache_dir("checks", kind) / f"{key}.json"


def load(kind: str, key: str) -> Any | None:
    """The stored value for `key`, or None: a missing, corrupt or foreign entry is a miss."""
    try:
        path = _entry_path(kind, key)
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UsageError):
        return None
    if not isinstance(entry, dict) or entry.get("key") != key or "value" not in entry:
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruning keeps it
    return entry["value"]


def store(kind: str, key: str, value: Any, inputs: Inputs | None = None) -> None:
    """Write an entry atomically (temporary file, then rename), then prune the kind's oldest."""
    try:
        path = _entry_path(kind, key)
    except UsageError:
        return  # no cache directory: the check ran, it is just not kept
    entry = {
        "kind": kind,
        "key": key,
        "files": len(inputs.files) if inputs else None,
        "tools": inputs.tools if inputs else None,
        "value": value,
    }
    partial = path.with_name(f".{path.name}.{os.getpid()}.{id(entry)}.tmp")
    try:
        partial.write_text(json.dumps(entry, separators=(",", ":")), encoding="utf-8")
        partial.replace(path)
    except OSError:
        partial.unlink(missing_ok=True)  # a full or read-only cache costs a re-run, nothing more
        return
    prune(path.parent)


def prune(directory: Path, keep: int = KEEP) -> None:
    """Delete all but the `keep` most recently used entries of one kind."""
    entries = []
    for path in directory.glob("*.json"):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:
            continue
    for _, path in sorted(entries, reverse=True)[keep:]:
        path.unlink(missing_ok=True)


def cached(
    inputs: Callable[[], Inputs | None],
    run: Callable[[], T],
    keep: Callable[[T], bool] = lambda _: True,
    encode: Callable[[T], Any] = lambda value: value,
    decode: Callable[[Any], T] = lambda value: value,
    recheck: bool = True,
) -> tuple[T, bool]:
    """The check's result and whether it came from the cache.

    `inputs()` is None when the result is not a function of what the cache can see; then, or
    with the cache off, the check just runs. A result is stored only when `keep` accepts it
    and, with `recheck`, the inputs are still the same after the run (a file edited during a
    scan of the work tree is not cached; a check on a private copy that writes into it, such
    as `terraform init` adding a lock file, passes recheck=False).
    """
    if not enabled():
        return run(), False
    before = inputs()
    if before is None:
        return run(), False
    key = before.digest()
    stored = load(before.kind, key)
    if stored is not None:
        try:
            return decode(stored), True
        except (KeyError, TypeError, ValueError):
            pass  # an entry of the right key but the wrong shape: run again
    value = run()
    if keep(value):
        after = inputs() if recheck else before
        if after is not None and after.digest() == key:
            store(before.kind, key, encode(value), before)
    return value, False

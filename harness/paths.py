"""Where the harness keeps things (repository, template, cache, run records) and its file lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from harness.errors import UsageError

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = REPO_ROOT / "terraform"
PACKER_DIR = REPO_ROOT / "packer"
ANSIBLE_DIR = REPO_ROOT / "ansible"
APP_DIR = REPO_ROOT / "app"
REPORTS_DIR = REPO_ROOT / "reports"
CACHE_ENV = "HARNESS_CACHE"
# Directories no scan, copy or parse ever descends into.
SKIP_DIRS = frozenset(
    {".terraform", ".git", ".venv", ".venv-checkov", "node_modules", "__pycache__"}
)
# A run id becomes a directory name, a name prefix and a tag value: no path separators.
RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}")


def cache_root() -> Path:
    """Where state that outlives a run lives: $HARNESS_CACHE, else .cache in the repository."""
    root = Path(os.environ.get(CACHE_ENV) or REPO_ROOT / ".cache")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cache {root} (${CACHE_ENV}): {error.strerror or error}") from None
    return root


def cache_dir(*parts: str) -> Path:
    """A directory under the cache root, created on first use."""
    path = cache_root().joinpath(*parts)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cache {path} (${CACHE_ENV}): {error.strerror or error}") from None
    return path


def check_run_id(run_id: str) -> str:
    """The run id unchanged, or a UsageError that says what a run id may contain."""
    if not RUN_ID_PATTERN.fullmatch(run_id):
        raise UsageError(
            f"run id {run_id!r}: use 1-40 letters, digits, '-' or '_', starting with a "
            "letter or digit"
        )
    return run_id


def run_dir(run_id: str) -> Path:
    """The directory that records a run started by `account up` (the id is checked first)."""
    return cache_root() / "runs" / check_run_id(run_id)


def skipped(path: Path, root: Path) -> bool:
    """Whether `path` lies in a directory that scans and copies leave out (.terraform, .git...)."""
    return any(part in SKIP_DIRS for part in path.relative_to(root).parts)


@contextlib.contextmanager
def file_lock(
    path: Path,
    *,
    wait: bool = True,
    on_wait: Callable[[IO[str]], None] | None = None,
) -> Iterator[IO[str]]:
    """Hold an exclusive flock on `path` (created if needed); released when the block ends.

    When the lock is taken, `on_wait` is called with the open file first (to print who holds
    it, or to raise); with `wait=False` a held lock raises BlockingIOError after that call.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                handle.seek(0)
                on_wait(handle)
            if not wait:
                raise
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_atomically(path: Path, text: str, mode: int | None = None) -> None:
    """Write aside, flush to disk, rename: readers see the old file or the new, never half (a
    process killed at any instant leaves one of the two)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with partial.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    if mode is not None:
        partial.chmod(mode)
    partial.replace(path)

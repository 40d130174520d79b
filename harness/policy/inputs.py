"""What a policy scan reads: the .tf and .tfvars files under a path, and the ones it cannot read.

A file that cannot be read (a dangling or looping symlink, no permission, not UTF-8, binary) or
parsed is reported with its file, line, column and the parser's reason; the scan goes on
without it and is marked incomplete, so the other files' findings are still printed.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path

import hcl2

from harness.paths import SKIP_DIRS

SUFFIXES = (".tf", ".tfvars")
# A block that can hold (or create) a resource; a cheap look before checkov starts (seconds).
_BLOCK = re.compile(r'^\s*(resource|data|module)\s+"', re.MULTILINE)
_AT = re.compile(r"\s*at line (\d+),? column (\d+)\.?", re.IGNORECASE)


@dataclass(frozen=True)
class InputError:
    """A file the scan could not read or parse, and where and why."""

    file: str
    reason: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        return f"{where}: {self.reason}"


@dataclass
class Inputs:
    """The Terraform files under a path: readable ones, and errors for the rest."""

    files: list[Path]
    errors: list[InputError]

    @property
    def has_blocks(self) -> bool:
        """Whether any readable .tf file declares a resource, data source or module call."""
        return any(_BLOCK.search(_text(f) or "") for f in self.files if f.suffix == ".tf")


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return None


def candidates(target: Path) -> list[Path]:
    """Every .tf/.tfvars path under `target` (or `target`), symlinks included, tool caches not.

    Directories are walked without following symlinks, so a directory loop ends the walk.
    """
    if not target.is_dir():
        return [target] if target.suffix in SUFFIXES else []
    found: list[Path] = []
    for folder, dirs, names in os.walk(target):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(Path(folder) / n for n in sorted(names) if Path(n).suffix in SUFFIXES)
    return found


def read_error(path: Path) -> InputError | None:
    """Why `path` cannot be read as text, or None."""
    try:
        path.stat()
    except OSError as error:
        if error.errno == errno.ELOOP:
            return InputError(str(path), "symlink loop: cannot read")
        if path.is_symlink():
            return InputError(str(path), f"dangling symlink (to {os.readlink(path)}): cannot read")
        return InputError(str(path), f"cannot read: {error.strerror or error}")
    if not path.is_file():
        return InputError(str(path), "not a regular file: cannot read")
    try:
        data = path.read_bytes()
    except OSError as error:
        return InputError(str(path), f"cannot read: {error.strerror or error}")
    if b"\x00" in data:
        return InputError(str(path), "binary content (NUL bytes), not HCL")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return InputError(str(path), f"not UTF-8 text (byte {error.start}), not HCL")
    return None


def parse_error(path: Path) -> InputError:
    """The parser's reason a file does not parse, with its line and column when it has them."""
    try:
        hcl2.loads(path.read_text(encoding="utf-8"))
    except Exception as error:  # lark raises several unrelated types; all mean "not HCL"
        text = str(error).strip()
        first = text.splitlines()[0] if text else type(error).__name__
        line = getattr(error, "line", 0) or 0
        column = getattr(error, "column", 0) or 0
        located = _AT.search(first)
        if located and not line:
            line, column = int(located.group(1)), int(located.group(2))
        reason = _AT.sub("", first).strip() or type(error).__name__
        return InputError(str(path), f"cannot parse HCL: {reason}", int(line), int(column))
    return InputError(str(path), "checkov could not parse it (python-hcl2 can)")


def read_inputs(target: Path) -> Inputs:
    """The readable .tf/.tfvars files under `target`, and an error for each unreadable one."""
    files: list[Path] = []
    errors: list[InputError] = []
    for path in candidates(target):
        problem = read_error(path)
        if problem:
            errors.append(problem)
        else:
            files.append(path)
    return Inputs(files, errors)

"""What decides a static checkov scan (its harness.checkcache key), and its document moved
between directories so that the same files scanned anywhere share one entry.

Only the static scan of the HCL is cached: a plan scan's input is a plan of a live account.
The cached value is checkov's own JSON report, before the harness maps it to findings, so the
post-processing (parse_report, scan) always runs and is not part of the key.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.checkcache import Inputs, file_digest, files_under, module_dirs, tool_version

POLICY_DIR = Path(__file__).resolve().parent
# What decides checkov's answer besides the files: the custom checks, the catalogue (which
# checks run), the module that builds checkov's command line and environment, and this one
# (what is kept, and how a kept report is moved to another directory).
SCAN_CODE = (POLICY_DIR / "catalogue.py", POLICY_DIR / "checkov.py", POLICY_DIR / "scancache.py")
CHECKS_DIR = POLICY_DIR / "checks"
# Stands for the scanned directory in a stored document (checkov reports absolute paths).
HERE = "\x00scanned\x00"
# A document the checks read: `file("...")` / `templatefile("...", ...)` with a literal path.
_FILE_CALL = re.compile(r'\b(?:file|templatefile)\(\s*"([^"]+)"')


def checkov_version(binary: str) -> str:
    """The packages of checkov's virtualenv (checkov and everything it runs with), else what
    `checkov --version` prints for a checkov installed some other way."""
    venv = Path(binary).resolve().parent.parent
    dists = sorted(str(p.relative_to(venv)) for p in venv.glob("lib/python*/site-packages/*-info"))
    if dists:
        return "\n".join(dists)
    return tool_version(binary, "--version")


def _inside(path: Path, directory: Path) -> bool:
    return path == directory or directory in path.parents


def scan_inputs(
    directory: Path, skipped: list[Path], checks: list[str], binary: str
) -> Inputs | None:
    """Everything that decides checkov's report on `directory` with `skipped` left out.

    The files under it, the local modules its configurations call from outside it, documents
    read with file()/templatefile() from outside it, checkov's version, the custom checks,
    the catalogue and the command line. None when a .tf.json file could hide a module call
    or checkov's version cannot be told.
    """
    directory = directory.absolute()
    inputs = Inputs(
        "checkov",
        extra={
            "framework": "terraform",
            "checks": checks,
            "skip": sorted(os.path.relpath(p.absolute(), directory) for p in skipped),
        },
    )
    files = files_under(directory)
    inputs.add_files(files, directory)
    configs = sorted({f.parent for f in files if f.suffix == ".tf"})
    modules = module_dirs(*configs, remote_ok=True) if configs else []
    if modules is None:
        return None
    outside = [m for m in modules if not _inside(m, directory)]
    for module in outside:
        inputs.add_files(files_under(module), directory)
    for config in [*configs, *outside]:
        for tf in sorted(config.glob("*.tf")):
            for document in _documents(tf):
                if not _inside(document, directory):
                    inputs.files[os.path.relpath(document, directory)] = file_digest(document)
    try:
        inputs.tools["checkov"] = checkov_version(binary)
    except (OSError, subprocess.SubprocessError):
        return None  # the scan itself runs and says what is wrong with checkov
    inputs.add_code([*SCAN_CODE, *files_under(CHECKS_DIR)])
    return inputs


def _documents(tf: Path) -> list[Path]:
    """Files a .tf file reads with file()/templatefile() and a literal or path.module path."""
    try:
        text = tf.read_text(encoding="utf-8")
    except (OSError, UnicodeError):
        return []
    found = []
    for raw in _FILE_CALL.findall(text):
        path = raw.replace("${path.module}", str(tf.parent)).replace("${path.root}", str(tf.parent))
        if "${" not in path:
            found.append(Path(os.path.normpath(tf.parent / path)))
    return found


def complete(document: Any) -> bool:
    """Whether a report may be cached: one report or a list of them, as a finished run writes.

    A file checkov could not parse stays in the report: that is the file's content speaking.
    checkov's own per-file parse timeout is the scan's (HCL_PARSE_TIMEOUT_SEC), so a file it
    gave up on ends the whole run, which is then an error and never cached.
    """
    reports = document if isinstance(document, list) else [document]
    return bool(reports) and all(isinstance(report, dict) for report in reports)


def relocated(document: Any, old: list[str], new: str) -> Any:
    """The document with every string that starts with a directory in `old` (longest first)
    starting with `new` instead."""
    prefixes = sorted(set(old), key=len, reverse=True)

    def move(text: str) -> str:
        for prefix in prefixes:
            if text == prefix or text.startswith(prefix + "/"):
                return new + text[len(prefix) :]
        return text

    return _map_strings(document, move)


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_map_strings(v, change) for v in value]
    if isinstance(value, dict):
        return {k: _map_strings(v, change) for k, v in value.items()}
    return value


def stored(document: Any, directory: Path) -> Any:
    """The document as cached: the scanned directory's absolute path replaced by a marker."""
    return relocated(document, [str(directory.absolute()), str(directory.resolve())], HERE)


def restored(document: Any, directory: Path) -> Any:
    """A cached document for `directory`: the marker replaced by its absolute path."""
    return relocated(document, [HERE], str(directory.absolute()))

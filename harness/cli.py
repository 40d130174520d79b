"""Command line: `python -m harness <command> ...`, what the Makefile and the workflows call.

Every failure ends as one line on stderr and an exit code from harness.errors; no traceback
reaches the user (a bug's traceback goes to a log under .cache/logs, named in that line).
"""

from __future__ import annotations

import argparse
import importlib
import re
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from botocore.exceptions import BotoCoreError, ClientError

from harness import errors
from harness.errors import HarnessError, Terminated

# Each command group lives in harness/commands/<name>.py and exposes register(subparsers).
COMMANDS: tuple[str, ...] = (
    "terraform",
    "report",
    "policy",
    "image",
    "account",
    "bluegreen",
    "sweep",
    "bastion",
    "mutate",
)
# Terraform's diagnostics ("Error: ...", possibly inside its box drawing) make the best summary.
_DIAGNOSTIC = re.compile(r"^[\s│╷╵]*(Error: .+)$", re.M)


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="python -m harness",
        description="Test harness for the AWS Elixir API template.",
        epilog="exit codes: "
        + "; ".join(f"{code} {text}" for code, text in errors.EXIT_CODES.items()),
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"harness.commands.{name}")
        module.register(subparsers)
    return parser


def summary(message: str) -> str:
    """One line for a failure: its first line plus terraform's own error summaries, if any."""
    lines = [line for line in message.strip().splitlines() if line.strip()] or ["(no message)"]
    found = list(dict.fromkeys(_DIAGNOSTIC.findall(message)))
    extra = [d for d in found if d not in lines[0]][:3]
    return " ".join([lines[0].rstrip(":"), *[f"[{d}]" for d in extra]])


def write_log(name: str, text: str) -> str:
    """Keep the full text of a failure under .cache/logs (else in the temporary directory, when
    the cache is unusable); return its path."""
    import os
    import tempfile

    from harness.paths import cache_dir

    stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{name}"
    try:
        directory = cache_dir("logs")
    except Exception:  # the failure being reported may be the cache itself
        directory = Path(tempfile.gettempdir())
    handle, path = tempfile.mkstemp(prefix=f"{stem}-", suffix=".log", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    return path


def report(error: BaseException, code: int, command: str) -> int:
    """Print one line for `error` (the full text to a log when it is longer) and return `code`."""
    message = str(error) or type(error).__name__
    line = summary(message)
    if code == errors.INTERNAL:
        log = write_log(command, "".join(traceback.format_exception(error)))
        line = f"internal error ({type(error).__name__}: {line}); traceback in {log}"
    elif len(message.strip().splitlines()) > 1:
        line += f" (full message: {write_log(command, message)})"
    print(f"error: {line}", file=sys.stderr)
    return code


def classify(error: BaseException) -> int:
    """The exit code a failure means (harness.errors); unknown exceptions are harness bugs."""
    if isinstance(error, HarnessError):
        return error.exit_code
    if isinstance(
        error,
        (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError, UnicodeError),
    ):
        return errors.USAGE
    if isinstance(error, (OSError, subprocess.SubprocessError, BotoCoreError, ClientError)):
        return errors.INFRASTRUCTURE
    return errors.INTERNAL


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = build_parser().parse_args(argv)  # a usage error exits 2 here, with argparse's line
    command = "-".join(str(v) for v in (args.command, getattr(args, "action", None)) if v)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return errors.INTERRUPTED
    except Terminated:
        print("terminated", file=sys.stderr)
        return errors.TERMINATED
    except Exception as error:
        try:
            return report(error, classify(error), command)
        except Exception:  # reporting must not fail where the command did
            print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
            return classify(error)
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())

"""Shared options of the account, bluegreen and sweep commands: which account, which run."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.account import DEFAULT_REGION
from harness.errors import UsageError
from harness.paths import check_run_id, run_dir
from harness.stack import RUN_FILE


def add_run_options(parser: argparse.ArgumentParser, account: bool = True) -> None:
    """--account, --run-id, --region (defaults from HARNESS_ACCOUNT / HARNESS_RUN_ID)."""
    if account:
        parser.add_argument(
            "--account",
            choices=("moto", "aws"),
            default=os.environ.get("HARNESS_ACCOUNT", "moto"),
            help="moto (default: an emulator the harness starts) or aws (opt-in, real account)",
        )
    parser.add_argument(
        "--run-id",
        type=_run_id,
        default=os.environ.get("HARNESS_RUN_ID") or None,
        help="run id: prefix of every name, value of the harness:run-id tag",
    )
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", DEFAULT_REGION))


def _run_id(text: str) -> str:
    """argparse type: a run id that is safe as a path, a name prefix and a tag."""
    try:
        return check_run_id(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run_file(run_id: str) -> Path:
    """Where a run started by `account up` is recorded."""
    return run_dir(run_id) / RUN_FILE


def require_run_id(args: argparse.Namespace) -> str:
    """The run id a resuming command needs (from --run-id or HARNESS_RUN_ID)."""
    if not args.run_id:
        raise UsageError("--run-id (or HARNESS_RUN_ID) is required: the run `account up` printed")
    return str(args.run_id)


VERSION_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def version_tag(text: str) -> str:
    """argparse type: a version usable as a tag value and inside an AMI name."""
    if not VERSION_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r}: use 1-64 letters, digits, '.', '-' or '_', starting with a letter or "
            "digit (e.g. v2.0.0)"
        )
    return text


def bounded(kind: type, low: float, high: float) -> Callable[[str], Any]:
    """argparse type: a number of `kind` within [low, high] (never nan or infinite)."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: not a number") from None
        if not low <= value <= high:  # also false for nan
            raise argparse.ArgumentTypeError(f"{text!r}: use a value from {low:g} to {high:g}")
        return value

    return parse

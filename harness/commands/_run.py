"""Shared options of the account, bluegreen and sweep commands: which account, which run."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from harness.account import DEFAULT_REGION
from harness.terraform import cache_root


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
        default=os.environ.get("HARNESS_RUN_ID") or None,
        help="run id: prefix of every name, value of the harness:run-id tag",
    )
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", DEFAULT_REGION))


def run_file(run_id: str) -> Path:
    """Where a run started by `account up` is recorded."""
    return cache_root() / "runs" / run_id / "run.json"


def require_run_id(args: argparse.Namespace) -> str:
    """The run id a resuming command needs (from --run-id or HARNESS_RUN_ID)."""
    if not args.run_id:
        from harness.errors import HarnessError

        raise HarnessError("--run-id (or HARNESS_RUN_ID) is required: the run `account up` printed")
    return str(args.run_id)

"""Command line: `python -m harness <command> ...`, what the Makefile and the workflows call."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from harness.errors import HarnessError

# Each command group lives in harness/commands/<name>.py and exposes register(subparsers).
COMMANDS: tuple[str, ...] = (
    "terraform",
    "report",
    "policy",
    "image",
    "account",
    "bluegreen",
    "sweep",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="python -m harness", description="Test harness for the AWS Elixir API template."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"harness.commands.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

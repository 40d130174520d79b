"""`python -m harness bastion open|close|status`: the on-demand bastion of a run's environment."""

from __future__ import annotations

import argparse

from harness.bastion import (
    DEFAULT_TIMEOUT,
    ENVIRONMENTS,
    close_bastion,
    group_name,
    open_bastion,
    status,
)
from harness.commands._run import add_run_options, require_run_id, run_file
from harness.stack import Stack


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `bastion` command group."""
    parser = subparsers.add_parser("bastion", help="open, close or show the on-demand bastion")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, text in (
        ("open", "desired capacity 1; wait until InService, print its id and private IP"),
        ("close", "desired capacity 0; wait until no instance is InService"),
        ("status", "print the desired capacity and the instances in service"),
    ):
        command = sub.add_parser(name, help=text)
        add_run_options(command, account=False)
        command.add_argument(
            "--environment", choices=ENVIRONMENTS, default="production", help="default production"
        )
        if name != "status":
            command.add_argument(
                "--timeout",
                type=_seconds,
                default=DEFAULT_TIMEOUT,
                help=f"seconds to wait (default {DEFAULT_TIMEOUT:.0f})",
            )
        command.set_defaults(func=_run, operation=name)


def _seconds(text: str) -> float:
    """argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a positive number of seconds")
    return value


def _run(args: argparse.Namespace) -> int:
    stack, _ = Stack.load(run_file(require_run_id(args)))
    group = group_name(stack, args.environment)

    def progress(line: str) -> None:
        print(line, flush=True)

    if args.operation == "open":
        instance = open_bastion(stack.account, group, timeout=args.timeout, progress=progress)
        print(f"bastion {group}: open, {instance.instance_id} at {instance.private_ip}")
    elif args.operation == "close":
        close_bastion(stack.account, group, timeout=args.timeout, progress=progress)
        print(f"bastion {group}: closed")
    else:
        print(status(stack.account, group).describe())
    return 0

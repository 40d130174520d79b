"""`python -m harness bluegreen ...`: blue/green releases of production, and a whole rehearsal."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from harness.account import new_run_id
from harness.bluegreen import DEFAULT_STEPS, ReleaseTool, release_lock, status_json, status_table
from harness.commands._run import add_run_options, require_run_id, run_file
from harness.platform import TerraformPlatform
from harness.roots import RELEASE_ROOT, destroy_order, with_dependencies
from harness.stack import Stack
from harness.stages import Stages


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `bluegreen` command group."""
    parser = subparsers.add_parser("bluegreen", help="blue/green releases of production")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    rehearse = sub.add_parser(
        "rehearse", help="rehearse a whole release on an ephemeral account (make bluegreen)"
    )
    add_run_options(rehearse)
    rehearse.add_argument("--keep", action="store_true", help="leave everything up for debugging")
    rehearse.add_argument("--steps", default="10,50,100", help="promotion steps in percent")
    rehearse.add_argument("--source-image-id", help="aws only: the built AMI to publish as v2.0.0")
    rehearse.set_defaults(func=_rehearse)

    up = sub.add_parser("up", help="apply production and the roots it needs to a run's account")
    add_run_options(up, account=False)
    up.set_defaults(func=_up)
    down = sub.add_parser("down", help="destroy production and the roots it needs, of a run")
    add_run_options(down, account=False)
    down.set_defaults(func=_down)

    deploy = sub.add_parser("deploy", help="idle colour <- version, capacity; wait until healthy")
    add_run_options(deploy, account=False)
    deploy.add_argument("--version", required=True, help="AMI version tag, e.g. v2.0.0")
    deploy.add_argument("--capacity", type=int, help="instances (default: the live colour's)")
    deploy.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for health")
    deploy.set_defaults(func=_release, operation="deploy")

    promote = sub.add_parser("promote", help="shift weight to the new colour in steps")
    add_run_options(promote, account=False)
    promote.add_argument("--steps", default=",".join(map(str, DEFAULT_STEPS)))
    promote.set_defaults(func=_release, operation="promote")

    for name, text in (
        ("rollback", "shift all weight back while the old colour has capacity"),
        ("retire", "scale the colour without traffic to 0"),
    ):
        command = sub.add_parser(name, help=text)
        add_run_options(command, account=False)
        command.set_defaults(func=_release, operation=name)

    status = sub.add_parser("status", help="live colour, versions, weights, healthy counts")
    add_run_options(status, account=False)
    status.add_argument("--json", action="store_true", help="JSON instead of a table")
    status.set_defaults(func=_status)


def _steps(text: str) -> tuple[int, ...]:
    return tuple(int(step) for step in text.split(",") if step.strip())


@contextlib.contextmanager
def _production(args: argparse.Namespace) -> Iterator[tuple[Stack, TerraformPlatform]]:
    run_id = require_run_id(args)
    stack, _ = Stack.load(run_file(run_id))
    with release_lock(run_file(run_id).parent / "production.lock", f"production of run {run_id}"):
        yield stack, TerraformPlatform(stack)


def _release(args: argparse.Namespace) -> int:
    with _production(args) as (_, platform):
        tool = ReleaseTool(platform, progress=lambda line: print(line, flush=True))
        if args.operation == "deploy":
            tool.timeout = args.timeout
            tool.deploy(args.version, args.capacity)
        elif args.operation == "promote":
            tool.promote(_steps(args.steps))
        elif args.operation == "rollback":
            tool.rollback()
        else:
            tool.retire()
        print(status_table(tool.status()))
    return 0


def _status(args: argparse.Namespace) -> int:
    run_id = require_run_id(args)
    stack, _ = Stack.load(run_file(run_id))
    rows = ReleaseTool(TerraformPlatform(stack)).status()
    print(status_json(rows) if args.json else status_table(rows))
    return 0


def _up(args: argparse.Namespace) -> int:
    with _production(args) as (stack, _):
        stages = Stages(lambda line: print(line, flush=True))
        for root in with_dependencies((RELEASE_ROOT,)):
            stages.run(f"apply {root}", partial(stack.apply, root))
    return 0


def _down(args: argparse.Namespace) -> int:
    with _production(args) as (stack, _):
        stages = Stages(lambda line: print(line, flush=True))
        for root in destroy_order(with_dependencies((RELEASE_ROOT,))):
            stages.run(f"destroy {root}", partial(stack.destroy, root))
    return 0


def _rehearse(args: argparse.Namespace) -> int:
    from harness.rehearsal import Rehearsal

    run_id = args.run_id or new_run_id()
    return Rehearsal(
        kind=args.account,
        run_id=run_id,
        keep=args.keep,
        steps=_steps(args.steps),
        source_image_id=args.source_image_id,
        workdir=Path(run_file(run_id).parent),
        out=lambda line: print(line, flush=True),
    ).run()

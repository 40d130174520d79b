"""`python -m harness bluegreen ...`: blue/green releases, on a harness run or a team's own
environment directory (`--env DIR [--backend-config FILE]`), and a whole rehearsal."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from harness.account import new_run_id
from harness.bluegreen import DEFAULT_STEPS, ReleaseTool, status_json, status_table
from harness.commands._run import add_run_options, bounded, require_run_id, run_file, version_tag
from harness.errors import Terminated, UsageError
from harness.locks import release_lock, unlock
from harness.platform import TerraformPlatform, describe
from harness.roots import RELEASE_ROOT, destroy_order, with_dependencies
from harness.stack import Stack
from harness.stages import Stages
from harness.terraform import Runner, plugin_cache_lock

ENV_LOCK = ".terraform/harness-release.lock"


def _out(line: str) -> None:
    print(line, flush=True)


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """Which environment: a harness run (--run-id) or a directory with its own backend (--env)."""
    add_run_options(parser, account=False)
    parser.add_argument(
        "--env",
        type=Path,
        metavar="DIR",
        help="a terraform environment directory of your own (instead of --run-id); AWS access "
        "from the usual environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL)",
    )
    parser.add_argument(
        "--backend-config",
        type=Path,
        metavar="FILE",
        help="with --env: run `terraform init -backend-config=FILE` first",
    )
    parser.add_argument(
        "--environment", help="with --env: the environment's name in AMI tags (default: DIR's)"
    )


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `bluegreen` command group."""
    parser = subparsers.add_parser("bluegreen", help="blue/green releases of production")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    rehearse = sub.add_parser(
        "rehearse", help="rehearse a whole release on an ephemeral account (make bluegreen)"
    )
    add_run_options(rehearse)
    rehearse.add_argument("--keep", action="store_true", help="leave everything up for debugging")
    rehearse.add_argument(
        "--steps", type=_steps, default=DEFAULT_STEPS, help="promotion steps in percent"
    )
    rehearse.add_argument("--source-image-id", help="aws only: the built AMI to publish as v2.0.0")
    rehearse.set_defaults(func=_rehearse)

    up = sub.add_parser("up", help="apply production and the roots it needs to a run's account")
    add_run_options(up, account=False)
    up.set_defaults(func=_up)
    down = sub.add_parser("down", help="destroy production and the roots it needs, of a run")
    add_run_options(down, account=False)
    down.set_defaults(func=_down)

    deploy = sub.add_parser("deploy", help="idle colour <- version, capacity; wait until healthy")
    add_target_options(deploy)
    deploy.add_argument(
        "--version", required=True, type=version_tag, help="AMI version tag, e.g. v2.0.0"
    )
    deploy.add_argument(
        "--capacity", type=bounded(int, 1, 20), help="instances, 1-20 (default: the live colour's)"
    )
    deploy.add_argument(
        "--timeout", type=bounded(float, 1, 3600), default=300.0, help="seconds to wait for health"
    )
    deploy.set_defaults(func=_release, operation="deploy")

    promote = sub.add_parser("promote", help="shift weight to the new colour in steps")
    add_target_options(promote)
    promote.add_argument(
        "--steps",
        type=_steps,
        default=DEFAULT_STEPS,
        help="rising percentages within 1..100 (default: 10,50,100)",
    )
    promote.set_defaults(func=_release, operation="promote")

    for name, text in (
        ("rollback", "shift all weight back while the old colour has capacity"),
        ("retire", "scale the colour without traffic to 0"),
    ):
        command = sub.add_parser(name, help=text)
        add_target_options(command)
        command.set_defaults(func=_release, operation=name)

    status = sub.add_parser("status", help="what is live: colours, versions, weights, health")
    add_target_options(status)
    status.add_argument("--json", action="store_true", help="JSON instead of a table")
    status.set_defaults(func=_status)

    release_unlock = sub.add_parser(
        "unlock",
        help="release terraform's state lock left by a killed release, once its holder is "
        "provably gone",
    )
    add_target_options(release_unlock)
    release_unlock.set_defaults(func=_unlock)


def _steps(text: str) -> tuple[int, ...]:
    """argparse type: rising percentages within 1..100, e.g. 10,50,100."""
    try:
        steps = tuple(int(step) for step in text.split(",") if step.strip())
    except ValueError:
        steps = ()
    if not steps or list(steps) != sorted(set(steps)) or steps[0] < 1 or steps[-1] > 100:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give rising percentages within 1..100, such as 10,50,100"
        )
    return steps


@dataclass
class Target:
    """The environment a release command works on, and where its release lock lives."""

    platform: TerraformPlatform
    lock: Path


def _directory_platform(args: argparse.Namespace) -> Target:
    root = args.env.resolve()
    if not root.is_dir() or not any(root.glob("*.tf")):
        raise UsageError(f"--env {args.env}: not a terraform directory (no .tf files)")
    import boto3

    runner = Runner(root=root)
    if args.backend_config is not None:
        if not args.backend_config.is_file():
            raise UsageError(f"--backend-config {args.backend_config}: no such file")
        with plugin_cache_lock():
            runner.command(
                "init", "-input=false", "-no-color", "-reconfigure",
                f"-backend-config={args.backend_config.resolve()}",
            )  # fmt: skip
    elif not (root / ".terraform").is_dir():
        raise UsageError(f"--env {args.env}: not initialised; give --backend-config FILE")
    session = boto3.session.Session(region_name=args.region)
    platform = TerraformPlatform(
        runner=runner,
        clients=lambda service: session.client(service),  # type: ignore[call-overload]
        environment=args.environment or root.name,
        label=f"{args.environment or root.name} ({root})",
        kind="emulator" if os.environ.get("AWS_ENDPOINT_URL") else "aws",
    )
    return Target(platform, root / ENV_LOCK)


def _target(args: argparse.Namespace) -> Target:
    if getattr(args, "env", None) is not None:
        if args.run_id:
            raise UsageError("give --run-id or --env, not both")
        return _directory_platform(args)
    if args.backend_config is not None or args.environment:
        raise UsageError("--backend-config and --environment go with --env")
    run_id = require_run_id(args)
    stack, _ = Stack.load(run_file(run_id))
    lock = run_file(run_id).parent / "production.lock"
    return Target(TerraformPlatform.for_stack(stack), lock)


@contextlib.contextmanager
def _locked(args: argparse.Namespace) -> Iterator[TerraformPlatform]:
    target = _target(args)
    with release_lock(target.lock, target.platform.name):
        try:
            yield target.platform
        except (KeyboardInterrupt, Terminated):
            # terraform has stopped cleanly by now (harness.process): say where traffic is.
            with contextlib.suppress(Exception):
                _out(f"interrupted; what is live now: {describe(target.platform.applied())}")
            raise


def _release(args: argparse.Namespace) -> int:
    with _locked(args) as platform:
        tool = ReleaseTool(platform, progress=_out)
        if args.operation == "deploy":
            tool.timeout = args.timeout
            tool.deploy(args.version, args.capacity)
        elif args.operation == "promote":
            tool.promote(args.steps)
        elif args.operation == "rollback":
            tool.rollback()
        else:
            tool.retire()
        print(status_table(tool.status()))
    return 0


def _status(args: argparse.Namespace) -> int:
    platform = _target(args).platform
    tool = ReleaseTool(platform)
    rows = tool.status()
    notes = platform.disagreements(platform.applied())
    if args.json:
        print(json.dumps({"colours": json.loads(status_json(rows)), "notes": notes}, indent=2))
    else:
        print(status_table(rows))
        for note in notes:
            print(f"note: {note}; the next release command goes on from what is live")
    return 0


def _unlock(args: argparse.Namespace) -> int:
    target = _target(args)
    platform = target.platform
    print(unlock(platform.runner, platform.clients, target.lock, platform.name))
    return 0


@contextlib.contextmanager
def _run_stack(args: argparse.Namespace) -> Iterator[Stack]:
    run_id = require_run_id(args)
    stack, _ = Stack.load(run_file(run_id))
    with release_lock(run_file(run_id).parent / "production.lock", f"production (run {run_id})"):
        yield stack


def _up(args: argparse.Namespace) -> int:
    with _run_stack(args) as stack:
        stages = Stages(_out)
        for root in with_dependencies((RELEASE_ROOT,)):
            stages.run(f"apply {root}", partial(stack.apply, root))
    return 0


def _down(args: argparse.Namespace) -> int:
    with _run_stack(args) as stack:
        stages = Stages(_out)
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
        steps=args.steps,
        source_image_id=args.source_image_id,
        workdir=Path(run_file(run_id).parent),
        out=_out,
    ).run()

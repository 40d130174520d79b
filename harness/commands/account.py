"""`python -m harness account up|publish|down`: an ephemeral account that outlives one command."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import urllib.parse
from pathlib import Path
from typing import Any

from harness.account import ENVIRONMENTS, answering, new_run_id, open_account, publish_ami, seed
from harness.account.moto import stop_server
from harness.commands._run import add_run_options, require_run_id, run_file, version_tag
from harness.errors import HarnessError, UsageError
from harness.paths import write_atomically
from harness.stack import Stack
from harness.sweep import delete_all, find_resources

# Images published per version (the deploy module looks up api; the bastion module, bastion).
COMPONENTS = ("api", "bastion")
# A version becomes a tag value and part of the AMI name (letters, digits, `.`, `-`, `_`).
IMAGE_ID_PATTERN = re.compile(r"ami-[0-9a-f]{8,17}")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `account` command group."""
    parser = subparsers.add_parser("account", help="start, seed or stop an ephemeral account")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = sub.add_parser("up", help="start (moto) or open (aws) an account and seed it")
    add_run_options(up)
    up.set_defaults(func=_up)
    publish = sub.add_parser(
        "publish", help="publish an AMI version to a run's account (what deploy --version finds)"
    )
    add_run_options(publish, account=False)
    publish.add_argument(
        "--version", required=True, type=version_tag, help="the AMI's version tag, e.g. v2.0.0"
    )
    publish.add_argument("--component", choices=COMPONENTS, default="api")
    publish.add_argument("--environment", choices=ENVIRONMENTS, default="production")
    publish.add_argument(
        "--unhealthy",
        action="store_true",
        help="moto only: an api release whose .sha256 does not match; its instances never "
        "start the service and fail their health checks",
    )
    publish.add_argument(
        "--source-image-id",
        type=_image_id,
        help="aws only: the built AMI to copy (default: its id in $HARNESS_SOURCE_AMIS)",
    )
    publish.add_argument(
        "--replace",
        action="store_true",
        help="replace the run's image of that version (default: refuse a second one)",
    )
    publish.set_defaults(func=_publish)
    down = sub.add_parser("down", help="delete what the run tagged and stop its moto server")
    add_run_options(down, account=False)
    down.set_defaults(func=_down)


def _image_id(text: str) -> str:
    """argparse type: an AMI id."""
    if not IMAGE_ID_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r}: not an AMI id (ami-0123456789abcdef0)")
    return text


def _up(args: argparse.Namespace) -> int:
    run_id = args.run_id or new_run_id()
    path = run_file(run_id)
    if path.exists():
        raise UsageError(
            f"run {run_id} is already recorded ({path}): use it, or delete it first with "
            f"`python -m harness account down --run-id {run_id}`"
        )
    account = open_account(args.account, run_id, args.region, detach=True)
    # Recorded before seeding: whatever stops this command (an error, Ctrl-C, SIGKILL), the
    # detached server stays findable, and `account down` removes it.
    write_atomically(
        path,
        json.dumps(
            {
                "kind": account.kind,
                "run_id": run_id,
                "region": account.region,
                "created": account.created,
                "endpoint_url": account.endpoint_url,
                "moto_pid": account.server_pid,
                "partial": True,
            }
        ),
    )
    try:
        seeded = seed(account)
        stack = Stack.create(account, seeded, into=path.parent)
        stack.record()
    except BaseException:
        account.stop()
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    print(f"run {run_id} on {account.kind} ({path})")
    for key, value in account.env.items():
        print(f"export {key}={value}")
    print(f"export HARNESS_RUN_ID={run_id}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    run_id = require_run_id(args)
    stack, _ = Stack.load(run_file(run_id))
    account = stack.account
    if args.source_image_id and account.kind == "moto":
        raise UsageError(
            "--source-image-id: aws only; on the moto account the image is registered, "
            "and --unhealthy makes a broken build"
        )
    image_id = publish_ami(
        account,
        args.component,
        args.environment,
        args.version,
        source_image_id=args.source_image_id,
        unhealthy=args.unhealthy,
        if_published="replace" if args.replace else "fail",
    )
    described = account.client("ec2").describe_images(ImageIds=[image_id])["Images"]
    tags = {t["Key"]: t["Value"] for image in described for t in image.get("Tags", [])}
    label = f"{args.component}/{args.environment}/{args.version}"
    print(f"published {image_id} ({label}) in run {run_id}")
    for key, value in sorted(tags.items()):
        print(f"  {key}={value}")
    return 0


def _record(path: Path) -> dict[str, Any] | None:
    """The run record as written, or None when it is missing or unreadable (Stack.load says why)."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _moto_port(record: dict[str, Any]) -> int | None:
    return urllib.parse.urlsplit(str(record.get("endpoint_url") or "")).port


def _stop_recorded_server(record: dict[str, Any]) -> str | None:
    """Stop the run's moto server if its recorded pid still is that server; say what was done."""
    try:
        pid = int(record.get("moto_pid") or 0)
        port = _moto_port(record)
    except (TypeError, ValueError):
        return None
    if pid and stop_server(pid, port):
        return f"stopped moto server (pid {pid})"
    return None


def _answering(path: Path, record: dict[str, Any]) -> bool:
    """Whether the recorded moto server answers; a record without a usable URL is bad input."""
    try:
        return answering(str(record["endpoint_url"]))
    except (KeyError, TypeError, ValueError) as error:
        raise UsageError(
            f"{path}: not a run record (endpoint_url: {error}); delete {path.parent}"
        ) from None


def _down_partial(run_id: str, path: Path, record: dict[str, Any]) -> int:
    """A run whose `account up` never finished: stop its server or sweep its tags, forget it."""
    if record.get("kind") == "moto":
        stopped = _stop_recorded_server(record)
        print(f"run {run_id}: `account up` never finished; {stopped or 'no server left'}")
    else:
        account = open_account(str(record["kind"]), run_id, str(record["region"]))
        report = delete_all(account, find_resources(account, run_id))
        print(f"run {run_id}: `account up` never finished; deleted {len(report.deleted)}")
        if not report.ok:
            raise HarnessError(f"run {run_id}: could not delete {sorted(report.failed)}")
    shutil.rmtree(path.parent)
    print(f"removed {path.parent}")
    return 0


def _down(args: argparse.Namespace) -> int:
    run_id = require_run_id(args)
    path = run_file(run_id)
    record = _record(path)
    if record and record.get("partial"):
        return _down_partial(run_id, path, record)
    if record and record.get("kind") == "moto" and not _answering(path, record):
        # The emulator's state lived in its process: with the server gone nothing is left to
        # delete, and only the record stands between the run and a clean cache.
        stopped = _stop_recorded_server(record)  # a hung server still holding the port
        shutil.rmtree(path.parent)
        print(
            f"run {run_id}: its moto server at {record['endpoint_url']} is gone, and the "
            f"emulator's state with it: nothing to delete"
        )
        if stopped:
            print(stopped)
        print(f"removed {path.parent}")
        return 0
    stack, record = Stack.load(path)
    report = delete_all(stack.account, find_resources(stack.account, run_id))
    print(f"deleted {len(report.deleted)} resources of run {run_id}")
    for arn, why in report.failed.items():
        print(f"  could not delete {arn}: {why}")
    stopped = _stop_recorded_server(record)
    if stopped:
        print(stopped)
    if not report.ok:
        raise HarnessError(
            f"run {run_id}: {len(report.failed)} resources could not be deleted; "
            f"its record stays in {path.parent} for another try"
        )
    stack.forget()
    print(f"removed {path.parent}")
    return 0

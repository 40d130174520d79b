"""Who holds an environment: the harness's release lock and terraform's state lock.

The release lock is a flock (released by the kernel when its holder dies) whose file records
the holder: host, pid, the pid's start time and when it took the lock. That record outlives a
killed holder, so `bluegreen unlock` can prove the holder gone before it releases the
terraform state lock that a killed apply left in DynamoDB.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from harness.errors import ReleaseLocked, UsageError
from harness.paths import file_lock
from harness.terraform import Runner


def process_start(pid: int) -> str | None:
    """The start time of a process (clock ticks since boot, /proc), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def holder_record() -> dict[str, Any]:
    """This process as a lock holder."""
    pid = os.getpid()
    return {
        "host": socket.gethostname(),
        "pid": pid,
        "start": process_start(pid),
        "since": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def holder_alive(record: dict[str, Any]) -> bool:
    """Whether a recorded holder may still run (any doubt, e.g. another host, counts as alive)."""
    if record.get("host") != socket.gethostname():
        return True
    start = process_start(int(record.get("pid", 0) or 0))
    return start is not None and start == record.get("start")


def describe_holder(record: dict[str, Any]) -> str:
    """`pid 123 on host h since 2026-...`."""
    if not record:
        return "no holder recorded"
    return f"pid {record.get('pid')} on host {record.get('host')} since {record.get('since')}"


def read_holder(path: Path) -> dict[str, Any]:
    """The holder a release lock file records ({} when none)."""
    try:
        data = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextlib.contextmanager
def release_lock(path: Path, environment: str) -> Iterator[dict[str, Any]]:
    """Hold an environment's release lock; refuse at once while another live process holds it.

    Yields the previous holder's record: when it names a process, that process died holding
    the lock (the kernel released the flock), and a state lock it left may be stale.
    """

    def refuse(handle: IO[str]) -> None:
        holder = describe_holder(read_holder(path))
        raise ReleaseLocked(
            f"another release of {environment} is running ({holder}; lock {path}); "
            "wait for it to finish"
        )

    with file_lock(path, wait=False, on_wait=refuse) as handle:
        previous = read_holder(path)
        _rewrite(handle, json.dumps(holder_record()))
        try:
            yield previous
        finally:
            _rewrite(handle, "")


def _rewrite(handle: IO[str], text: str) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(text)
    handle.flush()


# --- terraform's state lock (S3 backend, DynamoDB table) ---


def backend_config(runner: Runner) -> dict[str, Any]:
    """The backend settings `terraform init` recorded for the root."""
    try:
        state = json.loads((runner.root / ".terraform" / "terraform.tfstate").read_text())
    except (OSError, ValueError):
        raise UsageError(
            f"{runner.root}: not initialised (no .terraform/terraform.tfstate)"
        ) from None
    backend = state.get("backend") or {}
    if backend.get("type") != "s3":
        raise UsageError(f"{runner.root}: backend {backend.get('type')!r}, not s3: no state lock")
    return dict(backend.get("config") or {})


def state_lock(runner: Runner, clients: Callable[[str], Any]) -> dict[str, Any] | None:
    """Terraform's lock info (ID, Who, Created, Operation) if the root's state is locked."""
    config = backend_config(runner)
    table = config.get("dynamodb_table")
    if not table:
        return None
    lock_id = f"{config['bucket']}/{config['key']}"
    item = clients("dynamodb").get_item(TableName=table, Key={"LockID": {"S": lock_id}})
    info = item.get("Item", {}).get("Info", {}).get("S")
    return dict(json.loads(info)) if info else None


def terraform_running_in(root: Path) -> list[int]:
    """Pids of terraform processes working in `root` (the holder may be one, orphaned)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if Path(os.readlink(proc / "cwd")) == root.resolve() and "terraform" in os.readlink(
                proc / "exe"
            ):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def unlock(runner: Runner, clients: Callable[[str], Any], lock_path: Path, environment: str) -> str:
    """Release terraform's state lock only when its holder is provably gone; say what was done."""
    with release_lock(lock_path, environment) as previous:
        lock = state_lock(runner, clients)
        if lock is None:
            return f"{environment}: terraform's state is not locked; nothing to release"
        who = str(lock.get("Who", ""))
        held = (
            f"lock {lock.get('ID')} ({lock.get('Operation')} by {who} since {lock.get('Created')})"
        )
        if who.rsplit("@", 1)[-1] != socket.gethostname():
            raise ReleaseLocked(
                f"{environment}: {held} was taken on another host; its holder cannot be proved "
                "gone from here: unlock it there"
            )
        running = terraform_running_in(runner.root)
        if running:
            raise ReleaseLocked(
                f"{environment}: {held} is held by terraform still running here "
                f"(pid {', '.join(map(str, running))}); wait for it to stop"
            )
        runner.command("force-unlock", "-force", str(lock["ID"]))
        return (
            f"{environment}: released terraform's state {held}; its holder is gone "
            f"(last release holder: {describe_holder(previous)})"
        )

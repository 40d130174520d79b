"""Running a sweep: delete what was found, dependencies first, and end or keep a run.

`delete_all` deletes a list of resources with the deleters, retrying what a dependant still
held; `sweep` picks the runs older than a limit; `teardown_account` ends a test or rehearsal
run, or keeps it and prints `keep_instructions`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from harness.account import Account, now_utc
from harness.errors import UsageError
from harness.stack import destroy_hint
from harness.sweep.deleters import DELETERS, ORDER
from harness.sweep.find import Resource, find_resources


@dataclass
class SweepReport:
    """What a sweep deleted, could not delete, and left alone."""

    deleted: list[Resource] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    kept: list[Resource] = field(default_factory=list)
    selected: list[Resource] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing failed to delete."""
        return not self.failed


def parse_duration(text: str) -> dt.timedelta:
    """Parse `90s`, `30m`, `6h`, `2d` into a timedelta."""
    match = re.fullmatch(r"(\d{1,6})([smhd])", text.strip())
    if not match:
        raise UsageError(f"duration {text!r}: use a number and s, m, h or d (e.g. 6h)")
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[match.group(2)]
    return dt.timedelta(**{unit: int(match.group(1))})


def _gone(error: ClientError) -> bool:
    code = error.response.get("Error", {}).get("Code", "")
    return "NotFound" in code or code in (
        "NoSuchEntity",
        "NoSuchBucket",
        "InvalidAMIID.Unavailable",
    )


def delete_all(account: Account, resources: list[Resource], passes: int = 3) -> SweepReport:
    """Delete `resources` in dependency order, retrying what failed (a dependant may go later)."""
    report = SweepReport()
    pending = sorted(resources, key=lambda r: (ORDER.get(r.kind, 50), r.arn))
    for _ in range(passes):
        failed: list[Resource] = []
        for resource in pending:
            deleter = DELETERS.get(resource.kind)
            if deleter is None:  # never guess: a kind nobody deletes is a leftover
                report.failed[resource.arn] = f"no deleter for {resource.kind}"
                continue
            try:
                deleter(account, resource)
            except ClientError as error:
                if not _gone(error):
                    report.failed[resource.arn] = str(error)
                    failed.append(resource)
                    continue
            except KeyError as error:  # an answer without the field a deleter reads
                report.failed[resource.arn] = f"unexpected answer: no {error}"
                continue
            report.failed.pop(resource.arn, None)
            report.deleted.append(resource)
        if not failed:
            break
        pending = failed
    return report


def sweep(
    account: Account,
    older_than: dt.timedelta,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> SweepReport:
    """Delete what runs older than `older_than` left behind (all runs, or only `run_id`)."""
    now = now or now_utc()
    old: list[Resource] = []
    kept: list[Resource] = []
    for resource in find_resources(account, run_id):
        age = resource.age(now)
        (old if age is not None and age >= older_than else kept).append(resource)
    if dry_run:
        return SweepReport(kept=kept, selected=old)
    report = delete_all(account, old)
    report.kept, report.selected = kept, old
    return report


def teardown_account(account: Account, keep: bool = False) -> SweepReport | None:
    """End a run: delete everything it tagged, then stop the emulator; or keep it and say how."""
    if keep:
        print(keep_instructions(account))
        if account._server is not None:
            account._server.process = None  # leave the server running for debugging
        return None
    try:
        return sweep(account, dt.timedelta(0), run_id=account.run_id)
    finally:
        account.stop()


def keep_instructions(account: Account) -> str:
    """How to reach and destroy what a kept run left behind.

    The destroy line is `destroy_hint`: `account down` reads the run's record (which callers
    write with `Stack.record`), deletes what the run tagged and stops its moto server.
    """
    lines = [f"kept run {account.run_id} ({account.kind} account) for debugging."]
    pid = account.server_pid
    if account.endpoint_url and pid is not None:
        lines.append(
            f"  moto server: {account.endpoint_url} (pid {pid}); "
            f"export AWS_ENDPOINT_URL={account.endpoint_url} AWS_ACCESS_KEY_ID=testing "
            "AWS_SECRET_ACCESS_KEY=testing"  # pragma: allowlist secret
        )
    lines.append(f"  destroy: {destroy_hint(account)}")
    return "\n".join(lines)

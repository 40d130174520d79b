"""The sweeper: find what a run created (by its harness:run-id tag) and delete it, dependants first.

- `find`: what a run tagged, and whether each resource still lives;
- `deleters`: the deleter per kind and the order kinds are deleted in;
- `run`: deleting a found set, sweeping runs older than a limit, ending or keeping a run.

Every public name is importable from `harness.sweep` itself.
"""

from harness.sweep.deleters import DELETERS, EC2_SINGLE_CALL, ORDER, Deleter, deleter_for
from harness.sweep.find import (
    SEEDED_KINDS,
    Resource,
    arn_kind_and_id,
    find_resources,
    live_resources,
)
from harness.sweep.run import (
    SweepReport,
    delete_all,
    keep_instructions,
    parse_duration,
    sweep,
    teardown_account,
)

__all__ = [
    "DELETERS",
    "EC2_SINGLE_CALL",
    "ORDER",
    "SEEDED_KINDS",
    "Deleter",
    "Resource",
    "SweepReport",
    "arn_kind_and_id",
    "delete_all",
    "deleter_for",
    "find_resources",
    "keep_instructions",
    "live_resources",
    "parse_duration",
    "sweep",
    "teardown_account",
]

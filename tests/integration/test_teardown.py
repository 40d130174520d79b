"""Teardown: a run that fails mid-way still leaves zero resources (counted through the API)."""

from __future__ import annotations

import datetime as dt

import pytest

from harness.account import Account, attach_moto, seed
from harness.stack import Stack, applied
from harness.sweep import live_resources, sweep

pytestmark = pytest.mark.integration


def fail_inside(stack: Stack) -> None:
    """Apply global, check it is up, then fail as a test would half-way through."""
    with applied(stack, ("global",)):
        up = live_resources(stack.account, stack.account.run_id)
        assert up, "global applied nothing tagged with the run id"
        raise RuntimeError("the test failed mid-way")


def test_teardown_after_failure_mid_way_leaves_zero_resources(account: Account) -> None:
    """Apply global for a sub-run, fail inside it: destroy leaves only the seeded state backend;
    the sweep then removes that too, so the sub-run holds zero resources."""
    if account.kind != "moto":
        pytest.skip("uses a second run on the session's moto server")
    sub = attach_moto(str(account.endpoint_url), f"{account.run_id}x"[-12:], account.region)
    seeded = seed(sub, api_versions={}, components=(), state_backend=True)
    stack = Stack.create(sub, seeded)
    with pytest.raises(RuntimeError, match="failed mid-way"):
        fail_inside(stack)
    state = {f"arn:aws:s3:::{seeded.state_bucket}", seeded.lock_table}
    left = [r for r in live_resources(sub, sub.run_id) if r.arn not in state and r.id not in state]
    assert left == [], [r.arn for r in left]
    report = sweep(sub, older_than=dt.timedelta(0), run_id=sub.run_id)
    assert report.ok, report.failed
    assert live_resources(sub, sub.run_id, include_seeded=True) == []

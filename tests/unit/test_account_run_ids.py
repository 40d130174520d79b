"""Run ids are checked wherever an account is opened or attached; shim selection is checked."""

from __future__ import annotations

import pytest

from harness.account import (
    ACCOUNT_ID_VARIABLE,
    SHIMS_VARIABLE,
    attach_moto,
    open_account,
    open_aws,
    project_name,
    start_moto,
)
from harness.account.moto import chosen_shims
from harness.errors import UsageError
from harness.shims import SHIM_MODULES

pytestmark = pytest.mark.unit

BAD_RUN_IDS = ["../../../x", "a/b", "", "-leading-dash", "x" * 41, "run id", "r1\n"]


@pytest.mark.parametrize("run_id", BAD_RUN_IDS)
def test_account_open_refuses_bad_run_ids(run_id: str) -> None:
    """A run id with separators or odd characters never reaches a server, a path or a name."""
    with pytest.raises(UsageError, match="run id"):
        open_account("moto", run_id)  # would start a moto server if the id passed
    with pytest.raises(UsageError, match="run id"):
        open_account("moto", run_id, endpoint_url="http://127.0.0.1:9")
    with pytest.raises(UsageError, match="run id"):
        attach_moto("http://127.0.0.1:9", run_id)
    with pytest.raises(UsageError, match="run id"):
        start_moto(run_id)
    with pytest.raises(UsageError, match="run id"):
        open_aws(run_id, requested="aws", environ={ACCOUNT_ID_VARIABLE: "123456789012"})


def test_account_attach_accepts_good_run_id() -> None:
    """A well-formed id attaches; names derive from it."""
    account = attach_moto("http://127.0.0.1:9", "t0612abc_1", probe=False)  # nothing listens
    assert account.run_id == "t0612abc_1"
    assert account.project == project_name("t0612abc_1") == "t0612abc-1"


def test_account_chosen_shims_follow_the_variable() -> None:
    """All shims by default; $HARNESS_MOTO_SHIMS selects (empty: plain moto); unknown fails."""
    assert chosen_shims(None, environ={}) == SHIM_MODULES
    assert chosen_shims((), environ={SHIMS_VARIABLE: SHIM_MODULES[0]}) == ()
    picked = f"{SHIM_MODULES[1]},,{SHIM_MODULES[0]}"
    assert chosen_shims(None, environ={SHIMS_VARIABLE: picked}) == SHIM_MODULES[1::-1]
    assert chosen_shims(None, environ={SHIMS_VARIABLE: ""}) == ()
    with pytest.raises(UsageError, match="no_such_shim"):
        chosen_shims(None, environ={SHIMS_VARIABLE: "no_such_shim"})

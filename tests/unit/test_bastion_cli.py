"""`python -m harness bastion`: argument errors exit 2 in one line; the waits are bounded."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness import bastion, cli, errors
from harness.errors import HarnessError, UsageError

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _no_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An empty cache (no recorded run) and no run id from the environment."""
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    monkeypatch.delenv("HARNESS_RUN_ID", raising=False)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bastion"], "required: ACTION"),
        (["bastion", "restart", "--run-id", "r1"], "invalid choice: 'restart'"),
        (["bastion", "open", "--run-id", "r1", "--environment", "dev"], "invalid choice: 'dev'"),
        (["bastion", "open", "--run-id", "r1", "--timeout", "0"], "a positive number of seconds"),
        (["bastion", "close", "--run-id", "r1", "--timeout", "soon"], "positive number"),
        (["bastion", "status", "--run-id", "r1", "--timeout", "5"], "unrecognized arguments"),
        (["bastion", "status", "--run-id", "../x"], "argument --run-id: run id"),
    ],
)
def test_bastion_cli_bad_arguments_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == errors.USAGE
    err = capsys.readouterr().err
    assert message in err, err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bastion", "open"], "--run-id (or HARNESS_RUN_ID) is required"),
        (["bastion", "close", "--environment", "staging"], "--run-id (or HARNESS_RUN_ID)"),
        (["bastion", "status", "--run-id", "nosuchrun"], "no such run"),
    ],
)
def test_bastion_cli_missing_run_is_a_usage_error_in_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli.main(argv) == errors.USAGE
    err = capsys.readouterr().err
    assert err.startswith("error: "), err
    assert len(err.strip().splitlines()) == 1, err
    assert message in err, err


def _stack(outputs: dict[str, Any]) -> Any:
    return SimpleNamespace(
        output=lambda name: outputs, account=SimpleNamespace(run_id="r1", kind="moto")
    )


def test_bastion_group_name_names_the_missing_output() -> None:
    with pytest.raises(UsageError, match="production of run r1 has no output bastion_autoscaling"):
        bastion.group_name(_stack({}), "production")
    with pytest.raises(UsageError, match="use one of production, staging"):
        bastion.group_name(_stack({}), "dev")
    assert bastion.group_name(_stack({bastion.GROUP_OUTPUT: "p-bastion"}), "staging") == "p-bastion"


class _Autoscaling:
    """A group that never gets its instance InService."""

    def __init__(self) -> None:
        self.desired: list[int] = []

    def set_desired_capacity(self, **kwargs: Any) -> None:
        self.desired.append(kwargs["DesiredCapacity"])

    def describe_auto_scaling_groups(self, **kwargs: Any) -> dict[str, Any]:
        instances = [{"InstanceId": "i-1", "LifecycleState": "Pending"}]
        return {"AutoScalingGroups": [{"DesiredCapacity": 1, "Instances": instances}]}


class _Ec2:
    def get_paginator(self, name: str) -> Any:
        page = {"Reservations": [{"Instances": [{"InstanceId": "i-1"}]}]}
        return SimpleNamespace(paginate=lambda **kwargs: [page])


def test_bastion_open_timeout_names_the_group_and_what_it_saw() -> None:
    autoscaling = _Autoscaling()
    clients = {"autoscaling": autoscaling, "ec2": _Ec2()}
    account: Any = SimpleNamespace(kind="moto", client=lambda service: clients[service])
    lines: list[str] = []
    with pytest.raises(HarnessError, match=r"bastion g: not InService after 0s.*i-1 Pending"):
        bastion.open_bastion(account, "g", timeout=0.05, interval=0.01, progress=lines.append)
    assert autoscaling.desired == [1]
    assert len(lines) >= 2, lines
    assert "in service 0" in lines[-1], lines

"""The command line: every failure is one line and a documented exit code, never a traceback."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from harness import cli, errors
from harness.errors import (
    AccountError,
    HclError,
    PolicyError,
    ReleaseError,
    ReleaseLocked,
    TerraformError,
)
from harness.paths import REPO_ROOT

pytestmark = pytest.mark.unit


def run_with(monkeypatch: pytest.MonkeyPatch, func: Callable[[argparse.Namespace], int]) -> int:
    """main() with one command whose body is `func`."""

    def build() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser()
        parser.set_defaults(func=func, command="fake")
        return parser

    monkeypatch.setattr(cli, "build_parser", build)
    return cli.main([])


def raising(error: BaseException) -> Callable[[argparse.Namespace], int]:
    def func(args: argparse.Namespace) -> int:
        raise error

    return func


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (HclError("main.tf:3: bad"), errors.USAGE),
        (PolicyError("cannot parse x.tf"), errors.USAGE),
        (TerraformError("terraform apply failed"), errors.INFRASTRUCTURE),
        (AccountError("sts did not answer"), errors.INFRASTRUCTURE),
        (ReleaseError("green unhealthy"), errors.REFUSED),
        (ReleaseLocked("held"), errors.LOCKED),
        (FileNotFoundError(2, "No such file or directory", "x.json"), errors.USAGE),
        (IsADirectoryError(21, "Is a directory", "out"), errors.USAGE),
        (subprocess.CalledProcessError(1, ["debootstrap"]), errors.INFRASTRUCTURE),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), errors.INFRASTRUCTURE),
        (ClientError({"Error": {"Code": "Throttling"}}, "ListBuckets"), errors.INFRASTRUCTURE),
        (KeyError("colours"), errors.INTERNAL),
        (ValueError("bad literal"), errors.INTERNAL),
    ],
)
def test_cli_failure_is_one_line_with_its_exit_code(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    error: BaseException,
    code: int,
) -> None:
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    assert run_with(monkeypatch, raising(error)) == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("error: ")
    assert "Traceback" not in err
    assert code != errors.FINDINGS


def test_cli_internal_error_keeps_the_traceback_in_a_log(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    run_with(monkeypatch, raising(KeyError("colours")))
    err = capsys.readouterr().err
    log = Path(re.search(r"traceback in (\S+)", err).group(1))  # type: ignore[union-attr]
    assert log.parent == tmp_path / "logs"
    text = log.read_text()
    assert "Traceback" in text
    assert "KeyError" in text


def test_cli_long_message_is_summarised_with_terraform_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    message = "terraform apply failed in /tmp/x/production:\n" + "noise\n" * 500
    message += "│ Error: no AMI found for api/production/v9.9.9\n│\n" + "more noise\n" * 100
    assert run_with(monkeypatch, raising(TerraformError(message))) == errors.INFRASTRUCTURE
    err = capsys.readouterr().err
    assert err.startswith(
        "error: terraform apply failed in /tmp/x/production "
        "[Error: no AMI found for api/production/v9.9.9] (full message: "
    )
    assert len(err) < 400


def test_cli_interrupt_and_terminate_exit_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_with(monkeypatch, raising(KeyboardInterrupt())) == errors.INTERRUPTED

    def sigterm(args: argparse.Namespace) -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        return 0

    assert run_with(monkeypatch, sigterm) == errors.TERMINATED
    assert signal.getsignal(signal.SIGTERM) is not cli._terminate


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bluegreen", "status", "--run-id", "../../../x"], "argument --run-id: run id"),
        (["bluegreen", "status", "--run-id", "nosuchrun"], "no such run"),
        (["bluegreen", "rollback"], "--run-id (or HARNESS_RUN_ID) is required"),
        (["account", "down", "--run-id", "a/b"], "argument --run-id: run id"),
        (["sweep", "--run-id", ".."], "argument --run-id: run id"),
    ],
)
def test_cli_bad_run_id_is_a_usage_error(tmp_path: Path, argv: list[str], message: str) -> None:
    """As a user runs it: a subprocess, no traceback, exit 2, nothing written outside the cache."""
    env = {k: v for k, v in os.environ.items() if k != "HARNESS_RUN_ID"}
    result = subprocess.run(
        [sys.executable, "-m", "harness", *argv],
        capture_output=True,
        text=True,
        env={**env, "HARNESS_CACHE": str(tmp_path / "cache")},
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == errors.USAGE, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_cli_corrupt_run_record_is_a_usage_error(tmp_path: Path) -> None:
    record = tmp_path / "runs" / "r1" / "run.json"
    record.parent.mkdir(parents=True)
    record.write_text("{not json")
    result = subprocess.run(
        [sys.executable, "-m", "harness", "bluegreen", "status", "--run-id", "r1"],
        capture_output=True,
        text=True,
        env={**os.environ, "HARNESS_CACHE": str(tmp_path)},
        check=False,
    )
    assert result.returncode == errors.USAGE
    assert f"{record}: not a run record" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_exit_codes_are_listed_in_the_readme() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `(\d+)` \| (.+?) \|$", readme, re.M))
    assert set(map(int, table)) == set(errors.EXIT_CODES), table


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "--older-than", "garbage"], "duration 'garbage'"),
        (["sweep", "--older-than", "99999999999d"], "duration '99999999999d'"),
        (["terraform", "validate", "nosuch"], "no terraform root nosuch"),
        (["image", "build", "nosuch"], "unknown image nosuch; known: "),
        (["image", "build", "--var", "garbage", "common"], "--var 'garbage': expected NAME=VALUE"),
        (["report", "nosuchdir"], "nosuchdir: no JUnit XML reports"),
        (
            ["bluegreen", "deploy", "--run-id", "r1", "--version", "v2", "--capacity", "0"],
            "1 to 20",
        ),
        (["bluegreen", "deploy", "--run-id", "r1", "--version", "v2", "--timeout", "nan"], "nan"),
        (["bluegreen", "deploy", "--run-id", "r1", "--version", "../x"], "'../x': use 1-64"),
        (["bluegreen", "promote", "--run-id", "r1", "--steps", "100,50"], "rising percentages"),
        (["bluegreen", "promote", "--run-id", "r1", "--steps", ","], "rising percentages"),
    ],
)
def test_cli_bad_input_is_a_usage_error_before_any_work(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness", *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "HARNESS_CACHE": str(tmp_path / "cache")},
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == errors.USAGE, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_unusable_cache_is_named_not_a_traceback(tmp_path: Path) -> None:
    """HARNESS_CACHE naming a file: one line naming it, exit 2 (the error log goes to /tmp)."""
    blocker = tmp_path / "afile"
    blocker.write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "harness", "bluegreen", "status", "--run-id", "r1"],
        capture_output=True,
        text=True,
        env={**os.environ, "HARNESS_CACHE": str(blocker)},
        check=False,
    )
    assert result.returncode == errors.USAGE, result.stderr
    assert f"cache {blocker} ($HARNESS_CACHE)" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_policy_on_a_file_that_is_not_utf8_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "main.tf"
    bad.write_bytes(b'resource "a" "b" {}\n# caf\xe9\n')
    result = subprocess.run(
        [sys.executable, "-m", "harness", "policy", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "HARNESS_CACHE": str(tmp_path / "cache")},
        check=False,
    )
    assert result.returncode == errors.USAGE, result.stderr
    assert f"{bad}: not UTF-8 text" in result.stderr

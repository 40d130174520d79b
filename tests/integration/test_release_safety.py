"""Crash-safe releases on an environment directory with its own backend (`--env DIR`).

Every command runs as a user runs it: `python -m harness bluegreen ... --env DIR
--backend-config FILE` in a subprocess with the account's credentials, no run record. The
fault-injection test interrupts every apply of a whole release (deploy, promote 10/50/100,
retire) once, with SIGINT and then with SIGKILL, and checks after each that status tells
what is live and that the next command goes on from the real step without skipping one.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.account import publish_ami
from harness.bluegreen import Release
from harness.errors import INTERRUPTED, LOCKED, OK, USAGE
from harness.locks import state_lock, terraform_running_in
from harness.platform import COLOURS_FILE, TerraformPlatform, describe
from harness.stack import RootHandle, Stack

pytestmark = pytest.mark.integration

APPLYING = re.compile(r"^(?P<step>.+?): applying ")
PROMOTED = re.compile(r"^promote (?P<colour>\w+) to (?P<weight>\d+)%: applying ")


@dataclass
class Env:
    """The production directory driven as a team's own environment."""

    stack: Stack
    directory: Path
    backend: Path
    platform: TerraformPlatform
    environ: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, kill_at: str | None = None, signum: int = 0) -> Run:
        """One command; with `kill_at`, `signum` is sent once that step's apply has started."""
        command = [sys.executable, "-m", "harness", "bluegreen", *args]
        command += ["--env", str(self.directory), "--backend-config", str(self.backend)]
        process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.environ,
        )
        lines: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            started = APPLYING.match(line)
            if kill_at and started and started.group("step") == kill_at:
                time.sleep(4)  # terraform is planning or applying by now
                process.send_signal(signum)
        return Run(process.wait(), lines)


@dataclass
class Run:
    code: int
    lines: list[str]

    @property
    def applied_steps(self) -> list[str]:
        return [m.group("step") for m in map(APPLYING.match, self.lines) if m]


@pytest.fixture(scope="module")
def env(stack: Stack, production_root: RootHandle, tmp_path_factory: pytest.TempPathFactory) -> Env:
    backend = tmp_path_factory.mktemp("team") / "production.s3.tfbackend"
    backend.write_text("".join(f'{k} = "{v}"\n' for k, v in stack.seed.backend_config().items()))
    environ = {
        **os.environ,
        **stack.account.env,
        "HARNESS_CACHE": os.environ.get("HARNESS_CACHE", ""),
    }
    environ = {k: v for k, v in environ.items() if v}
    return Env(
        stack, production_root.runner.root, backend, TerraformPlatform.for_stack(stack), environ
    )


def settle(env: Env) -> None:
    """After a kill: wait until no terraform works in the directory (it stops on its own)."""
    deadline = time.monotonic() + 180
    while terraform_running_in(env.directory) and time.monotonic() < deadline:
        time.sleep(1)
    assert not terraform_running_in(env.directory), "terraform outlived the killed command"


def check_status_is_live(env: Env) -> dict[str, int]:
    """`status --json` reports exactly what the listener and groups say; the desired file's
    disagreement, if any, is named."""
    status = env.run("status", "--json")
    assert status.code == OK, status.lines
    reported = json.loads("\n".join(status.lines))
    live = env.platform.applied()
    assert {r["colour"]: r["weight"] for r in reported["colours"]} == {
        c: col.weight for c, col in live.colours.items()
    }
    assert {r["colour"]: r["version"] for r in reported["colours"]} == {
        c: col.version for c, col in live.colours.items()
    }
    desired = env.platform.desired()
    if desired is not None and desired.colours != live.colours:
        assert any("did not finish" in note for note in reported["notes"]), reported
    return {c: col.weight for c, col in live.colours.items()}


def recover_lock(env: Env) -> None:
    """A SIGKILLed release may leave terraform's state lock: `unlock` frees it (holder gone)."""
    if state_lock(env.platform.runner, env.platform.clients) is not None:
        freed = env.run("unlock")
        assert freed.code == OK, freed.lines
        assert "released terraform's state lock" in "\n".join(freed.lines)
    assert state_lock(env.platform.runner, env.platform.clients) is None


def interrupted_release(env: Env, args: tuple[str, ...], signum: int) -> list[str]:
    """Run a release command, interrupting each of its applies once; the steps interrupted."""
    interrupted: list[str] = []
    for _ in range(8):
        live_before = check_status_is_live(env)
        # Interrupt the first apply of this run that has not been interrupted yet.
        probe = _steps_ahead(env, args)
        target = next((s for s in probe if s not in interrupted), None)
        run = env.run(*args, kill_at=target, signum=signum)
        for step in run.applied_steps:
            _assert_one_step(step, live_before)
            break
        if target is None or target not in run.applied_steps:
            assert run.code == OK, run.lines
            return interrupted
        interrupted.append(target)
        expected = INTERRUPTED if signum == signal.SIGINT else -signal.SIGKILL
        assert run.code == expected, run.lines
        if signum == signal.SIGINT:
            assert any("interrupted; what is live now:" in line for line in run.lines), run.lines
        settle(env)
        recover_lock(env)
    raise AssertionError(f"{args} never completed; interrupted {interrupted}")


def _steps_ahead(env: Env, args: tuple[str, ...]) -> list[str]:
    """The apply steps the command would make from what is live (promote's remaining steps)."""
    live = env.platform.read()
    if args[0] == "promote":
        target = live.candidate or live.idle
        steps = [int(s) for s in args[args.index("--steps") + 1].split(",")]
        return [f"promote {target} to {s}%" for s in steps if s > live.colours[target].weight]
    if args[0] == "retire":
        return [f"retire {live.idle}"]
    version = args[args.index("--version") + 1]
    return [f"deploy {version} to {live.idle}"]


def _assert_one_step(step: str, live_before: dict[str, int]) -> None:
    """A promote step never jumps: it is the first configured step above what was live."""
    promoted = PROMOTED.match(step + ": applying ")
    if promoted:
        colour, weight = promoted.group("colour"), int(promoted.group("weight"))
        above = [s for s in (10, 50, 100) if s > live_before[colour]]
        assert weight == above[0], f"{step} skipped a step from {live_before}"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_release_survives_an_interruption_at_every_apply(env: Env, signum: int) -> None:
    """deploy, promote 10/50/100 and retire, each apply interrupted once: the release still
    ends with the new version live at 100 % and the old colour retired, and never skips."""
    version = f"v4.{int(signum)}.0"
    publish_ami(env.stack.account, "api", "production", version)
    start = env.platform.read()
    new = start.idle
    interrupted = interrupted_release(
        env, ("deploy", "--version", version, "--timeout", "60"), signum
    )
    interrupted += interrupted_release(env, ("promote", "--steps", "10,50,100"), signum)
    interrupted += interrupted_release(env, ("retire",), signum)
    end = env.platform.read()
    assert (end.colours[new].version, end.colours[new].weight) == (version, 100), describe(end)
    assert end.colours[start.live].capacity == 0, describe(end)
    assert [s.split(" ")[0] for s in interrupted].count("promote") == 3, interrupted
    assert {s.split(" ")[0] for s in interrupted} == {"deploy", "promote", "retire"}
    assert env.platform.disagreements(end) == []


def test_release_env_usage_errors(env: Env) -> None:
    """--env and --run-id together, or a directory without terraform, are usage errors (2)."""
    both = subprocess.run(
        [sys.executable, "-m", "harness", "bluegreen", "status", "--env", str(env.directory),
         "--run-id", "r1"],
        capture_output=True, text=True, env=env.environ, check=False,
    )  # fmt: skip
    assert both.returncode == USAGE
    assert "give --run-id or --env, not both" in both.stderr
    empty = subprocess.run(
        [sys.executable, "-m", "harness", "bluegreen", "status", "--env", "/"],
        capture_output=True, text=True, env=env.environ, check=False,
    )  # fmt: skip
    assert empty.returncode == USAGE
    assert "not a terraform directory" in empty.stderr


def test_release_missing_ami_is_named_and_changes_nothing(env: Env) -> None:
    """A version with no AMI: one line naming api/production/v9.9.9, exit 2, nothing moved;
    the desired file is what is live again, so no later plan or destroy trips on v9.9.9."""
    before = env.platform.applied()
    run = env.run("deploy", "--version", "v9.9.9", "--timeout", "10")
    text = "\n".join(run.lines)
    assert run.code == USAGE, text
    assert "no AMI for api/production/v9.9.9: publish it first" in text
    assert len(text) < 2000, "the failure is one paragraph, not terraform's whole output"
    assert env.platform.applied() == before
    assert "v9.9.9" not in (env.directory / COLOURS_FILE).read_text()
    assert env.platform.desired() == Release(colours=before.colours)
    status = env.run("status")
    assert status.code == OK
    assert "note:" not in "\n".join(status.lines)


def test_release_unlock_refuses_while_the_holder_lives(env: Env) -> None:
    """A live release holds the lock: unlock exits 4 and releases nothing."""
    lock = env.directory / ".terraform" / "harness-release.lock"
    from harness.locks import release_lock

    with release_lock(lock, "production"):
        run = env.run("unlock")
    assert run.code == LOCKED, run.lines
    assert "another release of production" in "\n".join(run.lines)
    assert f"pid {os.getpid()} on host" in "\n".join(run.lines)


def test_release_lost_machine_leaves_a_lock_that_unlock_frees(env: Env) -> None:
    """The release and its terraform both SIGKILLed (a lost machine): the state lock stays in
    DynamoDB; the next release is refused naming it (exit 4) and `unlock`; unlock frees it
    once the holder is provably gone; the release then goes on from what is live."""
    version = "v5.0.0"
    publish_ami(env.stack.account, "api", "production", version)
    command = [sys.executable, "-m", "harness", "bluegreen", "deploy", "--version", version]
    command += ["--env", str(env.directory), "--backend-config", str(env.backend)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env.environ
    )
    assert process.stdout is not None
    for line in process.stdout:
        if APPLYING.match(line):
            break
    deadline = time.monotonic() + 60
    while state_lock(env.platform.runner, env.platform.clients) is None:
        assert time.monotonic() < deadline, "terraform never took the state lock"
        time.sleep(0.2)
    for pid in terraform_running_in(env.directory):
        os.kill(pid, signal.SIGKILL)
    process.kill()
    process.wait()
    lock = state_lock(env.platform.runner, env.platform.clients)
    assert lock is not None, "the killed terraform released its lock after all"
    refused = env.run("deploy", "--version", version)
    text = "\n".join(refused.lines)
    assert refused.code == LOCKED, text
    assert f"ID {lock['ID']}" in text
    assert "bluegreen unlock --env" in text
    freed = env.run("unlock")
    assert freed.code == OK, freed.lines
    assert f"released terraform's state lock {lock['ID']}" in "\n".join(freed.lines)
    assert state_lock(env.platform.runner, env.platform.clients) is None
    again = env.run("deploy", "--version", version, "--timeout", "60")
    assert again.code == OK, again.lines
    assert env.platform.read().colours[env.platform.read().idle].version == version

"""The template's roots applied to an account: variables, backend, apply order, teardown."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from harness.account import ENVIRONMENTS, INITIAL_VERSION, Account, Seed
from harness.errors import HarnessError
from harness.hcl import load_dir
from harness.terraform import PlanSummary, Runner, copy_template

BOOTSTRAP = "bootstrap"
ROOTS = {
    BOOTSTRAP: "bootstrap",
    "global": "environments/global",
    "staging": "environments/staging",
    "production": "environments/production",
}
# One root at a time: staging and production could apply concurrently (they share only
# global), but two applies against one moto server made the provider retry calls that had
# succeeded (InvalidPermission.Duplicate on a security group rule), so the harness does not.
APPLY_ORDER = (BOOTSTRAP, "global", "staging", "production")
COLOURS_FILE = "colours.auto.tfvars.json"
HARNESS_VARS_FILE = "harness.auto.tfvars.json"
ADMIN_CIDRS = ["203.0.113.0/24"]  # TEST-NET-3: documentation range, reaches nothing
INITIAL_CAPACITY = 2

Progress = Callable[[str], None]


def declared_variables(root: Path) -> set[str]:
    """Names of the variables a terraform root declares."""
    return {variable.name for variable in load_dir(root, ("*.tf",)).variables}


def initial_colours(version: str = INITIAL_VERSION, capacity: int = INITIAL_CAPACITY) -> dict:
    """Production's first release: blue live at `version`, green idle on the same version."""
    return {
        "blue": {"version": version, "capacity": capacity, "weight": 100},
        "green": {"version": version, "capacity": 0, "weight": 0},
    }


@dataclass
class Stack:
    """One run's copy of the template, bound to an account and its seed."""

    account: Account
    seed: Seed
    workdir: Path
    redis_auth_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    runners: dict[str, Runner] = field(default_factory=dict, repr=False)
    applied: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, account: Account, seed: Seed, into: Path | None = None) -> Stack:
        """A fresh template copy for the run (runs never dirty the tree)."""
        if into is not None:
            into.mkdir(parents=True, exist_ok=True)
        return cls(account=account, seed=seed, workdir=copy_template(into=into))

    def save(self, path: Path, moto_pid: int | None = None) -> Path:
        """Record the run (account, seed, template copy) so later commands can resume it."""
        account = self.account
        record = {
            "kind": account.kind,
            "run_id": account.run_id,
            "region": account.region,
            "created": account.created,
            "endpoint_url": account.endpoint_url,
            "moto_pid": moto_pid,
            "workdir": str(self.workdir),
            "redis_auth_token": self.redis_auth_token,
            "seed": asdict(self.seed),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record, indent=2) + "\n")
        path.chmod(0o600)
        return path

    @classmethod
    def load(cls, path: Path) -> tuple[Stack, dict[str, Any]]:
        """Resume a recorded run: moto is re-attached by URL, a real account re-checked."""
        from harness.account import attach_moto, open_aws

        if not path.exists():
            raise HarnessError(
                f"{path}: no such run; start one with `python -m harness account up`"
            )
        record = json.loads(path.read_text())
        if record["kind"] == "moto":
            account = attach_moto(record["endpoint_url"], record["run_id"], record["region"])
        else:
            account = open_aws(record["run_id"], record["region"], requested=record["kind"])
        account.created = record["created"]
        stack = cls(
            account=account,
            seed=Seed(**record["seed"]),
            workdir=Path(record["workdir"]),
            redis_auth_token=record["redis_auth_token"],
        )
        return stack, record

    def root(self, name: str) -> Path:
        """Directory of a root inside the copy."""
        return self.workdir / ROOTS[name]

    def variables(self, name: str) -> dict[str, Any]:
        """Values for every harness-provided variable the root declares."""
        values: dict[str, Any] = {
            "project": self.account.project,
            "region": self.account.region,
            "domain": self.seed.domain,
            "tags": self.account.tags,
            "deletion_protection": False,
            "admin_cidrs": ADMIN_CIDRS,
            "redis_auth_token": self.redis_auth_token,
            "api_version": INITIAL_VERSION,
            "api_capacity": 1,
        }
        declared = declared_variables(self.root(name))
        return {k: v for k, v in values.items() if k in declared}

    def runner(self, name: str) -> Runner:
        """The initialised runner of a root (state in the seeded bucket, bootstrap's local)."""
        if name not in self.runners:
            runner = Runner(root=self.root(name), env=self.account.env)
            runner.write_vars(self.variables(name), HARNESS_VARS_FILE)
            if name == "production" and not (runner.root / COLOURS_FILE).exists():
                self.write_colours(initial_colours())
            backend = None if name == BOOTSTRAP else self.seed.backend_config()
            runner.init(backend_config=backend)
            self.runners[name] = runner
        return self.runners[name]

    def write_colours(self, colours: Mapping[str, Mapping[str, Any]]) -> Path:
        """Write production's blue/green state as tfvars JSON (the release tool's only output)."""
        path = self.root("production") / COLOURS_FILE
        path.write_text(json.dumps({"colours": colours}, indent=2, sort_keys=True) + "\n")
        return path

    def read_colours(self) -> dict[str, dict[str, Any]]:
        """Production's blue/green state as last written."""
        path = self.root("production") / COLOURS_FILE
        if not path.exists():
            return initial_colours()
        return dict(json.loads(path.read_text())["colours"])

    def apply(self, name: str) -> None:
        """Apply one root (remembered, so teardown destroys it)."""
        if name not in self.applied:
            self.applied.append(name)
        self.runner(name).apply()

    def ensure(self, name: str) -> Stack:
        """Apply a root once, with the roots it depends on (bootstrap first, then global)."""
        return self.ensure_all((name,))

    def ensure_all(self, names: tuple[str, ...] = APPLY_ORDER) -> Stack:
        """Apply roots once each, in order, with the roots they depend on (bootstrap, global)."""
        for name in APPLY_ORDER:
            needed = name in (BOOTSTRAP, "global") or name in names
            if needed and name not in self.applied:
                self.apply(name)
        return self

    def plan(self, name: str) -> PlanSummary:
        """Plan one root."""
        return self.runner(name).plan()

    def output(self, name: str) -> dict[str, Any]:
        """Outputs of one root."""
        return self.runner(name).output()

    def destroy(self, name: str) -> None:
        """Destroy one root."""
        self.runner(name).destroy()


def timed(progress: Progress, label: str) -> Callable[[Callable[[], Any]], Any]:
    """Run a stage, printing its start and its elapsed time."""

    def run(step: Callable[[], Any]) -> Any:
        started = time.monotonic()
        progress(f"[{label}] ...")
        result = step()
        progress(f"[{label}] done in {time.monotonic() - started:.1f}s")
        return result

    return run


def destroy_applied(stack: Stack, keep: bool = False, progress: Progress = print) -> None:
    """Destroy what the stack applied, newest first (or say how to, with --keep)."""
    if keep:
        progress(
            f"kept {', '.join(stack.applied)} of run {stack.account.run_id} in {stack.workdir}; "
            f"destroy with: python -m harness sweep --run-id {stack.account.run_id} "
            "--older-than 0s"
        )
        return
    errors = []

    def destroy(name: str) -> None:
        try:
            timed(progress, f"destroy {name}")(partial(stack.destroy, name))
            stack.applied.remove(name)
        except HarnessError as error:
            errors.append(f"{name}: {error}")

    for name in reversed(list(stack.applied)):
        destroy(name)
    if errors:
        raise HarnessError("destroy failed:\n" + "\n".join(errors))


@contextmanager
def applied(
    stack: Stack,
    names: tuple[str, ...],
    keep: bool = False,
    progress: Progress = print,
) -> Iterator[Stack]:
    """Apply roots in order; on exit (even after a failure) destroy them in reverse."""
    done: list[str] = []
    try:
        for name in names:
            done.append(name)
            timed(progress, f"apply {name}")(partial(stack.apply, name))
        yield stack
    finally:
        if keep:
            progress(
                f"kept {', '.join(done)} of run {stack.account.run_id} in {stack.workdir}; "
                f"destroy with: python -m harness sweep --run-id {stack.account.run_id} "
                "--older-than 0s"
            )
        else:
            for name in reversed(done):
                timed(progress, f"destroy {name}")(partial(stack.destroy, name))


__all__ = ["APPLY_ORDER", "ENVIRONMENTS", "ROOTS", "Stack", "applied", "initial_colours"]

"""The template's roots applied to an account: variables, backend, apply order, teardown."""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from harness.account import INITIAL_VERSION, Account, Seed
from harness.dataplane import releases
from harness.errors import HarnessError, UsageError
from harness.hcl import load_dir
from harness.paths import run_dir, write_atomically
from harness.platform import COLOURS_FILE
from harness.roots import RELEASE_ROOT, apply_order, destroy_order, root, with_dependencies
from harness.stages import Progress, Stages, run_all
from harness.terraform import PlanSummary, Runner, copy_template

# One root at a time (roots.apply_order): staging and production could apply concurrently (they
# share only global), but two applies against one moto server made the provider retry calls that
# had succeeded (InvalidPermission.Duplicate on a security group rule), so the harness does not.
RUN_FILE = "run.json"
HARNESS_VARS_FILE = "harness.auto.tfvars.json"
ADMIN_CIDRS = ["203.0.113.0/24"]  # TEST-NET-3: documentation range, reaches nothing
INITIAL_CAPACITY = 2


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
    # Roots whose apply finished; an apply that failed half-way is only `attempted`, so later
    # tests do not take it for applied, and teardown still destroys what it created.
    applied: list[str] = field(default_factory=list)
    attempted: list[str] = field(default_factory=list)

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
        write_atomically(path, json.dumps(record, indent=2) + "\n", mode=0o600)  # holds a token
        return path

    def record(self) -> Path:
        """Save the run under .cache/runs/<run id>/run.json, with its moto server's pid."""
        return self.save(run_dir(self.account.run_id) / RUN_FILE, moto_pid=self.account.server_pid)

    def forget(self) -> None:
        """Remove the run's record and template copy once the run is torn down."""
        directory = run_dir(self.account.run_id)
        if directory.exists():
            shutil.rmtree(directory)

    @classmethod
    def load(cls, path: Path) -> tuple[Stack, dict[str, Any]]:
        """Resume a recorded run: moto is re-attached by URL, a real account re-checked."""
        from harness.account import attach_moto, open_aws

        if not path.exists():
            raise UsageError(f"{path}: no such run; start one with `python -m harness account up`")
        try:
            record = json.loads(path.read_text())
            kind, run_id, region = record["kind"], record["run_id"], record["region"]
            if record.get("partial"):
                raise UsageError(
                    f"run {run_id}: `account up` never finished (interrupted?); "
                    f"`python -m harness account down --run-id {run_id}` removes it"
                )
            seed = Seed(**record["seed"])
            workdir, token = Path(record["workdir"]), str(record["redis_auth_token"])
        except (ValueError, KeyError, TypeError) as error:
            raise UsageError(
                f"{path}: not a run record ({type(error).__name__}: {error}); "
                "delete the run's directory"
            ) from None
        if kind == "moto":
            account = attach_moto(record["endpoint_url"], run_id, region)
        else:
            account = open_aws(run_id, region, requested=kind)
        account.created = str(record.get("created") or account.created)
        stack = cls(account=account, seed=seed, workdir=workdir, redis_auth_token=token)
        return stack, record

    def root(self, name: str) -> Path:
        """Directory of a root inside the copy."""
        return self.workdir / root(name).path

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
            if name == RELEASE_ROOT and not (runner.root / COLOURS_FILE).exists():
                self.write_colours(initial_colours())
            backend = self.seed.backend_config() if root(name).remote_state else None
            runner.init(backend_config=backend)
            self.runners[name] = runner
        return self.runners[name]

    def write_colours(self, colours: Mapping[str, Mapping[str, Any]]) -> Path:
        """Write the release root's first desired release (the release tool writes the rest)."""
        path = self.root(RELEASE_ROOT) / COLOURS_FILE
        write_atomically(path, json.dumps({"colours": colours}, indent=2, sort_keys=True) + "\n")
        return path

    def apply(self, name: str) -> None:
        """Apply one root; it counts as applied only once terraform finished without error."""
        if name not in self.attempted:
            self.attempted.append(name)
        if self.account.kind == "moto" and self.account.endpoint_url:
            # Under moto an AMI is only a record: its release goes to the release bucket
            # (once global made it), where the data plane's instances download it.
            releases.publish_missing(self.account, progress=print)
        self.runner(name).apply()
        if name not in self.applied:
            self.applied.append(name)

    def ensure(self, name: str) -> Stack:
        """Apply a root once, after the roots it depends on."""
        return self.ensure_all((name,))

    def ensure_all(self, names: tuple[str, ...] | None = None) -> Stack:
        """Apply roots (default: all) once each, dependencies first (harness.roots)."""
        for name in with_dependencies(names) if names is not None else apply_order():
            if name not in self.applied:
                self.apply(name)
        return self

    def in_state(self, name: str) -> bool:
        """Whether the root's state (what terraform applied) holds any resource."""
        listed = self.runner(name).command("state", "list", check=False)
        return listed.returncode == 0 and bool(listed.stdout.strip())

    def adopt_applied(self) -> list[str]:
        """Count as applied the roots whose state holds resources (a run this stack attached to)."""
        for name in apply_order():
            # A root whose dependencies are not up cannot be up (nor even be initialised: its
            # backend may be what a dependency creates).
            ready = all(d in self.applied for d in root(name).depends_on)
            if name not in self.applied and ready and self.in_state(name):
                self.applied.append(name)
                self.attempted.append(name)
        return list(self.applied)

    def plan(self, name: str) -> PlanSummary:
        """Plan one root."""
        return self.runner(name).plan()

    def output(self, name: str) -> dict[str, Any]:
        """Outputs of one root."""
        return self.runner(name).output()

    def destroy(self, name: str) -> None:
        """Destroy one root (it is then neither applied nor waiting for teardown)."""
        self.runner(name).destroy()
        for done in (self.applied, self.attempted):
            if name in done:
                done.remove(name)


@dataclass
class RootHandle:
    """An applied root as a test sees it: its next plan, its outputs, the resources in its state."""

    runner: Runner
    name: str

    def plan(self) -> PlanSummary:
        """Plan against what is applied (an empty plan means nothing drifted)."""
        return self.runner.plan()

    @property
    def outputs(self) -> dict[str, Any]:
        """`terraform output` of the root, as plain values."""
        return self.runner.output()

    def resources(self, type_: str | None = None) -> list[dict[str, Any]]:
        """Managed resources in the root's state, each with address, type, name and values."""
        return self.runner.state_resources(type_)


PROVIDER_FILE = "harness_provider.tf.json"


def apply_directory(stack: Stack, path: str, variables: Mapping[str, Any]) -> RootHandle:
    """Apply one directory of the stack's template copy (e.g. a module) with local state.

    A directory without a provider block gets one for the account (region, and the run's tags
    as default tags, so the sweep finds anything a failed destroy leaves).
    """
    directory = stack.workdir / path
    if not directory.is_dir():
        raise UsageError(f"{path}: no such directory in the template (terraform/{path})")
    runner = Runner(root=directory, env=stack.account.env)
    if not any(p.labels[:1] == ("aws",) for p in load_dir(directory, ("*.tf",)).providers):
        provider = {"region": stack.account.region, "default_tags": {"tags": stack.account.tags}}
        (directory / PROVIDER_FILE).write_text(json.dumps({"provider": {"aws": provider}}))
    runner.write_vars(dict(variables), HARNESS_VARS_FILE)
    runner.init()
    runner.apply()
    return RootHandle(runner, path)


def destroy_directories(handles: list[RootHandle], keep: bool, progress: Progress = print) -> None:
    """Destroy what apply_directory applied, newest first (each even when another fails)."""
    if keep:
        progress(f"kept {', '.join(h.name for h in handles)}")
        return
    steps = [(f"destroy {h.name}", partial(h.runner.destroy)) for h in reversed(handles)]
    errors = run_all(Stages(progress), steps)
    if errors:
        raise HarnessError("destroy failed: " + "; ".join(str(e).splitlines()[0] for e in errors))


def destroy_hint(account: Account) -> str:
    """The command that deletes a kept run: `account down` when the run is recorded (the record
    names the account and its server), else a sweep that names the account itself."""
    if (run_dir(account.run_id) / RUN_FILE).exists():
        return f"python -m harness account down --run-id {account.run_id}"
    where = f"--endpoint-url {account.endpoint_url}" if account.endpoint_url else ""
    command = (
        f"python -m harness sweep --account={account.kind} {where} "
        f"--run-id {account.run_id} --older-than 0s"
    ).replace("  ", " ")
    pid = account.server_pid
    return command + (f"; then stop the emulator: kill {pid}" if pid is not None else "")


def destroy_applied(stack: Stack, keep: bool = False, progress: Progress = print) -> None:
    """Destroy every root an apply was started on, dependents first (or say how, when kept)."""
    if keep:
        progress(
            f"kept {', '.join(stack.attempted) or 'no root'} of run {stack.account.run_id} in "
            f"{stack.workdir}; delete with: {destroy_hint(stack.account)}"
        )
        return
    names = destroy_order(stack.attempted)
    errors = run_all(
        Stages(progress), [(f"destroy {name}", partial(stack.destroy, name)) for name in names]
    )
    if errors:
        raise HarnessError("destroy failed: " + "; ".join(str(e).splitlines()[0] for e in errors))


@contextmanager
def applied(
    stack: Stack,
    names: tuple[str, ...],
    keep: bool = False,
    progress: Progress = print,
) -> Iterator[Stack]:
    """Apply roots in order; on exit (even after a failure) destroy what was started."""
    stages = Stages(progress)
    try:
        for name in apply_order(names):
            stages.run(f"apply {name}", partial(stack.apply, name))
        yield stack
    finally:
        destroy_applied(stack, keep=keep, progress=progress)


__all__ = [
    "RootHandle",
    "Stack",
    "applied",
    "apply_directory",
    "destroy_applied",
    "destroy_directories",
    "destroy_hint",
    "initial_colours",
]

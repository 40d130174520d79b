"""Run the real terraform binary (through tftest) on a temporary copy of the template."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tftest

from harness.errors import TerraformError
from harness.paths import TEMPLATE_DIR, cache_dir, cache_root, file_lock
from harness.process import run_logged

# tftest logs a failed command's whole output at CRITICAL; with no handler configured Python
# prints it to stderr, burying the one-paragraph error the harness raises instead.
logging.getLogger("tftest").addHandler(logging.NullHandler())
logging.getLogger("tftest").propagate = False

INSTALL_HINT = (
    "terraform was not found on PATH (or at $TERRAFORM): install Terraform >= 1.11 "
    "(https://developer.hashicorp.com/terraform/install) or set TERRAFORM to its path"
)
_COPY_IGNORE = shutil.ignore_patterns(".terraform", "*.tfstate", "*.tfstate.backup", "*.tfplan")


def terraform_binary() -> str:
    """Path of the terraform binary: $TERRAFORM, else PATH; a clear error when absent."""
    binary = os.environ.get("TERRAFORM") or shutil.which("terraform")
    if not binary or not Path(binary).exists():
        raise TerraformError(INSTALL_HINT)
    return binary


# Terraform's implied local mirror directories (Linux), then a system-wide one; the first
# that exists is used when TF_PLUGIN_MIRROR is unset.
MIRROR_CANDIDATES = (
    Path.home() / ".terraform.d" / "plugins",
    Path.home() / ".local" / "share" / "terraform" / "plugins",
    Path("/usr/local/share/terraform/plugins"),
    Path("/usr/share/terraform/plugins"),
    Path("/opt/tf-plugins"),
)


def plugin_mirror() -> Path | None:
    """The offline provider mirror: TF_PLUGIN_MIRROR, else the first usual location present."""
    mirror = os.environ.get("TF_PLUGIN_MIRROR")
    if mirror:
        path = Path(mirror)
        if not path.is_dir():
            raise TerraformError(f"TF_PLUGIN_MIRROR={mirror}: not a directory")
        return path
    return next((c for c in MIRROR_CANDIDATES if (c / "registry.terraform.io").is_dir()), None)


def provider_reachable(host: str = "registry.terraform.io") -> bool:
    """Whether the provider registry's name resolves (no mirror needed then)."""
    try:
        socket.getaddrinfo(host, 443)
    except OSError:
        return False
    return True


def cli_config(mirror: Path | None, cache_dir: Path) -> Path:
    """Write the CLI config terraform runs with: a shared plugin cache, and the mirror if any."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    lines = [f'plugin_cache_dir = "{cache_dir}"']
    if mirror is not None:
        lines += [
            "provider_installation {",
            f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["*/*/*"]\n  }}',
            '  direct {\n    exclude = ["*/*/*"]\n  }',
            "}",
        ]
    name = "terraform-mirror.tfrc" if mirror else "terraform.tfrc"
    path = cache_dir.parent / name
    text = "\n".join(lines) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


@contextmanager
def plugin_cache_lock() -> Iterator[None]:
    """Hold the shared plugin cache for one `terraform init` at a time (threads and processes).

    Concurrent inits filling an empty plugin cache fail with "after installing
    registry.terraform.io/hashicorp/aws it is still not detected in .terraform/providers".
    """
    with _INIT_LOCK, file_lock(cache_root() / "plugin-cache.lock"):
        yield


_INIT_LOCK = threading.Lock()


def terraform_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for terraform subprocesses: CLI config, no prompts, plus `extra`."""
    config = cli_config(plugin_mirror(), cache_root() / "plugin-cache")
    env = {
        "TF_CLI_CONFIG_FILE": str(config),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }
    env.update(extra or {})
    return env


def copy_template(source: Path = TEMPLATE_DIR, into: Path | None = None) -> Path:
    """Copy the template tree to a fresh temporary directory (modules stay relative)."""
    if not source.is_dir():
        raise TerraformError(f"{source}: template directory not found")
    base = Path(tempfile.mkdtemp(prefix="tf-", dir=into))
    target = base / source.name
    shutil.copytree(source, target, ignore=_COPY_IGNORE)
    return target


@dataclass(frozen=True)
class PlanSummary:
    """What a plan would do: addresses by action, counts per type, planned values, outputs."""

    changes: dict[str, tuple[str, ...]]
    resource_types: dict[str, str]
    planned_values: dict[str, dict[str, Any]]
    outputs: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, plan: Mapping[str, Any]) -> PlanSummary:
        """Build a summary from `terraform show -json <plan>`."""
        changes: dict[str, tuple[str, ...]] = {}
        types: dict[str, str] = {}
        for change in plan.get("resource_changes", []):
            if change.get("mode") != "managed":
                continue
            changes[change["address"]] = tuple(change["change"]["actions"])
            types[change["address"]] = change["type"]
        values: dict[str, dict[str, Any]] = {}
        for module in _modules(plan.get("planned_values", {}).get("root_module", {})):
            for resource in module.get("resources", []):
                if resource.get("mode") == "managed":
                    values[resource["address"]] = resource.get("values", {})
        outputs = {
            name: out.get("value")
            for name, out in plan.get("planned_values", {}).get("outputs", {}).items()
        }
        return cls(changes, types, values, outputs, dict(plan))

    def addresses(self, action: str | None = None) -> list[str]:
        """Resource addresses, optionally only those whose actions include `action`."""
        return sorted(a for a, acts in self.changes.items() if action is None or action in acts)

    @property
    def counts(self) -> Counter[str]:
        """Planned resources per type (excluding ones the plan deletes)."""
        return Counter(
            self.resource_types[a] for a, acts in self.changes.items() if acts != ("delete",)
        )

    @property
    def is_empty(self) -> bool:
        """True when the plan changes nothing."""
        return all(acts in (("no-op",), ("read",)) for acts in self.changes.values())

    def values_of_type(self, type_: str) -> dict[str, dict[str, Any]]:
        """Planned values of every resource of one type, by address."""
        return {a: v for a, v in self.planned_values.items() if self.resource_types.get(a) == type_}


def _modules(module: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = [module]
    for child in module.get("child_modules", []):
        found.extend(_modules(child))
    return found


@dataclass
class Runner:
    """One terraform root inside a private copy of the template."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.binary = terraform_binary()
        self._tf = tftest.TerraformTest(self.root, binary=self.binary, env=terraform_env(self.env))

    @classmethod
    def for_root(
        cls, relative: str, env: Mapping[str, str] | None = None, workdir: Path | None = None
    ) -> Runner:
        """A runner for `relative` (e.g. `environments/production`) in a fresh template copy."""
        copy = workdir or copy_template()
        root = copy / relative
        if not root.is_dir():
            raise TerraformError(f"{TEMPLATE_DIR / relative}: no such terraform root")
        return cls(root=root, env=dict(env or {}))

    def _log(self, what: str) -> Path:
        """A fresh log file for one terraform command of this root."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return cache_dir("logs") / f"{stamp}-{os.getpid()}-terraform-{what}-{self.root.name}.log"

    def _failure(self, what: str, output: str, log: Path | None = None) -> TerraformError:
        """One paragraph for a failed command; terraform's whole output stays in the log."""
        output = _ANSI.sub("", output)  # some errors come coloured despite -no-color
        if log is None:
            log = self._log(what)
            log.write_text(output, encoding="utf-8")
        message = failure_summary(f"terraform {what} failed in {self.root}", output, log)
        return TerraformError(message, output=output, log=str(log))

    def _run(self, what: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except tftest.TerraformTestError as error:
            # tftest's error holds (message with the whole output, stderr): keep the first.
            raise self._failure(what, str(error.args[0]) if error.args else "") from None

    def _logged(self, what: str, *args: str) -> str:
        """Run a long terraform command (apply, destroy) that an interruption stops cleanly."""
        log = self._log(what)
        env = {**os.environ, **terraform_env(self.env)}
        if run_logged([self.binary, *args], cwd=self.root, env=env, log=log) != 0:
            raise self._failure(what, log.read_text(encoding="utf-8"), log)
        return log.read_text(encoding="utf-8")

    def init(self, backend_config: Mapping[str, str] | None = None, backend: bool = True) -> str:
        """`terraform init`, with backend settings given as `-backend-config=k=v`."""
        kwargs: dict[str, Any] = {"upgrade": False}
        if not backend:
            kwargs["backend"] = False
        with plugin_cache_lock():
            output = self._run(
                "init", self._tf.init, init_vars=dict(backend_config or {}) or None, **kwargs
            )
        return str(output)

    def validate(self) -> dict[str, Any]:
        """`terraform validate -json`; raises naming the root when invalid."""
        result = self.command("validate", "-json", "-no-color", check=False)
        report: dict[str, Any] = json.loads(result.stdout or "{}")
        if not report.get("valid", False):
            problems = "; ".join(
                f"{d.get('range', {}).get('filename', '?')}:"
                f"{d.get('range', {}).get('start', {}).get('line', '?')}: {d.get('summary')}"
                for d in report.get("diagnostics", [])
            )
            raise TerraformError(f"{self.root}: terraform validate failed: {problems}")
        return report

    def write_vars(self, values: Mapping[str, Any], name: str = "harness.auto.tfvars.json") -> Path:
        """Write variables as a tfvars JSON file in the root (read automatically by terraform)."""
        path = self.root / name
        path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")
        return path

    def plan(self, tf_vars: Mapping[str, Any] | None = None, refresh: bool = True) -> PlanSummary:
        """`terraform plan` and `show -json`, as a PlanSummary."""
        output = self._run(
            "plan", self._tf.plan, output=True, tf_vars=dict(tf_vars or {}), refresh=refresh
        )
        return PlanSummary.from_json(output._raw if hasattr(output, "_raw") else dict(output))

    def apply(self, tf_vars: Mapping[str, Any] | None = None) -> str:
        """`terraform apply -auto-approve`: stopped cleanly (lock released) when interrupted."""
        return self._logged("apply", "apply", *_AUTO, *var_arguments(tf_vars))

    def destroy(self, tf_vars: Mapping[str, Any] | None = None) -> str:
        """`terraform destroy -auto-approve`: stopped cleanly when interrupted."""
        return self._logged("destroy", "destroy", *_AUTO, *var_arguments(tf_vars))

    def output(self) -> dict[str, Any]:
        """`terraform output -json`, as plain values."""
        return {k: v for k, v in self._run("output", self._tf.output).items()}

    def state_resources(self, type_: str | None = None) -> list[dict[str, Any]]:
        """Managed resources in the root's state (what terraform applied), optionally of a type."""
        shown = json.loads(self.command("show", "-json", "-no-color").stdout or "{}")
        module = shown.get("values", {}).get("root_module", {})
        return [
            r
            for m in _modules(module)
            for r in m.get("resources", [])
            if r.get("mode") == "managed" and type_ in (None, r.get("type"))
        ]

    def assert_idempotent(self, tf_vars: Mapping[str, Any] | None = None) -> PlanSummary:
        """Plan again after an apply; raise listing every address that would still change."""
        plan = self.plan(tf_vars)
        if not plan.is_empty:
            pending = [
                f"{a} {'/'.join(acts)}"
                for a, acts in sorted(plan.changes.items())
                if acts not in (("no-op",), ("read",))
            ]
            raise TerraformError(
                f"{self.root}: second plan is not empty:\n  " + "\n  ".join(pending)
            )
        return plan

    def command(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run any terraform subcommand in this root."""
        result = subprocess.run(
            [self.binary, *args],
            cwd=self.root,
            env={**os.environ, **terraform_env(self.env)},
            capture_output=True,
            text=True,
            check=False,
        )
        if check and result.returncode != 0:
            raise self._failure(args[0], result.stdout + result.stderr)
        return result


_AUTO = ("-auto-approve", "-input=false", "-no-color")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# Terraform's diagnostics: "Error: <summary>", then (a few lines on) "with <address>,".
_ERROR = re.compile(r"^[\s│╷╵]*Error: (.+?)\s*$")
_WITH = re.compile(r"^[\s│]*with ([^,\s]+),")


def var_arguments(values: Mapping[str, Any] | None) -> list[str]:
    """`-var` arguments (non-strings as JSON, which terraform reads as HCL values)."""
    return [
        f"-var={k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in (values or {}).items()
    ]


def error_summaries(output: str) -> list[str]:
    """Terraform's error summaries, each with the address it names, once each, in order."""
    lines = output.splitlines()
    found: list[str] = []
    for i, line in enumerate(lines):
        error = _ERROR.match(line)
        if not error:
            continue
        where = next((m.group(1) for m in map(_WITH.match, lines[i + 1 : i + 6]) if m), None)
        item = f"{error.group(1)} ({where})" if where else error.group(1)
        if item not in found:
            found.append(item)
    return found


def failure_summary(head: str, output: str, log: Path) -> str:
    """`<head>: <error>; <error> (full log: <log>)`: one paragraph, whatever the output size."""
    errors = error_summaries(output)
    if not errors:
        tail = [line.strip() for line in output.splitlines() if line.strip()]
        errors = tail[-1:] or ["no output"]
    shown = "; ".join(e[:300] for e in errors[:3])
    more = f" and {len(errors) - 3} more" if len(errors) > 3 else ""
    return f"{head}: {shown}{more} (full log: {log})"

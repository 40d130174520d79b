"""Run the real terraform binary (through tftest) on a temporary copy of the template."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tftest

from harness.errors import TerraformError
from harness.hcl import config_dirs, load_dir
from harness.paths import TEMPLATE_DIR, cache_root, file_lock

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

    def _run(self, what: str, call: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return call(*args, **kwargs)
        except tftest.TerraformTestError as error:
            raise TerraformError(f"terraform {what} failed in {self.root}:\n{error}") from error

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
        """`terraform apply -auto-approve`."""
        return str(self._run("apply", self._tf.apply, tf_vars=dict(tf_vars or {})))

    def destroy(self, tf_vars: Mapping[str, Any] | None = None) -> str:
        """`terraform destroy -auto-approve`."""
        return str(self._run("destroy", self._tf.destroy, tf_vars=dict(tf_vars or {})))

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
            raise TerraformError(
                f"terraform {' '.join(args)} failed in {self.root}:\n{result.stderr.strip()}"
            )
        return result


def root_dirs(template: Path = TEMPLATE_DIR) -> list[str]:
    """Terraform roots (environments, bootstrap): every config directory outside modules/."""
    return [
        str(d.relative_to(template))
        for d in config_dirs(template)
        if d.relative_to(template).parts[0] != "modules"
    ]


def standalone_dirs(template: Path = TEMPLATE_DIR) -> list[str]:
    """Roots, plus modules that validate on their own (not those with configuration_aliases).

    `terraform validate` cannot check a module that declares `configuration_aliases`
    without a caller passing the aliased provider; such modules are validated through
    the roots that call them.
    """
    found = root_dirs(template)
    for directory in config_dirs(template):
        relative = directory.relative_to(template)
        if relative.parts[0] != "modules":
            continue
        config = load_dir(directory, ("*.tf",))
        if not any("configuration_aliases" in spec for spec in config.required_providers.values()):
            found.append(str(relative))
    return found


def validate_all(
    roots: list[str],
    workdir: Path,
    jobs: int = 2,
    progress: Callable[[str, str | None], None] | None = None,
) -> dict[str, str | None]:
    """`init -backend=false` + `validate` of each root concurrently: root -> error or None.

    Validation is dominated by loading the AWS provider schema (about 5 s a root here),
    so roots run `jobs` at a time.
    """

    def one(root: str) -> str | None:
        try:
            runner = Runner.for_root(root, workdir=workdir)
            runner.init(backend=False)
            runner.validate()
        except TerraformError as error:
            error_text: str | None = str(error)
        else:
            error_text = None
        if progress is not None:
            progress(root, error_text)
        return error_text

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(zip(roots, pool.map(one, roots), strict=True))


def fmt_check(path: Path = TEMPLATE_DIR) -> list[str]:
    """Files under `path` that `terraform fmt` would rewrite (empty when clean)."""
    result = subprocess.run(
        [terraform_binary(), "fmt", "-check", "-recursive", "-list=true", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 3):
        raise TerraformError(f"terraform fmt failed on {path}:\n{result.stderr.strip()}")
    return [line for line in result.stdout.splitlines() if line.strip()]

"""Template-wide terraform checks: `fmt -check`, and `validate` of every root and module."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness import checkcache, terraform
from harness.errors import TerraformError
from harness.hcl import config_dirs, load_dir
from harness.paths import TEMPLATE_DIR
from harness.terraform import Runner, plugin_mirror, terraform_binary

# The harness code that runs `init` + `validate` and decides pass or fail.
VALIDATE_CODE = (Path(__file__), Path(terraform.__file__))


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


def terraform_version() -> str:
    """`<version> <platform>` of the terraform binary (not its cwd's provider selections)."""
    report = json.loads(checkcache.tool_version(terraform_binary(), "version", "-json"))
    return f"{report['terraform_version']} {report['platform']}"


def validate_inputs(workdir: Path, root: str) -> checkcache.Inputs | None:
    """What decides `validate` of `root` in the template copy `workdir`: the root's files (its
    .terraform.lock.hcl among them), every local module it calls transitively, the terraform
    version, and the harness code; without a lock file, the provider mirror's listing.

    None (not cacheable) for a remote module, or for providers with neither lock nor mirror.
    """
    directory = workdir / root
    modules = checkcache.module_dirs(directory)
    if modules is None:
        return None
    inputs = checkcache.Inputs("terraform-validate", extra={"root": root, "backend": False})
    for each in (directory, *modules):
        inputs.add_files(checkcache.files_under(each), workdir)
    try:
        version = terraform_version()
        mirror = plugin_mirror()
    except (OSError, ValueError, KeyError, subprocess.SubprocessError, TerraformError):
        return None  # the check itself runs and says what is wrong
    inputs.tools["terraform"] = version
    if not (directory / ".terraform.lock.hcl").is_file():
        if mirror is None:
            return None  # init takes the newest matching provider the registry has today
        listing = sorted(
            f"{path.relative_to(mirror)}:{path.stat().st_size}"
            for path in mirror.rglob("*")
            if path.is_file()
        )
        inputs.tools["provider mirror"] = "\n".join(listing)
    inputs.add_code(VALIDATE_CODE)
    return inputs


def _passed(entry: object) -> None:
    """A cached pass (the only result stored); anything else is not an entry of this cache."""
    if entry != {"valid": True}:
        raise ValueError(f"not a validate entry: {entry!r}")


def validate_all(
    roots: list[str],
    workdir: Path,
    jobs: int = 2,
    progress: Callable[[str, str | None, bool], None] | None = None,
) -> dict[str, str | None]:
    """`init -backend=false` + `validate` of each root concurrently: root -> error or None.

    Validation is dominated by loading the AWS provider schema (about 5 s a root here),
    so roots run `jobs` at a time. A pass is cached by its inputs (harness.checkcache) and
    `progress` is told so; a failure is not: its message names this run's copy and log, and
    an init failure can be the network's or the mirror's.
    """

    def check(root: str) -> str | None:
        try:
            runner = Runner.for_root(root, workdir=workdir)
            runner.init(backend=False)
            runner.validate()
        except TerraformError as error:
            return str(error)
        return None

    def one(root: str) -> str | None:
        error_text, hit = checkcache.cached(
            lambda: validate_inputs(workdir, root),
            lambda: check(root),
            keep=lambda error: error is None,
            encode=lambda _: {"valid": True},
            decode=_passed,
            recheck=False,  # init writes into the copy (.terraform, a new lock file)
        )
        if progress is not None:
            progress(root, error_text, hit)
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

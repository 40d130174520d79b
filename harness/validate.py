"""Template-wide terraform checks: `fmt -check`, and `validate` of every root and module."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from harness.errors import TerraformError
from harness.hcl import config_dirs, load_dir
from harness.paths import TEMPLATE_DIR
from harness.terraform import Runner, terraform_binary


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

"""Plan-resolved policy scanning: plan a root against the embedded moto account, scan the plan.

Static scanning reads the HCL and reports what it cannot resolve as unknown; a plan resolves
variables, module inputs, for_each, dynamic blocks and templatefile() the way terraform does.
A template root is planned after the roots it depends on are applied (harness.roots order); any
other directory is copied and planned on its own with local state. `terraform show -json` of
the plan is scanned by checkov's terraform_plan framework with the same catalogue, enriched from
the HCL (suppression comments, file lines). Whatever was created is torn down afterwards, on
failure too.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from harness.errors import PolicyError, TerraformError
from harness.paths import TEMPLATE_DIR
from harness.policy.checkov import parse_report, plan_document
from harness.policy.checks.tpl_graph import (
    ORIGINAL_CONFIGURATION,
    PlanScope,
    resolve_reference,
)
from harness.policy.findings import Finding, ScanResult, sorted_findings
from harness.policy.inputs import read_inputs
from harness.policy.suppressions import skip_in
from harness.stages import Progress, Stages

PLAN_FILE = "harness.tfplan"
PLAN_JSON = "plan.json"
PROVIDER_FILE = "harness_provider.tf.json"
# Instance keys in an address (`x.this["a"]`, `module.m[0].x`).
_INDEX = re.compile(r"\[[^\]]*\]")


def template_root(path: Path) -> str | None:
    """The harness.roots name of a template root directory, or None for any other directory."""
    from harness.roots import ROOTS

    resolved = path.resolve()
    for candidate in ROOTS:
        if (TEMPLATE_DIR / candidate.path).resolve() == resolved:
            return candidate.name
    return None


def check_plan_inputs(path: Path, var_files: list[Path]) -> None:
    """Refuse what cannot be planned before any account is opened (exit 2, one line)."""
    if not path.is_dir():
        raise PolicyError(f"--plan {path}: not a directory (plan a terraform root)")
    if not [f for f in read_inputs(path).files if f.suffix == ".tf" and f.parent == path]:
        raise PolicyError(f"--plan {path}: no .tf files in the directory")
    for var_file in var_files:
        if not var_file.is_file():
            raise PolicyError(f"--var-file {var_file}: no such file")


@contextmanager
def moto_account(progress: Progress) -> Iterator[Any]:
    """A fresh, seeded moto account, swept and stopped on exit (on failure too)."""
    from harness.account import new_run_id, open_account, seed
    from harness.sweep import teardown_account

    run_id = new_run_id("p")
    progress(f"policy plan: starting the moto account (run {run_id})")
    # Planning needs no instance to run anything: no data plane (without touching the
    # process's environment, which later commands and tests inherit).
    account = open_account("moto", run_id, dataplane=False)
    try:
        progress("policy plan: seeding the account")
        yield account, seed(account)
    finally:
        progress(f"policy plan: tearing down run {run_id}")
        teardown_account(account)


def plan_json(
    path: Path, var_files: list[Path], account: Any, seeded: Any, workdir: Path, progress: Progress
) -> Path:
    """Plan `path` and write the plan's JSON for checkov into `workdir`: a template root after
    its dependencies (applied here, destroyed before returning, on failure too), any other
    directory as a copy with local state."""
    from harness.stack import Stack, destroy_applied

    name = template_root(path)
    if name is None:
        return plan_directory(path, var_files, account, workdir, progress)
    stack = Stack.create(account, seeded, into=workdir)
    try:
        return plan_template_root(stack, name, var_files, workdir, progress)
    finally:
        destroy_applied(stack, progress=progress)


def plan_template_root(
    stack: Any, name: str, var_files: list[Path], workdir: Path, progress: Progress
) -> Path:
    """Apply what root `name` depends on (once per stack) and plan it into `workdir`."""
    from harness.roots import with_dependencies

    stages = Stages(progress)
    for dependency in with_dependencies((name,))[:-1]:
        if dependency not in stack.applied:
            stages.run(f"apply {dependency}", partial(stack.apply, dependency))
    runner = stack.runner(name)
    _copy_var_files(var_files, runner.root)
    return _plan(runner, workdir, progress, name)


def plan_directory(
    path: Path, var_files: list[Path], account: Any, workdir: Path, progress: Progress
) -> Path:
    """Plan a copy of any directory with local state and a provider for the account."""
    from harness.terraform import Runner

    copy = workdir / path.name
    # tests/ holds `terraform test` files, which a plan never reads; `init` would, and their
    # mock_provider sources (../../testing/aws) are not in a copy of the directory alone.
    shutil.copytree(path, copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "tests"))
    runner = Runner(root=copy, env=account.env)
    provider = {"region": account.region, "default_tags": {"tags": account.tags}}
    (copy / PROVIDER_FILE).write_text(json.dumps({"provider": {"aws": provider}}))
    _copy_var_files(var_files, copy)
    runner.init()
    return _plan(runner, workdir, progress, str(path))


def _copy_var_files(var_files: list[Path], root: Path) -> None:
    """Var files join the root as auto tfvars (terraform reads them after the harness's)."""
    for index, var_file in enumerate(var_files):
        suffix = ".auto.tfvars.json" if var_file.suffix == ".json" else ".auto.tfvars"
        shutil.copyfile(var_file, root / f"zz-policy-{index}{suffix}")


def _plan(runner: Any, workdir: Path, progress: Progress, label: str) -> Path:
    """Plan to a file and write its JSON (rewritten for checkov) to `workdir`/plan.json.

    A plan terraform refuses (a required variable without a value, an invalid expression) is
    the input's fault: exit 2 with terraform's reason.
    """
    progress(f"policy plan: plan {label}")
    plan_file = workdir / PLAN_FILE
    try:
        runner.command("plan", "-input=false", "-no-color", "-lock=false", f"-out={plan_file}")
    except TerraformError as error:
        raise PolicyError(f"--plan {label}: terraform could not plan it: {error}") from None
    shown = runner.command("show", "-json", str(plan_file))
    output = workdir / PLAN_JSON
    output.write_text(json.dumps(for_checkov(json.loads(shown.stdout))))
    return output


def for_checkov(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan with references across module boundaries spelled so checkov's graph links them.

    checkov's plan graph links `aws_s3_bucket.this` inside one module but not
    `module.bucket.id` or `var.bucket_id`; each such reference that leads to exactly one
    resource is prepended with that resource's name, when checkov's nearest-address match
    would pick that very resource (never a same-named one elsewhere: a wrong link could pass
    a bucket that is not encrypted). terraform's configuration is kept beside it for the
    custom checks, which follow references themselves.
    """
    configuration = plan.get("configuration") or {}
    root = configuration.get("root_module")
    if not isinstance(root, dict):
        return plan
    rewritten = json.loads(json.dumps(configuration))
    addresses = _configured_addresses(root)
    null_attributes = _known_null_attributes(plan)
    todo = [PlanScope(rewritten["root_module"], "")]
    while todo:
        scope = todo.pop()
        for resource in scope.module.get("resources") or []:
            source = scope.prefix + str(resource.get("address", ""))
            expressions = resource.get("expressions") or {}
            for attribute in null_attributes.get(source, set()) & set(expressions):
                # checkov puts a null attribute's first reference in its place
                # (`cidr_ipv6 = cond ? null : each.key` would read as "each.key").
                if isinstance(expressions[attribute], dict):
                    expressions[attribute].pop("references", None)
            for expression in _expressions(expressions):
                extra = []
                for reference in expression.get("references") or []:
                    if not str(reference).startswith(("module.", "var.")):
                        continue
                    targets = set(resolve_reference(str(reference), scope, 0))
                    if len(targets) == 1:
                        name = _relative(next(iter(targets)))
                        if _nearest(source, next(iter(targets)), addresses.get(name, [])):
                            extra.append(name)
                if extra:
                    expression["references"] = [*extra, *expression["references"]]
        for name, call in (scope.module.get("module_calls") or {}).items():
            module = call.get("module") or {}
            todo.append(PlanScope(module, f"{scope.prefix}module.{name}.", call, scope))
    # The references of the original configuration (see tpl_graph) before the rewrite.
    return {**plan, "configuration": rewritten, ORIGINAL_CONFIGURATION: configuration}


def _known_null_attributes(plan: dict[str, Any]) -> dict[str, set[str]]:
    """Per configuration address, the top-level attributes that are null in every planned
    instance and known (not computed after apply)."""
    found: dict[str, set[str]] = {}
    for change in plan.get("resource_changes") or []:
        address = _INDEX.sub("", str(change.get("address", "")))
        after = (change.get("change") or {}).get("after") or {}
        unknown = (change.get("change") or {}).get("after_unknown") or {}
        nulls = {k for k, v in after.items() if v is None and not unknown.get(k)}
        found[address] = found[address] & nulls if address in found else nulls
    return found


def _expressions(value: Any) -> list[dict[str, Any]]:
    """Every expression dict holding `references`, at any depth of nested blocks."""
    if isinstance(value, list):
        return [e for item in value for e in _expressions(item)]
    if not isinstance(value, dict):
        return []
    found = [value] if "references" in value else []
    for key, item in value.items():
        if key != "references" and isinstance(item, (dict, list)):
            found.extend(_expressions(item))
    return found


def _relative(address: str) -> str:
    """`module.a.module.b.aws_s3_bucket.this` -> `aws_s3_bucket.this` (data keeps `data.`)."""
    parts = address.split(".")
    return ".".join(parts[-3:] if len(parts) >= 3 and parts[-3] == "data" else parts[-2:])


def _configured_addresses(root: dict[str, Any]) -> dict[str, list[str]]:
    """Every resource address of the configuration, by its name relative to its module."""
    found: dict[str, list[str]] = {}
    todo = [(root, "")]
    while todo:
        module, prefix = todo.pop()
        for resource in module.get("resources") or []:
            address = prefix + str(resource.get("address", ""))
            found.setdefault(_relative(address), []).append(address)
        for name, call in (module.get("module_calls") or {}).items():
            todo.append((call.get("module") or {}, f"{prefix}module.{name}."))
    return found


def _nearest(source: str, target: str, candidates: list[str]) -> bool:
    """Whether `target` shares a strictly longer address prefix with `source` than every other
    same-named resource (how checkov picks among them)."""

    def shared(address: str) -> int:
        count = 0
        for a, b in zip(source.split("."), address.split("."), strict=False):
            if a != b:
                break
            count += 1
        return count

    best = shared(target)
    return all(shared(other) < best for other in candidates if other != target)


@dataclass(frozen=True)
class BlockSite:
    """Where a planned resource is written, and the skip comments that apply to it (its own
    block's and those of every module call it is created through)."""

    file: str
    line: int
    skips: tuple[tuple[str, str], ...] = ()


_BLOCK_START = re.compile(r'^\s*(resource|data)\s+"([^"]+)"\s+"([^"]+)"|^\s*module\s+"([^"]+)"')


def _blocks_in(directory: Path) -> dict[str, BlockSite]:
    """Top-level resource, data and module blocks of the .tf files in one directory (braces
    counted per line: enough to find where a block ends and the skip comments inside it)."""
    found: dict[str, BlockSite] = {}
    for path in sorted(directory.glob("*.tf")):
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeError):
            continue
        depth, current, start, opened = 0, "", 0, False
        skips: list[tuple[str, str]] = []
        for number, text in enumerate(lines, 1):
            match = _BLOCK_START.match(text) if not current else None
            if match:
                kind, type_, name, module = match.groups()
                current = f"module.{module}" if module else f"{type_}.{name}"
                current = f"data.{current}" if kind == "data" else current
                start, skips, depth, opened = number, [], 0, False
            if not current:
                continue
            skip = skip_in(text)
            if skip:
                skips.append(skip)
            depth += text.count("{") - text.count("}")
            opened = opened or "{" in text
            if opened and depth <= 0:
                found[current] = BlockSite(str(path), start, tuple(skips))
                current = ""
    return found


def hcl_sites(configuration: dict[str, Any], root: Path) -> dict[str, BlockSite]:
    """Per resource address of a plan's configuration: its block in the HCL under `root`,
    following local module sources, with the skip comments that apply to it."""
    sites: dict[str, BlockSite] = {}
    todo: list[tuple[dict[str, Any], Path, str, tuple[tuple[str, str], ...]]] = [
        (configuration.get("root_module") or {}, root, "", ())
    ]
    while todo:
        module, directory, prefix, inherited = todo.pop()
        blocks = _blocks_in(directory)
        for resource in module.get("resources") or []:
            address = str(resource.get("address", ""))
            site = blocks.get(address)
            if site:
                sites[prefix + address] = BlockSite(site.file, site.line, inherited + site.skips)
        for name, call in (module.get("module_calls") or {}).items():
            source = str(call.get("source", ""))
            if not source.startswith((".", "/")):
                continue  # a registry module: not on disk here
            call_site = blocks.get(f"module.{name}")
            skips = inherited + (call_site.skips if call_site else ())
            child = (directory / source).resolve()
            todo.append((call.get("module") or {}, child, f"{prefix}module.{name}.", skips))
    return sites


def relocate(result: ScanResult, sites: dict[str, BlockSite]) -> ScanResult:
    """Name each finding's HCL block (checkov's plan enrichment matches blocks by type and
    name only) and apply the skip comments written on it or on a module call it comes from."""
    findings: list[Finding] = []
    unknowns: list[Finding] = []
    suppressions = list(result.suppressions)
    for finding in result.findings + result.unknowns:
        site = sites.get(_INDEX.sub("", finding.resource))
        if site is None:
            (findings if finding in result.findings else unknowns).append(finding)
            continue
        moved = replace(finding, file=site.file, line=site.line)
        reason = next((r for check, r in site.skips if check == finding.check), None)
        if reason is not None:
            suppressions.append(replace(moved, suppressed=True, reason=reason))
        else:
            (findings if finding in result.findings else unknowns).append(moved)
    return replace(
        result,
        findings=sorted_findings(findings),
        unknowns=sorted_findings(unknowns),
        suppressions=sorted(set(suppressions), key=lambda f: (f.file, f.line, f.check, f.resource)),
    )


def scan_plan_file(plan_file: Path, target: Path) -> ScanResult:
    """Scan a plan's JSON with the catalogue; findings name the HCL under `target`."""
    started = time.monotonic()
    report = parse_report(plan_document(plan_file, target), target, mode="plan")
    result = ScanResult(path=str(target), roots=[str(target)])
    result.findings = sorted_findings(report.findings)
    result.unknowns = sorted_findings(report.unknowns)
    result.suppressions = sorted(
        set(report.suppressions), key=lambda f: (f.file, f.line, f.check, f.resource)
    )
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    configuration = plan.get(ORIGINAL_CONFIGURATION) or plan.get("configuration") or {}
    result = relocate(result, hcl_sites(configuration, target))
    result.passed = report.passed
    result.resource_count = report.resource_count
    result.parse_errors = report.parse_errors
    result.seconds = time.monotonic() - started
    return result


def plan_scan(
    path: Path | str, var_files: list[Path] | None = None, progress: Progress = print
) -> ScanResult:
    """Plan `path` against a fresh moto account and scan the plan with the catalogue."""
    target = Path(path)
    files = list(var_files or [])
    check_plan_inputs(target, files)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="policy-plan-"))
    try:
        with moto_account(progress) as (account, seeded):
            plan_file = plan_json(target, files, account, seeded, workdir, progress)
        progress("policy plan: scanning the plan with checkov (terraform_plan)")
        result = scan_plan_file(plan_file, target)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result

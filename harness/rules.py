"""Style and structure rules over the parsed template; each returns `file:line: message` problems.

Security rules (IMDSv2, bucket protection, security group protocols...) are not here: the policy
catalogue (harness/policy/) owns every one of them, and `python -m harness policy` enforces it.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.hcl import Config, load_attributes

AWS_SOURCE = "hashicorp/aws"
AWS_CONSTRAINT = "~> 5.100"
TERRAFORM_CONSTRAINT = ">= 1.11"

Rule = Callable[[Config], list[str]]


def untyped_or_undescribed_variables(config: Config) -> list[str]:
    """Every variable declares a type and a non-empty description."""
    problems = []
    for var in config.variables:
        if not var.type:
            problems.append(f"{var.file}:{var.line}: variable {var.name!r} has no type")
        if not (var.description or "").strip():
            problems.append(f"{var.file}:{var.line}: variable {var.name!r} has no description")
    return problems


def undescribed_outputs(config: Config) -> list[str]:
    """Every output carries a description."""
    return [
        f"{o.where}: output {o.name!r} has no description"
        for o in config.outputs
        if not str(o.body.get("description", "")).strip()
    ]


def unsorted_blocks(config: Config) -> list[str]:
    """Variables and outputs are sorted alphabetically within each file."""
    problems = []
    for kind in ("variable", "output"):
        for file in config.files:
            names = [b.name for b in config.of_kind(kind) if b.file == file]
            if names != sorted(names):
                first = next(a for a, b in zip(names, sorted(names), strict=True) if a != b)
                problems.append(f"{file}: {kind}s are not sorted alphabetically (first: {first!r})")
    return problems


def unresolved_module_sources(config: Config) -> list[str]:
    """Every local module source points at a directory holding .tf files."""
    problems = []
    for call in config.module_calls:
        source = str(call.body.get("source", ""))
        if not source.startswith(("./", "../")):
            problems.append(f"{call.where}: module {call.name!r} source {source!r} is not local")
            continue
        target = (call.file.parent / source).resolve()
        if not target.is_dir() or not any(target.glob("*.tf")):
            problems.append(
                f"{call.where}: module {call.name!r} source {source!r} resolves to "
                f"{target}, which holds no .tf files"
            )
    return problems


def provider_pin_problems(config: Config) -> list[str]:
    """terraform >= 1.11 and hashicorp/aws ~> 5.100 are pinned where AWS is used."""
    where = config.terraform_blocks[0].where if config.terraform_blocks else str(config.path)
    problems = []
    if config.required_version != TERRAFORM_CONSTRAINT:
        problems.append(
            f"{where}: required_version is {config.required_version!r}, "
            f"expected {TERRAFORM_CONSTRAINT!r}"
        )
    aws = config.required_providers.get("aws")
    if aws is None:
        problems.append(f"{where}: required_providers has no aws entry")
    else:
        if aws.get("source") != AWS_SOURCE:
            problems.append(f"{where}: aws provider source is {aws.get('source')!r}")
        if aws.get("version") != AWS_CONSTRAINT:
            problems.append(
                f"{where}: aws provider version is {aws.get('version')!r}, "
                f"expected {AWS_CONSTRAINT!r}"
            )
    return problems


def backend_problems(config: Config) -> list[str]:
    """An environment stores state in S3, encrypted, with a lock (DynamoDB table or lock file)."""
    backend = config.backend
    if backend is None:
        return [f"{config.path}: no backend block (environments keep state in S3)"]
    kind, settings = backend
    if kind != "s3":
        return [f"{config.path}: backend is {kind!r}, expected 's3'"]
    problems = []
    if settings.get("encrypt") is not True:
        problems.append(f"{config.path}: s3 backend does not set encrypt = true")
    locking = dict(settings)
    example = config.path / "backend.hcl.example"
    if example.exists():
        locking.update(load_attributes(example))
    if not (locking.get("dynamodb_table") or locking.get("use_lockfile") is True):
        problems.append(
            f"{config.path}: s3 backend has no locking (dynamodb_table or "
            "use_lockfile) in backend.tf or backend.hcl.example"
        )
    return problems


ALL_MODULE_RULES: dict[str, Rule] = {
    "typed_described_variables": untyped_or_undescribed_variables,
    "described_outputs": undescribed_outputs,
    "sorted_variables_outputs": unsorted_blocks,
    "module_sources_resolve": unresolved_module_sources,
}

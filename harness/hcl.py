"""Load Terraform and Packer HCL into a queryable model that keeps file and line."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from harness.errors import HclError
from harness.paths import skipped

_OPTIONS = SerializationOptions(
    with_comments=False,
    strip_string_quotes=True,
    explicit_blocks=False,
    preserve_heredocs=False,
)
# Blocks whose labels are part of their identity; the number is how many labels they carry.
_LABELLED = {
    "resource": 2,
    "data": 2,
    "module": 1,
    "variable": 1,
    "output": 1,
    "provider": 1,
    "locals": 0,
    "terraform": 0,
    "moved": 0,
    "import": 0,
    "check": 1,
    "removed": 0,
    "source": 2,
    "build": 0,
    "packer": 0,
    # terraform test files (.tftest.hcl) and their mocks (.tfmock.hcl)
    "run": 1,
    "mock_provider": 1,
    "mock_data": 1,
    "mock_resource": 1,
}
_LINE_LOCATION = re.compile(r"line (\d+)")


@dataclass(frozen=True)
class Block:
    """One top-level block of an HCL file, e.g. `resource "aws_vpc" "this"`."""

    kind: str
    labels: tuple[str, ...]
    body: dict[str, Any]
    file: Path
    line: int

    @property
    def name(self) -> str:
        """The last label: the resource, module, variable or output name."""
        return self.labels[-1] if self.labels else self.kind

    @property
    def type(self) -> str:
        """The first label of a two-label block (the resource or data source type)."""
        return self.labels[0] if self.labels else ""

    @property
    def address(self) -> str:
        """A terraform-style address: `aws_vpc.this`, `data.aws_ami.x`, `module.net`, `var.x`."""
        prefix = {"resource": "", "data": "data.", "module": "module.", "variable": "var."}
        if self.kind in prefix:
            return prefix[self.kind] + ".".join(self.labels)
        return ".".join((self.kind, *self.labels))

    @property
    def where(self) -> str:
        """`file:line`, for messages."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Variable:
    """A `variable` block with the fields the style rules check."""

    name: str
    type: str | None
    description: str | None
    has_default: bool
    default: Any
    validations: tuple[dict[str, Any], ...]
    nullable: bool | None
    sensitive: bool
    file: Path
    line: int

    @classmethod
    def from_block(cls, block: Block) -> Variable:
        """Build a Variable from its block."""
        body = block.body
        return cls(
            name=block.name,
            type=_unwrap(body["type"]) if "type" in body else None,
            description=body.get("description"),
            has_default="default" in body,
            default=body.get("default"),
            validations=tuple(body.get("validation", [])),
            nullable=body.get("nullable"),
            sensitive=bool(body.get("sensitive", False)),
            file=block.file,
            line=block.line,
        )


@dataclass
class Config:
    """Every block of every HCL file of one directory (a Terraform root/module or Packer dir)."""

    path: Path
    files: list[Path] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Block]:
        """Blocks of one kind, in file order."""
        return [b for b in self.blocks if b.kind == kind]

    def resources(self, type_: str | None = None) -> list[Block]:
        """Managed resources, optionally of one type."""
        return [b for b in self.of_kind("resource") if type_ is None or b.type == type_]

    def data_sources(self, type_: str | None = None) -> list[Block]:
        """Data sources, optionally of one type."""
        return [b for b in self.of_kind("data") if type_ is None or b.type == type_]

    @property
    def module_calls(self) -> list[Block]:
        """`module` blocks."""
        return self.of_kind("module")

    @property
    def outputs(self) -> list[Block]:
        """`output` blocks."""
        return self.of_kind("output")

    @cached_property
    def variables(self) -> list[Variable]:
        """`variable` blocks as Variables."""
        return [Variable.from_block(b) for b in self.of_kind("variable")]

    @property
    def providers(self) -> list[Block]:
        """`provider` blocks."""
        return self.of_kind("provider")

    @property
    def terraform_blocks(self) -> list[Block]:
        """`terraform` settings blocks."""
        return self.of_kind("terraform")

    @property
    def required_version(self) -> str | None:
        """The `required_version` constraint, if any."""
        for block in self.terraform_blocks:
            if "required_version" in block.body:
                return str(block.body["required_version"])
        return None

    @property
    def required_providers(self) -> dict[str, dict[str, Any]]:
        """Provider requirements by local name: `{"aws": {"source": ..., "version": ...}}`."""
        found: dict[str, dict[str, Any]] = {}
        for block in self.terraform_blocks:
            for entry in block.body.get("required_providers", []):
                for name, spec in entry.items():
                    found[name] = spec if isinstance(spec, dict) else {"version": spec}
        return found

    @property
    def backend(self) -> tuple[str, dict[str, Any]] | None:
        """The backend type and its settings, if the configuration declares one."""
        for block in self.terraform_blocks:
            for entry in block.body.get("backend", []):
                for name, settings in entry.items():
                    return name, settings or {}
        return None

    def walk(self) -> Iterator[tuple[Block, str, Any]]:
        """Every (block, dotted key path, value) pair, for checks that search everywhere."""
        for block in self.blocks:
            yield from ((block, key, value) for key, value in _walk(block.body, ""))


def _walk(node: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path, value
            yield from _walk(value, path)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{prefix}[{index}]")


def _unwrap(value: Any) -> Any:
    """`${string}` -> `string`: python-hcl2 wraps expressions; types read better bare."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return value[2:-1]
    return value


def _header_lines(text: str, kind: str) -> list[tuple[tuple[str, ...], int]]:
    """Where each top-level block of `kind` starts: (labels, 1-based line)."""
    pattern = re.compile(rf'^{re.escape(kind)}((?:\s+"[^"]*"|\s+[A-Za-z0-9_-]+)*)\s*\{{', re.M)
    found = []
    for match in pattern.finditer(text):
        labels = tuple(
            label.strip('"') for label in re.findall(r'"[^"]*"|[A-Za-z0-9_-]+', match.group(1))
        )
        found.append((labels, text.count("\n", 0, match.start()) + 1))
    return found


def load_file(path: Path) -> list[Block]:
    """Parse one HCL file into its top-level blocks; a parse error names the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise HclError(f"{path}: not UTF-8 text (byte {error.start}): cannot parse HCL") from None
    except OSError as error:
        raise HclError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        document = hcl2.loads(text, serialization_options=_OPTIONS)
    except Exception as error:  # lark raises several unrelated types; all mean "not HCL"
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        located = _LINE_LOCATION.search(str(error))
        where = f"{path}:{located.group(1)}" if located else str(path)
        raise HclError(f"{where}: cannot parse HCL: {first}") from error
    blocks: list[Block] = []
    for kind, entries in document.items():
        headers = iter(_header_lines(text, kind))
        for entry in entries if isinstance(entries, list) else [entries]:
            for labels, body in _split_labels(entry, _LABELLED.get(kind, 0)):
                start = next((ln for lab, ln in headers if lab == labels), 1)
                blocks.append(Block(kind, labels, body, path, start))
    return blocks


def load_files(files: list[Path]) -> tuple[dict[Path, list[Block]], list[str]]:
    """Parse every file: the blocks of those that parse, and one error line per file that not."""
    parsed: dict[Path, list[Block]] = {}
    errors: list[str] = []
    for file in files:
        try:
            parsed[file] = load_file(file)
        except HclError as error:
            errors.append(str(error))
    return parsed, errors


def load_attributes(path: Path) -> dict[str, Any]:
    """Top-level attributes of a settings file such as `backend.hcl` or a `.tfvars` file."""
    try:
        document = hcl2.loads(path.read_text(encoding="utf-8"), serialization_options=_OPTIONS)
    except Exception as error:  # lark raises several unrelated types; all mean "not HCL"
        raise HclError(f"{path}: cannot parse HCL: {str(error).splitlines()[0]}") from error
    # python-hcl2 returns blocks as lists of dicts; everything else is an attribute.
    return {k: v for k, v in document.items() if not _is_block_list(v)}


def _is_block_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _split_labels(entry: Any, depth: int) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """python-hcl2 nests labelled blocks as {label: {label: body}}; flatten to (labels, body)."""
    if depth == 0 or not isinstance(entry, dict):
        yield (), entry if isinstance(entry, dict) else {"value": entry}
        return
    for label, inner in entry.items():
        for rest, body in _split_labels(inner, depth - 1):
            yield (str(label), *rest), body


def load_dir(path: Path, patterns: tuple[str, ...] = ("*.tf", "*.pkr.hcl")) -> Config:
    """Load every matching file directly inside `path` (not recursive), like terraform does."""
    if not path.is_dir():
        raise HclError(f"{path}: not a directory")
    files = sorted({f for pattern in patterns for f in path.glob(pattern) if f.is_file()})
    if not files:
        raise HclError(f"{path}: no files matching {', '.join(patterns)}")
    config = Config(path=path, files=files)
    for file in files:
        config.blocks.extend(load_file(file))
    return config


def config_dirs(root: Path, pattern: str = "*.tf") -> list[Path]:
    """Every directory under `root` holding a file matching `pattern`, skipping tool caches."""
    found = {f.parent for f in root.rglob(pattern) if not skipped(f, root)}
    return sorted(found)

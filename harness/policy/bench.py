"""`python -m harness.policy.bench`: time the policy scan against plain checkov on large trees.

Generates the trees (5,000 resources in one ~5 MB file, the same split over 100 files, and
module trees: copies of the template's modules called from one root, in the way public module
collections are used), then scans each with this tool (`harness.policy.scan`: built-in and
custom checks, the census) and with plain checkov restricted to the same built-in checks. Both
run as subprocesses, so wall time and peak memory are measured alike (`/usr/bin/time -v`
style: wall clock and the child's max RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.paths import REPO_ROOT, TEMPLATE_DIR
from harness.policy.catalogue import CATALOGUE
from harness.policy.checkov import checkov_binary

RESOURCES = 5000
SPLIT_FILES = 100
MODULE_COPIES = (4, 16)

# One block per kind, about 1 KB each, as generated code tends to look (5,000 -> ~5 MB).
_BLOCKS = (
    """resource "aws_security_group" "sg_{i}" {{
  name        = "bench-{i}"
  description = "Benchmark group {i}: generated to measure the scan on large configurations"
  vpc_id      = "vpc-0123456789abcdef0"
  ingress {{
    description     = "HTTPS from the load balancer of service {i}"
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = ["sg-0123456789abcdef0"]
  }}
  egress {{
    description = "HTTPS to the VPC endpoints"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/16"]
  }}
  tags = {{
    Name        = "bench-{i}"
    Service     = "service-{i}"
    Owner       = "platform-team"
    CostCentre  = "cc-{i}"
    Environment = "benchmark"
{extra}  }}
}}
""",
    """resource "aws_launch_template" "lt_{i}" {{
  name_prefix   = "bench-{i}-"
  image_id      = "ami-0123456789abcdef0"
  instance_type = "t3.micro"
  metadata_options {{
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }}
  block_device_mappings {{
    device_name = "/dev/xvda"
    ebs {{
      volume_size = 20
      volume_type = "gp3"
      encrypted   = true
    }}
  }}
  tag_specifications {{
    resource_type = "instance"
    tags = {{
      Name        = "bench-{i}"
      Service     = "service-{i}"
      Environment = "benchmark"
{extra}    }}
  }}
}}
""",
    """resource "aws_iam_policy" "policy_{i}" {{
  name        = "bench-{i}"
  description = "Benchmark policy {i}: read one prefix of one bucket"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid      = "ReadPrefix"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:ListBucket"]
      Resource = ["arn:aws:s3:::bench-bucket-{i}", "arn:aws:s3:::bench-bucket-{i}/prefix/*"]
    }}]
  }})
  tags = {{
    Service     = "service-{i}"
    Environment = "benchmark"
{extra}  }}
}}
""",
    """resource "aws_s3_bucket" "bucket_{i}" {{
  bucket = "bench-bucket-{i}"
  tags = {{
    Name        = "bench-bucket-{i}"
    Service     = "service-{i}"
    Owner       = "platform-team"
    CostCentre  = "cc-{i}"
    Environment = "benchmark"
    DataClass   = "internal"
    Retention   = "90-days"
    Backup      = "daily"
    Compliance  = "none"
    Description = "Generated bucket {i} for the policy scan benchmark"
{extra}  }}
}}
""",
)


# Tags every generated block carries besides its own (what a tagging standard adds).
_EXTRA_TAGS = "".join(
    f'    {key} = "{value}-{{i}}"\n'
    for key, value in (
        ("Application", "benchmark-application"),
        ("BusinessUnit", "platform-engineering"),
        ("Contact", "platform-team@example.com"),
        ("DataOwner", "data-governance-team"),
        ("Repository", "github.com/example/infrastructure"),
        ("Runbook", "https://runbooks.example.com/benchmark"),
        ("SupportTier", "tier-2-business-hours"),
        ("Lifecycle", "generated-for-measurement"),
    )
)


def resource_blocks(count: int) -> list[str]:
    """`count` resource blocks (about 1 KB each), cycling through the kinds."""
    return [
        _BLOCKS[i % len(_BLOCKS)].format(i=i, extra=_EXTRA_TAGS.format(i=i)) for i in range(count)
    ]


def single_file_tree(base: Path, count: int = RESOURCES) -> Path:
    """All resources in one main.tf."""
    root = base / f"single-{count}"
    root.mkdir(parents=True, exist_ok=True)
    (root / "main.tf").write_text("".join(resource_blocks(count)))
    return root


def split_tree(base: Path, count: int = RESOURCES, files: int = SPLIT_FILES) -> Path:
    """The same resources over `files` files."""
    root = base / f"split-{count}"
    root.mkdir(parents=True, exist_ok=True)
    blocks = resource_blocks(count)
    per = -(-count // files)
    for n in range(files):
        (root / f"part_{n:03d}.tf").write_text("".join(blocks[n * per : (n + 1) * per]))
    return root


def module_tree(base: Path, copies: int) -> Path:
    """A root calling `copies` copies of the template's network and api modules (with their
    own module calls), the way consumers of a public module collection write roots."""
    root = base / f"modules-{copies}"
    shutil.copytree(TEMPLATE_DIR / "modules", root / "modules", dirs_exist_ok=True)
    calls = []
    for n in range(copies):
        for module in ("network", "api"):
            calls.append(f'module "{module}_{n}" {{\n  source = "./modules/{module}"\n}}\n')
    (root / "main.tf").write_text("\n".join(calls))
    return root


@dataclass
class Timing:
    """One scan of one tree."""

    tree: str
    tool: str
    seconds: float
    max_rss_mb: float
    resources: int
    exit_code: int


def _timed(command: list[str], tree: Path, tool: str) -> Timing:
    """Run `command`, measuring wall time and the peak memory of it and its children (wait4)."""
    with tempfile.TemporaryFile("w+") as out:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    count = 0
    try:
        document = json.loads(text)
        reports = document if isinstance(document, list) else [document]
        count = sum(
            int(r.get("summary", r).get("resource_count", 0))
            for r in reports
            if isinstance(r, dict)
        )
    except ValueError:
        pass
    return Timing(tree.name, tool, seconds, usage.ru_maxrss / 1024, count, process.returncode)


def plain_checkov(tree: Path) -> Timing:
    """checkov alone with the catalogue's built-in checks (no custom checks, no census)."""
    builtin = [check for policy in CATALOGUE for check in policy.builtin]
    command = [
        checkov_binary(),
        "-d",
        str(tree),
        "--framework",
        "terraform",
        "--check",
        ",".join(builtin),
        "--skip-download",
        "--soft-fail",
        "--output",
        "json",
    ]
    env_command = ["env", "BC_SKIP_MAPPING=TRUE", "LOG_LEVEL=WARNING", "HCL_PARSE_TIMEOUT_SEC=600"]
    return _timed([*env_command, *command], tree, "checkov")


def this_tool(tree: Path) -> Timing:
    """`python -m harness policy TREE --format json` (built-in and custom checks, census)."""
    command = [sys.executable, "-m", "harness", "policy", str(tree), "--format", "json"]
    return _timed(["env", "HARNESS_CHECK_CACHE=0", *command], tree, "harness")  # a real scan


def run(trees: list[Path], repeat: int) -> list[Timing]:
    """Scan every tree with both tools, alternating, `repeat` times; keep each run."""
    timings = []
    for tree in trees:
        for _ in range(repeat):
            timings.append(plain_checkov(tree))
            timings.append(this_tool(tree))
    return timings


def summary(timings: list[Timing]) -> list[str]:
    """One line per tree: the best time of each tool and their ratio."""
    lines = []
    for tree in dict.fromkeys(t.tree for t in timings):
        plain = min((t for t in timings if t.tree == tree and t.tool == "checkov"), key=_secs)
        ours = min((t for t in timings if t.tree == tree and t.tool == "harness"), key=_secs)
        lines.append(
            f"{tree}: harness {ours.seconds:.1f} s, {ours.max_rss_mb:.0f} MB (exit "
            f"{ours.exit_code}); checkov {plain.seconds:.1f} s, {plain.max_rss_mb:.0f} MB "
            f"({plain.resources} resources); {ours.seconds / plain.seconds:.2f}x"
        )
    return lines


def _secs(timing: Timing) -> float:
    return timing.seconds


def main(argv: list[str] | None = None) -> int:
    """Generate the trees, time both tools, print the summary (and JSON with --json)."""
    parser = argparse.ArgumentParser(prog="python -m harness.policy.bench", description=__doc__)
    parser.add_argument("--resources", type=int, default=RESOURCES)
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool and tree (best)")
    parser.add_argument("--json", type=Path, help="also write every timing here")
    parser.add_argument(
        "--only", choices=("single", "split", "modules"), action="append", help="trees to time"
    )
    args = parser.parse_args(argv)
    kinds = args.only or ["single", "split", "modules"]
    base = Path(tempfile.mkdtemp(prefix="policy-bench-", dir=os.environ.get("TMPDIR")))
    try:
        trees: list[Path] = []
        if "single" in kinds:
            trees.append(single_file_tree(base, args.resources))
        if "split" in kinds:
            trees.append(split_tree(base, args.resources))
        if "modules" in kinds:
            trees.extend(module_tree(base, copies) for copies in MODULE_COPIES)
        for tree in trees:
            size = sum(f.stat().st_size for f in tree.rglob("*.tf"))
            print(f"{tree.name}: {size / 1e6:.1f} MB of .tf", flush=True)
        timings = run(trees, args.repeat)
        for line in summary(timings):
            print(line, flush=True)
        if args.json:
            args.json.write_text(json.dumps([asdict(t) for t in timings], indent=2) + "\n")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.chdir(REPO_ROOT)
    raise SystemExit(main())

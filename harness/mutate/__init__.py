"""Mutation testing of the template: apply a known regression to a copy, check a test catches it.

A `Mutant` is data (harness/mutate/catalogue.py): a file, a text found there exactly once, its
replacement, why it matters, the tests expected to kill it and an area. `run_mutants` copies
the repository's tracked files to a temporary directory (the work tree is never touched),
applies each mutant in a copy of its own and runs only the tests it names, stopping at the
first failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import UsageError
from harness.paths import REPO_ROOT, skipped

KILLED = "killed"
SURVIVED = "survived"
ERROR = "error"
# pytest -rf: "FAILED tests/unit/test_x.py::test_y[a] - AssertionError ..."; -rE: "ERROR ...".
_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.M)
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Mutant:
    """One realistic regression and the tests that must catch it."""

    id: str
    area: str
    file: str
    find: str
    replace: str
    reason: str
    tests: tuple[str, ...]


@dataclass
class Outcome:
    """What running one mutant's tests gave."""

    mutant: Mutant
    status: str
    killer: str | None = None
    seconds: float = 0.0
    detail: str = ""


@dataclass
class Report:
    """Every outcome, the score per area and the wall time."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def survived(self) -> list[Outcome]:
        """Mutants no named test caught."""
        return [o for o in self.outcomes if o.status == SURVIVED]

    @property
    def errors(self) -> list[Outcome]:
        """Mutants whose tests could not run (no test collected, a timeout)."""
        return [o for o in self.outcomes if o.status == ERROR]

    def by_area(self) -> dict[str, tuple[int, int]]:
        """(killed, total) per area, sorted by area."""
        areas: dict[str, tuple[int, int]] = {}
        for outcome in self.outcomes:
            killed, total = areas.get(outcome.mutant.area, (0, 0))
            areas[outcome.mutant.area] = (killed + (outcome.status == KILLED), total + 1)
        return dict(sorted(areas.items()))

    @property
    def killed(self) -> int:
        """How many mutants a test caught."""
        return sum(o.status == KILLED for o in self.outcomes)


def tracked_files(repo: Path) -> list[str]:
    """The repository's tracked files that exist in the work tree (git ls-files); outside a
    git checkout (an exported tree), every file but caches, virtualenvs and reports."""
    if not (repo / ".git").exists():
        return sorted(
            str(path.relative_to(repo))
            for path in repo.rglob("*")
            if path.is_file()
            and not skipped(path, repo)
            and path.relative_to(repo).parts[0] not in (".cache", "reports")
        )
    try:
        listed = subprocess.run(
            ["git", "-C", str(repo), "ls-files", "-z"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise UsageError(f"{repo}: cannot list tracked files with git ({error})") from None
    return [name for name in listed.split("\0") if name and (repo / name).is_file()]


def copy_tree(repo: Path, files: Iterable[str], target: Path) -> None:
    """Copy `files` (relative to `repo`) under `target`, keeping modes."""
    for name in files:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / name, destination)


def check_targets(mutants: Sequence[Mutant], root: Path) -> None:
    """Refuse (UsageError, naming the mutant) a mutant whose text is not found exactly once."""
    seen: set[str] = set()
    for mutant in mutants:
        if mutant.id in seen:
            raise UsageError(f"mutant {mutant.id}: id used twice in the catalogue")
        seen.add(mutant.id)
        path = root / mutant.file
        if not path.is_file():
            raise UsageError(f"mutant {mutant.id}: {mutant.file} does not exist")
        count = path.read_text(encoding="utf-8").count(mutant.find)
        if count != 1:
            raise UsageError(
                f"mutant {mutant.id}: {mutant.find!r} found {count} times in {mutant.file} "
                "(must be exactly once)"
            )
        if not mutant.tests:
            raise UsageError(f"mutant {mutant.id}: names no test to kill it")


def killer_of(output: str) -> str | None:
    """The first failing test id in pytest's -rf/-rE summary."""
    match = _FAILED.search(output)
    return match.group(1) if match else None


@contextmanager
def applied(mutant: Mutant, root: Path) -> Iterator[None]:
    """Apply `mutant` to the copy at `root`, restoring the file afterwards."""
    path = root / mutant.file
    original = path.read_text(encoding="utf-8")
    path.write_text(original.replace(mutant.find, mutant.replace, 1), encoding="utf-8")
    try:
        yield
    finally:
        path.write_text(original, encoding="utf-8")


def pytest_command(mutant: Mutant) -> list[str]:
    """Run the mutant's tests only, fast ones first as listed, stopping at the first failure."""
    return [
        sys.executable,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-rfE",
        "--no-header",
        "-p",
        "no:cacheprovider",
        *mutant.tests,
    ]


def environment(root: Path) -> dict[str, str]:
    """The copy's harness first on the path; checkov from the original checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    checkov = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
    if "HARNESS_CHECKOV" not in env and checkov.is_file():
        env["HARNESS_CHECKOV"] = str(checkov)
    return env


def run_one(mutant: Mutant, root: Path) -> Outcome:
    """Apply one mutant in the copy at `root` and run its tests there."""
    start = time.monotonic()
    with applied(mutant, root):
        try:
            done = subprocess.run(
                pytest_command(mutant),
                cwd=root,
                env=environment(root),
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return Outcome(mutant, ERROR, seconds=time.monotonic() - start, detail="timed out")
    seconds = time.monotonic() - start
    output = done.stdout + done.stderr
    if done.returncode == 0:
        return Outcome(mutant, SURVIVED, seconds=seconds)
    if done.returncode in (1, 2) and killer_of(output):
        return Outcome(mutant, KILLED, killer=killer_of(output), seconds=seconds)
    last = (output.strip().splitlines() or ["(no output)"])[-1]
    return Outcome(mutant, ERROR, seconds=seconds, detail=f"pytest exit {done.returncode}: {last}")


def run_mutants(
    mutants: Sequence[Mutant],
    repo: Path = REPO_ROOT,
    jobs: int = 1,
    progress: Callable[[Outcome], None] | None = None,
) -> Report:
    """Copy `repo`'s tracked files once per job and run every mutant; the work tree is read only."""
    start = time.monotonic()
    files = tracked_files(repo)
    jobs = max(1, min(jobs, len(mutants) or 1))
    with tempfile.TemporaryDirectory(prefix="harness-mutate-") as scratch:
        slots: list[Path] = []
        for slot in range(jobs):
            root = Path(scratch) / f"copy-{slot}"
            copy_tree(repo, files, root)
            slots.append(root)
        check_targets(mutants, slots[0])
        free = list(slots)

        def work(mutant: Mutant) -> Outcome:
            root = free.pop()  # list.pop/append are atomic: each thread holds its own copy
            try:
                outcome = run_one(mutant, root)
            finally:
                free.append(root)
            if progress:
                progress(outcome)
            return outcome

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            outcomes = list(pool.map(work, mutants))
    return Report(outcomes=outcomes, seconds=time.monotonic() - start)


def select(mutants: Sequence[Mutant], ids: Sequence[str], areas: Sequence[str]) -> list[Mutant]:
    """The mutants named by id or area (all when neither is given); an unknown name is an error."""
    known_ids = {m.id for m in mutants}
    known_areas = {m.area for m in mutants}
    unknown = [i for i in ids if i not in known_ids] + [a for a in areas if a not in known_areas]
    if unknown:
        raise UsageError(f"unknown mutant or area: {', '.join(unknown)}")
    if not ids and not areas:
        return list(mutants)
    return [m for m in mutants if m.id in ids or m.area in areas]

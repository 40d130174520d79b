"""`python -m harness mutate`: the catalogue's coverage, its exit codes and its JSON report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import cli
from harness.commands import mutate as command
from harness.errors import FINDINGS, OK, USAGE, UsageError
from harness.mutate import Mutant, check_targets, killer_of
from harness.mutate.catalogue import MUTANTS, SCAN
from harness.paths import ANSIBLE_DIR, REPO_ROOT
from harness.policy.catalogue import CATALOGUE

pytestmark = pytest.mark.unit

FAST_TEST = "tests/unit/test_template_guards.py::test_template_guards_router_serves_some_path"
HARMLESS = Mutant(
    "harmless-comment",
    "test",
    "terraform/modules/api/listener.tf",
    "# Weighted across the colours",
    "# Weighted over the colours",
    "a comment changes",
    (FAST_TEST,),
)
KILLABLE = Mutant(
    "router-gone",
    "test",
    "app/lib/hello_world/router.ex",
    'def route("GET", "/v1/"), do: {200,',
    'def route("GET", "/v1/"), do: {404,',
    "the health-check path answers 404",
    (
        "tests/unit/test_template_guards.py::"
        "test_template_guards_health_check_path_is_served_by_the_app",
    ),
)


def test_mutate_catalogue_is_large_enough() -> None:
    """At least 40 mutants, each id once."""
    assert len(MUTANTS) >= 40
    assert len({m.id for m in MUTANTS}) == len(MUTANTS)


@pytest.mark.parametrize("policy", [p.id for p in CATALOGUE])
def test_mutate_catalogue_covers_every_policy(policy: str) -> None:
    """Every policy of the catalogue has a mutant that breaks it."""
    assert any(m.area == f"policy:{policy}" for m in MUTANTS), f"no mutant for {policy}"


@pytest.mark.parametrize("role", sorted(p.name for p in (ANSIBLE_DIR / "roles").iterdir()))
def test_mutate_catalogue_covers_every_role(role: str) -> None:
    """Every Ansible role has a mutant that weakens its hardening."""
    assert any(m.area == f"role:{role}" for m in MUTANTS), f"no mutant for role {role}"


@pytest.mark.parametrize("area", ["release", "state", "keysync", "sweep"])
def test_mutate_catalogue_covers_the_release_path_key_sync_and_sweeper(area: str) -> None:
    """The release path, the state bucket, the key sync and the sweeper have mutants."""
    assert any(m.area == area for m in MUTANTS)


@pytest.mark.parametrize("flag", ["ignore_public_acls", "restrict_public_buckets"])
def test_mutate_catalogue_public_access_flags_are_the_policy_scans_to_kill(flag: str) -> None:
    """The two public access flags CKV2_AWS_6 does not read have a mutant that names the policy
    scan first (-x stops at the first failing test: the killer shows the gate refused it)."""
    mutants = [m for m in MUTANTS if m.find.startswith(flag) and m.replace.endswith("false")]
    assert mutants, f"no mutant turns {flag} off"
    assert all(m.tests[0].startswith("tests/policy/") for m in mutants)


@pytest.mark.parametrize(
    "mutant_id", ["net05-flow-log-count-zero", "cred02-s3-endpoint-count-zero"]
)
def test_mutate_catalogue_evidence_never_created_is_caught_by_the_scan(mutant_id: str) -> None:
    """A flow log or endpoint declared with count = 0 is a mutant for the policy scan (it used
    to pass as evidence for the VPC)."""
    mutant = next(m for m in MUTANTS if m.id == mutant_id)
    assert "count" in mutant.replace
    assert mutant.tests == (SCAN,)


def test_mutate_catalogue_targets_are_found_exactly_once() -> None:
    """Every mutant's text is in its file exactly once (else the catalogue is stale)."""
    check_targets(MUTANTS, REPO_ROOT)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.id)
def test_mutate_catalogue_names_fast_tests_that_exist(mutant: Mutant) -> None:
    """A mutant names only unit or policy tests, in files that exist."""
    for test in mutant.tests:
        path = test.split("::")[0]
        assert path.startswith(("tests/unit/", "tests/policy/")), f"{mutant.id}: {test}"
        assert (REPO_ROOT / path).is_file(), f"{mutant.id}: {path} does not exist"


def test_mutate_target_gone_fails_loudly(tmp_path: Path) -> None:
    """A mutant whose text is not in its file is an error naming the mutant, not a pass."""
    gone = Mutant("gone", "test", "a.tf", "nowhere", "x", "r", (FAST_TEST,))
    (tmp_path / "a.tf").write_text("something else\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"mutant gone: 'nowhere' found 0 times in a\.tf"):
        check_targets([gone], tmp_path)


def test_mutate_target_twice_fails_loudly(tmp_path: Path) -> None:
    """A text found twice would mutate the wrong place: an error too."""
    twice = Mutant("twice", "test", "a.tf", "x = 1", "x = 2", "r", (FAST_TEST,))
    (tmp_path / "a.tf").write_text("x = 1\nx = 1\n", encoding="utf-8")
    with pytest.raises(UsageError, match="mutant twice: 'x = 1' found 2 times"):
        check_targets([twice], tmp_path)


def test_mutate_command_target_gone_exits_2_naming_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On the command line a stale mutant exits 2 with its id on stderr."""
    stale = Mutant("stale", "test", HARMLESS.file, "not in the file", "x", "r", (FAST_TEST,))
    monkeypatch.setattr(command, "MUTANTS", (stale,))
    assert cli.main(["mutate", "--jobs", "1"]) == USAGE
    assert "mutant stale" in capsys.readouterr().err


def test_mutate_harmless_mutant_survives_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mutant no test can see is reported survived, and the command exits 1."""
    monkeypatch.setattr(command, "MUTANTS", (HARMLESS,))
    assert cli.main(["mutate", "--jobs", "1", "--format", "json"]) == FINDINGS
    report = json.loads(capsys.readouterr().out)
    assert [(m["id"], m["status"], m["killed_by"]) for m in report["mutants"]] == [
        ("harmless-comment", "survived", None)
    ]


def test_mutate_killed_mutant_json_shape(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A killed mutant names its killing test; the JSON carries areas, totals, score, time;
    the work tree is left as it was."""
    before = (REPO_ROOT / KILLABLE.file).read_text(encoding="utf-8")
    monkeypatch.setattr(command, "MUTANTS", (KILLABLE, HARMLESS))
    assert cli.main(["mutate", "--jobs", "2", "--format", "json"]) == FINDINGS
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"mutants", "areas", "killed", "total", "score", "seconds"}
    assert set(report["mutants"][0]) == {
        "id",
        "area",
        "file",
        "reason",
        "status",
        "killed_by",
        "seconds",
        "detail",
    }
    assert report["mutants"][0]["status"] == "killed"
    assert report["mutants"][0]["killed_by"] == KILLABLE.tests[0]
    assert report["areas"] == {"test": {"killed": 1, "total": 2}}
    assert (report["killed"], report["total"], report["score"]) == (1, 2, 0.5)
    assert report["seconds"] > 0
    assert (REPO_ROOT / KILLABLE.file).read_text(encoding="utf-8") == before


def test_mutate_all_killed_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every mutant killed: exit 0."""
    monkeypatch.setattr(command, "MUTANTS", (KILLABLE,))
    assert cli.main(["mutate", "--jobs", "1"]) == OK


def test_mutate_unknown_area_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown --area exits 2 and names it."""
    assert cli.main(["mutate", "--area", "nowhere"]) == USAGE
    assert "nowhere" in capsys.readouterr().err


def test_mutate_killer_is_read_from_pytest_summary() -> None:
    """The killing test is the first FAILED (or ERROR) line of pytest's summary."""
    output = "....\nFAILED tests/unit/a.py::test_b[x] - AssertionError\nFAILED tests/unit/c.py\n"
    assert killer_of(output) == "tests/unit/a.py::test_b[x]"
    assert killer_of("1 passed") is None

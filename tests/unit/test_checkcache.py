"""The check cache: an unchanged input answers from it, a change to any input runs the check."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from harness import checkcache, terraform, validate
from harness.checkcache import Inputs
from harness.policy import scancache

pytestmark = pytest.mark.unit

LOCK = "# This file is maintained automatically by terraform init.\n"
ROOT_TF = """module "m" {
  source = "../modules/m"
  name   = "a"
}

output "name" {
  value = module.m.name
}
"""
MODULE_TF = 'variable "name" {\n  type = string\n}\n\noutput "name" {\n  value = var.name\n}\n'


@pytest.fixture(autouse=True)
def cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private, enabled cache for each test."""
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(checkcache.ENV, raising=False)
    return tmp_path / "cache"


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A tiny template: a root that calls a module, a module no root calls, a lock file."""
    base = tmp_path / "template"
    for path, text in {
        "root/main.tf": ROOT_TF,
        "root/.terraform.lock.hcl": LOCK,
        "modules/m/main.tf": MODULE_TF,
        "modules/unused/main.tf": MODULE_TF,
    }.items():
        (base / path).parent.mkdir(parents=True, exist_ok=True)
        (base / path).write_text(text)
    return base


class FakeCheck:
    """A check that counts its runs and returns what it is told."""

    def __init__(self, result: object = "ok") -> None:
        self.runs = 0
        self.result = result

    def __call__(self) -> object:
        self.runs += 1
        return self.result


def _ran(inputs: Callable[[], Inputs | None], check: FakeCheck) -> bool:
    """Run `check` through the cache; True when it really ran."""
    before = check.runs
    checkcache.cached(inputs, check)
    return check.runs > before


# --- terraform validate's inputs -------------------------------------------------------------


@pytest.fixture
def validate_key(monkeypatch: pytest.MonkeyPatch, template: Path) -> Callable[[], Inputs | None]:
    """validate's inputs for the tiny root, with a stated terraform version and no mirror."""
    monkeypatch.setattr(validate, "terraform_version", lambda: "1.11.4 linux_amd64")
    monkeypatch.setattr(validate, "plugin_mirror", lambda: None)
    return lambda: validate.validate_inputs(template, "root")


def test_checkcache_unchanged_input_answers_from_the_cache(
    validate_key: Callable[[], Inputs | None],
) -> None:
    check = FakeCheck()
    assert _ran(validate_key, check)
    assert checkcache.cached(validate_key, check) == ("ok", True)
    assert check.runs == 1


@pytest.mark.parametrize(
    ("edit", "reruns"),
    [
        ("root/main.tf", True),
        ("modules/m/main.tf", True),
        ("root/.terraform.lock.hcl", True),
        ("modules/unused/main.tf", False),
    ],
    ids=["root file", "module the root calls", "lock file", "module nobody calls"],
)
def test_checkcache_validate_reruns_when_an_input_file_changes(
    validate_key: Callable[[], Inputs | None], template: Path, edit: str, reruns: bool
) -> None:
    check = FakeCheck()
    assert _ran(validate_key, check)
    with (template / edit).open("a") as handle:
        handle.write("\n# edited\n")
    assert _ran(validate_key, check) is reruns


def test_checkcache_validate_reruns_for_another_terraform_version(
    monkeypatch: pytest.MonkeyPatch, validate_key: Callable[[], Inputs | None]
) -> None:
    check = FakeCheck()
    assert _ran(validate_key, check)
    monkeypatch.setattr(validate, "terraform_version", lambda: "1.12.0 linux_amd64")
    assert _ran(validate_key, check)


def test_checkcache_validate_reruns_when_a_module_is_added_to_the_calls(
    validate_key: Callable[[], Inputs | None], template: Path
) -> None:
    check = FakeCheck()
    assert _ran(validate_key, check)
    with (template / "root" / "main.tf").open("a") as handle:
        handle.write('\nmodule "u" {\n  source = "../modules/unused"\n  name   = "b"\n}\n')
    assert _ran(validate_key, check)
    (template / "modules" / "unused" / "main.tf").write_text(MODULE_TF + "\n# now an input\n")
    assert _ran(validate_key, check)


def test_checkcache_validate_is_not_cached_with_a_remote_module(
    validate_key: Callable[[], Inputs | None], template: Path
) -> None:
    """What init downloads for a registry module is not an input the cache can see."""
    with (template / "root" / "main.tf").open("a") as handle:
        handle.write('\nmodule "r" {\n  source  = "terraform-aws-modules/vpc/aws"\n}\n')
    assert validate_key() is None


def test_checkcache_validate_without_lock_or_mirror_is_not_cached(
    validate_key: Callable[[], Inputs | None], template: Path
) -> None:
    (template / "root" / ".terraform.lock.hcl").unlink()
    assert validate_key() is None


# --- checkov's inputs ------------------------------------------------------------------------


@pytest.fixture
def scan_key(
    monkeypatch: pytest.MonkeyPatch, template: Path, tmp_path: Path
) -> Callable[[], Inputs | None]:
    """The scan's inputs for the tiny template, with the checks, catalogue and checkov in
    tmp_path (copies of the real checks and catalogue; a fake checkov virtualenv)."""
    checks = tmp_path / "checks"
    shutil.copytree(scancache.CHECKS_DIR, checks, ignore=shutil.ignore_patterns("__pycache__"))
    code = tmp_path / "code"
    code.mkdir()
    for source in scancache.SCAN_CODE:
        shutil.copy(source, code / source.name)
    monkeypatch.setattr(scancache, "CHECKS_DIR", checks)
    monkeypatch.setattr(scancache, "SCAN_CODE", tuple(code / p.name for p in scancache.SCAN_CODE))
    venv = tmp_path / "venv-checkov"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "checkov").write_text("#!/bin/sh\n")
    (venv / "lib/python3.11/site-packages/checkov-3.3.30.dist-info").mkdir(parents=True)
    return lambda: scancache.scan_inputs(template, [], ["CKV_AWS_79"], str(venv / "bin/checkov"))


def _rename_dist(tmp_path: Path) -> None:
    site = tmp_path / "venv-checkov/lib/python3.11/site-packages"
    (site / "checkov-3.3.30.dist-info").rename(site / "checkov-3.3.31.dist-info")


def _append(path: Path) -> None:
    with path.open("a") as handle:
        handle.write("\n# edited\n")


@pytest.mark.parametrize(
    "change",
    [
        lambda t, tmp: _append(t / "root" / "main.tf"),
        lambda t, tmp: _append(t / "modules" / "unused" / "main.tf"),
        lambda t, tmp: (t / "root" / "policy.json").write_text("{}"),
        lambda t, tmp: _rename_dist(tmp),
        lambda t, tmp: _append(tmp / "checks" / "tpl_imds.py"),
        lambda t, tmp: _append(tmp / "code" / "catalogue.py"),
    ],
    ids=["tf file", "module file", "new file", "checkov version", "custom check", "catalogue"],
)
def test_checkcache_scan_reruns_when_an_input_changes(
    scan_key: Callable[[], Inputs | None],
    template: Path,
    tmp_path: Path,
    change: Callable[[Path, Path], object],
) -> None:
    check = FakeCheck({"results": {}})
    assert _ran(scan_key, check)
    assert not _ran(scan_key, check)
    change(template, tmp_path)
    assert _ran(scan_key, check)


def test_checkcache_scan_reruns_for_other_parameters(
    scan_key: Callable[[], Inputs | None], template: Path, tmp_path: Path
) -> None:
    """The checks run and the files skipped are parameters of the key."""
    check = FakeCheck({"results": {}})
    assert _ran(scan_key, check)
    binary = str(tmp_path / "venv-checkov/bin/checkov")
    other_checks = lambda: scancache.scan_inputs(template, [], ["CKV_AWS_8"], binary)  # noqa: E731
    assert _ran(other_checks, check)
    skip = [template / "modules" / "unused" / "main.tf"]
    skipping = lambda: scancache.scan_inputs(template, skip, ["CKV_AWS_79"], binary)  # noqa: E731
    assert _ran(skipping, check)
    assert not _ran(skipping, check)


def test_checkcache_scan_reads_modules_and_documents_outside_the_scanned_directory(
    scan_key: Callable[[], Inputs | None], template: Path, tmp_path: Path
) -> None:
    """Scanning the root alone still keys on the module it calls and a file() it reads."""
    binary = str(tmp_path / "venv-checkov/bin/checkov")
    root_only = lambda: scancache.scan_inputs(template / "root", [], ["X"], binary)  # noqa: E731
    with (template / "root" / "main.tf").open("a") as handle:
        handle.write('\nlocals {\n  doc = file("${path.module}/../policy.json")\n}\n')
    check = FakeCheck({"results": {}})
    assert _ran(root_only, check)
    _append(template / "modules" / "m" / "main.tf")
    assert _ran(root_only, check)
    (template / "policy.json").write_text('{"Statement": []}')
    assert _ran(root_only, check)
    assert not _ran(root_only, check)


def test_checkcache_scan_document_moves_with_the_scanned_directory(tmp_path: Path) -> None:
    """A report stored for one directory names the other when read back there."""
    first, second = tmp_path / "a", tmp_path / "b"
    document = {
        "results": {
            "failed_checks": [{"file_abs_path": f"{first}/main.tf", "file_path": "/main.tf"}]
        }
    }
    restored = scancache.restored(json.loads(json.dumps(scancache.stored(document, first))), second)
    assert restored["results"]["failed_checks"][0] == {
        "file_abs_path": f"{second}/main.tf",
        "file_path": "/main.tf",
    }


def test_checkcache_scan_keeps_finished_reports_only() -> None:
    """A report (parse errors are the file's, and are kept), or a list of them; not junk."""
    assert scancache.complete({"results": {"failed_checks": []}, "summary": {"parsing_errors": 0}})
    assert scancache.complete({"results": {"parsing_errors": ["/x/broken.tf"]}})
    assert scancache.complete([{"results": {}}, {"summary": {"parsing_errors": 1}}])
    assert not scancache.complete([])
    assert not scancache.complete(["checkov printed this"])


# --- the cache itself ------------------------------------------------------------------------


def _static(tmp_path: Path, **extra: object) -> Callable[[], Inputs]:
    def inputs() -> Inputs:
        key = Inputs("fake", extra=dict(extra))
        key.add_files([tmp_path / "input.txt"], tmp_path)
        return key

    (tmp_path / "input.txt").touch()
    return inputs


def test_checkcache_extra_parameter_is_part_of_the_key(tmp_path: Path) -> None:
    check = FakeCheck()
    assert _ran(_static(tmp_path, strict=False), check)
    assert _ran(_static(tmp_path, strict=True), check)
    assert not _ran(_static(tmp_path, strict=False), check)


def test_checkcache_corrupt_entry_reruns_and_is_replaced(tmp_path: Path, cache: Path) -> None:
    check = FakeCheck()
    inputs = _static(tmp_path)
    assert _ran(inputs, check)
    (entry,) = (cache / "checks" / "fake").glob("*.json")
    entry.write_text('{"key": "trunc')
    assert _ran(inputs, check)
    assert json.loads(entry.read_text())["value"] == "ok"
    assert not _ran(inputs, check)


def test_checkcache_entry_of_another_key_is_a_miss(tmp_path: Path, cache: Path) -> None:
    check = FakeCheck()
    inputs = _static(tmp_path)
    assert _ran(inputs, check)
    (entry,) = (cache / "checks" / "fake").glob("*.json")
    entry.write_text(json.dumps({"key": "0" * 64, "value": "forged"}))
    assert checkcache.cached(inputs, check) == ("ok", False)


def test_checkcache_disabled_by_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: Path
) -> None:
    monkeypatch.setenv(checkcache.ENV, "0")
    check = FakeCheck()
    inputs = _static(tmp_path)
    assert _ran(inputs, check)
    assert _ran(inputs, check)
    assert not (cache / "checks" / "fake").exists()


def test_checkcache_rejected_result_is_not_stored(tmp_path: Path) -> None:
    """A failing (or incomplete) result the caller refuses runs again next time."""
    check = FakeCheck("failed")
    inputs = _static(tmp_path)
    for _ in range(2):
        assert checkcache.cached(inputs, check, keep=lambda r: r == "ok") == ("failed", False)
    assert check.runs == 2


def test_checkcache_crashed_check_is_not_stored(tmp_path: Path, cache: Path) -> None:
    def crash() -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        checkcache.cached(_static(tmp_path), crash)
    assert not list((cache / "checks").rglob("*.json"))


def test_checkcache_input_edited_during_the_run_is_not_stored(tmp_path: Path) -> None:
    inputs = _static(tmp_path)

    def edits_its_input() -> str:
        (tmp_path / "input.txt").write_text("changed while checking")
        return "ok"

    assert checkcache.cached(inputs, edits_its_input) == ("ok", False)
    check = FakeCheck()
    assert _ran(inputs, check)  # the changed input was never answered


def test_checkcache_prune_keeps_the_most_recently_used(tmp_path: Path) -> None:
    for n in range(5):
        entry = tmp_path / f"{n}.json"
        entry.write_text("{}")
        os.utime(entry, (n, n))
    checkcache.prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["3.json", "4.json"]


# --- end to end: the real terraform ----------------------------------------------------------


def test_checkcache_real_validate_is_served_from_the_cache_until_a_file_changes(
    template: Path,
) -> None:
    if not shutil.which("terraform"):
        pytest.skip("terraform binary not on PATH")
    seen: list[tuple[str, str | None, bool]] = []

    def progress(root: str, error: str | None, cached: bool) -> None:
        seen.append((root, error, cached))

    def run() -> None:
        workdir = terraform.copy_template(template, into=template.parent)
        validate.validate_all(["root"], workdir, jobs=1, progress=progress)

    run()
    run()
    _append(template / "modules" / "m" / "main.tf")
    run()
    (template / "modules" / "m" / "main.tf").write_text(MODULE_TF.replace("var.name", "var.nme"))
    run()
    run()
    assert [(error is None, cached) for _, error, cached in seen] == [
        (True, False),
        (True, True),
        (True, False),
        (False, False),
        (False, False),
    ]
    assert "undeclared input variable" in str(seen[-1][1])

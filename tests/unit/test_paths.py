"""Paths, caches and the file lock: one place, honouring HARNESS_CACHE, safe run ids."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import IO

import pytest

from harness.errors import UsageError
from harness.paths import cache_dir, cache_root, check_run_id, file_lock, run_dir

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("run_id", ["r1201abcdef", "gh123a1", "t_1-2", "A" * 40])
def test_paths_run_id_accepted(run_id: str) -> None:
    assert check_run_id(run_id) == run_id


@pytest.mark.parametrize("run_id", ["", "../../x", "a/b", ".", "-x", "a b", "A" * 41, "x\n"])
def test_paths_run_id_rejected_before_it_becomes_a_path(
    run_id: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path))
    with pytest.raises(UsageError, match="run id"):
        run_dir(run_id)


def test_paths_cache_honours_harness_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "c"))
    assert cache_root() == tmp_path / "c"
    assert cache_dir("logs").is_dir()
    assert run_dir("r1") == tmp_path / "c" / "runs" / "r1"


def test_paths_file_lock_reports_the_holder_or_waits(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    seen: list[str] = []

    def who(handle: IO[str]) -> None:
        seen.append(handle.read())

    with file_lock(lock) as handle:
        handle.write("holder 1")
        handle.flush()
        with pytest.raises(BlockingIOError), file_lock(lock, wait=False, on_wait=who):
            pass
        released = threading.Event()

        def second() -> None:
            with file_lock(lock):
                released.set()

        waiter = threading.Thread(target=second)
        waiter.start()
        assert not released.wait(0.2)
    waiter.join(5)
    assert released.is_set()
    assert seen == ["holder 1"]


def test_paths_write_atomically_replaces_whole_with_its_mode(tmp_path: Path) -> None:
    from harness.paths import write_atomically

    target = tmp_path / "d" / "run.json"
    write_atomically(target, "old")
    write_atomically(target, "new", mode=0o600)
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["run.json"]

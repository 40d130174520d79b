"""The layer cache's own logic: where it lives and its one-builder-at-a-time lock."""

from __future__ import annotations

import fcntl
import threading
import time
from pathlib import Path

import pytest

from harness.image.layers import cache_lock, image_cache

pytestmark = pytest.mark.unit


def test_image_cache_lives_under_the_harness_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARNESS_IMAGE_CACHE", raising=False)
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    assert image_cache() == tmp_path / "cache" / "images"


def test_image_cache_variable_wins_over_the_harness_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HARNESS_IMAGE_CACHE", str(tmp_path / "layers"))
    assert image_cache() == tmp_path / "layers"


def test_cache_lock_waits_for_the_holder_and_says_so(tmp_path: Path) -> None:
    messages: list[str] = []
    entered = threading.Event()

    def second_builder() -> None:
        with cache_lock(tmp_path, messages.append):
            entered.set()

    with (tmp_path / ".lock").open("a") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        waiter = threading.Thread(target=second_builder)
        waiter.start()
        deadline = time.monotonic() + 10
        while not messages and time.monotonic() < deadline:
            time.sleep(0.01)
        assert messages == [f"waiting for another build using {tmp_path}"]
        assert not entered.is_set()
        fcntl.flock(holder, fcntl.LOCK_UN)
    waiter.join(timeout=10)
    assert entered.is_set()

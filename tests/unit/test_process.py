"""Child processes: stopped with one signal when the harness is interrupted or killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from harness.process import run_logged

pytestmark = pytest.mark.unit

# A child that, like terraform, finishes cleanly on its first SIGINT (and records how).
CHILD = textwrap.dedent(
    """
    import signal, sys, time
    seen = []
    def stop(signum, frame):
        seen.append(signum)
        open(sys.argv[1], "a").write(f"signal {signum}\\n")
        if len(seen) == 1:
            time.sleep(0.3)  # finishing its work, releasing its lock
            open(sys.argv[1], "a").write("clean exit\\n")
            sys.exit(130)
    signal.signal(signal.SIGINT, stop)
    print("started", flush=True)
    time.sleep(30)
    """
)


def child(tmp_path: Path) -> tuple[list[str], Path]:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    record = tmp_path / "record.txt"
    return [sys.executable, str(script), str(record)], record


def wait_for(path: Path, text: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never said {text!r}")


def test_process_interrupt_sends_one_sigint_and_waits(tmp_path: Path) -> None:
    command, record = child(tmp_path)
    log = tmp_path / "out.log"
    main = threading.get_ident()

    def interrupt() -> None:
        wait_for(log, "started")
        time.sleep(0.5)  # the child prints before Popen returns in the parent
        signal.pthread_kill(main, signal.SIGINT)

    threading.Thread(target=interrupt).start()
    with pytest.raises(KeyboardInterrupt):
        run_logged(command, tmp_path, os.environ, log, grace=10)
    assert record.read_text() == f"signal {int(signal.SIGINT)}\nclean exit\n"


def test_process_killed_harness_still_stops_its_child(tmp_path: Path) -> None:
    """SIGKILL of the harness: the kernel sends the child SIGINT, so nothing outlives it."""
    command, record = child(tmp_path)
    log = tmp_path / "out.log"
    harness = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys; from pathlib import Path; from harness.process import run_logged; "
            f"run_logged({command!r}, Path({str(tmp_path)!r}), os.environ, Path({str(log)!r}))",
        ]
    )
    wait_for(log, "started")
    harness.kill()
    harness.wait()
    wait_for(record, "clean exit")
    assert record.read_text().startswith(f"signal {int(signal.SIGINT)}\n")


def test_process_exit_code_and_log(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    code = run_logged(
        [sys.executable, "-c", "print('hello'); raise SystemExit(3)"], tmp_path, os.environ, log
    )
    assert code == 3
    assert log.read_text() == "hello\n"

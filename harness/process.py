"""Child processes that never outlive the harness and stop cleanly when it is interrupted."""

from __future__ import annotations

import ctypes
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

PR_SET_PDEATHSIG = 1


def signal_on_parent_death(signum: int) -> Callable[[], None]:
    """A preexec_fn: the child gets `signum` when the harness process dies (Linux), even by
    SIGKILL, so no child outlives the command that started it."""

    def arm() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signum)

    return arm


def stop(process: subprocess.Popen[str], signum: int, grace: float) -> None:
    """Send `signum` once and wait up to `grace` seconds; then SIGKILL (never two SIGINTs:
    terraform answers a second interrupt by exiting at once, leaving its lock and state)."""
    if process.poll() is not None:
        return
    process.send_signal(signum)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_logged(
    command: Sequence[str],
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
    stop_signal: int = signal.SIGINT,
    grace: float = 300.0,
) -> int:
    """Run `command` with its output in `log`; return its exit code.

    The child runs in its own session, so a Ctrl-C on the terminal reaches the harness only;
    on KeyboardInterrupt (or any exception, e.g. SIGTERM turned into one) the harness sends
    the child exactly one `stop_signal`, waits for it to finish cleanly, then re-raises. If
    the harness is killed outright, the kernel sends the child `stop_signal` instead.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    process: subprocess.Popen[str] | None = None
    with log.open("w", encoding="utf-8") as out:
        try:
            process = subprocess.Popen(
                list(command),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
                preexec_fn=signal_on_parent_death(stop_signal),
            )
            return process.wait()
        except BaseException:
            if process is not None:
                stop(process, stop_signal, grace)
            raise

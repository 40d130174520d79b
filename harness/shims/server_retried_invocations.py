"""Shim: a retried SDK call gets the answer its first attempt got, instead of a second effect."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.shims._patch import patch

# How long a call's first answer is kept for its retries (the SDKs retry within seconds of a
# lost answer; the data plane's reads alone add a few answers a second).
KEEP_SECONDS = 300.0
# How long a retry waits for its first attempt, still running, to answer.
WAIT_SECONDS = 300.0
# Reads are answered again as they are: retrying one changes nothing (and S3 bodies are big).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class _Answer:
    """The first attempt's answer to one invocation; `done` once it is known (or failed)."""

    started: float
    done: threading.Event = field(default_factory=threading.Event)
    status: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


_ANSWERS: OrderedDict[str, _Answer] = OrderedDict()  # oldest first
_LOCK = threading.Lock()


def _claim(invocation: str) -> tuple[_Answer, bool]:
    """This invocation's answer record, and whether this attempt is its first."""
    now = time.monotonic()
    with _LOCK:
        while _ANSWERS and now - next(iter(_ANSWERS.values())).started > KEEP_SECONDS:
            _ANSWERS.popitem(last=False)
        known = _ANSWERS.get(invocation)
        if known is not None:
            return known, False
        answer = _ANSWERS[invocation] = _Answer(started=now)
        return answer, True


def apply() -> None:
    """moto runs every attempt of a retried SDK call again: a create whose answer was lost
    happens twice.

    The AWS SDKs retry a call whose answer did not arrive (a reset connection, a timeout)
    and mark it: `amz-sdk-invocation-id` is the same for every attempt of one call. On a
    loaded machine moto's development HTTP server sometimes completes a call whose answer
    the provider never reads; the retry then ran the call again, and the apply failed on
    the emulator's own lost answer: a second NAT gateway for the same Elastic IP
    (`Resource.AlreadyAssociated`), a security group rule created twice
    (`InvalidPermission.Duplicate`). This keeps the first answer to each invocation for
    five minutes and gives it to that invocation's later attempts (waiting while the first
    still runs); a new call, with a new invocation id, is served by moto as before, so an
    API error AWS would give (a rule that already exists) is still given.
    """
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    @patch(DomainDispatcherApplication, "__call__")
    def __call__(
        original: Callable[..., Iterable[bytes]],
        self: DomainDispatcherApplication,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
    ) -> Iterable[bytes]:
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not invocation or environ.get("REQUEST_METHOD", "GET") in READ_METHODS:
            return original(self, environ, start_response)
        answer, first = _claim(str(invocation))
        if not first:
            answer.done.wait(WAIT_SECONDS)
            if answer.status is not None:
                start_response(answer.status, answer.headers)
                return [answer.body]
            return original(self, environ, start_response)  # the first attempt gave nothing

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.status, answer.headers = status, list(headers)
            return start_response(status, headers, exc_info)

        try:
            chunks = original(self, environ, record)
            try:
                answer.body = b"".join(chunks)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
        except BaseException:
            answer.status = None
            raise
        finally:
            answer.done.set()
        return [answer.body]

"""Real-account only: traffic through the ALB during a switch (moto routes no traffic).

Run with `pytest tests/integration --harness-account=aws` and HARNESS_AWS_ACCOUNT_ID set;
every other integration test then runs against that account too.
"""

from __future__ import annotations

import ssl
import threading
import urllib.error
import urllib.request
from collections import Counter

import pytest

from harness.bluegreen import ReleaseTool
from harness.platform import TerraformPlatform
from harness.stack import Stack

pytestmark = [pytest.mark.integration, pytest.mark.aws]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """One HTTPS request to the ALB (its name is not on the certificate)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5, context=context) as response:
            return response.status, response.read(200).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return 0, ""


def test_switch_serves_no_errors_and_version_flips(stack: Stack) -> None:
    """Polling /version through the ALB during promote: zero non-2xx, and the version flips."""
    stack.ensure("production")
    platform = TerraformPlatform.for_stack(stack)
    tool = ReleaseTool(platform, timeout=900.0, interval=15.0)
    base = f"https://{stack.output('production')['alb_dns_name']}"
    tool.deploy("v2.0.0")
    seen: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            status, body = get(f"{base}/version")
            statuses[status] += 1
            seen[body.strip()[:40]] += 1

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        tool.promote((10, 50, 100))
    finally:
        done.set()
        poller.join()
    errors = {s: n for s, n in statuses.items() if not 200 <= s < 300}
    assert not errors, f"non-2xx answers during the switch: {errors}"
    assert any("2.0.0" in body for body in seen), seen

"""The data plane's process: `python -m harness.dataplane --endpoint URL --project P --directory D`.

One loop: read the account through the AWS API (every READ_SECONDS), run and drain instances,
give the health checks their targets, render the proxy's configuration and reload it when it
changed (health changes are picked up every TICK_SECONDS), write status.json. SIGTERM or
SIGINT stops every instance, the proxy and the probes before the process exits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from harness.account.moto import free_port
from harness.dataplane.client import HEALTH_FILE, STATUS_FILE
from harness.dataplane.health import HealthChecks
from harness.dataplane.instances import Instances
from harness.dataplane.model import Snapshot, read_groups, read_instances, read_listeners
from harness.dataplane.proxy import Proxy, render
from harness.paths import write_atomically

READ_SECONDS = 0.5
TICK_SECONDS = 0.1
# A reload's new workers take a few tens of milliseconds to accept; health changes reach
# DescribeTargetHealth only after that, so "healthy" always means "routed".
RELOAD_SETTLE_SECONDS = 0.2
TLS_DIR = "tls"


def certificate_file(directory: Path, certificate_pem: str) -> Path:
    """Where the seeded certificate's PEM (certificate and key) lives for the proxy."""
    name = hashlib.sha256(certificate_pem.strip().encode()).hexdigest()[:32]
    return directory / TLS_DIR / f"{name}.pem"


class DataPlane:
    """The loop's state: clients, instances, probes, proxy and the frontend ports."""

    def __init__(self, endpoint: str, region: str, project: str, directory: Path, scale: float):
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
        )
        config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5)
        self.clients: dict[str, Any] = {
            name: session.client(name, endpoint_url=endpoint, config=config)
            for name in ("ec2", "elbv2", "s3", "acm")
        }
        self.directory = directory
        self.instances = Instances(directory, self.clients["s3"], project, scale)
        self.health = HealthChecks(directory / HEALTH_FILE, scale)
        self.proxy = Proxy(directory)
        self.frontends: dict[str, int] = {}
        self.pems: dict[str, Path] = {}
        self.images: dict[str, dict[str, str]] = {}
        self.snapshot = Snapshot({}, {}, ())
        self.problems: list[str] = []
        self.generation = 0
        self.read_error = ""
        self._status = ""
        self.applied_at = 0.0

    def read(self) -> None:
        """A new snapshot of the account (kept as it was when the API does not answer)."""
        try:
            groups = read_groups(self.clients["elbv2"])
            instances = read_instances(self.clients["ec2"], self.images, self.snapshot.instances)
            listeners = read_listeners(self.clients["elbv2"])
        except Exception as error:
            self.read_error = f"{error.__class__.__name__}: {str(error)[:200]}"
            return
        self.read_error = ""
        self.snapshot = Snapshot(instances, groups, listeners)
        for listener in listeners:
            self.frontends.setdefault(listener.key, free_port())
            if listener.certificate_arn and listener.certificate_arn not in self.pems:
                self._certificate(listener.certificate_arn)

    def _certificate(self, arn: str) -> None:
        try:
            pem = self.clients["acm"].get_certificate(CertificateArn=arn)["Certificate"]
        except Exception:
            return
        path = certificate_file(self.directory, str(pem))
        if path.is_file():
            self.pems[arn] = path

    def tick(self) -> None:
        """Instances, probes and proxy from the current snapshot; status when it changed."""
        self.instances.reconcile(self.snapshot.instances, self.snapshot.groups)
        ports = self.instances.ports()
        self.health.update(self.snapshot.groups, ports)
        rendered = render(
            self.snapshot.listeners,
            self.snapshot.groups,
            self.health.healthy(),
            ports,
            self.frontends,
            self.pems,
        )
        self.problems = rendered.problems
        if rendered.text != self.proxy.current:
            if self.proxy.apply(rendered.text):
                self.generation += 1
                self.applied_at = time.monotonic()
            else:
                self.problems.append("the proxy refused its configuration (haproxy.rejected.cfg)")
        if time.monotonic() - self.applied_at >= RELOAD_SETTLE_SECONDS:
            self.health.flush()
        self._write_status()

    def _write_status(self) -> None:
        listeners = {
            listener.key: f"{'https' if listener.protocol == 'HTTPS' else 'http'}://127.0.0.1:"
            f"{self.frontends[listener.key]}"
            for listener in self.snapshot.listeners
            if listener.key in self.frontends
        }
        document: dict[str, Any] = {
            "listeners": listeners,
            "generation": self.generation,
            "reloads": self.proxy.reloads,
            "problems": self.problems + ([self.read_error] if self.read_error else []),
            "hosts": {i: h.document() for i, h in sorted(self.instances.hosts.items())},
            "proxy_pid": self.proxy.process.pid if self.proxy.process else None,
        }
        text = json.dumps(document, indent=1, sort_keys=True)
        if text != self._status:
            write_atomically(self.directory / STATUS_FILE, text)
            self._status = text

    def stop(self) -> None:
        """Stop instances, probes and proxy."""
        self.health.stop()
        self.instances.stop_all()
        self.proxy.stop()


def run(args: argparse.Namespace) -> int:
    """The loop, until SIGTERM or SIGINT."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    directory = Path(args.directory)
    directory.mkdir(parents=True, exist_ok=True)
    plane = DataPlane(args.endpoint, args.region, args.project, directory, args.scale)
    plane.health.start()
    try:
        next_read = 0.0
        while not stop.is_set():
            if time.monotonic() >= next_read:
                plane.read()
                next_read = time.monotonic() + READ_SECONDS
            try:
                plane.tick()
            except Exception:  # one bad tick must not take the data plane down
                traceback.print_exc()  # into dataplane.log beside the run
                plane.read_error = "internal error in a tick (see dataplane.log)"
            stop.wait(TICK_SECONDS)
    finally:
        plane.stop()
        shutil.rmtree(directory, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the loop."""
    parser = argparse.ArgumentParser(prog="python -m harness.dataplane")
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--directory", required=True)
    parser.add_argument("--scale", type=float, default=0.1)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

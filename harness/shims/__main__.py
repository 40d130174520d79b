"""Run a moto server with the harness's shims: `python -m harness.shims --port P [--shims a,b]`.

With `--dataplane-dir D --project P` the server also runs the data plane (harness.dataplane)
as its child: started with the server, stopped with it (when the server exits, by SIGTERM or SIGINT,
it stops the data plane, which stops its instances and proxy and removes D; killed
outright, the data plane gets SIGTERM from the kernel and does the same), so a kept run's data plane
lives exactly as long as its server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from harness import shims
from harness.dataplane.client import HEALTH_FILE
from harness.process import signal_on_parent_death
from harness.shims.target_health_from_probes import HEALTH_FILE_VARIABLE

DATAPLANE_STOP_SECONDS = 15.0


def start_dataplane(
    port: int, region: str, project: str, directory: Path
) -> subprocess.Popen[bytes]:
    """The data plane process, dying with this server even when the server is killed."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    log = (directory.parent / "dataplane.log").open("ab")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness.dataplane",
            "--endpoint",
            f"http://127.0.0.1:{port}",
            "--region",
            region,
            "--project",
            project,
            "--directory",
            str(directory),
        ],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=signal_on_parent_death(signal.SIGTERM),
    )


def stop_dataplane(process: subprocess.Popen[bytes], directory: Path) -> None:
    """SIGTERM, wait, SIGKILL if it hangs; then remove its directory."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=DATAPLANE_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    """Apply the requested shims, then serve moto on the loopback interface until killed."""
    parser = argparse.ArgumentParser(prog="python -m harness.shims")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--shims",
        default=",".join(shims.SHIM_MODULES),
        help="comma-separated shim names ('' for plain moto)",
    )
    parser.add_argument("--project", default="")
    parser.add_argument("--dataplane-dir", default="")
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "eu-west-1"))
    args = parser.parse_args(argv)
    names = tuple(name for name in args.shims.split(",") if name)
    shims.apply(names)

    from moto.server import main as moto_main

    if not args.dataplane_dir:
        moto_main(["--host", args.host, "--port", str(args.port)])
        return
    directory = Path(args.dataplane_dir)
    os.environ[HEALTH_FILE_VARIABLE] = str(directory / HEALTH_FILE)
    dataplane = start_dataplane(args.port, args.region, args.project, directory)
    try:  # moto's own SIGTERM/SIGINT handler exits through here
        moto_main(["--host", args.host, "--port", str(args.port)])
    finally:
        stop_dataplane(dataplane, directory)


if __name__ == "__main__":
    main()

"""Run a moto server with the harness's shims: `python -m harness.shims --port P [--shims a,b]`."""

from __future__ import annotations

import argparse

from harness import shims


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
    args = parser.parse_args(argv)
    names = tuple(name for name in args.shims.split(",") if name)
    shims.apply(names)

    from moto.server import main as moto_main

    moto_main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main()

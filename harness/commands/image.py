"""`python -m harness image ...`: build machine images locally, build and publish the release."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from harness.errors import ImageError, UsageError
from harness.image.build import build_images
from harness.image.layers import image_cache, prune
from harness.image.release import build_release, publish_release, release_location
from harness.image.spec import image_names, load_spec


def _overrides(pairs: list[str] | None) -> dict[str, str]:
    overrides = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep:
            raise UsageError(f"--var {pair!r}: expected NAME=VALUE")
        overrides[name] = value
    return overrides


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `image` command group."""
    parser = subparsers.add_parser(
        "image", help="build machine images locally (Debian 12 root filesystem + Ansible)"
    )
    sub = parser.add_subparsers(dest="image_command", required=True, metavar="SUBCOMMAND")

    build = sub.add_parser(
        "build",
        help="build (or reuse from the cache) an image and its parents",
        description="Needs root and debootstrap. Layers live in $HARNESS_IMAGE_CACHE "
        "(default images/ in $HARNESS_CACHE, else .cache/images); an image whose inputs did "
        "not change is reused.",
    )
    build.add_argument("names", nargs="*", help="images to build (default: all)")
    build.add_argument(
        "--var", action="append", metavar="NAME=VALUE", help="override a Packer variable"
    )
    build.add_argument(
        "--prune", action="store_true", help="remove older layers of the images built"
    )
    build.set_defaults(func=_build)

    release = sub.add_parser(
        "release",
        help="build the app's release tarball in the elixir image and upload it to S3",
        description="Uploads to the release bucket of the api template, with the account of "
        "the environment (AWS_PROFILE, or AWS_ENDPOINT_URL for an emulator).",
    )
    release.add_argument("--var", action="append", metavar="NAME=VALUE")
    release.add_argument("--no-upload", action="store_true", help="only build the tarball")
    release.set_defaults(func=_release)

    amis = sub.add_parser(
        "packer",
        help="build the AMIs on a real account with Packer, parents first",
        description="Runs `packer init` and `packer build -only=<image>.*` per image in order "
        "(needs Packer >= 1.10 and AWS credentials), then writes {image: ami-id} as JSON.",
    )
    amis.add_argument("names", nargs="*", help="images to build (default: all)")
    amis.add_argument("--var", action="append", metavar="NAME=VALUE")
    amis.add_argument("--output", type=Path, default=Path("reports/amis.json"))
    amis.set_defaults(func=_packer)


def _build(args: argparse.Namespace) -> int:
    from harness.account import start_moto

    started = time.monotonic()
    names = args.names or image_names()
    unknown = sorted(set(names) - set(image_names()))
    if unknown:  # before debootstrap spends minutes on the base layer
        raise UsageError(f"unknown image {', '.join(unknown)}; known: {', '.join(image_names())}")
    accounts: list[Any] = []

    def account() -> Any:
        accounts.append(start_moto("image"))
        return accounts[-1]

    try:
        layers = build_images(names, account, overrides=_overrides(args.var))
    finally:
        for opened in accounts:
            opened.stop()
    for layer in layers.values():
        state = "reused" if layer.reused else f"built in {layer.seconds:.1f}s"
        print(f"{layer.name:8} {state:18} {layer.rootfs}")
    if args.prune:
        for path in prune(image_cache(), list(layers.values())):
            print(f"pruned {path}")
    print(f"total {time.monotonic() - started:.1f}s")
    return 0


def _packer(args: argparse.Namespace) -> int:
    from harness import packer

    images = packer.build(args.names, _overrides(args.var))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(images, indent=2, sort_keys=True) + "\n")
    print(f"{args.output}: {', '.join(f'{k}={v}' for k, v in sorted(images.items()))}")
    return 0


def _release(args: argparse.Namespace) -> int:
    import boto3

    overrides = _overrides(args.var)
    spec = load_spec("api", overrides=overrides)
    if spec.parent is None:
        raise ImageError(f"{spec.template}: the api image has no parent to build in")

    def no_account() -> Any:
        raise ImageError("building the elixir image needs no account")

    layers = build_images([spec.parent], no_account, overrides=overrides)
    location = release_location(spec)
    tarball = build_release(layers[spec.parent], location)
    print(tarball)
    if not args.no_upload:
        publish_release(boto3.client("s3"), tarball, location)
        print(f"uploaded s3://{location.release_bucket}/{location.tarball_key} (+ .sha256)")
    return 0

"""Image tests: each module names its IMAGE; locally it runs in a chroot of that image's
cached layer, with --hosts (e.g. ssh://admin@IP) on an instance of the real AMI instead."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import testinfra

from harness.image.build import build_images
from harness.image.debian import missing_prerequisites
from harness.image.layers import Layer
from harness.image.spec import image_names
from harness.image.units import workspace


@pytest.fixture(scope="session")
def image_layers() -> Iterator[dict[str, Layer]]:
    """Every image built (or reused from the cache), the api one from a private moto S3."""
    from harness.account import start_moto

    if reason := missing_prerequisites():
        pytest.skip(reason)
    accounts: list[Any] = []

    def account() -> Any:
        accounts.append(start_moto("image"))
        return accounts[-1]

    try:
        yield build_images(image_names(), account)
    finally:
        for opened in accounts:
            opened.stop()


@pytest.fixture(scope="module")
def host(request: pytest.FixtureRequest) -> Iterator[testinfra.host.Host]:
    """The host under test: --hosts when given, else a throwaway chroot of the module's IMAGE."""
    option = request.config.option
    if option.hosts:
        yield testinfra.get_host(
            option.hosts.split(",")[0],
            connection=option.connection,
            ssh_config=option.ssh_config,
            ssh_identity_file=option.ssh_identity_file,
            sudo=option.sudo,
            sudo_user=option.sudo_user,
        )
        return
    layers: dict[str, Layer] = request.getfixturevalue("image_layers")
    with workspace(layers[request.module.IMAGE]) as rootfs:
        yield testinfra.get_host(str(rootfs), connection="chroot")


@pytest.fixture(scope="module")
def in_chroot(host: testinfra.host.Host) -> bool:
    """True for a local chroot, False on a real instance (where services really run)."""
    return bool(host.backend.NAME == "chroot")

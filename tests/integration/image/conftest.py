"""Image tests use testinfra's own `host` fixture, so the same files run in two places.

With --hosts (e.g. `--hosts=ssh://admin@IP --sudo`), testinfra's plugin parametrises `host`
over every host given, as it always does. Without it, each module runs in a throwaway
chroot of the image it names in IMAGE: this conftest has the plugin see what
`--connection=chroot --hosts=<that chroot>` would give it (the root is fixed when tests are
collected), and `image_root` makes the chroot, an overlay of the image's cached layer,
before the module's first test and removes it after the last.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import testinfra

from harness.image.build import build_images
from harness.image.debian import missing_prerequisites
from harness.image.layers import Layer
from harness.image.spec import image_names
from harness.image.units import workspace, workspace_dir


def _chroot_root(module: ModuleType) -> Path:
    """Where the chroot of a test module will be: one per module, so changes stay in it."""
    if not isinstance(getattr(module, "IMAGE", None), str):
        raise pytest.UsageError(f"{module.__file__}: name the image under test, IMAGE = '...'")
    return workspace_dir(Path(str(module.__file__)).stem) / "rootfs"


@pytest.hookimpl(wrapper=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> Generator[None, None, None]:
    """Without --hosts, testinfra's plugin parametrises `host` with the module's chroot."""
    option = metafunc.config.option
    if option.hosts is not None or "_testinfra_host" not in metafunc.fixturenames:
        return (yield)
    given = option.hosts, option.connection
    # As if given on the command line, for this module only (restored right after).
    option.hosts, option.connection = str(_chroot_root(metafunc.module)), "chroot"
    try:
        return (yield)
    finally:
        option.hosts, option.connection = given


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


@pytest.fixture(scope="module", autouse=True)
def image_root(host: testinfra.host.Host, request: pytest.FixtureRequest) -> Iterator[Path | None]:
    """The module's chroot, made where testinfra's `host` points; None for --hosts."""
    if host.backend.NAME != "chroot" or request.config.option.hosts is not None:
        yield None  # a host of the command line is tested as it is
        return
    # Only now: over SSH nothing is built.
    layers: dict[str, Layer] = request.getfixturevalue("image_layers")
    root = _chroot_root(request.module)
    with workspace(layers[request.module.IMAGE], root.parent) as rootfs:
        yield rootfs


@pytest.fixture(scope="module")
def in_chroot(host: testinfra.host.Host) -> bool:
    """True for a chroot, False on a real instance (where services really run)."""
    return bool(host.backend.NAME == "chroot")

"""The whole chain: the Debian base, then every image parents first, with the release and
configuration published to the account's S3 before the layer that downloads them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.errors import ImageError
from harness.image.debian import base_layer, missing_prerequisites
from harness.image.layers import (
    Layer,
    LayerInputs,
    Progress,
    cache_lock,
    cached,
    digest,
    image_cache,
    layer_key,
    say,
)
from harness.image.playbook import build_layer
from harness.image.release import (
    build_release,
    local_configuration,
    publish,
    release_location,
    sha256_file,
)
from harness.image.spec import ImageSpec, lineage, load_spec

AccountFactory = Callable[[], Any]


def build_images(
    names: Sequence[str],
    account: AccountFactory,
    overrides: Mapping[str, str] | None = None,
    cache: Path | None = None,
    progress: Progress = say,
) -> dict[str, Layer]:
    """Build (or reuse) every layer the images need, parents first.

    `account` is called only when a layer that downloads the release must be built:
    it returns an account (moto locally) whose S3 receives the release and configuration.
    """
    if reason := missing_prerequisites():
        raise ImageError(reason)
    cache = cache or image_cache()
    with cache_lock(cache, progress):
        return _build_images(names, account, overrides, cache, progress)


def build_order(names: Sequence[str]) -> list[str]:
    """The images to build for `names`, each after its parents."""
    order: list[str] = []
    for name in names:
        order += [n for n in lineage(name) if n not in order]
    return order


def _build_images(
    names: Sequence[str],
    account: AccountFactory,
    overrides: Mapping[str, str] | None,
    cache: Path,
    progress: Progress,
) -> dict[str, Layer]:
    """build_images under the cache lock."""
    layers: dict[str, Layer] = {"base": base_layer(cache, progress)}
    opened: Any = None
    for name in build_order(names):
        spec = load_spec(name, overrides=overrides)
        parent = layers[spec.parent or "base"]
        inputs = LayerInputs()
        if "api_release_bucket" in spec.extra_vars:
            inputs, opened = _release_inputs(spec, parent, cache, progress, opened, account)
        layers[name] = build_layer(spec, parent, inputs, cache, progress)
    return layers


def _release_inputs(
    spec: ImageSpec,
    parent: Layer,
    cache: Path,
    progress: Progress,
    opened: Any,
    account: AccountFactory,
) -> tuple[LayerInputs, Any]:
    """Build the release and, unless the layer is cached, publish it; the layer's inputs.

    Also returns the account, opened by the first layer that needs it and then shared.
    """
    location = release_location(spec)
    tarball = build_release(parent, location, cache=cache, progress=progress)
    config = local_configuration(location)
    fingerprint = {
        "release": sha256_file(tarball),
        "config": digest({k: v.decode() for k, v in config.items()}),
    }
    key = layer_key(spec, parent, LayerInputs(fingerprint=fingerprint))
    if not cached(cache, spec.name, key):
        opened = opened or account()
        publish(opened, tarball, location, config)
    # The emulator's endpoint is a detail of this build, not of the layer's content.
    extra = {"api_s3_endpoint_url": opened.endpoint_url} if opened else {}
    inputs = LayerInputs(
        extra_vars=extra, env=opened.env if opened else {}, fingerprint=fingerprint
    )
    return inputs, opened

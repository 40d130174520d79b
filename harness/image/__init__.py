"""Build machine images locally: a Debian 12 root filesystem, then the Packer template's
playbooks applied with Ansible's chroot connection, one cached layer per image.

The Packer templates are the one source of truth (which playbook an image runs, its
variables, its Ansible environment, its parent); nothing here repeats them. One module
per job:

- `spec`: reading the Packer templates (pure parsing, no root)
- `debian`: the host's prerequisites, its Debian mirror, the debootstrapped base layer
- `mounts`: mounts and commands around a chroot, always undone
- `layers`: the content-addressed layer cache, its keys and its lock
- `playbook`: one layer built with ansible-playbook (and its idempotence run)
- `release`: the API release built in the elixir image and published to S3
- `build`: the whole chain, parents first (`build_images`)
- `units`: verifying a layer: throwaway workspaces, systemd units started by hand
"""

from __future__ import annotations

from harness.image.spec import ImageSpec, image_names, lineage, load_spec

__all__ = ["ImageSpec", "image_names", "lineage", "load_spec"]

"""The Packer templates: parsed with python-hcl2 and held to the image promises."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest

from harness.errors import ImageError
from harness.hcl import Block, Config, load_dir
from harness.image.debian import debian_mirror, missing_prerequisites
from harness.image.spec import _render, lineage, load_spec, source_of
from harness.paths import ANSIBLE_DIR, PACKER_DIR

pytestmark = pytest.mark.unit

IMAGES = ["common", "elixir", "api", "bastion"]
DEBIAN_OWNER = "136693071363"
CONFIG: Config = load_dir(PACKER_DIR, ("*.pkr.hcl",))
DEFAULTS = {v.name: v.default for v in CONFIG.variables}
PARENTS = {"common": None, "bastion": "common", "elixir": "common", "api": "elixir"}
SHARED_SOURCE = ("amazon-ebs", "debian")
# What a build may set on the shared source: the rest (IMDS, encryption, network) is shared.
OWN_FIELDS = {"name", "ami_name", "ami_description", "source_ami_filter"} | {
    "tags",
    "snapshot_tags",
    "run_tags",
    "run_volume_tags",
}


def _build(name: str) -> Block:
    found = [b for b in CONFIG.of_kind("build") if b.body.get("name") == name]
    assert len(found) == 1, f"packer/: expected one build {name!r}"
    return found[0]


def _source(name: str) -> dict[str, Any]:
    """The source of build `name` as Packer merges it (shared block + the build's fields)."""
    return source_of(_build(name), CONFIG)


def _own_fields(name: str) -> dict[str, dict[str, Any]]:
    """Build-level source blocks of build `name`: reference -> the fields it sets."""
    return {ref: body for item in _build(name).body.get("source", []) for ref, body in item.items()}


def _value(expression: Any) -> Any:
    """Resolve a plain `${var.x}` to the variable's default."""
    if isinstance(expression, str) and (m := re.fullmatch(r"\$\{var\.(\w+)\}", expression)):
        return DEFAULTS[m.group(1)]
    return expression


@pytest.mark.parametrize("path", sorted(PACKER_DIR.glob("*.pkr.hcl")), ids=lambda p: p.name)
def test_packer_file_parses(path: Path) -> None:
    with path.open(encoding="utf-8") as handle:
        assert hcl2.load(handle), f"{path}: parsed to nothing"


def test_packer_has_one_file_per_image() -> None:
    names = sorted(p.name for p in PACKER_DIR.glob("*.pkr.hcl"))
    assert names == sorted(
        [f"{i}.pkr.hcl" for i in IMAGES] + ["source.pkr.hcl", "variables.pkr.hcl"]
    )


def test_packer_one_shared_source() -> None:
    sources = [b.labels for b in CONFIG.of_kind("source")]
    assert sources == [SHARED_SOURCE], f"packer/: expected only source amazon-ebs.debian: {sources}"


@pytest.mark.parametrize("image", IMAGES)
def test_packer_build_sets_only_its_own_fields_on_shared_source(image: str) -> None:
    uses = _own_fields(image)
    assert list(uses) == ["source.amazon-ebs.debian"], f"build {image}: uses {list(uses)}"
    fields = uses["source.amazon-ebs.debian"]
    assert fields["name"] == image, f"build {image}: source name must be the image (manifest)"
    assert set(fields) <= OWN_FIELDS, f"build {image} overrides {sorted(set(fields) - OWN_FIELDS)}"
    assert "sources" not in _build(image).body


def test_packer_source_of_refuses_a_field_set_twice() -> None:
    build = _build("api")
    item = build.body["source"][0]["source.amazon-ebs.debian"]
    weakened = {**item, "metadata_options": [{"http_put_response_hop_limit": 2}]}
    body = {**build.body, "source": [{"source.amazon-ebs.debian": weakened}]}
    twice = Block(build.kind, build.labels, body, build.file, build.line)
    with pytest.raises(ImageError, match=r"already sets \['metadata_options'\]"):
        source_of(twice, CONFIG)


@pytest.mark.parametrize("variable", CONFIG.variables, ids=lambda v: v.name)
def test_packer_variable_typed_and_described(variable: Any) -> None:
    assert variable.type, f"{variable.file}:{variable.line}: variable {variable.name} has no type"
    assert variable.description, f"{variable.file}:{variable.line}: {variable.name} undescribed"


def test_packer_base_is_newest_official_debian_12() -> None:
    ami_filter = _source("common")["source_ami_filter"][0]
    assert [_value(o) for o in ami_filter["owners"]] == [DEBIAN_OWNER]
    assert _value(ami_filter["filters"]["name"]).startswith("debian-12-amd64-")
    assert ami_filter["most_recent"] is True


@pytest.mark.parametrize("image", IMAGES)
def test_packer_parent_image_is_own_and_of_the_environment(image: str) -> None:
    ami_filter = _source(image)["source_ami_filter"][0]
    assert ami_filter["filters"].get("tag:component") == PARENTS[image]
    if PARENTS[image]:
        assert ami_filter["owners"] == ["self"]
        assert ami_filter["filters"]["tag:environment"] == "${var.environment}"


@pytest.mark.parametrize("image", IMAGES)
def test_packer_build_instance_imdsv2_only_hop_limit_1(image: str) -> None:
    options = _source(image)["metadata_options"][0]
    assert options["http_endpoint"] == "enabled"
    assert options["http_tokens"] == "required"
    assert options["http_put_response_hop_limit"] == 1
    assert _source(image)["imds_support"] == "v2.0"


@pytest.mark.parametrize("image", IMAGES)
def test_packer_volumes_encrypted(image: str) -> None:
    source = _source(image)
    assert source["encrypt_boot"] is True
    mappings = source["launch_block_device_mappings"]
    assert mappings, f"amazon-ebs.{image}: no launch_block_device_mappings"
    assert all(m["encrypted"] is True for m in mappings)


@pytest.mark.parametrize("image", IMAGES)
def test_packer_security_group_limited_to_builder(image: str) -> None:
    source = _source(image)
    assert source["temporary_security_group_source_public_ip"] is True
    assert "security_group_id" not in source
    assert "temporary_security_group_source_cidrs" not in source


@pytest.mark.parametrize("image", IMAGES)
@pytest.mark.parametrize("field", ["tags", "snapshot_tags", "run_tags"])
def test_packer_tags_component_environment_version_build_date(image: str, field: str) -> None:
    shared = next(b for b in CONFIG.of_kind("locals") if "tags" in b.body).body["tags"]
    assert {"environment", "version", "build_date"} <= set(shared)
    expression = _source(image)[field]
    assert expression.startswith("${merge(local.tags, {")
    assert f'component = "{image}"' in expression


@pytest.mark.parametrize("image", IMAGES)
def test_packer_build_ends_with_manifest(image: str) -> None:
    processors = _build(image).body.get("post-processor", [])
    assert any("manifest" in p for p in processors), f"build {image}: no manifest post-processor"


@pytest.mark.parametrize("image", IMAGES)
def test_packer_provisions_only_with_its_playbook(image: str) -> None:
    provisioners = _build(image).body.get("provisioner", [])
    assert [next(iter(p)) for p in provisioners] == ["ansible"]
    spec = load_spec(image)
    assert spec.playbook == ANSIBLE_DIR / "playbooks" / f"{image}.yml"
    assert spec.playbook.is_file(), f"build {image}: {spec.playbook} does not exist"
    assert Path(spec.ansible_env["ANSIBLE_CONFIG"]) == ANSIBLE_DIR / "ansible.cfg"
    assert spec.roles == [image]


def test_packer_api_build_passes_version_and_environment() -> None:
    extra = load_spec("api", overrides={"version": "2.3.4", "environment": "production"})
    assert extra.extra_vars["api_version"] == "2.3.4"
    assert extra.extra_vars["api_environment"] == "production"
    assert extra.extra_vars["api_release_bucket"] == f"{DEFAULTS['project']}-release"


@pytest.mark.parametrize(("image", "chain"), [("api", ["common", "elixir", "api"]),
                                              ("bastion", ["common", "bastion"])])  # fmt: skip
def test_packer_image_levels(image: str, chain: list[str]) -> None:
    assert lineage(image) == chain


def _packer_missing() -> str | None:
    packer = shutil.which("packer")
    if not packer:
        return "packer >= 1.10 with the amazon and ansible plugins is not installed"
    version = subprocess.run([packer, "version"], capture_output=True, text=True).stdout
    found = re.search(r"(\d+)\.(\d+)\.\d+", version)
    if not found or (int(found.group(1)), int(found.group(2))) < (1, 10):
        return f"packer >= 1.10 needed for HCL2 plugins; found {version.strip() or 'unknown'}"
    plugins = subprocess.run([packer, "plugins", "installed"], capture_output=True, text=True)
    if "amazon" not in plugins.stdout or "ansible" not in plugins.stdout:
        return "packer plugins amazon and ansible are not installed (packer init packer/)"
    return None


def test_packer_validate() -> None:
    if reason := _packer_missing():
        pytest.skip(reason)
    result = subprocess.run(
        ["packer", "validate", "-syntax-only", "."], cwd=PACKER_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run(
        ["packer", "validate", "."], cwd=PACKER_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the local builder reads the template, it does not repeat it ---


def test_image_spec_resolves_template_variables() -> None:
    spec = load_spec("common", overrides={"project": "acme", "environment": "production"})
    assert spec.extra_vars["common_keysync_bucket"] == "acme-keys"
    assert spec.extra_vars["common_keysync_prefix"] == "production"
    assert "${" not in " ".join(spec.extra_args)


def test_image_spec_refuses_unknown_override() -> None:
    with pytest.raises(ImageError, match="no variable 'nope'"):
        load_spec("common", overrides={"nope": "x"})


def test_image_render_refuses_what_it_cannot_resolve() -> None:
    with pytest.raises(ImageError, match=r"packer/x.pkr.hcl:3: cannot resolve \$\{local.y\}"):
        _render("a-${local.y}", {}, PACKER_DIR, "packer/x.pkr.hcl:3")


def test_image_debian_mirror_read_from_host_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HARNESS_DEBIAN_MIRROR", raising=False)
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d/debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n\n"
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n"
    )
    assert debian_mirror(tmp_path) == (
        "http://mirror.example/debian",
        "http://mirror.example/debian-security",
    )


def test_image_missing_prerequisites_names_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert "needs root" in (missing_prerequisites() or "")

"""The HCL model keeps what the checks need: kinds, labels, files and lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import HclError
from harness.hcl import config_dirs, load_attributes, load_dir

pytestmark = pytest.mark.unit

SAMPLE = """\
terraform {
  required_version = ">= 1.11"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
  backend "s3" {
    key     = "production/terraform.tfstate"
    encrypt = true
  }
}

variable "colours" {
  type        = map(object({ version = string, weight = number }))
  description = "Per colour."
  nullable    = false
  validation {
    condition     = length(var.colours) == 2
    error_message = "Exactly blue and green."
  }
}

module "deploy_blue" {
  source = "../../modules/deploy"
}

resource "aws_launch_template" "this" {
  metadata_options {
    http_tokens = "required"
  }
}

data "aws_ami" "api" {
  owners = ["self"]
}
"""


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(SAMPLE)
    return tmp_path


def test_hcl_blocks_keep_file_and_line(sample: Path) -> None:
    config = load_dir(sample)
    lines = {b.address: b.line for b in config.blocks}
    assert lines["var.colours"] == 15
    assert lines["module.deploy_blue"] == 25
    assert lines["aws_launch_template.this"] == 29
    assert lines["data.aws_ami.api"] == 35
    assert all(b.file == sample / "main.tf" for b in config.blocks)


def test_hcl_model_reads_settings(sample: Path) -> None:
    config = load_dir(sample)
    assert config.required_version == ">= 1.11"
    assert config.required_providers["aws"] == {"source": "hashicorp/aws", "version": "~> 5.100"}
    assert config.backend == ("s3", {"key": "production/terraform.tfstate", "encrypt": True})
    (colours,) = config.variables
    assert colours.type == "map(object({version = string, weight = number}))"
    assert colours.nullable is False
    assert not colours.has_default
    assert colours.validations[0]["error_message"] == "Exactly blue and green."
    assert [r.type for r in config.resources()] == ["aws_launch_template"]
    assert config.resources()[0].body["metadata_options"][0]["http_tokens"] == "required"


def test_hcl_parse_error_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "ok.tf").write_text('variable "a" {\n  type = string\n}\n')
    (tmp_path / "broken.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block = \n}\n')
    with pytest.raises(HclError, match=r"broken\.tf:2: cannot parse HCL"):
        load_dir(tmp_path)


def test_hcl_empty_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(HclError, match="no files matching"):
        load_dir(tmp_path)


def test_hcl_config_dirs_skip_tool_caches(tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "main.tf").write_text("")
    cached = tmp_path / "env" / ".terraform" / "modules" / "x"
    cached.mkdir(parents=True)
    (cached / "main.tf").write_text("")
    assert config_dirs(tmp_path) == [tmp_path / "env"]


def test_hcl_attributes_of_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "backend.hcl"
    path.write_text('bucket = "state"\nencrypt = true\nlist = ["a"]\n')
    assert load_attributes(path) == {"bucket": "state", "encrypt": True, "list": ["a"]}

# Runtime image: common + Erlang/OTP and Elixir. Built on the common image.

build {
  name = "elixir"

  # The shared build instance (source.pkr.hcl) plus what is this image's own.
  source "source.amazon-ebs.debian" {
    name            = "elixir"
    ami_name        = "${var.project}-elixir-${var.environment}-${var.version}-${local.build_stamp}"
    ami_description = "common + Erlang/OTP and Elixir"

    # The newest common image of this environment, built by common.pkr.hcl.
    source_ami_filter {
      filters = {
        "tag:component"   = "common"
        "tag:environment" = var.environment
        "tag:project"     = var.project
      }
      owners      = ["self"]
      most_recent = true
    }

    tags            = merge(local.tags, { component = "elixir", Name = "${var.project}-elixir-${var.environment}" })
    snapshot_tags   = merge(local.tags, { component = "elixir" })
    run_tags        = merge(local.tags, { component = "elixir", Name = "packer-${var.project}-elixir" })
    run_volume_tags = merge(local.tags, { component = "elixir" })
  }

  provisioner "ansible" {
    playbook_file    = "${path.root}/../ansible/playbooks/elixir.yml"
    user             = var.ansible_user
    use_proxy        = false
    ansible_env_vars = ["ANSIBLE_CONFIG=${path.root}/../ansible/ansible.cfg"]
    extra_arguments = [
      "-e", "elixir_apt_repository=${var.elixir_apt_repository}",
    ]
  }

  post-processor "manifest" {
    output      = "${path.root}/manifest.json"
    strip_path  = true
    custom_data = merge(local.manifest_data, { component = "elixir" })
  }
}

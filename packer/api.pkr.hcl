# Application image: elixir + the release of the API for one version. Built on the elixir image.

build {
  name = "api"

  # The shared build instance (source.pkr.hcl) plus what is this image's own.
  source "source.amazon-ebs.debian" {
    name            = "api"
    ami_name        = "${var.project}-api-${var.environment}-${var.version}-${local.build_stamp}"
    ami_description = "elixir + the API release"

    # The newest elixir image of this environment, built by elixir.pkr.hcl.
    source_ami_filter {
      filters = {
        "tag:component"   = "elixir"
        "tag:environment" = var.environment
        "tag:project"     = var.project
      }
      owners      = ["self"]
      most_recent = true
    }

    tags            = merge(local.tags, { component = "api", Name = "${var.project}-api-${var.environment}" })
    snapshot_tags   = merge(local.tags, { component = "api" })
    run_tags        = merge(local.tags, { component = "api", Name = "packer-${var.project}-api" })
    run_volume_tags = merge(local.tags, { component = "api" })
  }

  provisioner "ansible" {
    playbook_file    = "${path.root}/../ansible/playbooks/api.yml"
    user             = var.ansible_user
    use_proxy        = false
    ansible_env_vars = ["ANSIBLE_CONFIG=${path.root}/../ansible/ansible.cfg"]
    extra_arguments = [
      "-e", "api_name=${var.app_name}",
      "-e", "api_user=${var.app_user}",
      "-e", "api_version=${var.version}",
      "-e", "api_environment=${var.environment}",
      "-e", "api_release_bucket=${var.project}-release",
      "-e", "api_config_bucket=${var.project}-configuration",
      "-e", "api_region=${var.region}",
    ]
  }

  post-processor "manifest" {
    output      = "${path.root}/manifest.json"
    strip_path  = true
    custom_data = merge(local.manifest_data, { component = "api" })
  }
}

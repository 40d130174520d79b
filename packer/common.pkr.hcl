# Base image: hardening, tuning, the application user, S3 key sync. Built on Debian 12.

build {
  name = "common"

  # The shared build instance (source.pkr.hcl) plus what is this image's own.
  source "source.amazon-ebs.debian" {
    name            = "common"
    ami_name        = "${var.project}-common-${var.environment}-${var.version}-${local.build_stamp}"
    ami_description = "Debian 12 with the project's base hardening"

    # The newest official Debian 12 AMI; the owner is pinned to Debian's account.
    source_ami_filter {
      filters = {
        name                = var.debian_ami_name
        architecture        = "x86_64"
        root-device-type    = "ebs"
        virtualization-type = "hvm"
      }
      owners      = [var.debian_ami_owner]
      most_recent = true
    }

    tags            = merge(local.tags, { component = "common", Name = "${var.project}-common-${var.environment}" })
    snapshot_tags   = merge(local.tags, { component = "common" })
    run_tags        = merge(local.tags, { component = "common", Name = "packer-${var.project}-common" })
    run_volume_tags = merge(local.tags, { component = "common" })
  }

  provisioner "ansible" {
    playbook_file    = "${path.root}/../ansible/playbooks/common.yml"
    user             = var.ansible_user
    use_proxy        = false
    ansible_env_vars = ["ANSIBLE_CONFIG=${path.root}/../ansible/ansible.cfg"]
    extra_arguments = [
      "-e", "common_app_user=${var.app_user}",
      "-e", "common_keysync_bucket=${var.project}-keys",
      "-e", "common_keysync_prefix=${var.environment}",
      "-e", "common_keysync_region=${var.region}",
    ]
  }

  post-processor "manifest" {
    output      = "${path.root}/manifest.json"
    strip_path  = true
    custom_data = merge(local.manifest_data, { component = "common" })
  }
}

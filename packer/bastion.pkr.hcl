# Bastion image: common + fail2ban and an idle power-off. Built on the common image.

build {
  name = "bastion"

  # The shared build instance (source.pkr.hcl) plus what is this image's own.
  source "source.amazon-ebs.debian" {
    name            = "bastion"
    ami_name        = "${var.project}-bastion-${var.environment}-${var.version}-${local.build_stamp}"
    ami_description = "Bastion: common + fail2ban + idle power-off"

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

    tags            = merge(local.tags, { component = "bastion", Name = "${var.project}-bastion-${var.environment}" })
    snapshot_tags   = merge(local.tags, { component = "bastion" })
    run_tags        = merge(local.tags, { component = "bastion", Name = "packer-${var.project}-bastion" })
    run_volume_tags = merge(local.tags, { component = "bastion" })
  }

  provisioner "ansible" {
    playbook_file    = "${path.root}/../ansible/playbooks/bastion.yml"
    user             = var.ansible_user
    use_proxy        = false
    ansible_env_vars = ["ANSIBLE_CONFIG=${path.root}/../ansible/ansible.cfg"]
    extra_arguments = [
      "-e", "bastion_idle_minutes=${var.bastion_idle_minutes}",
    ]
  }

  post-processor "manifest" {
    output      = "${path.root}/manifest.json"
    strip_path  = true
    custom_data = merge(local.manifest_data, { component = "bastion" })
  }
}

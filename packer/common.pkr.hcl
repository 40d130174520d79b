# Base image: hardening, tuning, the application user, S3 key sync. Built on Debian 12.

source "amazon-ebs" "common" {
  region          = var.region
  instance_type   = var.instance_type
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

  # The build instance: in a build subnet, reachable only from this machine,
  # IMDSv2 only with a hop limit of 1, encrypted root volume.
  iam_instance_profile = var.build_instance_profile
  subnet_filter {
    filters = {
      "tag:Class" = var.build_subnet_class
    }
    most_free = true
  }
  associate_public_ip_address               = true
  ssh_interface                             = "public_ip"
  ssh_username                              = var.ansible_user
  temporary_security_group_source_public_ip = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }
  imds_support = "v2.0"

  launch_block_device_mappings {
    device_name           = "/dev/xvda"
    volume_size           = var.volume_size
    volume_type           = "gp3"
    encrypted             = true
    kms_key_id            = var.kms_key_id == "" ? null : var.kms_key_id
    delete_on_termination = true
  }
  encrypt_boot = true
  kms_key_id   = var.kms_key_id == "" ? null : var.kms_key_id

  tags            = merge(local.tags, { component = "common", Name = "${var.project}-common-${var.environment}" })
  snapshot_tags   = merge(local.tags, { component = "common" })
  run_tags        = merge(local.tags, { component = "common", Name = "packer-${var.project}-common" })
  run_volume_tags = merge(local.tags, { component = "common" })
}

build {
  name    = "common"
  sources = ["source.amazon-ebs.common"]

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
    output     = "${path.root}/manifest.json"
    strip_path = true
    custom_data = {
      component   = "common"
      environment = var.environment
      version     = var.version
    }
  }
}

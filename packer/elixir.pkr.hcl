# Runtime image: common + Erlang/OTP and Elixir. Built on the common image.

source "amazon-ebs" "elixir" {
  region          = var.region
  instance_type   = var.instance_type
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

  tags            = merge(local.tags, { component = "elixir", Name = "${var.project}-elixir-${var.environment}" })
  snapshot_tags   = merge(local.tags, { component = "elixir" })
  run_tags        = merge(local.tags, { component = "elixir", Name = "packer-${var.project}-elixir" })
  run_volume_tags = merge(local.tags, { component = "elixir" })
}

build {
  name    = "elixir"
  sources = ["source.amazon-ebs.elixir"]

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
    output     = "${path.root}/manifest.json"
    strip_path = true
    custom_data = {
      component   = "elixir"
      environment = var.environment
      version     = var.version
    }
  }
}

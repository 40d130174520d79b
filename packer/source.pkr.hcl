# The build instance every image shares. Each build in <image>.pkr.hcl uses it through a
# build-level `source "source.amazon-ebs.debian"` block that sets only what is its own:
# name, ami_name, ami_description, source_ami_filter and the tags carrying its component.
# Packer merges the two blocks and refuses a field set in both, so nothing below can be
# overridden (or weakened) by a build; the policy check reads both places all the same.

source "amazon-ebs" "debian" {
  region        = var.region
  instance_type = var.instance_type

  # In a build subnet, reachable only from this machine.
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

  # IMDSv2 only with a hop limit of 1, on the build instance and on the AMI.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }
  imds_support = "v2.0"

  # Encrypted root volume and AMI.
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
}

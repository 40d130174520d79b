# On-demand bastion: an autoscaling group of at most one instance, at zero
# unless someone needs a shell (`python -m harness bastion open`, or
# `aws autoscaling set-desired-capacity`). Once idle the bastion leaves its
# group with the desired capacity decremented, so the group drops back to 0 by
# itself. Terraform sets the capacity only when it creates the group (README).
# It is the only instance with a public IPv4 address, asked for on its own
# network interface in a public subnet; SSH reaches it only from admin_cidrs.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_default_tags" "current" {}

data "aws_ami" "this" {
  most_recent = true
  owners      = ["self"]

  filter {
    name   = "tag:component"
    values = ["bastion"]
  }

  filter {
    name   = "tag:environment"
    values = [var.environment]
  }
}

locals {
  name            = "${var.project}-${var.environment}-bastion"
  keys_bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.keys_bucket_name}"
  # Built from the name, not read from the group: the role must exist before
  # the launch template, the launch template before the group.
  autoscaling_group_arn = join(":", [
    "arn", data.aws_partition.current.partition, "autoscaling", data.aws_region.current.name,
    data.aws_caller_identity.current.account_id, "autoScalingGroup", "*",
    "autoScalingGroupName/${local.name}",
  ])
  instance_tags = merge(data.aws_default_tags.current.tags, { Name = local.name, component = "bastion" })
}

resource "aws_security_group" "this" {
  name        = local.name
  description = "Bastion: SSH from the admin CIDRs only"
  vpc_id      = var.vpc_id

  tags = { Name = local.name }
}

resource "aws_vpc_security_group_ingress_rule" "ssh" {
  for_each = toset(var.admin_cidrs)

  security_group_id = aws_security_group.this.id
  description       = "SSH from admin network ${each.key}"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = can(cidrnetmask(each.key)) ? each.key : null
  cidr_ipv6         = can(cidrnetmask(each.key)) ? null : each.key
}

resource "aws_vpc_security_group_egress_rule" "ssh" {
  security_group_id = aws_security_group.this.id
  description       = "SSH to instances in the VPC"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.this.id
  description       = "HTTPS to AWS APIs (S3 prefix list, VPC endpoints) and package mirrors"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ReadOwnKeys"
    actions   = ["s3:GetObject"]
    resources = ["${local.keys_bucket_arn}/${var.keys_prefix}/*"]
  }

  statement {
    sid       = "ListOwnKeys"
    actions   = ["s3:ListBucket"]
    resources = [local.keys_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.keys_prefix}/", "${var.keys_prefix}/*"]
    }
  }

  statement {
    sid       = "DecryptKeys"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${data.aws_region.current.name}.amazonaws.com"]
    }
  }

  # The image's idle-poweroff script finds its group, then terminates itself
  # through it with ShouldDecrementDesiredCapacity so no replacement starts.
  # DescribeAutoScalingInstances takes no resource-level permissions.
  statement {
    sid       = "FindOwnGroup"
    actions   = ["autoscaling:DescribeAutoScalingInstances"]
    resources = ["*"]
  }

  statement {
    sid       = "LeaveOwnGroup"
    actions   = ["autoscaling:TerminateInstanceInAutoScalingGroup"]
    resources = [local.autoscaling_group_arn]
  }
}

module "role" {
  source = "../instance-role"

  name        = local.name
  description = "Bastion of ${var.project} ${var.environment}: reads its SSH keys"
  policy_json = data.aws_iam_policy_document.this.json
}

resource "aws_launch_template" "this" {
  #checkov:skip=CKV_AWS_88:The bastion is the one instance meant to be reached from the admin network; SSH is limited to admin_cidrs and it runs only on demand.
  name                   = local.name
  description            = "On-demand bastion"
  image_id               = data.aws_ami.this.id
  instance_type          = var.instance_type
  update_default_version = true

  iam_instance_profile {
    name = module.role.instance_profile_name
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "enabled"
  }

  network_interfaces {
    associate_public_ip_address = true
    delete_on_termination       = true
    security_groups             = [aws_security_group.this.id]
  }

  block_device_mappings {
    device_name = data.aws_ami.this.root_device_name

    ebs {
      encrypted             = true
      volume_size           = var.root_volume_size
      volume_type           = "gp3"
      delete_on_termination = true
    }
  }

  monitoring {
    enabled = true
  }

  tag_specifications {
    resource_type = "instance"
    tags          = local.instance_tags
  }

  tag_specifications {
    resource_type = "volume"
    tags          = local.instance_tags
  }
}

resource "aws_autoscaling_group" "this" {
  name                      = local.name
  min_size                  = 0
  max_size                  = 1
  desired_capacity          = var.desired_capacity
  vpc_zone_identifier       = var.subnet_ids
  health_check_type         = "EC2"
  health_check_grace_period = 60
  wait_for_capacity_timeout = "0"

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  dynamic "tag" {
    for_each = local.instance_tags

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }

  # The capacity belongs to the open/close commands and to the bastion itself
  # (it leaves the group with the capacity decremented when idle), not to
  # terraform: without this, any apply of the environment would set it back to
  # var.desired_capacity, restarting a bastion that shut itself down (1) or
  # killing one somebody opened (0). The variable is only the initial value.
  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

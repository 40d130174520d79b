# One colour of the API: a launch template for a released AMI and an
# autoscaling group registered in that colour's target group. The release
# tool changes version and desired_capacity; the ALB weights live in the api
# module.

data "aws_default_tags" "current" {}

data "aws_ami" "this" {
  most_recent = true
  owners      = ["self"]

  filter {
    name   = "tag:component"
    values = ["api"]
  }

  filter {
    name   = "tag:environment"
    values = [var.environment]
  }

  filter {
    name   = "tag:version"
    values = [var.version_tag]
  }
}

locals {
  name = "${var.project}-${var.environment}-api-${var.colour}"
  instance_tags = merge(data.aws_default_tags.current.tags, {
    Name      = local.name
    component = "api"
    colour    = var.colour
    version   = var.version_tag
  })
}

resource "aws_launch_template" "this" {
  name                   = local.name
  description            = "API ${var.colour} ${var.version_tag}"
  image_id               = data.aws_ami.this.id
  instance_type          = var.instance_type
  update_default_version = true

  # The image's service reads instance.env (optional) after cloud-final:
  # GET /version reports the colour.
  user_data = base64encode(<<-EOT
    #!/bin/sh
    set -eu
    install -d -m 0755 /etc/${var.app_name}
    printf 'API_COLOUR=%s\nAPI_VERSION=%s\n' '${var.colour}' '${var.version_tag}' > /etc/${var.app_name}/instance.env
    chmod 0644 /etc/${var.app_name}/instance.env
  EOT
  )

  iam_instance_profile {
    name = var.instance_profile_name
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "enabled"
  }

  network_interfaces {
    associate_public_ip_address = false
    delete_on_termination       = true
    security_groups             = var.security_group_ids
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

# Capacity: the release tool's desired_capacity is the floor (min_size).
# Without CPU scaling terraform also holds desired_capacity. With it, desired
# is left out (null: terraform neither sets nor diffs it) so the scaling
# policy owns it between min and max: a conditional ignore_changes does not
# exist, and ignoring desired always would break deploy and retire when
# scaling is off. AWS moves desired into [min, max] when either bound passes
# it, so raising min starts instances and a retired colour (0) gets max 0.
# A colour emptied to 0 sets desired explicitly even with scaling on: the
# provider's capacity waiter compares the instances with the desired value it
# last read, so a null desired after scale-in would wait for instances that
# AWS has just removed until wait_for_capacity_timeout.
resource "aws_autoscaling_group" "this" {
  name                      = local.name
  min_size                  = var.desired_capacity
  max_size                  = var.desired_capacity == 0 ? 0 : max(var.desired_capacity, var.max_capacity)
  desired_capacity          = var.enable_cpu_scaling && var.desired_capacity > 0 ? null : var.desired_capacity
  vpc_zone_identifier       = var.subnet_ids
  target_group_arns         = [var.target_group_arn]
  health_check_type         = "ELB"
  health_check_grace_period = var.health_check_grace_period
  wait_for_capacity_timeout = var.wait_for_capacity_timeout
  termination_policies      = ["OldestLaunchTemplate", "OldestInstance"]

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  # A new launch template version alone replaces no running instance. With
  # enable_instance_refresh, the provider starts a rolling instance refresh
  # whenever the launch template (so the version) changes. Terraform does not
  # wait for it: the refresh runs on AWS after the apply returns. Off where a
  # release tool replaces instances itself (production's blue/green).
  dynamic "instance_refresh" {
    for_each = var.enable_instance_refresh ? [true] : []

    content {
      strategy = "Rolling"

      preferences {
        min_healthy_percentage = var.instance_refresh_min_healthy_percentage
        max_healthy_percentage = var.instance_refresh_max_healthy_percentage
        skip_matching          = true
      }
    }
  }

  dynamic "tag" {
    for_each = local.instance_tags

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }
}

# Target tracking on average CPU (the original used step scaling with two
# CloudWatch alarms; target tracking creates and owns its alarms).
resource "aws_autoscaling_policy" "cpu" {
  count = var.enable_cpu_scaling ? 1 : 0

  name                      = "${local.name}-cpu"
  autoscaling_group_name    = aws_autoscaling_group.this.name
  policy_type               = "TargetTrackingScaling"
  estimated_instance_warmup = var.health_check_grace_period

  target_tracking_configuration {
    target_value = var.cpu_target_value

    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
  }
}

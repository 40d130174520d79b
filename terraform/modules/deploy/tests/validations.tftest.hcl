# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values whose plan is asserted
# on what security and the release path rest on. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  project               = "myapp"
  environment           = "production"
  colour                = "green"
  version_tag           = "v1.2.3"
  desired_capacity      = 2
  instance_profile_name = "myapp-production-api"
  security_group_ids    = ["sg-0123456789abcdef0"]
  subnet_ids            = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  target_group_arn      = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/myapp-production-green/0123456789abcdef"
}

run "good_values_release_group" {
  command = plan

  variables {
    max_capacity       = 10
    enable_cpu_scaling = true
  }

  assert {
    condition     = one(aws_launch_template.this.metadata_options).http_tokens == "required" && one(aws_launch_template.this.metadata_options).http_put_response_hop_limit == 1
    error_message = "The API launch template must require IMDSv2 tokens with a hop limit of 1."
  }

  assert {
    condition     = alltrue([for device in aws_launch_template.this.block_device_mappings : one(device.ebs).encrypted == "true"])
    error_message = "The API instances' volumes must be encrypted."
  }

  assert {
    condition = (
      aws_autoscaling_group.this.min_size == 2
      && aws_autoscaling_group.this.max_size == 10
      && aws_autoscaling_group.this.health_check_type == "ELB"
      && aws_autoscaling_group.this.target_group_arns == toset([var.target_group_arn])
    )
    error_message = "The colour's group must hold its capacity as its floor, scale up to max_capacity, and register in its own target group with ELB health checks."
  }
}

run "good_values_retired_colour" {
  command = plan

  variables {
    desired_capacity   = 0
    max_capacity       = 10
    enable_cpu_scaling = true
  }

  assert {
    condition     = aws_autoscaling_group.this.min_size == 0 && aws_autoscaling_group.this.max_size == 0 && aws_autoscaling_group.this.desired_capacity == 0
    error_message = "A retired colour (capacity 0) must run no instance, even with CPU scaling on."
  }
}

run "app_name_lowercase_identifier" {
  command = plan

  variables {
    app_name = "Hello-World"
  }

  expect_failures = [var.app_name]
}

run "colour_blue_or_green" {
  command = plan

  variables {
    colour = "red"
  }

  expect_failures = [var.colour]
}

run "cpu_target_value_from_10_to_90" {
  command = plan

  variables {
    cpu_target_value = 95
  }

  expect_failures = [var.cpu_target_value]
}

run "desired_capacity_whole_number" {
  command = plan

  variables {
    desired_capacity = 1.5
  }

  expect_failures = [var.desired_capacity]
}

run "instance_refresh_max_healthy_percentage_from_100_to_200" {
  command = plan

  variables {
    instance_refresh_max_healthy_percentage = 99
  }

  expect_failures = [var.instance_refresh_max_healthy_percentage]
}

run "instance_refresh_max_healthy_percentage_within_100_of_min" {
  command = plan

  variables {
    instance_refresh_max_healthy_percentage = 150
    instance_refresh_min_healthy_percentage = 40
  }

  expect_failures = [var.instance_refresh_max_healthy_percentage]
}

run "instance_refresh_min_healthy_percentage_from_0_to_100" {
  command = plan

  variables {
    instance_refresh_min_healthy_percentage = 101
  }

  expect_failures = [var.instance_refresh_min_healthy_percentage]
}

run "max_capacity_at_most_100" {
  command = plan

  variables {
    max_capacity = 101
  }

  expect_failures = [var.max_capacity]
}

run "version_tag_semantic_version" {
  command = plan

  variables {
    version_tag = "latest"
  }

  expect_failures = [var.version_tag]
}

# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values whose plan is asserted
# on what security and the release path rest on. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  project          = "myapp"
  environment      = "staging"
  vpc_id           = "vpc-0123456789abcdef0"
  vpc_cidr_block   = "10.10.0.0/16"
  subnet_ids       = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  admin_cidrs      = ["203.0.113.0/24", "2001:db8::/32"]
  keys_bucket_name = "myapp-keys"
  keys_prefix      = "staging"
  kms_key_arn      = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
}

run "good_values_locked_down_bastion" {
  command = plan

  variables {
    desired_capacity = 1
  }

  assert {
    condition     = one(aws_launch_template.this.metadata_options).http_tokens == "required" && one(aws_launch_template.this.metadata_options).http_put_response_hop_limit == 1
    error_message = "The bastion's launch template must require IMDSv2 tokens with a hop limit of 1."
  }

  assert {
    condition = (
      length(aws_vpc_security_group_ingress_rule.ssh) == 2
      && aws_vpc_security_group_ingress_rule.ssh["203.0.113.0/24"].cidr_ipv4 == "203.0.113.0/24"
      && aws_vpc_security_group_ingress_rule.ssh["2001:db8::/32"].cidr_ipv6 == "2001:db8::/32"
      && alltrue([for rule in aws_vpc_security_group_ingress_rule.ssh : rule.from_port == 22 && rule.to_port == 22])
    )
    error_message = "The bastion must admit SSH (port 22 only) from each admin CIDR and nothing else."
  }
}

run "admin_cidrs_must_be_cidrs" {
  command = plan

  variables {
    admin_cidrs = ["203.0.113.1"]
  }

  expect_failures = [var.admin_cidrs]
}

run "admin_cidrs_never_the_internet" {
  command = plan

  variables {
    admin_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.admin_cidrs]
}

run "desired_capacity_0_or_1" {
  command = plan

  variables {
    desired_capacity = 2
  }

  expect_failures = [var.desired_capacity]
}

run "keys_prefix_without_slashes_at_the_ends" {
  command = plan

  variables {
    keys_prefix = "/staging/"
  }

  expect_failures = [var.keys_prefix]
}

# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  project     = "myapp"
  environment = "staging"
  domain      = "example.com"
  cidr_block  = "10.10.0.0/16"
}

run "good_values" {
  command = plan

  variables {
    az_count                    = 3
    interface_endpoint_services = ["kms", "ssm"]
    public_subnet_tags          = { "kubernetes.io/role/elb" = "1" }
  }
}

run "az_count_from_2_to_6" {
  command = plan

  variables {
    az_count = 1
  }

  expect_failures = [var.az_count]
}

run "cidr_block_prefix_from_16_to_24" {
  command = plan

  variables {
    cidr_block = "10.0.0.0/8"
  }

  expect_failures = [var.cidr_block]
}

run "environment_lowercase_name" {
  command = plan

  variables {
    environment = "Staging"
  }

  expect_failures = [var.environment]
}

run "interface_endpoint_services_never_s3" {
  command = plan

  variables {
    interface_endpoint_services = ["kms", "s3"]
  }

  expect_failures = [var.interface_endpoint_services]
}

run "public_subnet_tags_never_name_or_tier" {
  command = plan

  variables {
    public_subnet_tags = { Name = "public" }
  }

  expect_failures = [var.public_subnet_tags]
}

run "subnet_newbits_from_2_to_8" {
  command = plan

  variables {
    subnet_newbits = 9
  }

  expect_failures = [var.subnet_newbits]
}

# Every validation of this root's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values at the edges. Plans
# against a mocked provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "../../testing/aws"
}

variables {
  project          = "myapp"
  domain           = "example.com"
  admin_cidrs      = ["203.0.113.0/24"]
  api_version      = "v1.0.0"
  redis_auth_token = "not-a-secret-test-token"
}

run "good_values_at_the_edges" {
  command = plan

  variables {
    project      = "ab"
    domain       = "a-b.example.co.uk"
    region       = "us-gov-west-1"
    api_capacity = 20
  }
}

run "api_capacity_must_be_whole" {
  command = plan

  variables {
    api_capacity = 1.5
  }

  expect_failures = [var.api_capacity]
}

run "domain_must_be_lowercase_dns_name" {
  command = plan

  variables {
    domain = "Example.com."
  }

  expect_failures = [var.domain]
}

run "project_must_be_short_lowercase" {
  command = plan

  variables {
    project = "my-application"
  }

  expect_failures = [var.project]
}

run "region_must_be_a_region_name" {
  command = plan

  variables {
    region = "eu-west"
  }

  expect_failures = [var.region]
}

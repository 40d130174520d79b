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
  redis_auth_token = "not-a-secret-test-token"
  colours = {
    blue  = { version = "v1.0.0", capacity = 2, weight = 100 }
    green = { version = "v1.0.0", capacity = 0, weight = 0 }
  }
}

run "good_values_at_the_edges" {
  command = plan

  variables {
    project = "ab"
    domain  = "a-b.example.co.uk"
    region  = "us-gov-west-1"
    colours = {
      blue  = { version = "1.2.3", capacity = 0, weight = 0 }
      green = { version = "v1.2.3-rc.1", capacity = 20, weight = 100 }
    }
  }
}

run "colours_must_be_blue_and_green" {
  command = plan

  variables {
    colours = {
      blue = { version = "v1.0.0", capacity = 2, weight = 100 }
      red  = { version = "v1.0.0", capacity = 0, weight = 0 }
    }
  }

  expect_failures = [var.colours]
}

run "colours_weights_must_be_whole" {
  command = plan

  variables {
    colours = {
      blue  = { version = "v1.0.0", capacity = 2, weight = 99.5 }
      green = { version = "v1.0.0", capacity = 0, weight = 0.5 }
    }
  }

  expect_failures = [var.colours]
}

run "colours_weights_must_add_up_to_100" {
  command = plan

  variables {
    colours = {
      blue  = { version = "v1.0.0", capacity = 2, weight = 50 }
      green = { version = "v1.0.0", capacity = 0, weight = 40 }
    }
  }

  expect_failures = [var.colours]
}

run "colours_capacity_at_most_20" {
  command = plan

  variables {
    colours = {
      blue  = { version = "v1.0.0", capacity = 21, weight = 100 }
      green = { version = "v1.0.0", capacity = 0, weight = 0 }
    }
  }

  expect_failures = [var.colours]
}

run "colours_version_must_be_semantic" {
  command = plan

  variables {
    colours = {
      blue  = { version = "v1.0", capacity = 2, weight = 100 }
      green = { version = "v1.0.0", capacity = 0, weight = 0 }
    }
  }

  expect_failures = [var.colours]
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

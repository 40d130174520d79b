# What production's plan hands the release tool, evaluated against a mocked
# provider (no account). `terraform test` sees only this root's resources and
# outputs, not resources inside modules: the modules' own tests assert those
# (IMDSv2, the weighted forward, public access blocks, the health check).

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
    blue  = { version = "v1.0.0", capacity = 2, weight = 90 }
    green = { version = "v1.1.0", capacity = 1, weight = 10 }
  }
}

run "release_mid_switch" {
  command = plan

  assert {
    condition = alltrue([
      output.colours.blue.version == "v1.0.0",
      output.colours.blue.capacity == 2,
      output.colours.blue.weight == 90,
      output.colours.green.version == "v1.1.0",
      output.colours.green.capacity == 1,
      output.colours.green.weight == 10,
    ])
    error_message = "output colours must carry each colour's own version, capacity and weight (the release tool reads them)."
  }

  assert {
    condition     = keys(output.target_group_arns) == ["blue", "green"] && keys(output.autoscaling_group_names) == ["blue", "green"]
    error_message = "Production must have a target group and an autoscaling group per colour."
  }

  assert {
    condition     = output.api_url == "https://api.example.com" && output.pictures_url == "https://pictures.example.com"
    error_message = "The API and the pictures must be served over HTTPS on their subdomains of var.domain."
  }
}

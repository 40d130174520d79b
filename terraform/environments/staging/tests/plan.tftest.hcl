# What staging's plan hands the release tool, evaluated against a mocked
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
  api_version      = "v1.2.0"
  api_capacity     = 3
  redis_auth_token = "not-a-secret-test-token"
}

run "one_colour_takes_all_traffic" {
  command = plan

  assert {
    condition     = keys(output.colours) == ["blue"] && keys(output.target_group_arns) == ["blue"]
    error_message = "Staging must run one colour, blue, with its own target group."
  }

  assert {
    condition = alltrue([
      output.colours.blue.version == "v1.2.0",
      output.colours.blue.capacity == 3,
      output.colours.blue.weight == 100,
    ])
    error_message = "output colours must carry api_version, api_capacity and the whole traffic (the release tool reads them)."
  }

  assert {
    condition     = output.api_url == "https://api-staging.example.com" && output.pictures_url == "https://pictures-staging.example.com"
    error_message = "Staging's API and pictures must be served over HTTPS on their own subdomains, apart from production's."
  }
}

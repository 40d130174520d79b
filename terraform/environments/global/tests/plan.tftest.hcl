# What global's plan hands the environments and Packer, evaluated against a
# mocked provider (no account). `terraform test` sees only this root's
# resources and outputs, not resources inside modules: the modules' own tests
# assert those.

mock_provider "aws" {
  source = "../../testing/aws"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "../../testing/aws"
}

variables {
  project = "myapp"
  domain  = "example.com"
}

run "names_the_environments_and_packer_rely_on" {
  command = plan

  assert {
    condition     = output.project == "myapp" && output.domain == "example.com"
    error_message = "global must hand on project and domain unchanged."
  }

  assert {
    condition     = output.packer_role_name == "myapp-packer" && output.packer_instance_profile_name == "myapp-packer"
    error_message = "Packer's build role and instance profile must be named <project>-packer (packer's build_instance_profile)."
  }

  assert {
    condition     = startswith(output.certificate_arn, "arn:aws:acm:") && startswith(output.cdn_certificate_arn, "arn:aws:acm:us-east-1:")
    error_message = "global must hand on the ACM certificates it looked up."
  }
}

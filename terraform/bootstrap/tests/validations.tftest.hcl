# Every validation of this root's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values at the edges. Plans
# against a mocked provider: no account, no credentials.

mock_provider "aws" {
  source = "../testing/aws"
}

variables {
  project = "myapp"
}

run "good_values_at_the_edges" {
  command = plan

  variables {
    project = "ab"
  }

  assert {
    condition     = output.lock_table == "ab-terraform-lock"
    error_message = "The lock table must be named <project>-terraform-lock, as every backend.hcl names it."
  }
}

run "project_must_be_short_lowercase" {
  command = plan

  variables {
    project = "my-application"
  }

  expect_failures = [var.project]
}

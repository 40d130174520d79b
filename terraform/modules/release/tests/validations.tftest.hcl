# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  project = "myapp"
}

run "good_values_at_the_edges" {
  command = plan

  variables {
    kms_deletion_window_in_days = 7
  }
}

run "kms_deletion_window_in_days_from_7_to_30" {
  command = plan

  variables {
    kms_deletion_window_in_days = 6
  }

  expect_failures = [var.kms_deletion_window_in_days]
}

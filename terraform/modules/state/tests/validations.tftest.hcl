# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  bucket_name     = "myapp-terraform-state"
  lock_table_name = "myapp-terraform-lock"
}

run "good_values" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.lock.name == "myapp-terraform-lock"
    error_message = "The lock table must carry the name the backends use."
  }
}

run "lock_table_name_3_to_255_safe_characters" {
  command = plan

  variables {
    lock_table_name = "ab"
  }

  expect_failures = [var.lock_table_name]
}

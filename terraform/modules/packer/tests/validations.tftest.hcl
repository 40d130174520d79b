# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  project          = "myapp"
  kms_key_arn      = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  read_bucket_arns = ["arn:aws:s3:::myapp-release", "arn:aws:s3:::myapp-configuration"]
}

run "good_values" {
  command = plan
}

run "read_bucket_arns_must_be_bucket_arns" {
  command = plan

  variables {
    read_bucket_arns = ["arn:aws:s3:::myapp-release/*"]
  }

  expect_failures = [var.read_bucket_arns]
}

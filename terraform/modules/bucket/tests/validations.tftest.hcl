# Every validation of this module's variables: one run per rule whose bad value
# breaks that rule alone, and a run with good values whose plan is asserted
# on what security and the release path rest on. Plans against a mocked
# provider: no account, no credentials.

mock_provider "aws" {
  source = "../../testing/aws"
}

variables {
  name = "myapp-pictures"
}

run "good_values_hardened_bucket" {
  command = plan

  variables {
    expiration_days = 1
    cors_rules      = [{ allowed_methods = ["GET"], allowed_origins = ["https://example.com"] }]
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "S3-01: the public access block must set all four flags."
  }

  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "S3-01: ACLs must be disabled (BucketOwnerEnforced)."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "The bucket must be encrypted with KMS by default."
  }
}

run "cors_rules_never_any_origin" {
  command = plan

  variables {
    cors_rules = [{ allowed_methods = ["GET"], allowed_origins = ["*"] }]
  }

  expect_failures = [var.cors_rules]
}

run "expiration_days_at_least_1" {
  command = plan

  variables {
    expiration_days = 0
  }

  expect_failures = [var.expiration_days]
}

run "name_must_be_a_bucket_name" {
  command = plan

  variables {
    name = "MyApp_Pictures"
  }

  expect_failures = [var.name]
}

run "sse_algorithm_kms_or_aes256" {
  command = plan

  variables {
    sse_algorithm = "aws:kms:dsse"
  }

  expect_failures = [var.sse_algorithm]
}

# Remote state storage: a hardened bucket and a DynamoDB lock table. Created
# once per account by ../../bootstrap (the original made both by hand).

module "bucket" {
  source = "../bucket"

  name          = var.bucket_name
  force_destroy = var.force_destroy
}

resource "aws_dynamodb_table" "lock" {
  name         = var.lock_table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "LockID"

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = !var.force_destroy
}

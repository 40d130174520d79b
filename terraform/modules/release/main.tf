# Buckets shared by every environment: releases, configuration (and
# secrets), and the users' SSH public keys that the images sync. All are
# SSE-KMS with one customer managed key that the instance roles may use only
# through S3.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

resource "aws_kms_key" "this" {
  description             = "${var.project}: releases, configuration, secrets and SSH keys"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days

  # Key administration stays with the account; the instance roles get
  # kms:Decrypt in their own policies (via S3 only).
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.project}-release"
  target_key_id = aws_kms_key.this.key_id
}

module "release" {
  source = "../bucket"

  name          = "${var.project}-release"
  kms_key_arn   = aws_kms_key.this.arn
  force_destroy = var.force_destroy
}

module "configuration" {
  source = "../bucket"

  name          = "${var.project}-configuration"
  kms_key_arn   = aws_kms_key.this.arn
  force_destroy = var.force_destroy
}

module "keys" {
  source = "../bucket"

  name          = "${var.project}-keys"
  kms_key_arn   = aws_kms_key.this.arn
  force_destroy = var.force_destroy
}

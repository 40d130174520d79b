# Pictures the API stores, served to browsers through CloudFront (../cdn, as
# the original did) at pictures_hostname. CORS is limited to the
# application's own origins.
#
# SSE-KMS with a customer managed key: CloudFront's origin access control
# cannot decrypt objects under the AWS managed aws/s3 key, so this key lets
# the account administer it and the distribution (by its ARN) decrypt; the
# API role gets Decrypt and GenerateDataKey through S3 in iam.tf.

locals {
  pictures_name = "${local.name}-pictures"
}

resource "aws_kms_key" "pictures" {
  description             = "${var.project} ${var.environment}: picture bucket (S3 and CloudFront)"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_protection ? 30 : 7

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudFrontDecrypts"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = { StringEquals = { "AWS:SourceArn" = module.pictures_cdn.distribution_arn } }
      },
    ]
  })
}

resource "aws_kms_alias" "pictures" {
  name          = "alias/${local.pictures_name}"
  target_key_id = aws_kms_key.pictures.key_id
}

# Policy: the distribution reads (AWS:SourceArn), plus the bucket module's
# TLS-only deny. The API role's access is granted on the role (iam.tf).
module "pictures" {
  source = "../bucket"

  name             = local.pictures_name
  kms_key_arn      = aws_kms_key.pictures.arn
  force_destroy    = var.force_destroy
  policy_documents = [module.pictures_cdn.bucket_policy_json]

  cors_rules = [
    {
      allowed_headers = ["*"]
      allowed_methods = ["GET", "HEAD", "PUT"]
      allowed_origins = var.cors_allowed_origins
      expose_headers  = ["ETag"]
      max_age_seconds = 3000
    },
  ]
}

module "pictures_cdn" {
  source = "../cdn"

  name                        = local.pictures_name
  description                 = "Pictures of ${var.project} ${var.environment}"
  hostname                    = var.pictures_hostname
  zone_id                     = var.zone_id
  certificate_arn             = var.cdn_certificate_arn
  bucket_arn                  = module.pictures.arn
  bucket_regional_domain_name = module.pictures.bucket_regional_domain_name
  price_class                 = var.pictures_price_class
}

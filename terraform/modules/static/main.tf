# Static files: a private bucket served only through CloudFront (../cdn:
# origin access control, SigV4), HTTPS only with TLS 1.2+, under a name of
# the public zone.

data "aws_acm_certificate" "this" {
  provider = aws.us_east_1

  domain      = coalesce(var.certificate_domain, var.domain)
  statuses    = ["ISSUED"]
  most_recent = true
}

locals {
  name = "${var.project}-${var.environment}-static"
}

# SSE-S3: CloudFront through origin access control cannot use the AWS
# managed aws/s3 key.
module "bucket" {
  #checkov:skip=CKV_AWS_145:CloudFront reads through origin access control; objects use SSE-S3 (AES256), as the comment above says.
  source = "../bucket"

  name             = local.name
  sse_algorithm    = "AES256"
  force_destroy    = var.force_destroy
  policy_documents = [module.cdn.bucket_policy_json]
}

module "cdn" {
  source = "../cdn"

  name                        = local.name
  description                 = "Static files of ${var.project} ${var.environment}"
  hostname                    = var.hostname
  zone_id                     = var.zone_id
  certificate_arn             = data.aws_acm_certificate.this.arn
  bucket_arn                  = module.bucket.arn
  bucket_regional_domain_name = module.bucket.bucket_regional_domain_name
  default_root_object         = var.default_root_object
  price_class                 = var.price_class
  web_acl_id                  = var.web_acl_id
}

# The distribution moved into ../cdn (shared with the picture bucket).
moved {
  from = aws_cloudfront_origin_access_control.this
  to   = module.cdn.aws_cloudfront_origin_access_control.this
}

moved {
  from = aws_cloudfront_distribution.this
  to   = module.cdn.aws_cloudfront_distribution.this
}

moved {
  from = aws_route53_record.this
  to   = module.cdn.aws_route53_record.this
}

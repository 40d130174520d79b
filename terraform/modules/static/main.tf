# Static files: a private bucket served only through CloudFront (origin
# access control, SigV4), HTTPS only with TLS 1.2+, under a name of the
# public zone.

data "aws_acm_certificate" "this" {
  provider = aws.us_east_1

  domain      = coalesce(var.certificate_domain, var.domain)
  statuses    = ["ISSUED"]
  most_recent = true
}

locals {
  name       = "${var.project}-${var.environment}-static"
  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${local.name}"

  # AWS managed cache policy "CachingOptimized".
  caching_optimized_policy_id = "658327ea-f89d-4fab-a63d-7e88639e58f6"
}

data "aws_partition" "current" {}

# Only this distribution may read, proven by its ARN (AWS:SourceArn).
data "aws_iam_policy_document" "cloudfront" {
  statement {
    sid       = "CloudFrontRead"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.this.arn]
    }
  }
}

# SSE-S3: CloudFront through origin access control cannot use the AWS
# managed aws/s3 key.
module "bucket" {
  source = "../bucket"

  name             = local.name
  sse_algorithm    = "AES256"
  force_destroy    = var.force_destroy
  policy_documents = [data.aws_iam_policy_document.cloudfront.json]
}

resource "aws_cloudfront_origin_access_control" "this" {
  name                              = local.name
  description                       = "Static files of ${var.project} ${var.environment}"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_68:A WAF web ACL is an account-level choice; attach one through web_acl_id when the static site needs it.
  enabled             = true
  comment             = local.name
  aliases             = [var.hostname]
  default_root_object = var.default_root_object
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  price_class         = var.price_class
  web_acl_id          = var.web_acl_id

  origin {
    origin_id                = "s3"
    domain_name              = module.bucket.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.this.id
  }

  default_cache_behavior {
    target_origin_id       = "s3"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    compress               = true
    cache_policy_id        = local.caching_optimized_policy_id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = data.aws_acm_certificate.this.arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

resource "aws_route53_record" "this" {
  for_each = toset(["A", "AAAA"])

  zone_id = var.zone_id
  name    = var.hostname
  type    = each.key

  alias {
    name                   = aws_cloudfront_distribution.this.domain_name
    zone_id                = aws_cloudfront_distribution.this.hosted_zone_id
    evaluate_target_health = false
  }
}

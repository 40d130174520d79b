# A CloudFront distribution in front of one private S3 bucket: origin access
# control (SigV4, always signing), HTTPS only with TLS 1.2+, an ACM
# certificate from us-east-1, and A/AAAA alias records for its public name.
# The bucket stays the caller's: it adds bucket_policy_json to the bucket's
# policy so that only this distribution can read.

locals {
  # AWS managed cache policy "CachingOptimized".
  caching_optimized_policy_id = "658327ea-f89d-4fab-a63d-7e88639e58f6"
}

resource "aws_cloudfront_origin_access_control" "this" {
  name                              = var.name
  description                       = var.description
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_68:A WAF web ACL is an account-level choice; attach one through web_acl_id when the site needs it.
  enabled             = true
  comment             = var.name
  aliases             = [var.hostname]
  default_root_object = var.default_root_object
  is_ipv6_enabled     = true
  http_version        = "http2and3"
  price_class         = var.price_class
  web_acl_id          = var.web_acl_id

  origin {
    origin_id                = "s3"
    domain_name              = var.bucket_regional_domain_name
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
    acm_certificate_arn      = var.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

# Only this distribution may read, proven by its ARN (AWS:SourceArn).
data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "CloudFrontRead"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/*"]

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

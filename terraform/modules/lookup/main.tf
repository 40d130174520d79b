# What every environment reads from the account: the public zone and the
# certificates (created outside terraform, as in the original), and, when
# global has run, the release buckets and key by their deterministic names.
# Lookups instead of remote state keep each environment plannable alone.

data "aws_route53_zone" "public" {
  name         = var.domain
  private_zone = false
}

data "aws_acm_certificate" "regional" {
  domain      = local.certificate_domain
  statuses    = ["ISSUED"]
  most_recent = true
}

data "aws_acm_certificate" "cdn" {
  provider = aws.us_east_1

  domain      = local.certificate_domain
  statuses    = ["ISSUED"]
  most_recent = true
}

locals {
  certificate_domain = coalesce(var.certificate_domain, var.domain)
}

data "aws_s3_bucket" "release" {
  for_each = var.enable_release_lookup ? toset(["release", "configuration", "keys"]) : toset([])

  bucket = "${var.project}-${each.key}"
}

data "aws_kms_alias" "release" {
  count = var.enable_release_lookup ? 1 : 0

  name = "alias/${var.project}-release"
}

output "cdn_certificate_arn" {
  description = "Certificate in us-east-1 (CloudFront)."
  value       = data.aws_acm_certificate.cdn.arn
}

output "certificate_arn" {
  description = "Certificate in the environment's region (ALB)."
  value       = data.aws_acm_certificate.regional.arn
}

output "configuration_bucket" {
  description = "Configuration bucket, null without the release lookup."
  value       = var.enable_release_lookup ? data.aws_s3_bucket.release["configuration"].id : null
}

output "keys_bucket" {
  description = "SSH keys bucket, null without the release lookup."
  value       = var.enable_release_lookup ? data.aws_s3_bucket.release["keys"].id : null
}

output "kms_key_arn" {
  description = "Key of the release buckets, null without the release lookup."
  value       = var.enable_release_lookup ? data.aws_kms_alias.release[0].target_key_arn : null
}

output "release_bucket" {
  description = "Release bucket, null without the release lookup."
  value       = var.enable_release_lookup ? data.aws_s3_bucket.release["release"].id : null
}

output "zone_id" {
  description = "Public zone id."
  value       = data.aws_route53_zone.public.zone_id
}

output "zone_name" {
  description = "Public zone name."
  value       = data.aws_route53_zone.public.name
}

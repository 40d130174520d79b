output "cdn_certificate_arn" {
  description = "ACM certificate in us-east-1 (CloudFront)."
  value       = module.lookup.cdn_certificate_arn
}

output "certificate_arn" {
  description = "ACM certificate in the region (ALB)."
  value       = module.lookup.certificate_arn
}

output "configuration_bucket" {
  description = "Configuration and secrets bucket."
  value       = module.release.configuration_bucket
}

output "domain" {
  description = "Public domain."
  value       = var.domain
}

output "keys_bucket" {
  description = "SSH public keys bucket."
  value       = module.release.keys_bucket
}

output "kms_key_arn" {
  description = "KMS key of the release, configuration and keys buckets."
  value       = module.release.kms_key_arn
}

output "packer_instance_profile_name" {
  description = "Instance profile for Packer build instances."
  value       = module.packer.build_instance_profile_name
}

output "packer_role_name" {
  description = "Role of the Packer build instances."
  value       = module.packer.build_role_name
}

output "packer_runner_policy_arn" {
  description = "Managed policy to attach to the identity that runs Packer."
  value       = module.packer.runner_policy_arn
}

output "project" {
  description = "Project name prefix."
  value       = var.project
}

output "release_bucket" {
  description = "Release bucket."
  value       = module.release.release_bucket
}

output "zone_id" {
  description = "Public Route 53 zone id."
  value       = module.lookup.zone_id
}

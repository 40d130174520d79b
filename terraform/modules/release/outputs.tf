output "configuration_bucket" {
  description = "Configuration and secrets bucket (<environment>/<component>/ prefixes)."
  value       = module.configuration.id
}

output "configuration_bucket_arn" {
  description = "Configuration bucket ARN."
  value       = module.configuration.arn
}

output "keys_bucket" {
  description = "SSH public keys bucket (<environment>/<user>.pub)."
  value       = module.keys.id
}

output "keys_bucket_arn" {
  description = "Keys bucket ARN."
  value       = module.keys.arn
}

output "kms_alias" {
  description = "Alias of the key (environments look the key up by it)."
  value       = aws_kms_alias.this.name
}

output "kms_key_arn" {
  description = "KMS key of the three buckets."
  value       = aws_kms_key.this.arn
}

output "release_bucket" {
  description = "Release bucket (<component>/<version>/ prefixes)."
  value       = module.release.id
}

output "release_bucket_arn" {
  description = "Release bucket ARN."
  value       = module.release.arn
}

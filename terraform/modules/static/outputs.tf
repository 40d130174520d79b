output "bucket" {
  description = "Static files bucket."
  value       = module.bucket.id
}

output "distribution_arn" {
  description = "CloudFront distribution ARN."
  value       = module.cdn.distribution_arn
}

output "distribution_domain_name" {
  description = "CloudFront domain name."
  value       = module.cdn.distribution_domain_name
}

output "distribution_id" {
  description = "CloudFront distribution id (cache invalidations)."
  value       = module.cdn.distribution_id
}

output "hostname" {
  description = "Public name of the static site."
  value       = var.hostname
}

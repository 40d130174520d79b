output "bucket" {
  description = "Static files bucket."
  value       = module.bucket.id
}

output "distribution_arn" {
  description = "CloudFront distribution ARN."
  value       = aws_cloudfront_distribution.this.arn
}

output "distribution_domain_name" {
  description = "CloudFront domain name."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "distribution_id" {
  description = "CloudFront distribution id (cache invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "hostname" {
  description = "Public name of the static site."
  value       = var.hostname
}

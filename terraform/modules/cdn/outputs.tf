output "bucket_policy_json" {
  description = "Bucket policy statement letting only this distribution read objects; add it to the origin bucket's policy."
  value       = data.aws_iam_policy_document.bucket.json
}

output "distribution_arn" {
  description = "CloudFront distribution ARN (AWS:SourceArn of its requests)."
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
  description = "Public name of the distribution."
  value       = var.hostname
}

output "arn" {
  description = "Bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name (CloudFront origins)."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "id" {
  description = "Bucket name, available once the policy and controls are applied."
  value       = aws_s3_bucket.this.id

  depends_on = [
    aws_s3_bucket_ownership_controls.this,
    aws_s3_bucket_policy.this,
    aws_s3_bucket_server_side_encryption_configuration.this,
  ]
}

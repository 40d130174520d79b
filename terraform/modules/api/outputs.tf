output "alb_arn" {
  description = "Load balancer ARN."
  value       = aws_lb.this.arn
}

output "alb_dns_name" {
  description = "Load balancer DNS name."
  value       = aws_lb.this.dns_name
}

output "alb_log_bucket" {
  description = "Bucket receiving the ALB access logs."
  value       = module.alb_log_bucket.id
}

output "alb_security_group_id" {
  description = "Load balancer security group."
  value       = aws_security_group.alb.id
}

output "api_security_group_id" {
  description = "Security group of the API instances."
  value       = aws_security_group.api.id
}

output "hostname" {
  description = "Public name of the API."
  value       = var.hostname
}

output "http_listener_arn" {
  description = "HTTP listener (redirects to HTTPS)."
  value       = aws_lb_listener.http.arn
}

output "https_listener_arn" {
  description = "HTTPS listener carrying the weighted forward."
  value       = aws_lb_listener.https.arn
}

output "instance_profile_name" {
  description = "Instance profile of the API instances."
  value       = module.role.instance_profile_name
}

output "pictures_bucket" {
  description = "Picture bucket."
  value       = module.pictures.id
}

output "pictures_distribution_id" {
  description = "CloudFront distribution of the pictures (cache invalidations)."
  value       = module.pictures_cdn.distribution_id
}

output "pictures_hostname" {
  description = "Public name of the picture CDN."
  value       = module.pictures_cdn.hostname
}

output "pictures_kms_key_arn" {
  description = "Customer managed key of the picture bucket."
  value       = aws_kms_key.pictures.arn
}

output "redis_primary_endpoint" {
  description = "Redis primary endpoint (TLS, AUTH)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "redis_security_group_id" {
  description = "Redis security group."
  value       = aws_security_group.redis.id
}

output "role_name" {
  description = "Role of the API instances."
  value       = module.role.role_name
}

output "target_group_arns" {
  description = "Target group ARN per colour."
  value       = { for colour, tg in aws_lb_target_group.this : colour => tg.arn }
}

output "alb_dns_name" {
  description = "DNS name of the load balancer."
  value       = module.api.alb_dns_name
}

output "api_url" {
  description = "Public URL of the API."
  value       = "https://${module.api.hostname}"
}

output "autoscaling_group_names" {
  description = "API autoscaling group per colour."
  value       = { blue = module.deploy.autoscaling_group_name }
}

output "bastion_autoscaling_group_name" {
  description = "Bastion autoscaling group (desired 0 or 1)."
  value       = module.bastion.autoscaling_group_name
}

output "bastion_security_group_id" {
  description = "Bastion security group."
  value       = module.bastion.security_group_id
}

output "colours" {
  description = "Per colour: autoscaling group, target group, version, capacity and weight (what the release tool reads)."
  value = {
    blue = {
      autoscaling_group_name = module.deploy.autoscaling_group_name
      target_group_arn       = module.api.target_group_arns["blue"]
      version                = var.api_version
      capacity               = var.api_capacity
      weight                 = 100
    }
  }
}

output "https_listener_arn" {
  description = "HTTPS listener with the weighted forward."
  value       = module.api.https_listener_arn
}

output "pictures_bucket" {
  description = "Picture bucket."
  value       = module.api.pictures_bucket
}

output "pictures_distribution_id" {
  description = "CloudFront distribution of the pictures."
  value       = module.api.pictures_distribution_id
}

output "pictures_url" {
  description = "Public URL of the picture CDN."
  value       = "https://${module.api.pictures_hostname}"
}

output "private_subnet_ids" {
  description = "Private subnets."
  value       = module.network.private_subnet_ids
}

output "private_zone_name" {
  description = "Private zone of the environment."
  value       = module.network.private_zone_name
}

output "public_subnet_ids" {
  description = "Public subnets."
  value       = module.network.public_subnet_ids
}

output "redis_primary_endpoint" {
  description = "Redis primary endpoint (TLS, AUTH)."
  value       = module.api.redis_primary_endpoint
}

output "static_bucket" {
  description = "Static files bucket."
  value       = module.static.bucket
}

output "static_distribution_id" {
  description = "CloudFront distribution of the static site."
  value       = module.static.distribution_id
}

output "static_url" {
  description = "Public URL of the static site."
  value       = "https://${module.static.hostname}"
}

output "target_group_arns" {
  description = "Target group ARN per colour."
  value       = module.api.target_group_arns
}

output "vpc_id" {
  description = "VPC id."
  value       = module.network.vpc_id
}

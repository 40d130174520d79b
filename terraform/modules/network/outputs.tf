output "availability_zones" {
  description = "AZs the subnets are spread over."
  value       = keys(local.azs)
}

output "endpoint_security_group_id" {
  description = "Security group of the interface endpoints."
  value       = aws_security_group.endpoints.id
}

output "flow_log_bucket" {
  description = "Bucket receiving the VPC flow logs."
  value       = module.flow_log_bucket.id
}

output "interface_endpoint_services" {
  description = "Services reachable through interface endpoints."
  value       = keys(aws_vpc_endpoint.interface)
}

output "nat_public_ips" {
  description = "Public IPv4 addresses of the NAT gateways."
  value       = [for az in keys(local.nat_azs) : aws_eip.nat[az].public_ip]
}

output "private_route_table_ids" {
  description = "Private route tables, one per AZ, in AZ order."
  value       = [for az in keys(local.azs) : aws_route_table.private[az].id]
}

output "private_subnet_ids" {
  description = "Private subnets, one per AZ, in AZ order."
  value       = [for az in keys(local.azs) : aws_subnet.private[az].id]
}

output "private_zone_id" {
  description = "Private Route 53 zone id."
  value       = aws_route53_zone.private.zone_id
}

output "private_zone_name" {
  description = "Private Route 53 zone name (<environment>.internal.<domain>)."
  value       = aws_route53_zone.private.name
}

output "public_route_table_id" {
  description = "Public route table."
  value       = aws_route_table.public.id
}

output "public_subnet_ids" {
  description = "Public subnets, one per AZ, in AZ order."
  value       = [for az in keys(local.azs) : aws_subnet.public[az].id]
}

output "s3_endpoint_id" {
  description = "S3 gateway endpoint."
  value       = aws_vpc_endpoint.s3.id
}

output "s3_prefix_list_id" {
  description = "Prefix list of S3, for security group egress rules."
  value       = aws_vpc_endpoint.s3.prefix_list_id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "vpc_id" {
  description = "VPC id."
  value       = aws_vpc.this.id
}

output "vpc_ipv6_cidr_block" {
  description = "IPv6 CIDR AWS assigned to the VPC."
  value       = aws_vpc.this.ipv6_cidr_block
}

# VPC endpoints (CRED-02): the instance roles carry a Deny for calls that do
# not come from inside their VPC, so every service they are granted must be
# reachable through an endpoint: S3 through the gateway endpoint, the rest
# through interface endpoints with private DNS.

resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids = concat(
    [aws_route_table.public.id],
    [for az in keys(local.azs) : aws_route_table.private[az].id],
  )

  tags = { Name = "${local.name}-s3" }
}

resource "aws_security_group" "endpoints" {
  name        = "${local.name}-endpoints"
  description = "Interface VPC endpoints: HTTPS from inside the VPC only"
  vpc_id      = aws_vpc.this.id

  tags = { Name = "${local.name}-endpoints" }
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_ipv4" {
  security_group_id = aws_security_group.endpoints.id
  description       = "HTTPS from the VPC (IPv4)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = aws_vpc.this.cidr_block
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_ipv6" {
  security_group_id = aws_security_group.endpoints.id
  description       = "HTTPS from the VPC (IPv6)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv6         = aws_vpc.this.ipv6_cidr_block
}

resource "aws_vpc_endpoint" "interface" {
  for_each = toset(var.interface_endpoint_services)

  vpc_id              = aws_vpc.this.id
  service_name        = "com.amazonaws.${data.aws_region.current.name}.${each.key}"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [for az in keys(local.azs) : aws_subnet.private[az].id]
  security_group_ids  = [aws_security_group.endpoints.id]

  tags = { Name = "${local.name}-${each.key}" }
}

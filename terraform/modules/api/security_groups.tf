# ALB: the only security group open to the world, and only on 80 and 443.
resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "API load balancer: HTTP and HTTPS from anywhere"
  vpc_id      = var.vpc_id

  tags = { Name = "${local.name}-alb" }
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  #checkov:skip=CKV_AWS_260:The internet-facing ALB is the one entry point; port 80 only answers with a redirect to 443 (NET-01 allow-list).
  for_each = {
    https_ipv4 = { port = 443, cidr_ipv4 = "0.0.0.0/0", cidr_ipv6 = null }
    https_ipv6 = { port = 443, cidr_ipv4 = null, cidr_ipv6 = "::/0" }
    http_ipv4  = { port = 80, cidr_ipv4 = "0.0.0.0/0", cidr_ipv6 = null }
    http_ipv6  = { port = 80, cidr_ipv4 = null, cidr_ipv6 = "::/0" }
  }

  security_group_id = aws_security_group.alb.id
  description       = "${upper(split("_", each.key)[0])} from anywhere (${split("_", each.key)[1]})"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = each.value.cidr_ipv4
  cidr_ipv6         = each.value.cidr_ipv6
}

resource "aws_vpc_security_group_egress_rule" "alb_to_api" {
  security_group_id            = aws_security_group.alb.id
  description                  = "API port on the API instances"
  ip_protocol                  = "tcp"
  from_port                    = var.api_port
  to_port                      = var.api_port
  referenced_security_group_id = aws_security_group.api.id
}

# API instances: traffic from the ALB, SSH from the bastion.
resource "aws_security_group" "api" {
  name        = "${local.name}-api"
  description = "API instances: API port from the ALB, SSH from the bastion"
  vpc_id      = var.vpc_id

  tags = { Name = "${local.name}-api" }
}

resource "aws_vpc_security_group_ingress_rule" "api_from_alb" {
  security_group_id            = aws_security_group.api.id
  description                  = "API port from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.api_port
  to_port                      = var.api_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_ingress_rule" "api_ssh_from_bastion" {
  #checkov:skip=CKV_AWS_24:The source is the bastion's security group (referenced_security_group_id), never a CIDR.
  security_group_id            = aws_security_group.api.id
  description                  = "SSH from the bastion"
  ip_protocol                  = "tcp"
  from_port                    = 22
  to_port                      = 22
  referenced_security_group_id = var.bastion_security_group_id
}

# Erlang clustering (EPMD and the distribution port range) between API
# instances only.
resource "aws_vpc_security_group_ingress_rule" "api_cluster" {
  for_each = var.enable_clustering ? {
    epmd         = { from = 4369, to = 4369 }
    distribution = { from = var.distribution_port_range.from, to = var.distribution_port_range.to }
  } : {}

  security_group_id            = aws_security_group.api.id
  description                  = "Erlang ${each.key} from other API instances"
  ip_protocol                  = "tcp"
  from_port                    = each.value.from
  to_port                      = each.value.to
  referenced_security_group_id = aws_security_group.api.id
}

resource "aws_vpc_security_group_egress_rule" "api_cluster" {
  for_each = var.enable_clustering ? {
    epmd         = { from = 4369, to = 4369 }
    distribution = { from = var.distribution_port_range.from, to = var.distribution_port_range.to }
  } : {}

  security_group_id            = aws_security_group.api.id
  description                  = "Erlang ${each.key} to other API instances"
  ip_protocol                  = "tcp"
  from_port                    = each.value.from
  to_port                      = each.value.to
  referenced_security_group_id = aws_security_group.api.id
}

resource "aws_vpc_security_group_egress_rule" "api_https" {
  for_each = { ipv4 = "0.0.0.0/0", ipv6 = "::/0" }

  security_group_id = aws_security_group.api.id
  description       = "HTTPS to AWS APIs (S3 gateway, VPC endpoints) and outside services (${each.key})"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.key == "ipv4" ? each.value : null
  cidr_ipv6         = each.key == "ipv6" ? each.value : null
}

resource "aws_vpc_security_group_egress_rule" "api_to_redis" {
  security_group_id            = aws_security_group.api.id
  description                  = "Redis"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.redis.id
}

# Redis: only the API instances.
resource "aws_security_group" "redis" {
  name        = "${local.name}-redis"
  description = "Redis: 6379 from the API instances only"
  vpc_id      = var.vpc_id

  tags = { Name = "${local.name}-redis" }
}

resource "aws_vpc_security_group_ingress_rule" "redis_from_api" {
  security_group_id            = aws_security_group.redis.id
  description                  = "Redis from the API instances"
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  referenced_security_group_id = aws_security_group.api.id
}

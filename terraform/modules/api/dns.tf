resource "aws_route53_record" "api" {
  for_each = toset(var.ip_address_type == "dualstack" ? ["A", "AAAA"] : ["A"])

  zone_id = var.zone_id
  name    = var.hostname
  type    = each.key

  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}

# Inside the VPC: redis.<environment>.internal.<domain>.
resource "aws_route53_record" "redis" {
  zone_id = var.private_zone_id
  name    = "redis.${var.private_zone_name}"
  type    = "CNAME"
  ttl     = 300
  records = [aws_elasticache_replication_group.this.primary_endpoint_address]
}

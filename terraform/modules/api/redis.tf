resource "aws_elasticache_subnet_group" "this" {
  name        = "${local.name}-redis"
  description = "Private subnets of ${local.name}"
  subnet_ids  = var.private_subnet_ids
}

# A replication group (not a bare cluster) because in-transit encryption and
# AUTH need one. The token comes from the redis_auth_token variable: the
# only provider available offline is hashicorp/aws, and a variable keeps the
# second plan empty where a generated value would need ignore_changes.
resource "aws_elasticache_replication_group" "this" {
  replication_group_id       = substr("${local.name}-redis", 0, 40)
  description                = "Redis of ${local.name}"
  engine                     = "redis"
  engine_version             = var.redis_engine_version
  node_type                  = var.redis_node_type
  num_cache_clusters         = var.redis_num_cache_clusters
  port                       = 6379
  parameter_group_name       = var.redis_parameter_group_name
  subnet_group_name          = aws_elasticache_subnet_group.this.name
  security_group_ids         = [aws_security_group.redis.id]
  automatic_failover_enabled = var.redis_automatic_failover
  multi_az_enabled           = var.redis_automatic_failover
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = var.redis_auth_token
  snapshot_retention_limit   = var.redis_snapshot_retention_limit
  apply_immediately          = true

  tags = { Name = "${local.name}-redis" }
}

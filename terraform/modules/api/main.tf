# The API tier that outlives any one release: load balancer with a target
# group per colour, security groups, the instance role, Redis, the picture
# bucket and DNS. The deploy module attaches autoscaling groups per colour.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  name       = "${var.project}-${var.environment}"
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  s3_arn     = "arn:${local.partition}:s3:::"
}

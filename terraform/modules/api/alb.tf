locals {
  alb_log_bucket_name = "${local.name}-alb-logs"
  alb_log_prefix      = "alb"
}

data "aws_elb_service_account" "current" {}

# ELB access log delivery: the regional ELB account (older regions) and the
# log delivery service principal (regions opened since 2022).
data "aws_iam_policy_document" "alb_logs" {
  statement {
    sid       = "ElbAccountLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${local.s3_arn}${local.alb_log_bucket_name}/${local.alb_log_prefix}/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }

  statement {
    sid       = "ElbServiceLogDelivery"
    actions   = ["s3:PutObject"]
    resources = ["${local.s3_arn}${local.alb_log_bucket_name}/${local.alb_log_prefix}/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }
}

# ALB access logs only support SSE-S3 (AES256).
module "alb_log_bucket" {
  #checkov:skip=CKV_AWS_145:ELB access log delivery only supports SSE-S3 (AES256) buckets.
  source = "../bucket"

  name             = local.alb_log_bucket_name
  sse_algorithm    = "AES256"
  expiration_days  = var.log_retention_days
  force_destroy    = var.force_destroy
  policy_documents = [data.aws_iam_policy_document.alb_logs.json]
}

resource "aws_lb" "this" {
  name                       = substr(local.name, 0, 32)
  internal                   = false
  load_balancer_type         = "application"
  ip_address_type            = var.ip_address_type
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 60

  access_logs {
    bucket  = module.alb_log_bucket.id
    prefix  = local.alb_log_prefix
    enabled = true
  }

  tags = { Name = local.name }
}

# One target group per colour; the deploy module puts an autoscaling group in it.
resource "aws_lb_target_group" "this" {
  for_each = var.colours

  name                 = substr("${local.name}-${each.key}", 0, 32)
  port                 = var.api_port
  protocol             = "HTTP"
  target_type          = "instance"
  vpc_id               = var.vpc_id
  deregistration_delay = var.deregistration_delay

  health_check {
    enabled             = true
    path                = var.health_check_path
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = { Name = "${local.name}-${each.key}", colour = each.key }
}

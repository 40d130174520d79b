data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  flow_log_bucket_name = "${local.name}-flow-logs"
  flow_log_bucket_arn  = "arn:${data.aws_partition.current.partition}:s3:::${local.flow_log_bucket_name}"
}

# Log delivery writes as delivery.logs.amazonaws.com, scoped to this account.
data "aws_iam_policy_document" "flow_logs" {
  statement {
    sid       = "AWSLogDeliveryWrite"
    actions   = ["s3:PutObject"]
    resources = ["${local.flow_log_bucket_arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }

  statement {
    sid       = "AWSLogDeliveryAclCheck"
    actions   = ["s3:GetBucketAcl"]
    resources = [local.flow_log_bucket_arn]

    principals {
      type        = "Service"
      identifiers = ["delivery.logs.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# SSE-S3: log delivery to S3 with SSE-KMS needs a customer managed key whose
# policy trusts the delivery service; AES256 keeps the log bucket simple.
module "flow_log_bucket" {
  #checkov:skip=CKV_AWS_145:Flow log delivery with SSE-KMS needs a customer managed key trusting the delivery service; logs use SSE-S3 (AES256).
  source = "../bucket"

  name             = local.flow_log_bucket_name
  sse_algorithm    = "AES256"
  expiration_days  = var.flow_log_retention_days
  force_destroy    = var.force_destroy
  policy_documents = [data.aws_iam_policy_document.flow_logs.json]
}

resource "aws_flow_log" "this" {
  vpc_id               = aws_vpc.this.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = module.flow_log_bucket.arn

  tags = { Name = local.name }

  depends_on = [module.flow_log_bucket]
}

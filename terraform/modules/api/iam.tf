# The API's instance role: read its release (<app_name>/) and its
# environment's configuration and secrets (<environment>/<app_name>/), use
# the picture bucket (with its key), decrypt with the release key through
# S3. Only S3 and KMS are granted, both reachable through VPC endpoints
# (CRED-02); the credential guard comes from ../instance-role.

locals {
  release_bucket_arn       = "${local.s3_arn}${var.release_bucket_name}"
  configuration_bucket_arn = "${local.s3_arn}${var.configuration_bucket_name}"
  keys_bucket_arn          = "${local.s3_arn}${var.keys_bucket_name}"
  release_prefix           = var.app_name
  configuration_prefix     = "${var.environment}/${var.app_name}"
}

data "aws_iam_policy_document" "api" {
  statement {
    sid     = "ReadRelease"
    actions = ["s3:GetObject"]
    resources = [
      "${local.release_bucket_arn}/${local.release_prefix}/*",
    ]
  }

  statement {
    sid     = "ReadConfigurationAndSecrets"
    actions = ["s3:GetObject"]
    resources = [
      "${local.configuration_bucket_arn}/${local.configuration_prefix}/*",
    ]
  }

  statement {
    sid     = "ReadSshKeys"
    actions = ["s3:GetObject"]
    resources = [
      "${local.keys_bucket_arn}/${var.keys_prefix}/*",
    ]
  }

  statement {
    sid       = "ListRelease"
    actions   = ["s3:ListBucket"]
    resources = [local.release_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.release_prefix}/", "${local.release_prefix}/*"]
    }
  }

  statement {
    sid       = "ListConfiguration"
    actions   = ["s3:ListBucket"]
    resources = [local.configuration_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.configuration_prefix}/", "${local.configuration_prefix}/*"]
    }
  }

  statement {
    sid       = "ListSshKeys"
    actions   = ["s3:ListBucket"]
    resources = [local.keys_bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${var.keys_prefix}/", "${var.keys_prefix}/*"]
    }
  }

  statement {
    sid       = "ListPictures"
    actions   = ["s3:ListBucket"]
    resources = [module.pictures.arn]
  }

  statement {
    sid = "ReadWritePictures"
    actions = [
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:PutObject",
    ]
    resources = ["${module.pictures.arn}/*"]
  }

  statement {
    sid = "UsePicturesKeyThroughS3"
    actions = [
      "kms:Decrypt",
      "kms:GenerateDataKey",
    ]
    resources = [aws_kms_key.pictures.arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${data.aws_region.current.name}.amazonaws.com"]
    }
  }

  statement {
    sid       = "DecryptThroughS3"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${data.aws_region.current.name}.amazonaws.com"]
    }
  }
}

module "role" {
  source = "../instance-role"

  name        = "${local.name}-api"
  description = "API instances of ${var.project} ${var.environment}"
  policy_json = data.aws_iam_policy_document.api.json
}

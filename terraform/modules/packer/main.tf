# Machine image builds: the role the build instances run with, and the
# managed policy for the identity that runs Packer (a CI role or a person).

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  name       = "${var.project}-packer"
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  ec2_arn    = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"
}

# Build instances read the release and the configuration (through S3 only).
data "aws_iam_policy_document" "build" {
  statement {
    sid       = "ReadReleasesAndConfiguration"
    actions   = ["s3:GetObject"]
    resources = [for arn in var.read_bucket_arns : "${arn}/*"]
  }

  statement {
    sid       = "ListReleasesAndConfiguration"
    actions   = ["s3:ListBucket"]
    resources = var.read_bucket_arns
  }

  statement {
    sid       = "DecryptThroughS3"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${local.region}.amazonaws.com"]
    }
  }
}

module "build_role" {
  source = "../instance-role"

  name        = local.name
  description = "Packer build instances of ${var.project}"
  policy_json = data.aws_iam_policy_document.build.json
}

# What the amazon-ebs builder calls. Describe* calls take no resource-level
# permissions; everything else is scoped to this account and region, and
# PassRole only hands the build role to EC2.
data "aws_iam_policy_document" "runner" {
  statement {
    sid = "Describe"
    actions = [
      "ec2:DescribeImages",
      "ec2:DescribeInstanceStatus",
      "ec2:DescribeInstances",
      "ec2:DescribeRegions",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSnapshots",
      "ec2:DescribeSubnets",
      "ec2:DescribeTags",
      "ec2:DescribeVolumes",
      "ec2:DescribeVpcs",
    ]
    resources = ["*"]
  }

  statement {
    sid = "RunBuildInstances"
    actions = [
      "ec2:RunInstances",
    ]
    resources = [
      "${local.ec2_arn}:instance/*",
      "${local.ec2_arn}:key-pair/*",
      "${local.ec2_arn}:network-interface/*",
      "${local.ec2_arn}:security-group/*",
      "${local.ec2_arn}:subnet/*",
      "${local.ec2_arn}:volume/*",
      "arn:${local.partition}:ec2:${local.region}::image/*",
    ]
  }

  statement {
    sid = "ManageBuildResources"
    actions = [
      "ec2:AttachVolume",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateKeyPair",
      "ec2:CreateSecurityGroup",
      "ec2:CreateSnapshot",
      "ec2:CreateTags",
      "ec2:CreateVolume",
      "ec2:DeleteKeyPair",
      "ec2:DeleteSecurityGroup",
      "ec2:DeleteSnapshot",
      "ec2:DeleteVolume",
      "ec2:DetachVolume",
      "ec2:ModifyInstanceAttribute",
      "ec2:StopInstances",
      "ec2:TerminateInstances",
    ]
    resources = [
      "${local.ec2_arn}:instance/*",
      "${local.ec2_arn}:key-pair/*",
      "${local.ec2_arn}:security-group/*",
      "${local.ec2_arn}:volume/*",
      "${local.ec2_arn}:vpc/*",
      "arn:${local.partition}:ec2:${local.region}::snapshot/*",
    ]
  }

  statement {
    sid = "ManageImages"
    actions = [
      "ec2:CopyImage",
      "ec2:CreateImage",
      "ec2:CreateTags",
      "ec2:DeregisterImage",
      "ec2:DescribeImageAttribute",
      "ec2:ModifyImageAttribute",
      "ec2:ModifySnapshotAttribute",
      "ec2:RegisterImage",
    ]
    resources = [
      "${local.ec2_arn}:instance/*",
      "arn:${local.partition}:ec2:${local.region}::image/*",
      "arn:${local.partition}:ec2:${local.region}::snapshot/*",
    ]
  }

  statement {
    sid       = "ReadBuildProfile"
    actions   = ["iam:GetInstanceProfile"]
    resources = [module.build_role.instance_profile_arn]
  }

  statement {
    sid       = "PassBuildRoleToEc2"
    actions   = ["iam:PassRole"]
    resources = [module.build_role.role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "runner" {
  name        = "${local.name}-runner"
  description = "What the identity running Packer needs to build ${var.project} images"
  policy      = data.aws_iam_policy_document.runner.json
}
